//! Label sheet templates a print can use: the built-in ones (published geometry, in code) and each
//! workspace's own, defined in the UI/API or imported from gLabels files, stored as JSON geometry.

use serde::{Deserialize, Serialize};
use tagdesk_labels::geometry::{self, LabelShape, Layout, PageSize, SheetTemplate};
use tagdesk_labels::glabels::SkipKind;
use tagdesk_store::labels::{self as store, TemplateRow};

use super::{blocking, label_error};
use crate::{Actor, App, AppError, AppResult, audit};

/// Where a template comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TemplateSource {
    /// Shipped with Tagdesk.
    Builtin,
    /// Defined by a workspace admin.
    Custom,
    /// Imported from a gLabels template file.
    Glabels,
}

/// A template as pages, the API and the CLI show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TemplateView {
    /// The id prints refer to, e.g. `avery-l7160`.
    pub slug: String,
    pub source: TemplateSource,
    /// Labels per page.
    pub labels_per_page: u32,
    /// The geometry.
    pub template: SheetTemplate,
}

impl TemplateView {
    fn builtin(template: SheetTemplate) -> Self {
        Self {
            slug: template.id.clone(),
            source: TemplateSource::Builtin,
            labels_per_page: template.labels_per_page(),
            template,
        }
    }

    fn from_row(row: &TemplateRow) -> AppResult<Self> {
        let template: SheetTemplate = serde_json::from_str(&row.geometry)
            .map_err(|e| AppError::Internal(format!("label template {} is unreadable: {e}", row.slug)))?;
        let source = if row.source == "glabels" { TemplateSource::Glabels } else { TemplateSource::Custom };
        Ok(Self { slug: row.slug.clone(), source, labels_per_page: template.labels_per_page(), template })
    }

    /// "63.5 × 38.1 mm, 3 × 7 on 210 × 297 mm" — a line for lists.
    pub fn summary(&self) -> String {
        let t = &self.template;
        let grid = match t.layouts.as_slice() {
            _ if t.roll => "roll, one per page".to_owned(),
            [one] => format!("{} × {}", one.columns, one.rows),
            _ => format!("{} labels", self.labels_per_page),
        };
        format!(
            "{} × {} mm, {grid} on {} × {} mm",
            mm(t.label.width),
            mm(t.label.height),
            mm(t.page.width),
            mm(t.page.height)
        )
    }
}

/// A length for people: at most two decimals, no trailing zeros.
pub fn mm(value: f32) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Every template the actor's workspace can print on: built-ins first, then its own by name.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<TemplateView>> {
    let mut conn = app.store.read().await?;
    let rows = store::templates(&mut conn, &actor.workspace_id.to_string()).await?;
    let mut views: Vec<TemplateView> = geometry::builtins().into_iter().map(TemplateView::builtin).collect();
    for row in &rows {
        views.push(TemplateView::from_row(row)?);
    }
    Ok(views)
}

/// The template with this slug (or alias, or exact name, ignoring case).
pub async fn find(app: &App, actor: &Actor, key: &str) -> AppResult<TemplateView> {
    let key = key.trim();
    if let Some(t) = geometry::builtin(&key.to_ascii_lowercase()) {
        return Ok(TemplateView::builtin(t));
    }
    let mut conn = app.store.read().await?;
    let workspace = actor.workspace_id.to_string();
    if let Some(row) = store::template(&mut conn, &workspace, &key.to_ascii_lowercase()).await? {
        return TemplateView::from_row(&row);
    }
    drop(conn);
    let wanted = key.to_lowercase();
    list(app, actor)
        .await?
        .into_iter()
        .find(|v| {
            v.template.name.to_lowercase() == wanted || v.template.aliases.iter().any(|a| a.to_lowercase() == wanted)
        })
        .ok_or_else(|| {
            AppError::invalid(
                "template",
                format!("No label template is called \u{201c}{key}\u{201d}; see the template list."),
            )
        })
}

