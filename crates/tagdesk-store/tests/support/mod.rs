//! Fresh databases for the store's integration tests: an SQLite temp file, or — when
//! `TAGDESK_TEST_POSTGRES_URL` names a PostgreSQL maintenance database (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`) — a new database `tagdesk_t_<random hex>` created
//! through it and dropped again when the [`TestDb`] is dropped, also after a panic.

use std::io::Write;

use tagdesk_store::Store;
use tagdesk_store::sqlx::{self, AssertSqlSafe, Connection};

/// The environment variable naming a PostgreSQL maintenance database.
pub const POSTGRES_URL_ENV: &str = "TAGDESK_TEST_POSTGRES_URL";

/// The PostgreSQL maintenance URL, or `None` after telling why the PostgreSQL run is skipped. On CI
/// (`CI=true`) a missing URL fails the test instead: there, a skipped backend would pass silently.
pub fn postgres_url() -> Option<String> {
    if let Some(url) = std::env::var(POSTGRES_URL_ENV).ok().filter(|u| !u.trim().is_empty()) {
        return Some(url);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{POSTGRES_URL_ENV} must be set on CI: the PostgreSQL tests may not be skipped there"
    );
    // Straight to the process's stderr: the test harness would capture (and hide) `eprintln!`.
    let _ = writeln!(std::io::stderr(), "NOTICE: PostgreSQL tests skipped (set {POSTGRES_URL_ENV})");
    None
}

/// A fresh, migrated database for one test.
pub struct TestDb {
    /// The store on it.
    pub store: Store,
    /// The SQLite temp directory (kept alive as long as the database).
    pub dir: Option<tempfile::TempDir>,
    /// Declared after `store`, so the database is dropped after the store's pools.
    _postgres: Option<PostgresDb>,
}

/// A PostgreSQL test database, dropped with this value.
struct PostgresDb {
    maintenance_url: String,
    name: String,
}

impl TestDb {
    /// A migrated database in an SQLite temp file.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite_file(&dir.path().join("tagdesk.db")).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        Self { store, dir: Some(dir), _postgres: None }
    }

    /// A new, migrated database on the server behind `maintenance_url`.
    pub async fn postgres(maintenance_url: &str) -> Self {
        let name = format!("tagdesk_t_{}", uuid::Uuid::new_v4().simple());
        let mut admin = sqlx::PgConnection::connect(maintenance_url).await.expect("connect to maintenance database");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.expect("close maintenance connection");
        // From here on `Drop` removes the database, whatever happens next.
        let pg = PostgresDb { maintenance_url: maintenance_url.to_owned(), name };
        let store = Store::connect(&url_with_database(maintenance_url, &pg.name)).await.expect("connect test database");
        let db = Self { store, dir: None, _postgres: Some(pg) };
        db.store.migrate().await.expect("migrate postgres");
        db
    }

    /// Closes the store; a PostgreSQL test database is then dropped (see [`PostgresDb`]'s `Drop`).
    pub async fn finish(self) {
        self.store.close().await;
    }
}

impl Drop for PostgresDb {
    /// Drops the PostgreSQL test database, best effort, also when a test panicked. Runs on its own thread and
    /// runtime because `Drop` cannot await (and may run inside a runtime); `WITH (FORCE)` ends connections
    /// still open.
    fn drop(&mut self) {
        let (maintenance_url, name) = (std::mem::take(&mut self.maintenance_url), std::mem::take(&mut self.name));
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&maintenance_url).await {
                    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    if let Err(err) = sqlx::query(AssertSqlSafe(drop)).execute(&mut admin).await {
                        eprintln!("could not drop test database {name}: {err}");
                    }
                    let _ = admin.close().await;
                }
            });
        });
        let _ = dropper.join();
    }
}

/// `url` with its database name replaced by `name`, keeping credentials, host and parameters.
pub fn url_with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

#[test]
fn database_names_are_replaced() {
    assert_eq!(url_with_database("postgres://u:p@h:5432/postgres", "x"), "postgres://u:p@h:5432/x");
    assert_eq!(url_with_database("postgres://h/db?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
    assert_eq!(url_with_database("postgresql://h", "x"), "postgresql://h/x");
}
