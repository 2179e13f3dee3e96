//! HTTP tests of the whole application through the in-process router: every page and API endpoint, the
//! permission matrix, CSRF, sessions, validation errors, limits, security headers and the OpenAPI
//! document. One test binary (compile speed); every scenario runs on SQLite and, when
//! `TAGDESK_TEST_POSTGRES_URL` is set, on PostgreSQL (see `support.rs`).

mod support;

mod admin;
mod api;
mod auth;
mod cases;
mod csrf;
mod deployments;
mod devices;
mod hardening;
mod labels_api;
mod labels_pages;
mod openapi;
mod ops;
mod permissions;
mod portal;
mod portal_staff;
mod scans;
mod server;
mod templates;
mod tools;
mod users;
