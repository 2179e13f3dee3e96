//! `tagdesk labels …`: printable labels for a selection of devices (a PDF of sheets, a ZIP of QR codes or
//! a CSV of device → portal URL), and the label templates (`templates list`, `templates import`). A
//! contract other tools script against: README.md, "Labels from the command line".

mod output;
mod templates;

use std::io::{IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use tagdesk_app::labels::LabelFormat;
use tagdesk_app::labels::render::{Prepared, PrintRequest};
use tagdesk_app::labels::select::Selection;
use tagdesk_app::{Actor, App, AppError};

use crate::settings::Settings;

/// `tagdesk labels`: print flags, or one of the sub-commands.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct LabelsArgs {
    #[command(subcommand)]
    command: Option<LabelsCommand>,
    #[command(flatten)]
    print: PrintArgs,
}

/// Sub-commands of `tagdesk labels`.
#[derive(Debug, Subcommand)]
enum LabelsCommand {
    /// Label sheet templates: list them, import gLabels files.
    #[command(subcommand)]
    Templates(templates::TemplatesCommand),
}

/// What `tagdesk labels --deployment … --format … --out …` prints.
#[derive(Debug, Args)]
struct PrintArgs {
    /// The deployment whose devices are printed: its name (ignoring case) or id.
    #[arg(long, required = true)]
    deployment: Option<String>,
    /// Workspace name (needed only when several workspaces have a deployment of that name).
    #[arg(long)]
    workspace: Option<String>,
    /// Only devices with this tag.
    #[arg(long)]
    tag: Option<String>,
    /// Only devices whose name, serial number, manufacturer or model contains this.
    #[arg(long)]
    search: Option<String>,
    /// Only devices whose label was never scanned.
    #[arg(long)]
    never_scanned: bool,
    /// Only devices not scanned in the last N days (never-scanned ones included).
    #[arg(long, value_name = "N")]
    not_scanned_days: Option<u32>,
    /// Only the devices listed in FILE (`-` = stdin): serial numbers, tokens or portal URLs, one per line.
    #[arg(long, value_name = "FILE")]
    devices: Option<PathBuf>,
    /// Template slug, alias or name (default: the deployment's last one, else avery-l7160).
    #[arg(long)]
    template: Option<String>,
    /// Labels to skip on the first sheet (a half-used sheet).
    #[arg(long, value_name = "N", default_value_t = 0)]
    start_at: u32,
    /// Printer profile (name or id) whose calibration offsets apply.
    #[arg(long, value_name = "P")]
    printer_profile: Option<String>,
    /// Fields on the label, comma-separated: qr,name,serial,site,cta,logo (default: the deployment's last).
    #[arg(long)]
    fields: Option<String>,
    /// Draw every label's outline.
    #[arg(long, overrides_with = "no_outlines")]
    outlines: bool,
    /// Draw no outlines (when the deployment's last print had them).
    #[arg(long, overrides_with = "outlines")]
    no_outlines: bool,
    /// PNG size in pixels in a ZIP: 256, 512, 1024 or 2048.
    #[arg(long, value_name = "PX")]
    png_size: Option<u32>,
    /// What to write.
    #[arg(long, value_enum, required = true)]
    format: Option<Format>,
    /// The file to write (replaced atomically if it exists).
    #[arg(long, value_name = "FILE", required = true)]
    out: Option<PathBuf>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// A PDF of label sheets.
    Pdf,
    /// A ZIP of one SVG and one PNG QR code per device, named by device.
    Zip,
    /// A CSV of device → portal URL.
    Csv,
}

impl From<Format> for LabelFormat {
    fn from(format: Format) -> Self {
        match format {
            Format::Pdf => LabelFormat::Pdf,
            Format::Zip => LabelFormat::Zip,
            Format::Csv => LabelFormat::Csv,
        }
    }
}

/// Runs `tagdesk labels …`.
pub async fn run(settings: &Settings, args: LabelsArgs) -> anyhow::Result<()> {
    match args.command {
        Some(LabelsCommand::Templates(command)) => templates::run(settings, command).await,
        None => print(settings, args.print).await,
    }
}

/// An application error as one line, with the form's field names turned into this command's flags.
pub(crate) fn explain(err: AppError) -> anyhow::Error {
    let flag = |field: &str| match field {
        "deployment" => "--deployment",
        "workspace" => "--workspace",
        "template" => "--template",
        "start_at" => "--start-at",
        "printer_profile" => "--printer-profile",
        "fields" => "--fields",
        "png_px" => "--png-size",
        "listed" => "--devices",
        "not_scanned_days" => "--not-scanned-days",
        "format" => "--format",
        "file" => "FILE",
        _ => "",
    };
    match err {
        AppError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .iter()
                .map(|e| match flag(&e.field) {
                    "" => e.message.clone(),
                    flag => format!("{flag}: {}", e.message),
                })
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => anyhow::anyhow!(other),
    }
}

/// Reads `--devices FILE` (`-` = stdin).
fn read_list(path: &Path) -> anyhow::Result<String> {
    if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).context("cannot read the device list from stdin")?;
        return Ok(text);
    }
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", path.display()))
}

