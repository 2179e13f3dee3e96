//! A fresh database for each of Tagdesk's integration tests — a dev-dependency of the store, app, web and CLI
//! crates, never published.
//!
//! A test runs on an SQLite temp file always, and on PostgreSQL when [`POSTGRES_URL_ENV`] names a maintenance
//! database (e.g. `postgres://postgres@127.0.0.1:5432/postgres`): through it, every test creates a database
//! `tagdesk_t_<random hex>` of its own ([`PostgresDatabase`]) and drops it again afterwards, also after a
//! panic. [`TestDb`] is such a database, migrated, with a [`Store`] on it; a test that needs only a database
//! URL (the CLI's) uses [`PostgresDatabase`] directly.

use std::io::Write as _;
use std::sync::Once;

use tagdesk_store::Store;
use tagdesk_store::sqlx::{self, AssertSqlSafe, Connection as _};

/// The environment variable naming a PostgreSQL maintenance database, e.g.
/// `postgres://postgres@127.0.0.1:5432/postgres`.
pub const POSTGRES_URL_ENV: &str = "TAGDESK_TEST_POSTGRES_URL";

/// The value of [`POSTGRES_URL_ENV`], unless it is unset or blank.
fn configured_url() -> Option<String> {
    std::env::var(POSTGRES_URL_ENV).ok().filter(|url| !url.trim().is_empty())
}

/// The PostgreSQL maintenance URL, or `None` after telling why the PostgreSQL run is skipped: a `NOTICE` line
/// on stderr, once per test binary. On CI (`CI=true`) a missing URL fails the test instead: there, a skipped
/// backend would pass silently.
///
/// # Panics
///
/// When `CI=true` and [`POSTGRES_URL_ENV`] is unset or blank.
pub fn postgres_url() -> Option<String> {
    if let Some(url) = configured_url() {
        return Some(url);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{POSTGRES_URL_ENV} must be set on CI: the PostgreSQL tests may not be skipped there"
    );
    static NOTICE: Once = Once::new();
    NOTICE.call_once(|| {
        // Straight to the process's stderr: the test harness would capture (and hide) `eprintln!`.
        let _ = writeln!(std::io::stderr(), "NOTICE: PostgreSQL tests skipped (set {POSTGRES_URL_ENV})");
    });
    None
}

/// A new, empty PostgreSQL database `tagdesk_t_<random hex>`, dropped again with this value.
#[derive(Debug)]
pub struct PostgresDatabase {
    maintenance_url: String,
    name: String,
    url: String,
}

impl PostgresDatabase {
    /// Creates the database through the maintenance database at `maintenance_url`.
    ///
    /// # Panics
    ///
    /// When the server cannot be reached or refuses to create the database.
    pub async fn create(maintenance_url: &str) -> Self {
        let name = format!("tagdesk_t_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(maintenance_url).await.expect("connect to maintenance database");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.expect("close maintenance connection");
        let url = url_with_database(maintenance_url, &name);
        Self { maintenance_url: maintenance_url.to_owned(), name, url }
    }

    /// The database's URL: the maintenance URL with the database name replaced.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for PostgresDatabase {
    /// Drops the database, best effort, also when a test panicked. Runs on its own thread and runtime because
    /// `Drop` cannot await (and may run inside a runtime); `WITH (FORCE)` ends connections still open.
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

/// A fresh, migrated database for one test, with a store on it.
#[derive(Debug)]
pub struct TestDb {
    /// The store on it.
    pub store: Store,
    /// The SQLite temp directory, kept as long as the database (`None` on PostgreSQL). Tests may put files of
    /// their own next to the database in it.
    pub dir: Option<tempfile::TempDir>,
    /// Declared after `store`, so the database is dropped after the store's pools.
    _postgres: Option<PostgresDatabase>,
}

impl TestDb {
    /// A database on the backend the environment selects: PostgreSQL when [`POSTGRES_URL_ENV`] is set, else
    /// SQLite (without a notice, and also on CI).
    pub async fn from_env() -> Self {
        match configured_url() {
            Some(url) => Self::postgres(&url).await,
            None => Self::sqlite().await,
        }
    }

    /// A migrated database in an SQLite temp file.
    ///
    /// # Panics
    ///
    /// When the database cannot be created or migrated.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite_file(&dir.path().join("tagdesk.db")).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        Self { store, dir: Some(dir), _postgres: None }
    }

    /// A new, migrated [`PostgresDatabase`] on the server behind `maintenance_url`.
    ///
    /// # Panics
    ///
    /// When the database cannot be created, reached or migrated (it is dropped again all the same).
    pub async fn postgres(maintenance_url: &str) -> Self {
        let database = PostgresDatabase::create(maintenance_url).await;
        let store = Store::connect(database.url()).await.expect("connect test database");
        store.migrate().await.expect("migrate postgres");
        Self { store, dir: None, _postgres: Some(database) }
    }

    /// Closes the store; a PostgreSQL database is then dropped (see [`PostgresDatabase`]).
    pub async fn finish(self) {
        self.store.close().await;
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

#[cfg(test)]
mod tests {
    use super::url_with_database;

    #[test]
    fn database_names_are_replaced() {
        assert_eq!(url_with_database("postgres://u:p@h:5432/postgres", "x"), "postgres://u:p@h:5432/x");
        assert_eq!(url_with_database("postgres://h/db?sslmode=disable", "x"), "postgres://h/x?sslmode=disable");
        assert_eq!(url_with_database("postgresql://h", "x"), "postgresql://h/x");
    }
}
