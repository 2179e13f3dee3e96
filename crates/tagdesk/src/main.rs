//! `tagdesk`: one binary for the server, migrations, the demo and the operator's admin commands.

mod commands;
mod fs_safety;
mod settings;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::settings::{GlobalArgs, Settings};

/// Self-hosted service desk for device fleets, with a QR-code customer portal.
#[derive(Debug, Parser)]
#[command(name = "tagdesk", version, about)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the back office, API and (later) portal (the default command).
    Serve(commands::serve::ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Load a realistic demo workspace (if not loaded yet), print its login, and serve it.
    Demo(commands::serve::ServeArgs),
    /// Users, API keys and backups.
    #[command(subcommand)]
    Admin(commands::admin::AdminCommand),
    /// Import and export devices as CSV.
    #[command(subcommand)]
    Devices(commands::devices::DevicesCommand),
    /// Printable labels for a selection of devices (PDF, ZIP or CSV), and label templates.
    Labels(commands::labels::LabelsArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::load(&cli.global) {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("tagdesk: {err:#}");
            return ExitCode::from(2);
        }
    };
    commands::init_logging(&settings);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("tagdesk: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async move {
        match cli.command {
            None => commands::serve::run(settings, commands::serve::ServeArgs::default(), false).await,
            Some(Command::Serve(args)) => commands::serve::run(settings, args, false).await,
            Some(Command::Demo(args)) => commands::serve::run(settings, args, true).await,
            Some(Command::Migrate) => commands::migrate(&settings).await,
            Some(Command::Admin(cmd)) => commands::admin::run(&settings, cmd).await,
            Some(Command::Devices(cmd)) => commands::devices::run(&settings, cmd).await,
            Some(Command::Labels(args)) => commands::labels::run(&settings, args).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tagdesk: {err:#}");
            ExitCode::FAILURE
        }
    }
}
