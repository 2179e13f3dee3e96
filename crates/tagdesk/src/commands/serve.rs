//! `tagdesk serve` (and `tagdesk demo`): start the HTTP server with graceful shutdown.

use std::io::Write;
use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use clap::Args;
use tagdesk_web::{AppState, WebConfig};

use crate::settings::Settings;

/// Options of `serve`.
#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long)]
    pub addr: Option<SocketAddr>,
    /// Load the demo workspace before serving (same as `tagdesk demo`).
    #[arg(long)]
    pub demo: bool,
}

/// Reads the installation's secret key, creating it on first start (mode 0600).
fn secret_key(data_dir: &Path) -> anyhow::Result<Vec<u8>> {
    if let Ok(key) = std::env::var("TAGDESK_SECRET_KEY")
        && key.len() >= 32
    {
        return Ok(key.into_bytes());
    }
    std::fs::create_dir_all(data_dir).with_context(|| format!("cannot create {}", data_dir.display()))?;
    let path = data_dir.join("secret.key");
    if let Ok(key) = std::fs::read(&path)
        && key.len() >= 32
    {
        return Ok(key);
    }
    let key = tagdesk_app::auth::random_token();
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(key.as_bytes())?;
    Ok(key.into_bytes())
}

/// Runs the server until SIGTERM or Ctrl-C; in-flight requests finish first.
pub async fn run(settings: Settings, args: ServeArgs, demo: bool) -> anyhow::Result<()> {
    let scan_config = tagdesk_app::scans::ScanConfig { retention_days: settings.scan_retention_days };
    let app = super::open(&settings).await?.with_scan_config(scan_config);
    let addr = args.addr.or(settings.addr).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
    let public_url = settings.public_url.clone().unwrap_or_else(|| format!("http://{addr}"));
    if demo || args.demo {
        let login = tagdesk_app::demo::load(&app).await?;
        println!("Demo workspace \u{201c}{}\u{201d} is loaded.", login.workspace);
        println!("Sign in at {public_url}/login as {} with password {}", login.email, login.password);
    }
    if let Some(token) = tagdesk_app::auth::issue_setup_token(&app).await? {
        println!("No users yet. Create the first workspace and admin here (link valid 24 hours, works once):");
        println!("  {public_url}/setup?token={token}");
    }
    let config = WebConfig {
        secure_cookies: public_url.starts_with("https://"),
        trust_proxy_headers: settings.trust_proxy_headers,
        secret_key: secret_key(&settings.data_dir)?,
        limits: settings.limits.web.clone(),
        public_url: public_url.clone(),
        portal_session_days: settings.portal_session_days,
    };
    let connection_limits = tagdesk_web::server::ConnectionLimits::new(
        &config.limits,
        config.trust_proxy_headers,
        crate::fs_safety::raise_fd_limit(),
    );
    let router = tagdesk_web::router(AppState::new(app.clone(), config));
    let sweeper = tokio::spawn(housekeeping(app.clone()));
    // Scan events are written in batches off the request path; drained at shutdown below.
    let scan_writer = tagdesk_app::scans::start_writer(&app).await;
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
    println!("Tagdesk listens on http://{addr} ({} database)", app.store.backend().name());
    tracing::info!(
        %addr,
        max_connections = connection_limits.max_connections,
        max_connections_per_client = connection_limits.max_per_client,
        "listening"
    );
    tagdesk_web::server::serve(listener, router, connection_limits, shutdown_signal())
        .await
        .context("server failed")?;
    sweeper.abort();
    if let Some(writer) = scan_writer {
        writer.shutdown().await;
    }
    app.store.close().await;
    println!("Tagdesk stopped.");
    Ok(())
}

/// Sweeps expired sessions and stale counters every hour.
async fn housekeeping(app: tagdesk_app::App) {
    let mut every_hour = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        every_hour.tick().await;
        match tagdesk_app::housekeeping::sweep(&app).await {
            Ok(swept) => tracing::debug!(?swept, "housekeeping done"),
            Err(err) => tracing::warn!(error = %err, "housekeeping failed"),
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
