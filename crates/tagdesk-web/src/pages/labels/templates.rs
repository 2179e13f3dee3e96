//! `GET /labels/templates`: every label template (built-in, custom, imported from gLabels) with its
//! geometry and an alignment test page per template; workspace admins define custom templates
//! (`POST /labels/templates/custom`), import gLabels XML files (`POST /labels/templates/import`, a
//! multipart upload whose CSRF token travels in the query string) and delete their own templates.

use askama::Template;
use axum::Form;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use tagdesk_app::AppError;
use tagdesk_app::labels::templates::{self, CustomTemplateInput, TemplateSource, TemplateView, mm};
use tagdesk_domain::FieldErrors;

use super::download;
use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::session::{Staff, redirect_with_notice};

/// A row of the template table.
struct Row {
    slug: String,
    name: String,
    description: String,
    summary: String,
    source: &'static str,
    own: bool,
    aliases: String,
}

/// The custom template form as typed (text, so a bad number comes back as typed).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct CustomForm {
    name: String,
    description: String,
    page_width: String,
    page_height: String,
    columns: String,
    rows: String,
    label_width: String,
    label_height: String,
    left_margin: String,
    top_margin: String,
    pitch_x: String,
    pitch_y: String,
    corner_radius: String,
    roll: bool,
}

impl CustomForm {
    fn input(&self) -> Result<CustomTemplateInput, FieldErrors> {
        let mut errors = FieldErrors::new();
        let mut number = |field: &str, raw: &str, required: bool| -> f32 {
            let raw = raw.trim().replace(',', ".");
            if raw.is_empty() {
                if required {
                    errors.add(field, "Enter a size in mm.");
                }
                return 0.0;
            }
            raw.parse::<f32>().ok().filter(|v| v.is_finite()).unwrap_or_else(|| {
                errors.add(field, "Enter a number of millimetres, e.g. 63.5.");
                0.0
            })
        };
        let sheet = !self.roll;
        let input = CustomTemplateInput {
            name: self.name.clone(),
            description: self.description.clone(),
            page_width: number("page_width", &self.page_width, sheet),
            page_height: number("page_height", &self.page_height, sheet),
            columns: 0,
            rows: 0,
            label_width: number("label_width", &self.label_width, true),
            label_height: number("label_height", &self.label_height, true),
            left_margin: number("left_margin", &self.left_margin, false),
            top_margin: number("top_margin", &self.top_margin, false),
            pitch_x: number("pitch_x", &self.pitch_x, false),
            pitch_y: number("pitch_y", &self.pitch_y, false),
            corner_radius: number("corner_radius", &self.corner_radius, false),
            roll: self.roll,
        };
        let mut count = |field: &str, raw: &str| -> u32 {
            match raw.trim() {
                "" if !sheet => 1,
                raw => raw.parse::<u32>().ok().filter(|n| (1..=100).contains(n)).unwrap_or_else(|| {
                    errors.add(field, "Enter a whole number from 1 to 100.");
                    1
                }),
            }
        };
        let columns = count("columns", &self.columns);
        let rows = count("rows", &self.rows);
        errors.into_result()?;
        Ok(CustomTemplateInput { columns, rows, ..input })
    }
}

#[derive(Template)]
#[template(path = "labels/templates.html")]
struct TemplatesPage {
    layout: Layout,
    rows: Vec<Row>,
    is_admin: bool,
    form: CustomForm,
    errors: FormErrors,
}

fn row(view: TemplateView) -> Row {
    let summary = view.summary();
    let t = view.template;
    Row {
        source: match view.source {
            TemplateSource::Builtin => "Built in",
            TemplateSource::Custom => "Custom",
            TemplateSource::Glabels => "gLabels",
        },
        own: view.source != TemplateSource::Builtin,
        slug: view.slug,
        name: t.name,
        description: t.description,
        summary: if t.label.corner_radius > 0.0 {
            format!("{summary}, corners {} mm", mm(t.label.corner_radius))
        } else {
            summary
        },
        aliases: t.aliases.join(", "),
    }
}

async fn show(state: &AppState, staff: &Staff, form: CustomForm, errors: FieldErrors) -> PageResult {
    let rows = templates::list(&state.app, &staff.actor).await?.into_iter().map(row).collect();
    let errors = FormErrors(errors);
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = TemplatesPage {
        layout: staff.layout(errors.title("Label templates"), "labels"),
        rows,
        is_admin: staff.actor.is_workspace_admin(),
        form,
        errors,
    };
    render_status(status, &page)
}

pub(super) async fn page(State(state): State<AppState>, staff: Staff) -> PageResult {
    show(&state, &staff, CustomForm::default(), FieldErrors::new()).await
}

