//! `tagdesk devices import|export`: devices of a deployment as CSV.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use indicatif::{ProgressBar, ProgressStyle};
use tagdesk_app::Actor;

use crate::settings::Settings;

/// Device commands.
#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// Import devices from a CSV file (header: name,serial_number,manufacturer,model,tags,notes; only name
    /// is required). All rows are checked first; a bad row is reported with its line and nothing is imported.
    Import {
        /// The CSV file (UTF-8).
        file: PathBuf,
        /// Deployment name or id.
        #[arg(long)]
        deployment: String,
        /// Workspace name (needed only when several workspaces have a deployment of that name).
        #[arg(long)]
        workspace: Option<String>,
    },
    /// Write the deployment's devices as CSV to stdout.
    Export {
        /// Deployment name or id.
        #[arg(long)]
        deployment: String,
        /// Workspace name (needed only when several workspaces have a deployment of that name).
        #[arg(long)]
        workspace: Option<String>,
    },
}

/// Runs a device command.
pub async fn run(settings: &Settings, command: DevicesCommand) -> anyhow::Result<()> {
    let app = super::open(settings).await?;
    match command {
        DevicesCommand::Import { file, deployment, workspace } => {
            let bytes = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let (workspace_id, deployment_id) =
                tagdesk_app::deployments::resolve(&app, workspace.as_deref(), &deployment)
                    .await
                    .map_err(super::admin::explain)?;
            let actor = Actor { label: "CLI".to_owned(), ..Actor::system(workspace_id) };
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} rows ({eta})")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            bar.set_message("Importing");
            let progress = |done: u64, total: u64| {
                bar.set_length(total);
                bar.set_position(done);
            };
            let report = tagdesk_app::devices::import_csv(&app, &actor, deployment_id, &bytes, &progress).await;
            bar.finish_and_clear();
            let report = report.map_err(super::admin::explain)?;
            println!("Imported {} device(s) into \u{201c}{deployment}\u{201d}.", report.created);
        }
        DevicesCommand::Export { deployment, workspace } => {
            let (workspace_id, deployment_id) =
                tagdesk_app::deployments::resolve(&app, workspace.as_deref(), &deployment)
                    .await
                    .map_err(super::admin::explain)?;
            let actor = Actor { label: "CLI".to_owned(), ..Actor::system(workspace_id) };
            let csv =
                tagdesk_app::devices::export_csv(&app, &actor, deployment_id).await.map_err(super::admin::explain)?;
            print!("{csv}");
        }
    }
    app.store.close().await;
    Ok(())
}
