//! `GET /devices`: the device list with its filter bar and cursor pagination.

use askama::Template;
use axum::extract::{Query, State};
use serde::Deserialize;
use tagdesk_app::devices::{self, DeviceQuery, DeviceView};
use tagdesk_app::page::PageRequest;

use super::{DeploymentChoices, DeploymentOption, with_query};
use crate::AppState;
use crate::error::{PageResult, render};
use crate::layout::Layout;
use crate::session::Staff;

/// Devices per page.
const PAGE_SIZE: i64 = 50;

/// The filters as the GET form sends them. Blank means "no filter".
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub(super) struct ListQuery {
    deployment: String,
    tag: String,
    q: String,
    include_archived: String,
    cursor: String,
}

impl ListQuery {
    fn include_archived(&self) -> bool {
        !matches!(self.include_archived.trim(), "" | "false" | "0")
    }

    fn is_filtered(&self) -> bool {
        !self.deployment.trim().is_empty()
            || !self.tag.trim().is_empty()
            || !self.q.trim().is_empty()
            || self.include_archived()
    }

    /// This list's URL, continuing at `cursor` (blank for the first page).
    fn url(&self, cursor: &str) -> String {
        let archived = if self.include_archived() { "true" } else { "" };
        with_query(
            "/devices",
            &[
                ("deployment", self.deployment.trim()),
                ("tag", self.tag.trim()),
                ("q", self.q.trim()),
                ("include_archived", archived),
                ("cursor", cursor),
            ],
        )
    }
}

/// One table row.
struct Row {
    url: String,
    name: String,
    serial_number: String,
    make: String,
    deployment_url: String,
    deployment_name: String,
    tags: Vec<String>,
    archived: bool,
}

impl From<DeviceView> for Row {
    fn from(device: DeviceView) -> Self {
        let make = [device.manufacturer.trim(), device.model.trim()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        Self {
            url: format!("/devices/{}", device.id),
            name: device.name,
            serial_number: device.serial_number.unwrap_or_default(),
            make,
            deployment_url: format!("/deployments/{}", device.deployment_id),
            deployment_name: device.deployment_name,
            tags: device.tags,
            archived: device.archived,
        }
    }
}

#[derive(Template)]
#[template(path = "devices/list.html")]
struct ListPage {
    layout: Layout,
    filter: ListQuery,
    include_archived: bool,
    filtered: bool,
    deployments: Vec<DeploymentOption>,
    rows: Vec<Row>,
    /// Whether this is a later page (the cursor is set).
    later_page: bool,
    first_url: String,
    next_url: Option<String>,
    new_url: String,
    import_url: String,
    export_url: String,
    /// Whether the user can add devices somewhere.
    can_create: bool,
}

pub(super) async fn page(State(state): State<AppState>, staff: Staff, Query(filter): Query<ListQuery>) -> PageResult {
    let query = DeviceQuery {
        deployment_id: Some(filter.deployment.clone()),
        tag: Some(filter.tag.clone()),
        text: Some(filter.q.clone()),
        include_archived: filter.include_archived(),
    };
    let request = PageRequest { cursor: Some(filter.cursor.clone()), limit: Some(PAGE_SIZE) };
    let found = devices::list(&state.app, &staff.actor, &query, &request).await?;
    let choices = DeploymentChoices::load(&state, &staff.actor).await?;
    let deployment = filter.deployment.trim();
    let export_url = if !deployment.is_empty() {
        with_query("/devices/export.csv", &[("deployment", deployment)])
    } else if let [only] = choices.visible.as_slice() {
        with_query("/devices/export.csv", &[("deployment", &only.id)])
    } else {
        "/devices/export".to_owned()
    };
    let workable_selected = choices.workable.iter().any(|d| d.id == deployment);
    let preselect = if workable_selected { deployment } else { "" };
    let page = ListPage {
        layout: staff.layout("Devices", "devices"),
        include_archived: filter.include_archived(),
        filtered: filter.is_filtered(),
        deployments: choices.visible,
        rows: found.items.into_iter().map(Row::from).collect(),
        later_page: !filter.cursor.trim().is_empty(),
        first_url: filter.url(""),
        next_url: found.next_cursor.as_deref().map(|cursor| filter.url(cursor)),
        new_url: with_query("/devices/new", &[("deployment", preselect)]),
        import_url: with_query("/devices/import", &[("deployment", preselect)]),
        export_url,
        can_create: !choices.workable.is_empty(),
        filter,
    };
    render(&page)
}
