//! Fresh databases for the store's integration tests: an SQLite temp file, or — when
//! `TAGDESK_TEST_POSTGRES_URL` names a PostgreSQL maintenance database (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`) — a new database `tagdesk_t_<random hex>` created
//! through it and dropped again when the [`TestDb`] is dropped, also after a panic (see `tagdesk-testdb`).

pub use tagdesk_testdb::{TestDb, postgres_url};
