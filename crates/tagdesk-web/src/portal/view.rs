//! What every portal page shares: the visitor's request context (language inputs, cookies, the address
//! for the language switcher), the page frame read by `portal/base.html`, and responses that carry
//! `Cache-Control: no-store`, `Content-Language` and the remembered language.

use std::sync::Arc;

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::header::{ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_LANGUAGE, RETRY_AFTER};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};

use super::cookies;
use super::i18n::{Lang, Negotiated, Tr, negotiate};
use super::markdown;
use crate::AppState;

/// The frame of a portal page.
pub struct Frame {
    /// Translations (and `tr.lang` for `<html lang>`).
    pub tr: Tr,
    /// `<title>` (the site name is appended).
    pub title: String,
    /// The deployment's name, or the generic portal name.
    pub site: String,
    /// The contact details, already sanitized HTML ("" shows a generic hint).
    pub contact_html: Arc<str>,
    /// The language switcher.
    pub langs: Vec<LangLink>,
    /// A notice (e.g. "your information was added").
    pub notice: Option<String>,
}

/// One entry of the language switcher.
pub struct LangLink {
    /// `en`, `de`.
    pub code: &'static str,
    /// Its own name.
    pub name: &'static str,
    /// This page in that language.
    pub href: String,
    /// The language of the page.
    pub current: bool,
}

/// A visitor's request: what language negotiation and the pages need, read once.
pub struct Visitor {
    query_lang: Option<String>,
    accept: Option<String>,
    path: String,
    query: Vec<(String, String)>,
    headers: HeaderMap,
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(Self::of(&parts.uri, &parts.headers))
    }
}

impl Visitor {
    /// The visitor of a request with this address and these headers.
    pub fn of(uri: &Uri, headers: &HeaderMap) -> Self {
        let pairs: Vec<(String, String)> =
            uri.query().and_then(|q| serde_urlencoded::from_str(q).ok()).unwrap_or_default();
        let query_lang = pairs.iter().find(|(k, _)| k == "lang").map(|(_, v)| v.clone());
        let query = pairs.into_iter().filter(|(k, _)| k != "lang").take(8).collect();
        Self {
            query_lang,
            accept: headers.get(ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(str::to_owned),
            path: uri.path().to_owned(),
            query,
            headers: headers.clone(),
        }
    }
}

impl Visitor {
    /// A cookie of the request.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        cookies::get(&self.headers, name)
    }

    /// The request headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The page context for a deployment (`site` `None`: no deployment is known).
    pub fn scope(&self, default_lang: Option<&str>, site: Option<&str>, contact_md: &str) -> Scope {
        let negotiated =
            negotiate(self.query_lang.as_deref(), self.cookie(cookies::LANG), self.accept.as_deref(), default_lang);
        let tr = Tr::new(negotiated.lang);
        Scope {
            tr,
            negotiated,
            site: site.map_or_else(|| tr.t("portal-name"), str::to_owned),
            contact_html: markdown::render_cached(contact_md),
            path: self.path.clone(),
            query: self.query.clone(),
            notice: None,
        }
    }
}

/// The context of one page: language, site, contact details and the switcher's target.
pub struct Scope {
    /// Translations.
    pub tr: Tr,
    negotiated: Negotiated,
    site: String,
    contact_html: Arc<str>,
    path: String,
    query: Vec<(String, String)>,
    notice: Option<String>,
}

impl Scope {
    /// Points the language switcher at `path` (pages answering a POST switch to the page's GET form).
    pub fn at(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self.query.clear();
        self
    }

    /// Shows a notice on the page.
    pub fn with_notice(mut self, notice: Option<String>) -> Self {
        self.notice = notice;
        self
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.tr.lang
    }

