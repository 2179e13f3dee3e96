//! API keys: created by workspace admins, shown once, stored as SHA-256 hashes, revocable, with a
//! last-used time. A key acts with workspace-wide rights on deployments, devices, templates and cases.

use tagdesk_domain::error::required_text;
use tagdesk_domain::{ApiKeyId, WorkspaceId};
use tagdesk_store::api_keys::{self, ApiKeyRow, NewApiKey};

use crate::actor::ActorKind;
use crate::auth::{random_token, secret_hash};
use crate::error::OrNotFound;
use crate::{Actor, App, AppError, AppResult, audit};

/// Every key starts with this, so leaked keys are easy to find in code and logs.
pub const KEY_PREFIX: &str = "tdk_";

/// A key as listed (never the secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiKeyView {
    /// Id.
    pub id: ApiKeyId,
    /// What it is for.
    pub name: String,
    /// The first characters of the key.
    pub prefix: String,
    /// Who created it.
    pub created_by: Option<String>,
    /// Created (ms).
    pub created_at: i64,
    /// Last used (ms, at most a minute stale).
    pub last_used_at: Option<i64>,
    /// Revoked (ms).
    pub revoked_at: Option<i64>,
}

fn view(row: ApiKeyRow) -> AppResult<ApiKeyView> {
    Ok(ApiKeyView {
        id: ApiKeyId::parse(&row.id).map_err(|e| AppError::Internal(e.to_string()))?,
        name: row.name,
        prefix: row.prefix,
        created_by: row.created_by_name,
        created_at: row.created_at,
        last_used_at: row.last_used_at,
        revoked_at: row.revoked_at,
    })
}

/// Creates a key; returns it with the secret, which is never shown again.
pub async fn create(app: &App, actor: &Actor, name: &str) -> AppResult<(ApiKeyView, String)> {
    actor.require_admin_user()?;
    let name = required_text(name, 100).map_err(|e| AppError::invalid("name", e.to_string()))?;
    let secret = format!("{KEY_PREFIX}{}", random_token());
    let id = ApiKeyId::new();
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let created_by = actor.user_id().map(|u| u.to_string());
    api_keys::insert(
        &mut tx,
        &NewApiKey {
            id: &id.to_string(),
            workspace_id: &actor.workspace_id.to_string(),
            name: &name,
            prefix: &secret[..KEY_PREFIX.len() + 8],
            key_hash: &secret_hash(&secret),
            created_by: created_by.as_deref(),
            now,
        },
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        "api_key.created",
        ("api_key", &id.to_string()),
        format!("Created API key \u{201c}{name}\u{201d}"),
        now,
    )
    .await?;
    tx.commit().await?;
    let mut conn = app.store.read().await?;
    let row = api_keys::get(&mut conn, &actor.workspace_id.to_string(), &id.to_string()).await?.or_not_found()?;
    Ok((view(row)?, secret))
}

/// Keys of the workspace, newest first.
pub async fn list(app: &App, actor: &Actor) -> AppResult<Vec<ApiKeyView>> {
    actor.require_admin_user()?;
    let mut conn = app.store.read().await?;
    api_keys::list(&mut conn, &actor.workspace_id.to_string()).await?.into_iter().map(view).collect()
}

/// Revokes a key; it stops working at once.
pub async fn revoke(app: &App, actor: &Actor, id: ApiKeyId) -> AppResult<()> {
    actor.require_admin_user()?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let row = api_keys::get(&mut tx, &actor.workspace_id.to_string(), &id.to_string()).await?.or_not_found()?;
    api_keys::revoke(&mut tx, &id.to_string(), now).await?;
    audit::record(
        &mut tx,
        actor,
        "api_key.revoked",
        ("api_key", &id.to_string()),
        format!("Revoked API key \u{201c}{}\u{201d}", row.name),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The actor behind a bearer key, or `None` when the key is unknown or revoked. Records use.
pub async fn authenticate(app: &App, secret: &str) -> AppResult<Option<Actor>> {
    if !secret.starts_with(KEY_PREFIX) || secret.len() > 200 {
        return Ok(None);
    }
    let row = {
        let mut conn = app.store.read().await?;
        api_keys::find_active_by_hash(&mut conn, &secret_hash(secret)).await?
    };
    let Some(row) = row else { return Ok(None) };
    let now = app.now();
    if row.last_used_at.is_none_or(|t| t < now - 60_000) {
        let mut tx = app.store.begin().await?;
        api_keys::touch(&mut tx, &row.id, now).await?;
        tx.commit().await?;
    }
    let corrupt = |e: tagdesk_domain::DomainError| AppError::Internal(e.to_string());
    Ok(Some(Actor {
        workspace_id: WorkspaceId::parse(&row.workspace_id).map_err(corrupt)?,
        kind: ActorKind::ApiKey { id: ApiKeyId::parse(&row.id).map_err(corrupt)? },
        label: format!("API key \u{201c}{}\u{201d}", row.name),
    }))
}
