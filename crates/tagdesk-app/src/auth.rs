//! Staff authentication: Argon2id passwords, sign-in throttling, database-backed sessions with CSRF
//! tokens, and the one-time setup link for the first admin.

use std::collections::HashMap;

use rand::RngCore;
use sha2::{Digest, Sha256};
use tagdesk_domain::{DeploymentId, DeploymentRole, Email, UserId, WorkspaceId, WorkspaceRole};
use tagdesk_store::sessions::{self, SessionRow};
use tagdesk_store::{rate_limits, users};

use crate::actor::ActorKind;
use crate::{Actor, App, AppError, AppResult};

/// How long a signed-in session lasts.
pub const SESSION_TTL_MS: i64 = 7 * 24 * 3600 * 1000;
/// How long a signed-out visitor's CSRF session lasts.
pub const ANONYMOUS_TTL_MS: i64 = 2 * 3600 * 1000;
/// How long the setup link stays valid.
pub const SETUP_TTL_MS: i64 = 24 * 3600 * 1000;
/// Failed sign-ins per account per window after which every further attempt on that account — from any
/// address, with any password — is slowed down by [`ACCOUNT_SLOWDOWN_MS`] and a warning is logged. The
/// account is never locked: a correct password still signs in. A successful sign-in clears the count.
pub const ACCOUNT_FAILURES: i64 = 10;
/// The delay of every attempt on an account past [`ACCOUNT_FAILURES`] (before the password is checked,
/// whatever the outcome, so an attacker cannot cut it short on a wrong answer).
pub const ACCOUNT_SLOWDOWN_MS: u64 = 2_000;
/// Sign-in attempts allowed per client address per window (successful ones are given back); past it the
/// client is refused (429) before anything is checked.
pub const CLIENT_FAILURES: i64 = 30;
/// The throttling window.
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// A random secret as 64 hex characters (256 bits).
pub fn random_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 of a high-entropy secret, hex encoded: how session ids, setup tokens and API keys are stored.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Checks the password policy.
pub fn check_password_policy(password: &str) -> AppResult<()> {
    let length = password.chars().count();
    if length < 10 {
        return Err(AppError::invalid("password", "Use at least 10 characters."));
    }
    if length > 1000 {
        return Err(AppError::invalid("password", "Use at most 1000 characters."));
    }
    Ok(())
}

/// Hashes a password (or PIN) with Argon2id in the app's bounded [`crate::hashing::HashPool`].
pub async fn hash_password(app: &App, password: String) -> AppResult<String> {
    app.hashing.hash(password).await
}

/// A hash of a random password, verified against when the email is unknown so that timing does not tell
/// whether an account exists.
static DUMMY_HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();

async fn dummy_hash(app: &App) -> AppResult<String> {
    if let Some(hash) = DUMMY_HASH.get() {
        return Ok(hash.clone());
    }
    let hash = hash_password(app, random_token()).await?;
    Ok(DUMMY_HASH.get_or_init(|| hash).clone())
}

/// A short pseudonym of a client key or login name for log lines (never the address or email itself).
pub fn log_key(value: &str) -> String {
    secret_hash(value)[..12].to_owned()
}

