//! The start of every portal request: what the token on a label leads to.

use std::sync::Arc;

use tagdesk_domain::{
    CaseNumber, CaseStatus, CaseTemplateId, CaseType, DeploymentId, DeviceId, Language, PortalToken, WorkspaceId,
};
use tagdesk_store::portal as store;

use super::settings::{row_or_default, view_of};
use super::{PortalDeployment, PortalDevice, PortalTemplate, PortalVisit};
use crate::templates::{corrupt, parse_definitions};
use crate::{App, AppResult};

/// How many recent cases the device page lists at most.
pub const RECENT_CASES_MAX: i64 = 20;

/// Milliseconds per day.
const DAY_MS: i64 = 24 * 3600 * 1000;

/// What a token leads to.
#[derive(Debug, Clone)]
pub enum TokenLookup {
    /// Malformed, never issued, or the device is archived: a "not found" page (404) that says nothing
    /// about other tokens.
    Unknown,
    /// The label was replaced by a new one (410), with the deployment's contact details.
    Replaced {
        /// The device's deployment.
        deployment_name: String,
        /// Its portal contact details (Markdown source).
        contact_md: String,
        /// Its portal language.
        language: Language,
    },
    /// The deployment's portal is off: a neutral page with the contact details.
    Disabled {
        /// The deployment.
        deployment_name: String,
        /// Its portal contact details (Markdown source).
        contact_md: String,
        /// Its portal language.
        language: Language,
    },
    /// The portal is on: the visit (the PIN session is checked separately, [`super::session::validate`]).
    Active(Arc<PortalVisit>),
}

/// Resolves a token as typed or scanned (case-insensitive; Crockford confusions forgiven).
pub async fn resolve(app: &App, raw_token: &str) -> AppResult<TokenLookup> {
    let Ok(token) = PortalToken::parse(raw_token) else {
        return Ok(TokenLookup::Unknown);
    };
    let now = app.now();
    if let Some(cached) = app.portal_cache.visit(token.as_str(), now) {
        return Ok(cached);
    }
    let ticket = app.portal_cache.ticket();
    let lookup = resolve_uncached(app, &token).await?;
    app.portal_cache.put_visit(ticket, token.as_str(), &lookup, now);
    Ok(lookup)
}

async fn resolve_uncached(app: &App, token: &PortalToken) -> AppResult<TokenLookup> {
    let mut conn = app.store.read().await?;
    let Some(device) = store::device_by_token(&mut conn, token.as_str()).await? else {
        return Ok(match store::replaced_token(&mut conn, token.as_str()).await? {
            Some((deployment_id, deployment_name, language)) => {
                let settings = row_or_default(&mut conn, &deployment_id, &language).await?;
                TokenLookup::Replaced {
                    deployment_name,
                    contact_md: settings.contact_md,
                    language: Language::parse(&settings.language).unwrap_or(Language::En),
                }
            }
            None => TokenLookup::Unknown,
        });
    };
    if device.archived_at.is_some() {
        return Ok(TokenLookup::Unknown);
    }
    let row = row_or_default(&mut conn, &device.deployment_id, &device.deployment_language).await?;
    if !row.is_enabled() || row.pin_hash.is_empty() {
        return Ok(TokenLookup::Disabled {
            deployment_name: device.deployment_name,
            language: Language::parse(&row.language).unwrap_or(Language::En),
            contact_md: row.contact_md,
        });
    }
    let offered = store::offered_templates(&mut conn, &device.deployment_id).await?;
    let settings = view_of(&row, &offered, app.now())?;
    let templates = offered
        .iter()
        .filter(|t| t.is_active())
        .map(|t| {
            Ok(PortalTemplate {
                id: CaseTemplateId::parse(&t.id).map_err(corrupt)?,
                name: t.name.clone(),
                title: t.title.clone(),
                description: t.description.clone(),
                case_type: CaseType::parse(&t.case_type).map_err(corrupt)?,
                fields: parse_definitions(&t.fields_json)?,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(TokenLookup::Active(Arc::new(PortalVisit {
        token: token.clone(),
        device: PortalDevice {
            id: DeviceId::parse(&device.device_id).map_err(corrupt)?,
            name: device.device_name,
            manufacturer: device.manufacturer,
            model: device.model,
            serial: device.serial_number,
        },
        deployment: PortalDeployment {
            id: DeploymentId::parse(&device.deployment_id).map_err(corrupt)?,
            workspace_id: WorkspaceId::parse(&device.workspace_id).map_err(corrupt)?,
            name: device.deployment_name,
        },
        settings,
        templates,
    })))
}

/// A case on the device page: never reporter data, descriptions or comments.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecentCase {
    /// Number (`#1042`); a note names the case by it.
    pub number: CaseNumber,
    /// Title.
    pub title: String,
    /// Open or resolved.
    pub status: CaseStatus,
    /// Submitted (UTC ms).
    pub created_at: i64,
    /// Whether a visitor may add a note ("I have the same problem / more information"): open cases only.
    pub accepts_notes: bool,
}

/// The start of the open-case window.
pub(crate) fn window_start(visit: &PortalVisit, now: i64) -> i64 {
    now - visit.settings.open_case_window_days.max(1) * DAY_MS
}

/// This device's cases at this deployment from the open-case window that are open or resolved, newest
/// first; empty when the settings hide them. Served from the portal cache when fresh.
pub async fn recent_cases(app: &App, visit: &PortalVisit) -> AppResult<Arc<[RecentCase]>> {
    if !visit.settings.show_open_cases {
        return Ok(Arc::from(Vec::new()));
    }
    let now = app.now();
    let (deployment, device) = (visit.deployment.id, visit.device.id);
    if let Some(cached) = app.portal_cache.recent_cases(deployment, device, now) {
        return Ok(cached);
    }
    let ticket = app.portal_cache.ticket();
    let mut conn = app.store.read().await?;
    let (deployment_key, device_key) = (deployment.to_string(), device.to_string());
    let since = window_start(visit, now);
    let rows = store::recent_cases(&mut conn, &deployment_key, &device_key, since, RECENT_CASES_MAX).await?;
    let cases = rows
        .into_iter()
        .map(|row| {
            let status = CaseStatus::parse(&row.status).map_err(corrupt)?;
            Ok(RecentCase {
                number: CaseNumber(row.number),
                title: row.title,
                accepts_notes: status == CaseStatus::Open,
                status,
                created_at: row.created_at,
            })
        })
        .collect::<AppResult<Arc<[RecentCase]>>>()?;
    app.portal_cache.put_recent_cases(ticket, deployment, device, &cases, now);
    Ok(cases)
}
