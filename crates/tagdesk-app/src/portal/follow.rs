//! The reporter's private status page (`/c/<follow-token>`): works without a PIN session and shows one
//! case only — its number, title, status, submission date and the staff comments explicitly marked
//! public. Nothing else about the case (no description, reporter data, internal comments, assignee,
//! device or photos).

use tagdesk_domain::{CaseNumber, CaseStatus, FollowToken, Language};
use tagdesk_store::portal as store;

use super::settings::row_or_default;
use crate::auth::secret_hash;
use crate::cases::event_kind;
use crate::error::OrNotFound;
use crate::templates::corrupt;
use crate::{App, AppError, AppResult};

/// A public staff comment.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PublicComment {
    /// When (UTC ms).
    pub created_at: i64,
    /// The text (plain text; escape it).
    pub body: String,
}

/// What the follow-up page shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FollowView {
    /// Number.
    pub number: CaseNumber,
    /// Title.
    pub title: String,
    /// Status.
    pub status: CaseStatus,
    /// Submitted (UTC ms).
    pub created_at: i64,
    /// Public staff comments, oldest first.
    pub public_comments: Vec<PublicComment>,
    /// The language the reporter used (else the portal's default), for the page.
    pub language: Language,
    /// The deployment's portal contact details (Markdown source), shown on every portal page.
    pub contact_md: String,
}

/// The case behind a follow-up token; malformed and unknown tokens are NotFound.
pub async fn view(app: &App, raw_follow_token: &str) -> AppResult<FollowView> {
    let token = FollowToken::parse(raw_follow_token).map_err(|_| AppError::NotFound)?;
    let mut conn = app.store.read().await?;
    let case = store::case_by_follow_hash(&mut conn, &secret_hash(token.as_str())).await?.or_not_found()?;
    let comments = store::public_events(&mut conn, &case.id, event_kind::COMMENTED).await?;
    let settings = row_or_default(&mut conn, &case.deployment_id, "en").await?;
    let language = Language::parse(&case.reporter_language)
        .or_else(|_| Language::parse(&settings.language))
        .unwrap_or(Language::En);
    Ok(FollowView {
        number: CaseNumber(case.number),
        title: case.title,
        status: CaseStatus::parse(&case.status).map_err(corrupt)?,
        created_at: case.created_at,
        public_comments: comments.into_iter().map(|(created_at, body)| PublicComment { created_at, body }).collect(),
        language,
        contact_md: settings.contact_md,
    })
}