/// Signs a user in. `client_key` identifies the client (a keyed hash of its address) for throttling.
/// Wrong email and wrong password give the same answer.
///
/// Two limits, so that nobody can lock a staff member out:
/// - **per client**: every attempt is counted *before* anything is checked (parallel requests cannot slip
///   past); a client over [`CLIENT_FAILURES`] is refused with [`AppError::RateLimited`]; a successful
///   sign-in gives the attempt back;
/// - **per account** (across addresses): failures are counted; past [`ACCOUNT_FAILURES`] every attempt on
///   the account waits [`ACCOUNT_SLOWDOWN_MS`] and a warning is logged — but it is still evaluated, so the
///   real user signs in with the right password from any client that is not itself over its limit.
///
/// Emails are matched by [`Email::login_key`] (one normalisation, in Rust, for both backends); input that
/// is no email address cannot belong to an account and is answered without hashing.
pub async fn login(app: &App, email: &str, password: &str, client_key: &str) -> AppResult<UserId> {
    let now = app.now();
    let login_key = Email::parse(email).ok().map(|e| e.login_key());
    let account_bucket = login_key.as_deref().map(|key| format!("login:account:{key}"));
    let client_bucket = format!("login:client:{client_key}");
    let account_failures = {
        let mut tx = app.store.begin().await?;
        let client = rate_limits::hit(&mut tx, &client_bucket, FAILURE_WINDOW_MS, now).await?;
        let account = match &account_bucket {
            Some(bucket) => rate_limits::peek(&mut tx, bucket, FAILURE_WINDOW_MS, now).await?,
            None => 0,
        };
        tx.commit().await?;
        if client > CLIENT_FAILURES {
            let retry_after_s = (FAILURE_WINDOW_MS - now.rem_euclid(FAILURE_WINDOW_MS)) / 1000 + 1;
            if client == CLIENT_FAILURES + 1 {
                tracing::warn!(client.key = %log_key(client_key), "sign-in: client over its attempt limit; refused");
            }
            return Err(AppError::RateLimited { retry_after_s });
        }
        account
    };
    let Some(login_key) = login_key else {
        tracing::info!(client.key = %log_key(client_key), "sign-in failed: not an email address");
        return Err(AppError::Unauthenticated("The email or password is not right.".to_owned()));
    };
    if account_failures >= ACCOUNT_FAILURES {
        tokio::time::sleep(std::time::Duration::from_millis(ACCOUNT_SLOWDOWN_MS)).await;
    }
    let user = {
        let mut conn = app.store.read().await?;
        users::find_by_login_key(&mut conn, &login_key).await?
    };
    let hash = match &user {
        Some(user) => user.password_hash.clone(),
        None => dummy_hash(app).await?,
    };
    let password_ok = app.hashing.verify(hash, password.to_owned()).await?;
    let account_bucket = format!("login:account:{login_key}");
    match user {
        Some(user) if password_ok && user.is_active() => {
            let mut tx = app.store.begin().await?;
            rate_limits::reset(&mut tx, &account_bucket).await?;
            rate_limits::refund(&mut tx, &client_bucket).await?;
            tx.commit().await?;
            UserId::parse(&user.id).map_err(|e| AppError::Internal(e.to_string()))
        }
        user => {
            let mut tx = app.store.begin().await?;
            let failures = rate_limits::hit(&mut tx, &account_bucket, FAILURE_WINDOW_MS, now).await?;
            tx.commit().await?;
            let account = user.as_ref().map_or_else(|| "unknown".to_owned(), |u| u.id.clone());
            if failures == ACCOUNT_FAILURES {
                tracing::warn!(
                    user.id = %account, account.key = %log_key(&login_key), failures,
                    "sign-in: an account is failing from many attempts; further attempts are slowed down"
                );
            } else {
                tracing::info!(
                    user.id = %account, client.key = %log_key(client_key), failures, "sign-in failed"
                );
            }
            Err(AppError::Unauthenticated("The email or password is not right.".to_owned()))
        }
    }
}

/// A loaded staff session.
#[derive(Debug, Clone)]
pub struct StaffSession {
    /// Hash of the cookie value (the database key).
    pub id_hash: String,
    /// The signed-in user; `None` for a signed-out visitor.
    pub user_id: Option<UserId>,
    /// The token every state-changing form must echo.
    pub csrf_token: String,
}

/// Starts a session (anonymous when `user` is `None`); returns the cookie value and the session.
/// Signing in always starts a *new* session, so a session id planted before sign-in is useless after.
pub async fn start_session(app: &App, user: Option<UserId>) -> AppResult<(String, StaffSession)> {
    let cookie = random_token();
    let now = app.now();
    let ttl = if user.is_some() { SESSION_TTL_MS } else { ANONYMOUS_TTL_MS };
    let row = SessionRow {
        id_hash: secret_hash(&cookie),
        user_id: user.map(|u| u.to_string()),
        csrf_token: random_token(),
        created_at: now,
        expires_at: now + ttl,
    };
    let mut tx = app.store.begin().await?;
    sessions::insert(&mut tx, &row).await?;
    tx.commit().await?;
    Ok((cookie, StaffSession { id_hash: row.id_hash, user_id: user, csrf_token: row.csrf_token }))
}

/// Loads the session behind a cookie value, if it is valid.
pub async fn load_session(app: &App, cookie: &str) -> AppResult<Option<StaffSession>> {
    let mut conn = app.store.read().await?;
    let Some(row) = sessions::get(&mut conn, &secret_hash(cookie), app.now()).await? else {
        return Ok(None);
    };
    let user_id =
        row.user_id.as_deref().map(UserId::parse).transpose().map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Some(StaffSession { id_hash: row.id_hash, user_id, csrf_token: row.csrf_token }))
}

/// Ends a session.
pub async fn end_session(app: &App, session: &StaffSession) -> AppResult<()> {
    let mut tx = app.store.begin().await?;
    sessions::delete(&mut tx, &session.id_hash).await?;
    tx.commit().await?;
    Ok(())
}

/// A signed-in staff user with what pages need to show about them.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Rights.
    pub actor: Actor,
    /// Their name.
    pub display_name: String,
    /// Their email.
    pub email: String,
    /// Their workspace's name.
    pub workspace_name: String,
}

/// Loads a signed-in user; `None` when the user is gone or deactivated.
pub async fn signed_in(app: &App, user_id: UserId) -> AppResult<Option<SignedIn>> {
    let Some((actor, user)) = actor_for_user(app, user_id).await? else {
        return Ok(None);
    };
    let mut conn = app.store.read().await?;
    let workspace_name =
        tagdesk_store::workspaces::get(&mut conn, &user.workspace_id).await?.map(|w| w.name).unwrap_or_default();
    Ok(Some(SignedIn { actor, display_name: user.display_name, email: user.email, workspace_name }))
}