/// What an admin enters for a custom template (mm).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CustomTemplateInput {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub page_width: f32,
    pub page_height: f32,
    pub columns: u32,
    pub rows: u32,
    pub label_width: f32,
    pub label_height: f32,
    pub left_margin: f32,
    pub top_margin: f32,
    /// Horizontal pitch (label left edge to the next one's); 0 = label width.
    #[serde(default)]
    pub pitch_x: f32,
    /// Vertical pitch; 0 = label height.
    #[serde(default)]
    pub pitch_y: f32,
    #[serde(default)]
    pub corner_radius: f32,
    /// One label per page, page = label (a roll printer).
    #[serde(default)]
    pub roll: bool,
}

/// A slug from a name: lower-case ASCII letters, digits and dashes.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() { "template".to_owned() } else { slug.chars().take(60).collect() }
}

/// Defines (or redefines, by name) a custom template; workspace admins only.
pub async fn save_custom(app: &App, actor: &Actor, input: &CustomTemplateInput) -> AppResult<TemplateView> {
    actor.require_workspace_admin()?;
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", "Give the template a name of up to 100 characters."));
    }
    let slug = format!("custom-{}", slugify(name));
    let template = if input.roll {
        SheetTemplate::roll(&slug, name, &input.description, input.label_width, input.label_height, input.corner_radius)
    } else {
        let or = |pitch: f32, size: f32| if pitch == 0.0 { size } else { pitch };
        SheetTemplate {
            id: slug.clone(),
            name: name.to_owned(),
            description: input.description.trim().chars().take(200).collect(),
            page: PageSize { width: input.page_width, height: input.page_height },
            label: LabelShape {
                width: input.label_width,
                height: input.label_height,
                corner_radius: input.corner_radius,
            },
            layouts: vec![Layout {
                columns: input.columns,
                rows: input.rows,
                left: input.left_margin,
                top: input.top_margin,
                pitch_x: or(input.pitch_x, input.label_width),
                pitch_y: or(input.pitch_y, input.label_height),
            }],
            roll: false,
            aliases: Vec::new(),
        }
    };
    template.validate().map_err(|e| label_error("template", e))?;
    save(app, actor, &template, "custom").await?;
    Ok(TemplateView { slug, source: TemplateSource::Custom, labels_per_page: template.labels_per_page(), template })
}

async fn save(app: &App, actor: &Actor, template: &SheetTemplate, source: &str) -> AppResult<bool> {
    let now = app.now();
    let geometry = serde_json::to_string(template).map_err(|e| AppError::Internal(e.to_string()))?;
    let row = TemplateRow {
        id: uuid::Uuid::now_v7().to_string(),
        workspace_id: actor.workspace_id.to_string(),
        slug: template.id.clone(),
        name: template.name.clone(),
        source: source.to_owned(),
        geometry,
        created_at: now,
        updated_at: now,
    };
    let mut tx = app.store.begin().await?;
    let new = store::upsert_template(&mut tx, &row).await?;
    let summary = format!("Saved the label template \u{201c}{}\u{201d}", template.name);
    audit::record(&mut tx, actor, "labels.template_saved", ("label_template", &row.slug), summary, now).await?;
    tx.commit().await?;
    Ok(new)
}

