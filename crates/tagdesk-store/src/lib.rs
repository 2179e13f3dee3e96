//! Tagdesk persistence. One migration set and one set of portable SQL statements serve SQLite (the
//! embedded default) and PostgreSQL, through sqlx's `Any` driver. This crate knows tables and rows, never
//! HTTP or authorisation; `tagdesk-app` decides who may call what.

pub mod api_keys;
pub mod attachments;
pub mod audit;
pub mod cases;
pub mod connect;
pub mod deployments;
pub mod devices;
pub mod error;
pub mod labels;
pub mod pin_guard;
pub mod portal;
pub mod portal_pass;
pub mod rate_limits;
pub mod scan_reports;
pub mod scans;
pub mod sessions;
mod sql;
pub mod templates;
pub mod users;
pub mod workspaces;

pub use connect::{Backend, Store};
pub use error::StoreError;
pub use sqlx;

/// A connection inside or outside a transaction; every query function takes one.
pub type Conn = sqlx::AnyConnection;

/// A write transaction.
pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// Converts a stored 0/1 flag.
pub(crate) fn flag(value: i64) -> bool {
    value != 0
}
