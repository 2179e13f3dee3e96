//! Which devices a print covers: a deployment, a tag, a search, an explicit list (pasted or scanned
//! serial numbers, tokens or portal URLs — so a pile of returned devices can be relabelled), and "never
//! scanned / not scanned in N days". Archived devices are never printed; a member only ever gets devices
//! of deployments they can work at.

use serde::{Deserialize, Serialize};
use tagdesk_domain::{DeploymentId, DeviceId, PortalToken};
use tagdesk_store::labels::{self as store, LabelDeviceRow, LabelSelection};

use super::MAX_LABELS_PER_PRINT;
use crate::templates::corrupt;
use crate::{Actor, App, AppError, AppResult};

/// The most entries an explicit list may have.
pub const MAX_LISTED: usize = 5_000;

/// Milliseconds per day.
const DAY_MS: i64 = 86_400_000;

/// A selection as the UI, API and CLI give it. Filters combine (AND).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    /// Only this deployment.
    #[serde(default)]
    pub deployment: Option<DeploymentId>,
    /// Only devices with this tag.
    #[serde(default)]
    pub tag: Option<String>,
    /// Only devices whose name, serial, manufacturer or model contains this.
    #[serde(default)]
    pub search: Option<String>,
    /// Only these devices (by id).
    #[serde(default)]
    pub device_ids: Vec<DeviceId>,
    /// Only devices named in this list: serial numbers, tokens or portal URLs, one per line or separated
    /// by commas/semicolons/spaces-free lines (as a scanner types them).
    #[serde(default)]
    pub listed: Option<String>,
    /// Only devices whose label was never scanned.
    #[serde(default)]
    pub never_scanned: bool,
    /// Only devices not scanned in this many days (never-scanned ones included).
    #[serde(default)]
    pub not_scanned_days: Option<u32>,
}

impl Selection {
    /// Whether nothing narrows the selection (then it means every device the actor may print).
    pub fn is_everything(&self) -> bool {
        self.deployment.is_none()
            && self.tag.as_deref().is_none_or(|t| t.trim().is_empty())
            && self.search.as_deref().is_none_or(|t| t.trim().is_empty())
            && self.device_ids.is_empty()
            && self.listed.as_deref().is_none_or(|t| t.trim().is_empty())
            && !self.never_scanned
            && self.not_scanned_days.is_none()
    }
}

/// What a pasted list resolved to.
#[derive(Debug, Clone, Default)]
pub struct Selected {
    /// The devices, in deployment then name order.
    pub devices: Vec<LabelDeviceRow>,
    /// Entries of the explicit list that matched no device (shown so a typo is noticed).
    pub unmatched: Vec<String>,
}

/// Splits a pasted/scanned list into lookup keys: a portal URL or token becomes the canonical token, a
/// serial number is lower-cased. Returns (keys, originals by key).
fn list_keys(raw: &str) -> AppResult<Vec<(String, String)>> {
    let entries: Vec<&str> = raw.split(['\n', '\r', ',', ';', '\t']).map(str::trim).filter(|e| !e.is_empty()).collect();
    if entries.len() > MAX_LISTED {
        return Err(AppError::invalid("listed", format!("List at most {MAX_LISTED} devices at once.")));
    }
    let mut keys = Vec::with_capacity(entries.len());
    for entry in entries {
        let candidate = entry.rsplit_once("/d/").or_else(|| entry.rsplit_once("/D/")).map_or(entry, |(_, t)| t);
        let key = match PortalToken::parse(candidate.trim_end_matches('/')) {
            Ok(token) => token.as_str().to_owned(),
            Err(_) => entry.to_lowercase(),
        };
        keys.push((key, entry.to_owned()));
    }
    Ok(keys)
}

/// Resolves a selection for `actor` (who must be able to work at every deployment printed).
pub async fn resolve(app: &App, actor: &Actor, selection: &Selection) -> AppResult<Selected> {
    if let Some(deployment) = selection.deployment {
        actor.require_work(deployment)?;
    }
    if selection.not_scanned_days.is_some_and(|d| d == 0 || d > 3650) {
        return Err(AppError::invalid("not_scanned_days", "Give a number of days from 1 to 3650."));
    }
    let listed = selection.listed.as_deref().map(list_keys).transpose()?;
    let keys: Option<Vec<String>> = listed.as_ref().map(|l| l.iter().map(|(k, _)| k.clone()).collect());
    let ids: Vec<String> = selection.device_ids.iter().map(ToString::to_string).collect();
    let member = actor.member_scope();
    let workspace = actor.workspace_id.to_string();
    let deployment = selection.deployment.map(|d| d.to_string());
    let since = selection.not_scanned_days.map(|d| app.now() - i64::from(d) * DAY_MS);
    let query = LabelSelection {
        workspace_id: &workspace,
        member: member.as_deref(),
        deployment_id: deployment.as_deref(),
        tag: selection.tag.as_deref(),
        text: selection.search.as_deref(),
        never_scanned: selection.never_scanned,
        not_scanned_since: since,
        device_ids: (!ids.is_empty()).then_some(ids.as_slice()),
        serials_or_tokens: keys.as_deref(),
        include_archived: false,
        limit: MAX_LABELS_PER_PRINT as i64 + 1,
    };
    let mut conn = app.store.read().await?;
    let mut devices = store::select_devices(&mut conn, &query).await?;
    drop(conn);
    // Without a deployment the selection means "every deployment I work at": a member's deployments where
    // they only view are left out rather than refusing the whole print.
    if selection.deployment.is_none() && member.is_some() {
        devices.retain(|d| {
            DeploymentId::parse(&d.deployment_id)
                .is_ok_and(|id| actor.deployment_role(id).is_some_and(|role| role.can_work()))
        });
    }
    if devices.len() > MAX_LABELS_PER_PRINT {
        return Err(AppError::invalid(
            "selection",
            format!(
                "This selection has more than {MAX_LABELS_PER_PRINT} devices; narrow it (a deployment, a tag) and print in parts."
            ),
        ));
    }
    // A member who can only view the chosen deployment sees its devices but may not print them.
    for device in &devices {
        let deployment = DeploymentId::parse(&device.deployment_id).map_err(corrupt)?;
        actor.require_work(deployment)?;
    }
    let unmatched = match &listed {
        Some(listed) => {
            let mut found = std::collections::HashSet::new();
            for d in &devices {
                if let Some(serial) = &d.serial_number {
                    found.insert(serial.to_lowercase());
                }
                if let Some(token) = &d.portal_token {
                    found.insert(token.clone());
                }
            }
            listed.iter().filter(|(key, _)| !found.contains(key)).map(|(_, original)| original.clone()).collect()
        }
        None => Vec::new(),
    };
    Ok(Selected { devices, unmatched })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pasted_lists_accept_urls_tokens_and_serials() {
        let keys =
            list_keys("https://desk.example.com/d/7k3m9qw2zp4tx\nSN-001, HTTPS://X/D/7K3M9QW2ZP4TY;\n\n").expect("ok");
        let keys: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["7K3M9QW2ZP4TX", "sn-001", "7K3M9QW2ZP4TY"]);
        let long = "x\n".repeat(MAX_LISTED + 1);
        assert!(list_keys(&long).is_err());
    }
}