/// Deletes one of the workspace's own templates; workspace admins only.
pub async fn delete(app: &App, actor: &Actor, slug: &str) -> AppResult<()> {
    actor.require_workspace_admin()?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    if !store::delete_template(&mut tx, &actor.workspace_id.to_string(), slug).await? {
        return Err(AppError::NotFound);
    }
    audit::record(
        &mut tx,
        actor,
        "labels.template_deleted",
        ("label_template", slug),
        format!("Deleted the label template {slug}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Templates read from the files (rectangular, valid).
    pub read: usize,
    /// Of those, new to the workspace.
    pub added: usize,
    /// Of those, replacing an earlier import of the same slug.
    pub updated: usize,
    /// Product codes recorded as aliases of another template (`equiv=`).
    pub aliases: usize,
    /// Templates skipped, with the reason and how many.
    pub skipped: Vec<(String, usize)>,
}

impl ImportSummary {
    /// Templates skipped in all.
    pub fn skipped_total(&self) -> usize {
        self.skipped.iter().map(|(_, n)| n).sum()
    }
}

/// Why templates of a kind were skipped, for counts ("145 CD/DVD labels").
fn skip_reason(kind: SkipKind) -> &'static str {
    match kind {
        SkipKind::Round => "round labels",
        SkipKind::Cd => "CD/DVD labels",
        SkipKind::Ellipse => "oval labels",
        SkipKind::Path => "free-form labels",
        SkipKind::Continuous => "continuous tapes without a label length",
        SkipKind::OtherShape => "other shapes",
        SkipKind::Invalid => "templates whose labels overlap or leave the page",
        SkipKind::Duplicate => "duplicates",
        SkipKind::MissingEquiv => "equivalents of templates not in the files",
    }
}

/// The most bytes of gLabels XML one import reads (the whole Debian package is about 3 MB).
pub const MAX_IMPORT_BYTES: usize = 16 * 1024 * 1024;

/// Imports every rectangular template of the given gLabels files (`(file name, XML)`); workspace admins
/// only. Round, CD and other shapes are skipped and counted. Parsing runs on a blocking thread.
pub async fn import_glabels(app: &App, actor: &Actor, files: Vec<(String, String)>) -> AppResult<ImportSummary> {
    actor.require_workspace_admin()?;
    if files.iter().map(|(_, xml)| xml.len()).sum::<usize>() > MAX_IMPORT_BYTES {
        return Err(AppError::invalid("file", "Import at most 16 MB of gLabels files at once."));
    }
    let report = blocking(move || {
        let borrowed: Vec<(&str, &str)> = files.iter().map(|(n, x)| (n.as_str(), x.as_str())).collect();
        tagdesk_labels::glabels::import_files(&borrowed)
    })
    .await?
    .map_err(|e| label_error("file", e))?;
    let mut summary = ImportSummary { read: report.templates.len(), ..Default::default() };
    summary.aliases = report.templates.iter().map(|t| t.aliases.len()).sum();
    summary.skipped = report.skipped_by_kind().into_iter().map(|(kind, n)| (skip_reason(kind).to_owned(), n)).collect();
    summary.skipped.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    // One transaction for the whole import, one audit line.
    let now = app.now();
    let workspace = actor.workspace_id.to_string();
    let mut tx = app.store.begin().await?;
    for template in &report.templates {
        let mut template = template.clone();
        template.id = format!("glabels-{}", template.id.trim_start_matches("glabels-"));
        let geometry = serde_json::to_string(&template).map_err(|e| AppError::Internal(e.to_string()))?;
        let row = TemplateRow {
            id: uuid::Uuid::now_v7().to_string(),
            workspace_id: workspace.clone(),
            slug: template.id.clone(),
            name: template.name.clone(),
            source: "glabels".to_owned(),
            geometry,
            created_at: now,
            updated_at: now,
        };
        if store::upsert_template(&mut tx, &row).await? {
            summary.added += 1;
        } else {
            summary.updated += 1;
        }
    }
    let line = format!(
        "Imported {} gLabels templates ({} new, {} updated, {} skipped)",
        summary.read,
        summary.added,
        summary.updated,
        summary.skipped_total()
    );
    audit::record(&mut tx, actor, "labels.templates_imported", ("workspace", &workspace), line, now).await?;
    tx.commit().await?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(slugify("Zebra 4×6 — Lager Süd"), "zebra-4-6-lager-s-d");
        assert_eq!(slugify("***"), "template");
    }

    #[test]
    fn lengths_read_well() {
        assert_eq!(mm(63.5), "63.5");
        assert_eq!(mm(210.0), "210");
        assert_eq!(mm(66.671), "66.67");
    }
}