/// Builds the actor for a signed-in user; `None` when the user is gone or deactivated.
pub async fn actor_for_user(app: &App, user_id: UserId) -> AppResult<Option<(Actor, tagdesk_store::users::UserRow)>> {
    let mut conn = app.store.read().await?;
    let Some(user) = users::get(&mut conn, &user_id.to_string()).await? else {
        return Ok(None);
    };
    if !user.is_active() {
        return Ok(None);
    }
    let corrupt = |e: tagdesk_domain::DomainError| AppError::Internal(e.to_string());
    let mut deployments = HashMap::new();
    for role in users::roles_of_user(&mut conn, &user.id).await? {
        deployments.insert(
            DeploymentId::parse(&role.deployment_id).map_err(corrupt)?,
            DeploymentRole::parse(&role.role).map_err(corrupt)?,
        );
    }
    let actor = Actor {
        workspace_id: WorkspaceId::parse(&user.workspace_id).map_err(corrupt)?,
        kind: ActorKind::User {
            id: user_id,
            role: WorkspaceRole::parse(&user.workspace_role).map_err(corrupt)?,
            deployments,
        },
        label: user.display_name.clone(),
    };
    Ok(Some((actor, user)))
}

/// On an installation without users, issues a fresh one-time setup token (returned in clear once, stored
/// hashed). Returns `None` when users exist.
pub async fn issue_setup_token(app: &App) -> AppResult<Option<String>> {
    let mut tx = app.store.begin().await?;
    if users::count_all(&mut tx).await? > 0 {
        return Ok(None);
    }
    let token = random_token();
    let now = app.now();
    sessions::put_setup_token(&mut tx, &secret_hash(&token), now, now + SETUP_TTL_MS).await?;
    tx.commit().await?;
    Ok(Some(token))
}

/// Whether a setup token is valid and setup is still needed.
pub async fn setup_token_valid(app: &App, token: &str) -> AppResult<bool> {
    let mut conn = app.store.read().await?;
    Ok(users::count_all(&mut conn).await? == 0
        && sessions::setup_token_valid(&mut conn, &secret_hash(token), app.now()).await?)
}

/// Input of the first-run setup form.
#[derive(Debug, Clone, Default)]
pub struct SetupInput {
    /// The workspace's name.
    pub workspace_name: String,
    /// The admin's name.
    pub display_name: String,
    /// The admin's email (their login).
    pub email: String,
    /// The admin's password.
    pub password: String,
}

/// Creates the first workspace and its admin with a valid setup token, consuming the token.
pub async fn complete_setup(app: &App, token: &str, input: &SetupInput) -> AppResult<UserId> {
    let mut errors = tagdesk_domain::FieldErrors::new();
    let workspace_name =
        errors.check("workspace_name", tagdesk_domain::error::required_text(&input.workspace_name, 100));
    let display_name = errors.check("display_name", tagdesk_domain::error::required_text(&input.display_name, 100));
    let email = errors.check("email", Email::parse(&input.email));
    if let Err(AppError::Invalid(e)) = check_password_policy(&input.password) {
        for err in e.iter() {
            errors.add(&err.field, &err.message);
        }
    }
    errors.clone().into_result()?;
    let (Some(workspace_name), Some(display_name), Some(email)) = (workspace_name, display_name, email) else {
        return Err(AppError::Invalid(errors));
    };
    let password_hash = hash_password(app, input.password.clone()).await?;
    let now = app.now();
    let mut tx = app.store.begin().await?;
    if users::count_all(&mut tx).await? > 0 || !sessions::take_setup_token(&mut tx, &secret_hash(token), now).await? {
        return Err(AppError::NotFound);
    }
    let workspace_id = WorkspaceId::new();
    tagdesk_store::workspaces::insert(&mut tx, &workspace_id.to_string(), &workspace_name, now).await?;
    let user_id = UserId::new();
    users::insert(
        &mut tx,
        &users::NewUser {
            id: &user_id.to_string(),
            workspace_id: &workspace_id.to_string(),
            email: email.as_str(),
            email_key: &email.login_key(),
            display_name: &display_name,
            password_hash: &password_hash,
            workspace_role: WorkspaceRole::Admin.as_str(),
            now,
        },
    )
    .await?;
    let actor = Actor { workspace_id, kind: ActorKind::System, label: display_name.clone() };
    crate::audit::record(
        &mut tx,
        &actor,
        "workspace.created",
        ("workspace", &workspace_id.to_string()),
        format!("First-run setup by {email}"),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(user_id)
}

/// Deletes expired staff sessions; returns how many.
pub async fn purge_expired_sessions(app: &App) -> AppResult<u64> {
    let mut tx = app.store.begin().await?;
    let purged = sessions::purge_expired(&mut tx, app.now()).await?;
    tx.commit().await?;
    Ok(purged)
}
