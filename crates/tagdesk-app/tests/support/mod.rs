//! Shared by the integration tests of `tagdesk-app`: every test gets a fresh database from
//! [`tagdesk_testdb::TestDb::from_env`] — an SQLite temp file by default, or, when
//! `TAGDESK_TEST_POSTGRES_URL` is set (e.g. `postgres://postgres:pw@localhost:5432/postgres`), a new
//! PostgreSQL database created through that maintenance connection and dropped again with the `TestDb`.

pub use tagdesk_testdb::TestDb;

use tagdesk_app::App;
use tagdesk_domain::{DeploymentId, WorkspaceId};

/// A fresh workspace (straight through the store).
#[allow(dead_code, reason = "each test binary uses a part of the shared support")]
pub async fn add_workspace(app: &App) -> WorkspaceId {
    let id = WorkspaceId::new();
    let mut tx = app.store.begin().await.expect("begin");
    tagdesk_store::workspaces::insert(&mut tx, &id.to_string(), &format!("Workspace {id}"), app.now())
        .await
        .expect("workspace");
    tx.commit().await.expect("commit");
    id
}

/// A deployment in `workspace` speaking `language` (straight through the store).
#[allow(dead_code, reason = "each test binary uses a part of the shared support")]
pub async fn add_deployment(app: &App, workspace: WorkspaceId, name: &str, language: &str) -> DeploymentId {
    let id = DeploymentId::new();
    let fields = tagdesk_store::deployments::DeploymentFields {
        name,
        address: "",
        timezone: "Europe/Berlin",
        language,
        default_assignee_id: None,
        notification_emails: "",
    };
    let mut tx = app.store.begin().await.expect("begin");
    tagdesk_store::deployments::insert(&mut tx, &id.to_string(), &workspace.to_string(), &fields, app.now())
        .await
        .expect("deployment");
    tx.commit().await.expect("commit");
    id
}
