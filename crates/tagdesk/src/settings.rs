//! Configuration: defaults, then an optional `tagdesk.toml`, then `TAGDESK_*` environment variables,
//! then command-line flags (clap reads flags and environment together).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;

/// Options every command accepts.
#[derive(Debug, Args, Default)]
pub struct GlobalArgs {
    /// Database URL: `sqlite://PATH` (default: `<data-dir>/tagdesk.db`) or `postgres://USER@HOST/DB`.
    #[arg(long, global = true, env = "TAGDESK_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Directory for the SQLite database, the secret key and attachments.
    #[arg(long, global = true, env = "TAGDESK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Configuration file (default: `tagdesk.toml` in the working directory, if present).
    #[arg(long, global = true, env = "TAGDESK_CONFIG")]
    pub config: Option<PathBuf>,
}

/// The optional configuration file.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    addr: Option<String>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
    public_url: Option<String>,
    trust_proxy_headers: Option<bool>,
    log: Option<String>,
    portal_session_days: Option<i64>,
    scan_retention_days: Option<i64>,
    #[serde(default)]
    limits: FileLimits,
}

/// `[limits]` in `tagdesk.toml`; the same names in upper case with a `TAGDESK_` prefix win (e.g.
/// `TAGDESK_MAX_CONNECTIONS`). Durations are whole seconds.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLimits {
    max_connections: Option<u64>,
    max_connections_per_client: Option<u64>,
    header_read_timeout_s: Option<u64>,
    body_idle_timeout_s: Option<u64>,
    body_min_bytes_per_s: Option<u64>,
    body_total_timeout_s: Option<u64>,
    upload_slots: Option<u64>,
    upload_slots_per_client: Option<u64>,
    upload_slots_per_deployment: Option<u64>,
    hash_slots: Option<u64>,
    hash_wait_s: Option<u64>,
}

/// The effective resource limits (HTTP layer and password hashing).
#[derive(Debug, Clone)]
pub struct LimitSettings {
    /// Connections, bodies, upload slots.
    pub web: tagdesk_web::limits::Limits,
    /// Argon2 hashes in flight and the wait for a slot.
    pub hashing: tagdesk_app::hashing::HashLimits,
}

/// A whole number from `TAGDESK_<NAME>` or the file, within `range`.
fn limit(name: &str, file: Option<u64>, range: std::ops::RangeInclusive<u64>) -> anyhow::Result<Option<u64>> {
    let var = format!("TAGDESK_{}", name.to_uppercase());
    let value = match env(&var) {
        Some(raw) => Some(raw.trim().parse::<u64>().with_context(|| format!("{var} {raw:?} is not a whole number"))?),
        None => file,
    };
    if let Some(value) = value
        && !range.contains(&value)
    {
        bail!("{var} / limits.{name} must be between {} and {}", range.start(), range.end());
    }
    Ok(value)
}

impl FileLimits {
    fn resolve(&self) -> anyhow::Result<LimitSettings> {
        use std::time::Duration;
        let mut web = tagdesk_web::limits::Limits::default();
        let mut hashing = tagdesk_app::hashing::HashLimits::default();
        let count = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        if let Some(n) = limit("max_connections", self.max_connections, 16..=1_000_000)? {
            web.max_connections = count(n);
        }
        if let Some(n) = limit("max_connections_per_client", self.max_connections_per_client, 0..=1_000_000)? {
            web.max_connections_per_client = count(n);
        }
        if let Some(n) = limit("header_read_timeout_s", self.header_read_timeout_s, 1..=600)? {
            web.header_read_timeout = Duration::from_secs(n);
        }
        if let Some(n) = limit("body_idle_timeout_s", self.body_idle_timeout_s, 1..=600)? {
            web.body_idle_timeout = Duration::from_secs(n);
        }
        if let Some(n) = limit("body_min_bytes_per_s", self.body_min_bytes_per_s, 0..=10_000_000)? {
            web.body_min_bytes_per_s = n;
        }
        if let Some(n) = limit("body_total_timeout_s", self.body_total_timeout_s, 1..=3600)? {
            web.body_total_timeout = Duration::from_secs(n);
        }
        if let Some(n) = limit("upload_slots", self.upload_slots, 1..=1000)? {
            web.upload_slots = count(n);
        }
        if let Some(n) = limit("upload_slots_per_client", self.upload_slots_per_client, 1..=1000)? {
            web.upload_slots_per_client = count(n);
        }
        if let Some(n) = limit("upload_slots_per_deployment", self.upload_slots_per_deployment, 1..=1000)? {
            web.upload_slots_per_deployment = count(n);
        }
        if let Some(n) = limit("hash_slots", self.hash_slots, 1..=256)? {
            hashing.slots = count(n);
        }
        if let Some(n) = limit("hash_wait_s", self.hash_wait_s, 1..=60)? {
            hashing.wait = Duration::from_secs(n);
        }
        Ok(LimitSettings { web, hashing })
    }
}

