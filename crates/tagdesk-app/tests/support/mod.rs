//! Shared by the integration tests of `tagdesk-app`: every test gets a fresh database — an SQLite temp
//! file by default, or, when `TAGDESK_TEST_POSTGRES_URL` is set (e.g.
//! `postgres://postgres:pw@localhost:5432/postgres`), a new PostgreSQL database created through that
//! maintenance connection and dropped again when the [`TestDb`] is dropped.

#![allow(dead_code, reason = "each test binary uses a different part of the support module")]

use tagdesk_store::Store;
use tagdesk_store::sqlx::{self, AssertSqlSafe, Connection};

/// The environment variable naming a PostgreSQL maintenance database.
pub const POSTGRES_URL_ENV: &str = "TAGDESK_TEST_POSTGRES_URL";

/// A fresh, migrated database for one test.
pub struct TestDb {
    /// The store on it.
    pub store: Store,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<PostgresDb>,
}

struct PostgresDb {
    maintenance_url: String,
    name: String,
}

impl TestDb {
    /// Creates and migrates a database on the backend the environment selects.
    pub async fn new() -> Self {
        match std::env::var(POSTGRES_URL_ENV).ok().filter(|u| !u.trim().is_empty()) {
            Some(url) => Self::postgres(&url).await,
            None => Self::sqlite().await,
        }
    }

    /// A database in an SQLite temp file.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open_sqlite_file(&dir.path().join("tagdesk.db")).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        Self { store, _dir: Some(dir), postgres: None }
    }

    /// A new database `tagdesk_t_<random hex>` on the server behind `maintenance_url`.
    pub async fn postgres(maintenance_url: &str) -> Self {
        let name = format!("tagdesk_t_{:016x}", rand::random::<u64>());
        let mut admin = sqlx::PgConnection::connect(maintenance_url).await.expect("connect to maintenance database");
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .expect("create test database");
        admin.close().await.expect("close maintenance connection");
        let store = Store::connect(&url_with_database(maintenance_url, &name)).await.expect("connect test database");
        store.migrate().await.expect("migrate postgres");
        Self { store, _dir: None, postgres: Some(PostgresDb { maintenance_url: maintenance_url.to_owned(), name }) }
    }

    /// Closes the store; a PostgreSQL test database is then dropped (see the `Drop` impl).
    pub async fn finish(self) {
        self.store.close().await;
    }
}

impl Drop for TestDb {
    /// Drops a PostgreSQL test database, best effort, also when a test panicked. Runs on its own thread
    /// and runtime because `Drop` cannot await; `WITH (FORCE)` ends connections still open.
    fn drop(&mut self) {
        let Some(pg) = self.postgres.take() else {
            return;
        };
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            runtime.block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&pg.maintenance_url).await {
                    let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", pg.name);
                    let _ = sqlx::query(AssertSqlSafe(drop)).execute(&mut admin).await;
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
