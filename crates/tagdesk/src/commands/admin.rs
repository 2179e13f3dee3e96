//! `tagdesk admin …`: users, API keys and backups from the shell.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;
use tagdesk_app::users::NewUserInput;
use tagdesk_app::{Actor, AppError};

use crate::settings::Settings;

/// Admin commands.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create a user; creates the workspace when it does not exist yet. The password is read from stdin
    /// (first line) or prompted for.
    CreateUser {
        /// Login email.
        #[arg(long)]
        email: String,
        /// Workspace name.
        #[arg(long)]
        workspace: String,
        /// `admin` or `member`.
        #[arg(long, default_value = "member")]
        role: String,
        /// Display name (default: the part of the email before `@`).
        #[arg(long)]
        name: Option<String>,
    },
    /// Create an API key; the key is printed once, alone on the last line.
    CreateApiKey {
        /// Workspace name.
        #[arg(long)]
        workspace: String,
        /// What the key is for.
        #[arg(long)]
        name: String,
    },
    /// Write a consistent copy of the SQLite database while the server may be running.
    Backup {
        /// Target file (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
}

fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Repeat password: ")?;
        if first != second {
            bail!("the passwords differ");
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("cannot read the password from stdin")?;
        Ok(line.trim_end_matches(['\n', '\r']).to_owned())
    }
}

pub fn explain(err: AppError) -> anyhow::Error {
    match err {
        AppError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
        ),
        other => anyhow::anyhow!(other),
    }
}

/// Runs an admin command.
pub async fn run(settings: &Settings, command: AdminCommand) -> anyhow::Result<()> {
    let app = super::open(settings).await?;
    match command {
        AdminCommand::CreateUser { email, workspace, role, name } => {
            let password = read_password()?;
            let display_name = name.unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
            let input = NewUserInput { email: email.clone(), display_name, workspace_role: role, password };
            tagdesk_app::users::bootstrap(&app, &workspace, &input).await.map_err(explain)?;
            println!("Created {email} in workspace \u{201c}{workspace}\u{201d}.");
        }
        AdminCommand::CreateApiKey { workspace, name } => {
            let workspace_id = tagdesk_app::users::find_workspace(&app, &workspace)
                .await
                .map_err(explain)?
                .with_context(|| format!("no workspace named \u{201c}{workspace}\u{201d}"))?;
            let actor = Actor { label: "CLI".to_owned(), ..Actor::system(workspace_id) };
            let (key, secret) = tagdesk_app::api_keys::create(&app, &actor, &name).await.map_err(explain)?;
            println!("Created API key \u{201c}{}\u{201d} ({}). It is shown only now:", key.name, key.id);
            println!("{secret}");
        }
        AdminCommand::Backup { to } => {
            if !settings.is_sqlite() {
                bail!("admin backup copies the SQLite database only; back up PostgreSQL with pg_dump");
            }
            if to.exists() {
                bail!("{} exists already; choose a new file", to.display());
            }
            app.store.backup_sqlite(&to).await?;
            println!("Backup written to {}", to.display());
        }
    }
    app.store.close().await;
    Ok(())
}