/// Effective settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Listen address.
    pub addr: Option<SocketAddr>,
    /// Database URL.
    pub database_url: String,
    /// Data directory.
    pub data_dir: PathBuf,
    /// Public base URL (for links printed and, later, QR codes).
    pub public_url: Option<String>,
    /// Whether `X-Forwarded-For` is trusted.
    pub trust_proxy_headers: bool,
    /// `json` for JSON logs, else human-readable.
    pub log_format: String,
    /// Portal visitor session lifetime in days.
    pub portal_session_days: i64,
    /// How long raw scan events are kept, in days (daily counts are kept forever).
    pub scan_retention_days: i64,
    /// Resource limits.
    pub limits: LimitSettings,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Loads settings in precedence order.
    pub fn load(args: &GlobalArgs) -> anyhow::Result<Self> {
        let file = match &args.config {
            Some(path) => read_file(path)?,
            None if Path::new("tagdesk.toml").exists() => read_file(Path::new("tagdesk.toml"))?,
            None => FileConfig::default(),
        };
        let data_dir = args.data_dir.clone().or(file.data_dir).unwrap_or_else(|| PathBuf::from("tagdesk-data"));
        let database_url = args
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("tagdesk.db").display()));
        let addr = match env("TAGDESK_ADDR").or(file.addr) {
            Some(raw) => Some(
                raw.parse()
                    .with_context(|| format!("TAGDESK_ADDR / addr {raw:?} is not an address like 127.0.0.1:8080"))?,
            ),
            None => None,
        };
        let trust_proxy_headers = match env("TAGDESK_TRUST_PROXY_HEADERS") {
            Some(raw) => matches!(raw.as_str(), "1" | "true" | "yes"),
            None => file.trust_proxy_headers.unwrap_or(false),
        };
        let public_url = env("TAGDESK_PUBLIC_URL").or(file.public_url).map(|u| u.trim_end_matches('/').to_owned());
        if let Some(url) = &public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            bail!("TAGDESK_PUBLIC_URL must start with http:// or https://");
        }
        let log_format = env("TAGDESK_LOG").or(file.log).unwrap_or_else(|| "text".to_owned());
        let portal_session_days = match env("TAGDESK_PORTAL_SESSION_DAYS") {
            Some(raw) => {
                raw.parse().with_context(|| format!("TAGDESK_PORTAL_SESSION_DAYS {raw:?} is not a number of days"))?
            }
            None => file.portal_session_days.unwrap_or(30),
        };
        if !(1..=365).contains(&portal_session_days) {
            bail!("TAGDESK_PORTAL_SESSION_DAYS must be between 1 and 365");
        }
        let scan_retention_days = match env("TAGDESK_SCAN_RETENTION_DAYS") {
            Some(raw) => raw
                .trim()
                .parse()
                .with_context(|| format!("TAGDESK_SCAN_RETENTION_DAYS {raw:?} is not a number of days"))?,
            None => file.scan_retention_days.unwrap_or(tagdesk_app::scans::DEFAULT_RETENTION_DAYS),
        };
        if !(1..=3650).contains(&scan_retention_days) {
            bail!("TAGDESK_SCAN_RETENTION_DAYS / scan_retention_days must be between 1 and 3650");
        }
        let limits = file.limits.resolve()?;
        Ok(Self {
            addr,
            database_url,
            data_dir,
            public_url,
            trust_proxy_headers,
            log_format,
            portal_session_days,
            scan_retention_days,
            limits,
        })
    }

    /// Whether the database is the embedded SQLite file.
    pub fn is_sqlite(&self) -> bool {
        self.database_url.starts_with("sqlite:")
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("{} is not valid configuration", path.display()))
}
