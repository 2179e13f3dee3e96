//! `GET /cases`: the filtered list, newest first, a page at a time.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use tagdesk_app::cases::{self, CaseQuery, CaseView};
use tagdesk_app::devices::{self, DeviceQuery};
use tagdesk_app::page::PageRequest;
use tagdesk_app::{AppError, deployments, users};
use tagdesk_domain::{CaseOrigin, CaseStatus, DeploymentId, DeviceId, FieldErrors};

use super::{Opt, Time, can_work, device_option, with_query};
use crate::AppState;
use crate::error::{PageResult, render_status};
use crate::layout::{FormErrors, Layout};
use crate::session::Staff;

/// The filters as they appear in the URL; blank means "any".
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub(super) struct ListQuery {
    status: String,
    deployment: String,
    device: String,
    origin: String,
    /// A user id, or `none` for unassigned cases.
    assignee: String,
    q: String,
    cursor: String,
}

impl ListQuery {
    fn filters(&self) -> [(&'static str, &str); 6] {
        [
            ("status", self.status.trim()),
            ("deployment", self.deployment.trim()),
            ("device", self.device.trim()),
            ("origin", self.origin.trim()),
            ("assignee", self.assignee.trim()),
            ("q", self.q.trim()),
        ]
    }

    fn any_filter(&self) -> bool {
        self.filters().iter().any(|(_, v)| !v.is_empty())
    }

    fn to_app(&self) -> (CaseQuery, PageRequest) {
        let given = |v: &str| Some(v.to_owned());
        let query = CaseQuery {
            status: given(&self.status),
            deployment_id: given(&self.deployment),
            device_id: given(&self.device),
            origin: given(&self.origin),
            assignee: given(&self.assignee),
            text: given(&self.q),
        };
        let cursor = Some(self.cursor.trim().to_owned()).filter(|c| !c.is_empty());
        (query, PageRequest { cursor, limit: None })
    }
}

/// One row of the table.
struct CaseRow {
    case: CaseView,
    created: Time,
}

#[derive(Template)]
#[template(path = "cases/list.html")]
struct ListPage {
    layout: Layout,
    filter: ListQuery,
    errors: FormErrors,
    rows: Vec<CaseRow>,
    statuses: &'static [CaseStatus],
    origins: &'static [CaseOrigin],
    deployments: Vec<Opt>,
    /// Devices to filter by; empty hides the filter.
    devices: Vec<Opt>,
    assignees: Vec<Opt>,
    can_create: bool,
    next_url: Option<String>,
    first_url: Option<String>,
}

impl ListPage {
    /// The filter problems, each named after its control.
    fn problems(&self) -> Vec<String> {
        self.errors
            .all()
            .into_iter()
            .map(|(field, message)| {
                let control = match field.as_str() {
                    "status" => "Status",
                    "deployment_id" => "Deployment",
                    "device_id" => "Device",
                    "origin" => "Origin",
                    "assignee" => "Assignee",
                    "text" => "Search",
                    "cursor" => "Page",
                    _ => return message,
                };
                format!("{control}: {message}")
            })
            .collect()
    }
}

/// `GET /cases`.
pub(super) async fn page(State(state): State<AppState>, staff: Staff, Query(filter): Query<ListQuery>) -> PageResult {
    let actor = &staff.actor;
    let visible = deployments::list_all(&state.app, actor).await?;
    let can_create = visible.iter().any(|d| can_work(actor, d.id));
    let deployments: Vec<Opt> = visible.iter().map(|d| Opt::new(d.id, d.name.clone())).collect();
    let devices = device_choices(&state, &staff, &filter).await?;
    let mut assignees = vec![Opt::new("none", "Unassigned")];
    assignees.extend(users::directory(&state.app, actor).await?.into_iter().map(|(id, name)| Opt::new(id, name)));

    let (query, page_request) = filter.to_app();
    let (rows, next_cursor, errors) = match cases::list(&state.app, actor, &query, &page_request).await {
        Ok(page) => (page.items, page.next_cursor, FieldErrors::new()),
        Err(AppError::Invalid(errors)) => (Vec::new(), None, errors),
        Err(err) => return Err(err.into()),
    };
    let mut pairs: Vec<(&str, &str)> = filter.filters().to_vec();
    let next_url = next_cursor.as_deref().map(|cursor| {
        pairs.push(("cursor", cursor));
        with_query("/cases", &pairs)
    });
    let first_url = (!filter.cursor.trim().is_empty()).then(|| with_query("/cases", &filter.filters()));
    let errors = FormErrors(errors);
    let status = if errors.any() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let page = ListPage {
        layout: staff.layout(errors.title("Cases"), "cases"),
        rows: rows.into_iter().map(|case| CaseRow { created: Time::of(case.created_at), case }).collect(),
        errors,
        statuses: CaseStatus::ALL,
        origins: CaseOrigin::ALL,
        deployments,
        devices,
        assignees,
        can_create,
        next_url,
        first_url,
        filter,
    };
    render_status(status, &page)
}

/// The device filter's options: the devices of the chosen deployment, plus the device asked for by
/// `device=` (e.g. from a device's page). Empty when neither is given.
async fn device_choices(state: &AppState, staff: &Staff, filter: &ListQuery) -> Result<Vec<Opt>, AppError> {
    let mut options = Vec::new();
    if let Ok(deployment) = DeploymentId::parse(&filter.deployment) {
        let query = DeviceQuery {
            deployment_id: Some(deployment.to_string()),
            include_archived: true,
            ..DeviceQuery::default()
        };
        let page = PageRequest { cursor: None, limit: Some(tagdesk_app::page::MAX_LIMIT) };
        match devices::list(&state.app, &staff.actor, &query, &page).await {
            Ok(page) => options.extend(page.items.iter().map(device_option)),
            Err(AppError::NotFound | AppError::Invalid(_)) => {}
            Err(err) => return Err(err),
        }
    }
    if let Ok(device) = DeviceId::parse(&filter.device)
        && !options.iter().any(|o| o.value == device.to_string())
    {
        match devices::get(&state.app, &staff.actor, device).await {
            Ok(found) => options.insert(0, device_option(&found)),
            Err(AppError::NotFound) => {}
            Err(err) => return Err(err),
        }
    }
    Ok(options)
}
