//! One module per command group; shared start-up (logging, opening the database) lives here.

pub mod admin;
pub mod devices;
pub mod labels;
pub mod serve;

use std::sync::Arc;

use anyhow::Context;
use tagdesk_app::attachments::storage::LocalDirStore;
use tagdesk_app::{App, Store};
use tracing_subscriber::EnvFilter;

use crate::settings::Settings;

/// Sets up `tracing`: `TAGDESK_LOG=json` for JSON lines; `RUST_LOG` filters (default `info`, sqlx quiet).
pub fn init_logging(settings: &Settings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if settings.log_format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.compact().init();
    }
}

/// Opens the database (creating the data directory for SQLite), applies migrations, and sets up the
/// attachment store under `<data_dir>/attachments`.
pub async fn open(settings: &Settings) -> anyhow::Result<App> {
    crate::fs_safety::restrict_new_files();
    crate::fs_safety::prepare_data_dir(&settings.data_dir)
        .with_context(|| format!("cannot create the data directory {}", settings.data_dir.display()))?;
    if settings.is_sqlite() {
        crate::fs_safety::warn_if_open(&settings.data_dir.join("tagdesk.db"));
    }
    let store = Store::connect(&settings.database_url).await?;
    store.migrate().await?;
    let attachments = LocalDirStore::new(settings.data_dir.join("attachments"));
    let app = App::new(store).with_attachments(Arc::new(attachments)).with_hash_limits(settings.limits.hashing);
    let rekeyed = tagdesk_app::users::rekey_emails(&app).await?;
    if rekeyed > 0 {
        tracing::info!(users = rekeyed, "recomputed login keys");
    }
    let assigned = tagdesk_app::portal::tokens::backfill(&app).await?;
    if assigned > 0 {
        tracing::info!(devices = assigned, "gave existing devices a portal token");
    }
    Ok(app)
}

/// `tagdesk migrate`.
pub async fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let app = open(settings).await?;
    println!("Database is up to date ({}).", app.store.backend().name());
    app.store.close().await;
    Ok(())
}
