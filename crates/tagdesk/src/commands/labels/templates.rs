//! `tagdesk labels templates list|import`: the label templates a workspace can print on, and importing
//! gLabels template files (e.g. every file of Debian's `glabels-data`).

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use tagdesk_app::labels::templates::{self as app_templates, ImportSummary, TemplateView, mm};
use tagdesk_app::{Actor, App};

use super::explain;
use crate::settings::Settings;

/// Template commands.
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// List the built-in templates and the workspace's own (slug, name, labels per page, label size).
    List {
        /// Workspace name (needed only when there are several workspaces).
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Import every rectangular template of gLabels XML files (round and CD labels are skipped and counted).
    Import {
        /// Workspace name (needed only when there are several workspaces).
        #[arg(long)]
        workspace: Option<String>,
        /// gLabels template files, e.g. /usr/share/libglabels-3.0/templates/*.xml.
        #[arg(required = true, value_name = "FILE.xml")]
        files: Vec<PathBuf>,
    },
}

/// Runs a template command.
pub async fn run(settings: &Settings, command: TemplatesCommand) -> anyhow::Result<()> {
    // Read the files before opening the database: a typo in a path fails at once.
    let files = match &command {
        TemplatesCommand::Import { files, .. } => read_files(files)?,
        TemplatesCommand::List { .. } => Vec::new(),
    };
    let app = super::super::open(settings).await?;
    let result = match command {
        TemplatesCommand::List { workspace } => list(&app, workspace.as_deref()).await,
        TemplatesCommand::Import { workspace, .. } => import(&app, workspace.as_deref(), files).await,
    };
    app.store.close().await;
    result
}

/// `(file name, XML)` of every file.
fn read_files(paths: &[PathBuf]) -> anyhow::Result<Vec<(String, String)>> {
    paths
        .iter()
        .map(|path| {
            let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            let xml = String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))?;
            Ok((path.display().to_string(), xml))
        })
        .collect()
}

/// The CLI actor of the named (or only) workspace, and the workspace's name.
async fn actor(app: &App, workspace: Option<&str>) -> anyhow::Result<(Actor, String)> {
    let (id, name) = tagdesk_app::users::cli_workspace(app, workspace).await.map_err(explain)?;
    Ok((Actor { label: "CLI".to_owned(), ..Actor::system(id) }, name))
}

/// One row of the list.
fn row(view: &TemplateView) -> [String; 4] {
    let t = &view.template;
    [
        view.slug.clone(),
        t.name.clone(),
        view.labels_per_page.to_string(),
        format!("{} × {} mm", mm(t.label.width), mm(t.label.height)),
    ]
}

/// Prints rows as a table with a header, columns padded to their widest cell.
fn print_table(header: [&str; 4], rows: &[[String; 4]]) {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: [&str; 4]| {
        let [slug, name, per_page, size] = cells;
        let [w0, w1, w2, _] = widths;
        // Labels per page is a number: right-aligned.
        println!("{slug:<w0$}  {name:<w1$}  {per_page:>w2$}  {size}");
    };
    line(header);
    for row in rows {
        line([&row[0], &row[1], &row[2], &row[3]]);
    }
}

/// `templates list`.
async fn list(app: &App, workspace: Option<&str>) -> anyhow::Result<()> {
    let (actor, _) = actor(app, workspace).await?;
    let views = app_templates::list(app, &actor).await.map_err(explain)?;
    let rows: Vec<[String; 4]> = views.iter().map(row).collect();
    print_table(["SLUG", "NAME", "LABELS/PAGE", "SIZE"], &rows);
    Ok(())
}

/// `templates import`.
async fn import(app: &App, workspace: Option<&str>, files: Vec<(String, String)>) -> anyhow::Result<()> {
    let (actor, name) = actor(app, workspace).await?;
    let count = files.len();
    let summary = app_templates::import_glabels(app, &actor, files).await.map_err(explain)?;
    print_summary(&summary, count, &name);
    Ok(())
}

/// The counts of an import, one `key: value` per line (easy to read and to `grep`).
fn print_summary(summary: &ImportSummary, files: usize, workspace: &str) {
    println!("Imported gLabels templates from {files} file(s) into \u{201c}{workspace}\u{201d}:");
    println!("  read: {}", summary.read);
    println!("  added: {}", summary.added);
    println!("  updated: {}", summary.updated);
    println!("  aliases: {}", summary.aliases);
    println!("  skipped: {}", summary.skipped_total());
    for (reason, n) in &summary.skipped {
        println!("    {reason}: {n}");
    }
}
