//! Pages: devices. The list with its filters, the create and edit forms, the detail page with moves,
//! archiving and restoring, and CSV import and export. One submodule per job; this module holds the routes
//! and what they share.

mod csv;
mod detail;
mod form;
mod list;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tagdesk_app::deployments;
use tagdesk_app::{Actor, AppResult};
use tagdesk_domain::DeploymentId;

use crate::AppState;
use crate::format;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/devices", get(list::page).post(form::create))
        .route("/devices/new", get(form::new_page))
        // The configured request body limit governs uploads, not the extractors' 2 MB default.
        .route("/devices/import", get(csv::import_page).post(csv::import).layer(DefaultBodyLimit::disable()))
        .route("/devices/export", get(csv::export_page))
        .route("/devices/export.csv", get(csv::export))
        .route("/devices/{id}", get(detail::page).post(form::update))
        .route("/devices/{id}/edit", get(form::edit_page))
        .route("/devices/{id}/move", post(detail::move_device))
        .route("/devices/{id}/archive", post(detail::archive))
        .route("/devices/{id}/restore", post(detail::restore))
        .route("/devices/{id}/portal-token", post(detail::replace_portal_token))
        .route("/devices/{id}/portal-pass", post(detail::portal_pass))
}

/// A deployment in a select.
#[derive(Debug, Clone)]
struct DeploymentOption {
    id: String,
    name: String,
}

/// The deployments the actor sees (for filters and exports) and those it can add devices to.
struct DeploymentChoices {
    visible: Vec<DeploymentOption>,
    workable: Vec<DeploymentOption>,
}

impl DeploymentChoices {
    async fn load(state: &AppState, actor: &Actor) -> AppResult<Self> {
        let all = deployments::list_all(&state.app, actor).await?;
        let mut visible = Vec::with_capacity(all.len());
        let mut workable = Vec::new();
        for deployment in all {
            let option = DeploymentOption { id: deployment.id.to_string(), name: deployment.name };
            if can_work(actor, deployment.id) {
                workable.push(option.clone());
            }
            visible.push(option);
        }
        Ok(Self { visible, workable })
    }
}

/// Whether the actor may change devices at the deployment (to hide actions it could not take).
fn can_work(actor: &Actor, deployment: DeploymentId) -> bool {
    actor.deployment_role(deployment).is_some_and(|role| role.can_work())
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

/// A URL with a query string made of the non-empty pairs.
fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let pairs: Vec<_> = pairs.iter().filter(|(_, value)| !value.is_empty()).collect();
    match serde_urlencoded::to_string(pairs) {
        Ok(query) if !query.is_empty() => format!("{path}?{query}"),
        _ => path.to_owned(),
    }
}

/// "1 device", "3 devices".
fn devices_count(n: u64) -> String {
    if n == 1 { "1 device".to_owned() } else { format!("{n} devices") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_skip_blank_values() {
        assert_eq!(with_query("/devices", &[("tag", ""), ("q", "")]), "/devices");
        assert_eq!(
            with_query("/devices", &[("tag", "a b"), ("q", ""), ("cursor", "x&y")]),
            "/devices?tag=a+b&cursor=x%26y"
        );
    }

    #[test]
    fn counts_are_plural_aware() {
        assert_eq!(devices_count(1), "1 device");
        assert_eq!(devices_count(0), "0 devices");
        assert_eq!(devices_count(12), "12 devices");
    }
}
