//! Shared by the integration tests of `tagdesk-app`: every test gets a fresh database from
//! [`tagdesk_testdb::TestDb::from_env`] — an SQLite temp file by default, or, when
//! `TAGDESK_TEST_POSTGRES_URL` is set (e.g. `postgres://postgres:pw@localhost:5432/postgres`), a new
//! PostgreSQL database created through that maintenance connection and dropped again with the `TestDb`.

pub use tagdesk_testdb::TestDb;
