//! Pages: cases. The filtered list, the new-case form (a two-step form without JavaScript when a template
//! is used), the detail page with its actions and timeline, and the details form. One submodule per job;
//! this module holds the routes and what they share.

mod custom;
mod detail;
mod edit;
mod list;
mod new;

use axum::Router;
use axum::routing::{get, post};
use tagdesk_app::Actor;
use tagdesk_app::devices::DeviceView;
use tagdesk_domain::{CaseStatus, DeploymentId};

use crate::AppState;
use crate::format;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(list::page).post(new::create))
        .route("/cases/new", get(new::page))
        .route("/cases/{id}", get(detail::page))
        .route("/cases/{id}/edit", get(edit::page).post(edit::save))
        .route("/cases/{id}/status", post(detail::change_status))
        .route("/cases/{id}/assign", post(detail::assign))
        .route("/cases/{id}/solution", post(detail::set_solution))
        .route("/cases/{id}/comments", post(detail::comment))
}

/// One `<option>`.
#[derive(Debug, Clone)]
struct Opt {
    value: String,
    label: String,
}

impl Opt {
    fn new(value: impl ToString, label: impl Into<String>) -> Self {
        Self { value: value.to_string(), label: label.into() }
    }
}

/// Options under an `<optgroup>`.
#[derive(Debug, Clone)]
struct OptGroup {
    label: String,
    options: Vec<Opt>,
}

/// A device as an option: "Name (SERIAL)", or just the name without a serial number.
fn device_option(device: &DeviceView) -> Opt {
    let label = match device.serial_number.as_deref().filter(|s| !s.is_empty()) {
        Some(serial) => format!("{} ({serial})", device.name),
        None => device.name.clone(),
    };
    Opt::new(device.id, label)
}

/// Whether the actor may change cases at the deployment (to hide actions it could not take).
fn can_work(actor: &Actor, deployment: DeploymentId) -> bool {
    actor.deployment_role(deployment).is_some_and(|role| role.can_work())
}

/// The button text for moving a case to `status`.
fn status_action(status: CaseStatus) -> &'static str {
    match status {
        CaseStatus::Open => "Reopen",
        CaseStatus::Resolved => "Mark resolved",
        CaseStatus::Archived => "Archive",
    }
}

/// A timestamp for `<time datetime="{{ iso }}">{{ text }}</time>`.
#[derive(Debug, Clone)]
struct Time {
    iso: String,
    text: String,
}

impl Time {
    fn of(ms: i64) -> Self {
        Self { iso: format::rfc3339(ms), text: format::datetime(ms) }
    }
}

/// Text split into paragraphs (at blank lines) of lines, to keep the author's line breaks without
/// inline styles.
fn paragraphs(text: &str) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line.to_owned());
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// `path?query` with the non-empty pairs.
fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let pairs: Vec<_> = pairs.iter().filter(|(_, value)| !value.is_empty()).collect();
    match serde_urlencoded::to_string(pairs) {
        Ok(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_keep_lines_and_split_at_blank_lines() {
        assert_eq!(
            paragraphs("One\r\ntwo\n\n\nthree\n"),
            vec![vec!["One".to_owned(), "two".to_owned()], vec!["three".to_owned()]]
        );
        assert!(paragraphs("  \n").is_empty());
    }

    #[test]
    fn queries_leave_out_blank_values() {
        assert_eq!(
            with_query("/cases", &[("status", "open"), ("q", ""), ("cursor", "12")]),
            "/cases?status=open&cursor=12"
        );
        assert_eq!(with_query("/cases", &[("q", "")]), "/cases");
        assert_eq!(with_query("/cases", &[("q", "a b&c")]), "/cases?q=a+b%26c");
    }

    #[test]
    fn every_next_step_has_a_button() {
        assert_eq!(status_action(CaseStatus::Resolved), "Mark resolved");
        assert_eq!(status_action(CaseStatus::Archived), "Archive");
        assert_eq!(status_action(CaseStatus::Open), "Reopen");
    }
}