    fn href_for(&self, lang: Lang) -> String {
        let mut pairs = self.query.clone();
        pairs.push(("lang".to_owned(), lang.code().to_owned()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("{}?{query}", self.path)
    }

    /// The frame of a page titled by the message `title_key`.
    pub fn frame(&self, title_key: &str) -> Frame {
        self.frame_titled(self.tr.t(title_key))
    }

    /// The frame of a page with a ready title.
    pub fn frame_titled(&self, title: String) -> Frame {
        Frame {
            tr: self.tr,
            title,
            site: self.site.clone(),
            contact_html: Arc::clone(&self.contact_html),
            langs: Lang::ALL
                .into_iter()
                .map(|lang| LangLink {
                    code: lang.code(),
                    name: lang.native_name(),
                    href: self.href_for(lang),
                    current: lang == self.tr.lang,
                })
                .collect(),
            notice: self.notice.clone(),
        }
    }

    /// Renders a page with `status`: never cached, language header and cookie set.
    pub fn render(&self, state: &AppState, status: StatusCode, page: &impl Template) -> Response {
        match page.render() {
            Ok(html) => self.finish(state, (status, Html(html)).into_response()),
            Err(err) => {
                tracing::error!(error = %err, "portal template failed");
                self.server_error(state)
            }
        }
    }

    /// Adds the headers every portal page carries.
    pub fn finish(&self, state: &AppState, mut response: Response) -> Response {
        let headers = response.headers_mut();
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(CONTENT_LANGUAGE, HeaderValue::from_static(self.tr.lang.code()));
        if self.negotiated.remember {
            cookies::set(
                &mut response,
                cookies::LANG,
                self.tr.lang.code(),
                "/",
                Some(cookies::YEAR_S),
                cookies::secure(state),
            );
        }
        response
    }

    /// A page with a heading and paragraphs (errors and notices); `back` links to the device page.
    pub fn message(
        &self,
        state: &AppState,
        status: StatusCode,
        key: &str,
        paragraphs: Vec<String>,
        back: Option<String>,
    ) -> Response {
        let page = MessagePage {
            f: self.frame(&format!("{key}-title")),
            heading: self.tr.t(&format!("{key}-heading")),
            paragraphs,
            back: back.map(|href| (href, self.tr.t("back-to-device"))),
        };
        self.render(state, status, &page)
    }

    /// The standard text of a message page.
    pub fn standard(&self, state: &AppState, status: StatusCode, key: &str, back: Option<String>) -> Response {
        self.message(state, status, key, vec![self.tr.t(&format!("{key}-text"))], back)
    }

    /// 500, without details (the cause is logged by the caller).
    pub fn server_error(&self, state: &AppState) -> Response {
        let page = MessagePage {
            f: self.frame("server-title"),
            heading: self.tr.t("server-heading"),
            paragraphs: vec![self.tr.t("server-text")],
            back: None,
        };
        let response = match page.render() {
            Ok(html) => (StatusCode::INTERNAL_SERVER_ERROR, Html(html)).into_response(),
            Err(_) => (StatusCode::INTERNAL_SERVER_ERROR, self.tr.t("server-heading")).into_response(),
        };
        self.finish(state, response)
    }

    /// 403 for a missing or wrong form token.
    pub fn csrf_failed(&self, state: &AppState, back: Option<String>) -> Response {
        self.standard(state, StatusCode::FORBIDDEN, "csrf", back)
    }

    /// 413 for a body or photo over the limits.
    pub fn too_large(&self, state: &AppState, back: Option<String>) -> Response {
        self.standard(state, StatusCode::PAYLOAD_TOO_LARGE, "too-large", back)
    }

    /// 429 for a quota, with `Retry-After`.
    pub fn busy(&self, state: &AppState, retry_after_s: i64, back: Option<String>) -> Response {
        let minutes = minutes(retry_after_s);
        let mut response = self.message(
            state,
            StatusCode::TOO_MANY_REQUESTS,
            "busy",
            vec![self.tr.n("busy-text", "minutes", minutes)],
            back,
        );
        if let Ok(value) = HeaderValue::from_str(&retry_after_s.max(1).to_string()) {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        response
    }
}

/// Whole minutes for a wait in seconds, rounded up (at least 1).
pub fn minutes(seconds: i64) -> i64 {
    ((seconds.max(1) + 59) / 60).max(1)
}

#[derive(Template)]
#[template(path = "portal/message.html")]
struct MessagePage {
    f: Frame,
    heading: String,
    paragraphs: Vec<String>,
    back: Option<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::minutes;

    #[test]
    fn waits_round_up_to_whole_minutes() {
        assert_eq!(minutes(0), 1);
        assert_eq!(minutes(1), 1);
        assert_eq!(minutes(60), 1);
        assert_eq!(minutes(61), 2);
        assert_eq!(minutes(86_400), 1440);
    }
}
