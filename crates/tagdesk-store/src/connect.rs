//! Opening the database: URL dispatch, SQLite pragmas, pools and migrations.
//!
//! SQLite gets two pools: many readers and a single writer, so write transactions queue in-process
//! instead of failing with `SQLITE_BUSY` when two of them try to upgrade their locks at once.
//! PostgreSQL uses one pool for both.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

use crate::error::{StoreError, StoreResult};
use crate::{Conn, Tx};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Which database engine is behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Detects the backend from a URL, refusing unknown schemes.
    pub fn from_url(url: &str) -> StoreResult<Self> {
        let scheme = url.split(':').next().unwrap_or_default().to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(StoreError::UnsupportedUrl(redact(url))),
        }
    }

    /// Product name of the engine.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        }
    }
}

/// Hides a password in a URL before it is shown.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Per-connection SQLite settings: enforce foreign keys, wait for locks, fsync on commit (case intake
/// must survive a power cut).
fn sqlite_pragmas(conn: &mut Conn) -> Pin<Box<dyn Future<Output = Result<(), sqlx::Error>> + Send + '_>> {
    Box::pin(async move {
        conn.execute("PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL;").await?;
        Ok(())
    })
}

/// The database handle shared by the whole application.
#[derive(Clone, Debug)]
pub struct Store {
    read: AnyPool,
    write: AnyPool,
    backend: Backend,
}

impl Store {
    /// Connects to `url` (`sqlite:PATH` or `postgres://…`). SQLite files are created when missing.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let unreachable =
            |source: sqlx::Error| StoreError::Unreachable { backend: backend.name(), reason: source.to_string() };
        match backend {
            Backend::Sqlite => {
                let url = if url.contains("mode=") {
                    url.to_owned()
                } else if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                let options = AnyConnectOptions::from_str(&url).map_err(unreachable)?.disable_statement_logging();
                // An SQLite file cannot drop a connection, so checking one out needs no ping.
                let write = AnyPoolOptions::new()
                    .max_connections(1)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| sqlite_pragmas(conn))
                    .connect_with(options.clone())
                    .await
                    .map_err(unreachable)?;
                sqlx::query("PRAGMA journal_mode = WAL").execute(&write).await.map_err(unreachable)?;
                let read = AnyPoolOptions::new()
                    .max_connections(8)
                    .test_before_acquire(false)
                    .after_connect(|conn, _| sqlite_pragmas(conn))
                    .connect_with(options)
                    .await
                    .map_err(unreachable)?;
                Ok(Self { read, write, backend })
            }
            Backend::Postgres => {
                let options = AnyConnectOptions::from_str(url)
                    .map_err(unreachable)?
                    .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500))
                    .log_statements(tracing::log::LevelFilter::Trace);
                // One direct attempt first: a refused or misconfigured server fails at once with the
                // driver's own reason instead of a pool timeout.
                let probe = tokio::time::timeout(
                    Duration::from_secs(10),
                    <sqlx::AnyConnection as sqlx::Connection>::connect_with(&options),
                )
                .await
                .map_err(|_| unreachable(sqlx::Error::PoolTimedOut))?
                .map_err(unreachable)?;
                sqlx::Connection::close(probe).await.map_err(unreachable)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(options)
                    .await
                    .map_err(unreachable)?;
                Ok(Self { read: pool.clone(), write: pool, backend })
            }
        }
    }

    /// Opens (creating if needed) the SQLite file at `path`.
    pub async fn open_sqlite_file(path: &Path) -> StoreResult<Self> {
        Self::connect(&format!("sqlite://{}", path.display())).await
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR.run(&self.write).await?;
        Ok(())
    }

    /// Reverts every migration (used by the reversibility test).
    pub async fn migrate_down_all(&self) -> StoreResult<()> {
        MIGRATOR.undo(&self.write, 0).await?;
        Ok(())
    }

    /// The engine behind this store.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A connection for reads.
    pub async fn read(&self) -> StoreResult<sqlx::pool::PoolConnection<sqlx::Any>> {
        Ok(self.read.acquire().await?)
    }

    /// Starts a write transaction (serialised per process on SQLite).
    pub async fn begin(&self) -> StoreResult<Tx> {
        Ok(self.write.begin().await?)
    }

    /// Checks the database answers (readiness probe).
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        Ok(())
    }

    /// Writes a consistent copy of an SQLite database to `target` while the server runs.
    pub async fn backup_sqlite(&self, target: &Path) -> StoreResult<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::UnsupportedUrl(
                "backup is built in for SQLite only; use pg_dump for PostgreSQL".into(),
            ));
        }
        let target = target.display().to_string();
        sqlx::query("VACUUM INTO $1").bind(target).execute(&self.write).await?;
        Ok(())
    }

    /// Closes the pools, waiting for connections to be returned.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_schemes_are_refused_and_passwords_redacted() {
        assert!(
            matches!(Backend::from_url("mysql://root:pw@localhost/db"), Err(StoreError::UnsupportedUrl(u)) if !u.contains("pw"))
        );
        assert_eq!(Backend::from_url("postgresql://x/y").ok(), Some(Backend::Postgres));
        assert_eq!(Backend::from_url("sqlite:tagdesk.db").ok(), Some(Backend::Sqlite));
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
    }

    #[tokio::test]
    async fn sqlite_file_is_created_migrated_and_answers() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open_sqlite_file(&dir.path().join("t.db")).await.expect("open");
        store.migrate().await.expect("migrate");
        store.ping().await.expect("ping");
        let mut conn = store.read().await.expect("conn");
        let (n, s): (i64, String) =
            sqlx::query_as("SELECT $1 + 1, $2").bind(41_i64).bind("x").fetch_one(&mut *conn).await.expect("query");
        assert_eq!((n, s.as_str()), (42, "x"));
        drop(conn);
        store.migrate_down_all().await.expect("down");
        store.migrate().await.expect("up again");
    }
}