pub(super) async fn save_custom(
    State(state): State<AppState>,
    staff: Staff,
    Form(form): Form<CustomForm>,
) -> PageResult {
    let input = match form.input() {
        Ok(input) => input,
        Err(errors) => return show(&state, &staff, form, errors).await,
    };
    match templates::save_custom(&state.app, &staff.actor, &input).await {
        Ok(view) => Ok(redirect_with_notice(
            "/labels/templates",
            &format!("Saved the template {} ({} labels per page).", view.template.name, view.labels_per_page),
        )),
        Err(AppError::Invalid(errors)) => show(&state, &staff, form, errors).await,
        Err(e) => Err(e.into()),
    }
}

/// Reads the uploaded XML files (field `files`, several allowed).
async fn read_files(mut multipart: Multipart) -> Result<Vec<(String, String)>, FieldErrors> {
    let mut files = Vec::new();
    let bad = |m: &str| FieldErrors::single("files", m);
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(_) => return Err(bad("The upload was cut off or is too large (at most 16 MB in all).")),
        };
        if field.name() != Some("files") {
            continue;
        }
        let name = field.file_name().unwrap_or("templates.xml").to_owned();
        let bytes =
            field.bytes().await.map_err(|_| bad("The upload was cut off or is too large (at most 16 MB in all)."))?;
        if bytes.is_empty() {
            continue;
        }
        let text = String::from_utf8(bytes.to_vec()).map_err(|_| bad(&format!("{name} is not a text (XML) file.")))?;
        files.push((name, text));
    }
    if files.is_empty() {
        return Err(bad("Choose one or more gLabels template files (.xml)."));
    }
    Ok(files)
}

pub(super) async fn import(
    State(state): State<AppState>,
    staff: Staff,
    multipart: Result<Multipart, MultipartRejection>,
) -> PageResult {
    let files = match multipart {
        Ok(multipart) => read_files(multipart).await,
        Err(_) => Err(FieldErrors::single("files", "Choose one or more gLabels template files (.xml).")),
    };
    let result = match files {
        Ok(files) => templates::import_glabels(&state.app, &staff.actor, files).await,
        Err(errors) => Err(AppError::Invalid(errors)),
    };
    match result {
        Ok(summary) => Ok(redirect_with_notice("/labels/templates", &import_notice(&summary))),
        Err(AppError::Invalid(errors)) => show(&state, &staff, CustomForm::default(), upload_errors(errors)).await,
        Err(e) => Err(e.into()),
    }
}

/// "1 template", "3 templates".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What an import did, for the notice: "Read 12 templates: 10 new, 2 updated, 30 product codes as aliases.
/// Skipped 3 (round labels: 2, CD/DVD labels: 1)."
fn import_notice(summary: &templates::ImportSummary) -> String {
    let mut notice = format!(
        "Read {}: {} new, {} updated, {} as {}.",
        count(summary.read, "template", "templates"),
        summary.added,
        summary.updated,
        count(summary.aliases, "product code", "product codes"),
        if summary.aliases == 1 { "an alias" } else { "aliases" },
    );
    if summary.skipped_total() > 0 {
        let reasons: Vec<String> = summary.skipped.iter().map(|(reason, n)| format!("{reason}: {n}")).collect();
        notice.push_str(&format!(" Skipped {} ({}).", summary.skipped_total(), reasons.join(", ")));
    }
    notice
}

/// The import's errors under the form's field name (`files`; the app reports them as `file`), so they
/// show next to the file input and the error summary's link finds it.
fn upload_errors(errors: FieldErrors) -> FieldErrors {
    let mut renamed = FieldErrors::new();
    for e in errors.iter() {
        renamed.add(if e.field == "file" { "files" } else { &e.field }, e.message.clone());
    }
    renamed
}

pub(super) async fn delete(State(state): State<AppState>, staff: Staff, Path(slug): Path<String>) -> PageResult {
    templates::delete(&state.app, &staff.actor, &slug).await?;
    Ok(redirect_with_notice("/labels/templates", "The template was deleted."))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct AlignmentQuery {
    template: String,
    printer_profile: String,
}

/// `GET /labels/alignment.pdf?template=&printer_profile=` (the printer profiles page's form).
pub(super) async fn alignment_query(
    State(state): State<AppState>,
    staff: Staff,
    Query(query): Query<AlignmentQuery>,
) -> PageResult {
    let profile = Some(query.printer_profile.trim()).filter(|p| !p.is_empty());
    let rendered =
        tagdesk_app::labels::render::alignment_page(&state.app, &staff.actor, query.template.trim(), profile).await?;
    Ok(download(rendered.bytes, &rendered.file_name, rendered.content_type))
}

pub(super) async fn alignment(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    Query(query): Query<AlignmentQuery>,
) -> PageResult {
    let profile = Some(query.printer_profile.trim()).filter(|p| !p.is_empty());
    let rendered = tagdesk_app::labels::render::alignment_page(&state.app, &staff.actor, &slug, profile).await?;
    Ok(download(rendered.bytes, &rendered.file_name, rendered.content_type))
}