/// How many entries a pasted list has (split as the selection splits it: lines, commas, semicolons, tabs).
fn list_entries(list: &str) -> usize {
    list.split(['\n', '\r', ',', ';', '\t']).filter(|e| !e.trim().is_empty()).count()
}

/// `1 entry`, `2 entries`.
fn entries_word(n: usize) -> String {
    format!("{} {}", output::thousands(n as u64), if n == 1 { "entry" } else { "entries" })
}

/// The portal's public base URL, which every QR code and CSV row points at.
fn base_url(settings: &Settings) -> anyhow::Result<&str> {
    settings.public_url.as_deref().context(
        "labels need the portal's public URL for their QR codes: set TAGDESK_PUBLIC_URL \
         (or public_url in tagdesk.toml), e.g. https://desk.example.com",
    )
}

/// `tagdesk labels --deployment … --format … --out …`.
async fn print(settings: &Settings, args: PrintArgs) -> anyhow::Result<()> {
    let (Some(deployment), Some(format), Some(out)) = (args.deployment.as_deref(), args.format, args.out.as_deref())
    else {
        bail!("--deployment, --format and --out are required");
    };
    let base_url = base_url(settings)?.to_owned();
    let target = output::Target::check(out)?;
    let listed = args.devices.as_deref().map(read_list).transpose()?;
    let app = super::open(settings).await?;
    let result = print_with(&app, &args, deployment, format, &base_url, &target, listed).await;
    app.store.close().await;
    result
}

async fn print_with(
    app: &App,
    args: &PrintArgs,
    deployment: &str,
    format: Format,
    base_url: &str,
    target: &output::Target,
    listed: Option<String>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let (workspace_id, deployment_id) =
        tagdesk_app::deployments::resolve(app, args.workspace.as_deref(), deployment).await.map_err(explain)?;
    let actor = Actor { label: "CLI".to_owned(), ..Actor::system(workspace_id) };
    let outlines = match (args.outlines, args.no_outlines) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let request = PrintRequest {
        selection: Selection {
            deployment: Some(deployment_id),
            tag: args.tag.clone(),
            search: args.search.clone(),
            device_ids: Vec::new(),
            listed,
            never_scanned: args.never_scanned,
            not_scanned_days: args.not_scanned_days,
        },
        format: Some(format.into()),
        template: args.template.clone(),
        start_at: args.start_at,
        printer_profile: args.printer_profile.clone(),
        fields: args.fields.clone(),
        outlines,
        png_px: args.png_size,
    };
    let entries = request.selection.listed.as_deref().map(list_entries);
    let prepared = match tagdesk_app::labels::render::prepare(app, &actor, base_url, &request).await {
        Ok(prepared) => prepared,
        Err(AppError::Invalid(errors)) if entries.is_some() && errors.iter().any(|e| e.field == "selection") => {
            let message = errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ");
            let n = entries.unwrap_or_default();
            bail!("{message} (none of the {} of the device list matched a device of this selection)", entries_word(n));
        }
        Err(err) => return Err(explain(err)),
    };
    warn_unmatched(&prepared.unmatched, args.devices.as_deref());
    let (prepared, bytes) = render(prepared).await?;
    target.write(&bytes)?;
    // The file is written: not remembering the choices is worth a warning, not a failed print.
    if let Err(err) = prepared.remember(app).await {
        eprintln!("warning: the labels were written, but the deployment could not remember these choices: {err}");
    }
    println!(
        "Wrote {} ({}) to {} in {:.1} s",
        output::plural(prepared.labels.len() as u64, "label"),
        output::extent(&prepared),
        target.path().display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Warns about `--devices` entries that matched no device of the selection.
fn warn_unmatched(unmatched: &[String], list: Option<&Path>) {
    if unmatched.is_empty() {
        return;
    }
    let from = list.map_or_else(String::new, |p| {
        if p == Path::new("-") { " (stdin)".to_owned() } else { format!(" ({})", p.display()) }
    });
    eprintln!(
        "warning: {} of the device list{from} matched no device of this selection:",
        entries_word(unmatched.len())
    );
    for entry in unmatched {
        eprintln!("  {entry}");
    }
}

/// Renders on a blocking thread, with a progress bar on stderr when it is a terminal.
async fn render(prepared: Prepared) -> anyhow::Result<(Prepared, Vec<u8>)> {
    let total = prepared.labels.len() as u64;
    let bar = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} labels ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_message(format!("Rendering {}", prepared.format.as_str().to_uppercase()));
        bar
    } else {
        ProgressBar::hidden()
    };
    let progress = bar.clone();
    let rendered = tokio::task::spawn_blocking(move || {
        let result = prepared.render(&|done| progress.set_position(done as u64));
        (prepared, result)
    })
    .await;
    bar.finish_and_clear();
    let (prepared, result) = rendered.context("the rendering thread stopped")?;
    let bytes = result.map_err(|e| anyhow::anyhow!("the labels could not be rendered: {e}"))?;
    Ok((prepared, bytes))
}
