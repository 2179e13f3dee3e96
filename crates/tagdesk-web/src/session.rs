//! Staff sessions over HTTP: the session cookie, the middleware that loads the session once per request,
//! and the [`Staff`] extractor for pages that need a signed-in user.

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tagdesk_app::Actor;
use tagdesk_app::auth::{self, SignedIn, StaffSession};
use tagdesk_app::portal::settings::{self as portal_settings, GuardedDeployment};

use crate::AppState;
use crate::error::PageError;
use crate::layout::{Layout, LayoutUser};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "tagdesk_session";
/// Name of the one-shot notice cookie.
pub const FLASH_COOKIE: &str = "tagdesk_flash";
/// Name of the signed-out visitor's CSRF cookie (a random value; forms carry its keyed hash).
pub const ANONYMOUS_CSRF_COOKIE: &str = "tagdesk_csrf";
/// How long the signed-out visitor's CSRF cookie lives.
pub const ANONYMOUS_CSRF_MAX_AGE_S: i64 = 2 * 3600;

/// What the session middleware found, stored in request extensions.
#[derive(Clone, Default)]
pub struct SessionCtx {
    /// The session, signed in or not.
    pub session: Option<StaffSession>,
    /// The user, when signed in and still active.
    pub signed_in: Option<SignedIn>,
    /// A notice left by the previous response.
    pub flash: Option<String>,
    /// Without a session: the CSRF token that the visitor's `tagdesk_csrf` cookie vouches for (sign-in and
    /// setup forms), so that signed-out visitors cost no database row.
    pub anonymous_csrf: Option<String>,
    /// Deployments visible to the signed-in user whose customer portal is in guarded mode (for the
    /// back-office banner); loaded once per request.
    pub guarded: Vec<GuardedDeployment>,
}

/// Reads a cookie from request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for the session cookie (`None` clears it).
pub fn session_cookie(value: Option<&str>, secure: bool, max_age_s: i64) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let header = match value {
        Some(value) => format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_s}{secure}"),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&header).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The form token of a signed-out visitor whose CSRF cookie holds `cookie_value`: a keyed hash, so only
/// this server can make it and only the holder of the cookie can present it (double submit).
pub fn anonymous_csrf_token(key: &[u8], cookie_value: &str) -> String {
    hex::encode(crate::portal::csrf::hmac(key, format!("staff-anonymous-csrf:{cookie_value}").as_bytes()))
}

/// A redirect that shows `notice` on the next page.
pub fn redirect_with_notice(to: &str, notice: &str) -> Response {
    let encoded: String = url_encode(notice);
    let mut response = Redirect::to(to).into_response();
    if let Ok(value) =
        HeaderValue::from_str(&format!("{FLASH_COOKIE}={encoded}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"))
    {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

fn url_encode(text: &str) -> String {
    serde_urlencoded::to_string([("m", text)]).unwrap_or_default().trim_start_matches("m=").to_owned()
}

fn url_decode(text: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("m={text}")).ok()?.pop().map(|(_, v)| v)
}

/// Middleware: loads the session and user once per request.
pub async fn load(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let mut ctx = SessionCtx::default();
    if let Some(value) = cookie(request.headers(), SESSION_COOKIE) {
        match auth::load_session(&state.app, value).await {
            Ok(session) => ctx.session = session,
            Err(err) => return PageError::from(err).into_response(),
        }
    }
    if ctx.session.is_none() {
        ctx.anonymous_csrf = cookie(request.headers(), ANONYMOUS_CSRF_COOKIE)
            .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
            .map(|v| anonymous_csrf_token(&state.config.secret_key, v));
    }
    if let Some(user_id) = ctx.session.as_ref().and_then(|s| s.user_id) {
        match auth::signed_in(&state.app, user_id).await {
            Ok(user) => ctx.signed_in = user,
            Err(err) => return PageError::from(err).into_response(),
        }
    }
    if let Some(user) = &ctx.signed_in {
        // One cheap query per signed-in request; the banner is a warning, so a failure only loses it.
        match portal_settings::guarded(&state.app, &user.actor).await {
            Ok(guarded) => ctx.guarded = guarded,
            Err(err) => tracing::warn!(error = %err, "could not check the portals for guarded mode"),
        }
    }
    let had_flash = cookie(request.headers(), FLASH_COOKIE).is_some();
    ctx.flash = cookie(request.headers(), FLASH_COOKIE).and_then(url_decode).filter(|m| !m.is_empty());
    let is_get = request.method() == Method::GET;
    request.extensions_mut().insert(ctx);
    let mut response = next.run(request).await;
    let sets_flash =
        response.headers().get_all(SET_COOKIE).iter().any(|v| v.as_bytes().starts_with(FLASH_COOKIE.as_bytes()));
    if had_flash && is_get && !sets_flash && response.status().is_success() {
        response
            .headers_mut()
            .append(SET_COOKIE, HeaderValue::from_static("tagdesk_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"));
    }
    response
}

/// The session context of a page request.
pub fn ctx(parts: &Parts) -> SessionCtx {
    parts.extensions.get::<SessionCtx>().cloned().unwrap_or_default()
}

/// A signed-in staff user; pages that take it redirect signed-out visitors to the sign-in page.
#[derive(Clone)]
pub struct Staff {
    /// Rights.
    pub actor: Actor,
    /// Name, email and workspace.
    pub user: SignedIn,
    /// CSRF token for forms.
    pub csrf: String,
    /// Notice from the previous response.
    pub flash: Option<String>,
    /// Visible deployments whose portal is in guarded mode (shown as the layout's banner).
    pub guarded: Vec<GuardedDeployment>,
}

impl Staff {
    /// The warning about portals under a PIN-guessing attack, if any.
    pub fn guarded_banner(&self) -> Option<String> {
        let sentences: Vec<String> = self
            .guarded
            .iter()
            .map(|g| {
                format!(
                    "The customer portal of {} is under a PIN-guessing attack: new visitors are throttled until {}. Consider changing the PIN.",
                    g.name,
                    crate::format::datetime(g.guarded_until)
                )
            })
            .collect();
        (!sentences.is_empty()).then(|| sentences.join(" "))
    }

    /// The layout for a page of this user.
    pub fn layout(&self, title: impl Into<String>, nav: &'static str) -> Layout {
        Layout {
            title: title.into(),
            user: Some(LayoutUser {
                display_name: self.user.display_name.clone(),
                email: self.user.email.clone(),
                workspace_name: self.user.workspace_name.clone(),
                is_admin: matches!(
                    self.actor.kind,
                    tagdesk_app::actor::ActorKind::User { role: tagdesk_domain::WorkspaceRole::Admin, .. }
                ),
            }),
            csrf: self.csrf.clone(),
            nav,
            flash: self.flash.clone(),
            banner: self.guarded_banner(),
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let ctx = ctx(parts);
        match (ctx.signed_in, ctx.session) {
            (Some(user), Some(session)) => Ok(Self {
                actor: user.actor.clone(),
                user,
                csrf: session.csrf_token,
                flash: ctx.flash,
                guarded: ctx.guarded,
            }),
            _ => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let target = if parts.method == Method::GET && next.starts_with('/') && !next.starts_with("//") {
                    format!("/login?next={}", url_encode(next))
                } else {
                    "/login".to_owned()
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}
