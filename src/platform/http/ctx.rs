//! The request context: language, signed-in user (session cookie or bearer token), CSRF
//! token. One middleware builds it once per request; handlers take it as an extractor. The
//! same middleware turns an [`AppError`] into an HTML page or JSON body in the user's language.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::{self, HeaderValue};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::platform::auth::{CurrentUser, constant_time_eq};
use crate::platform::error::AppError;
use crate::platform::i18n::{Lang, Tr};

pub const SESSION_COOKIE: &str = "shequ_session";
pub const CSRF_COOKIE: &str = "shequ_csrf";
pub const LANG_COOKIE: &str = "shequ_lang";

#[derive(Clone, Debug)]
pub struct Ctx {
    pub tr: Tr,
    pub user: Option<CurrentUser>,
    /// The token forms must carry: the session's, or the anonymous double-submit cookie's.
    pub csrf: String,
    /// Path and query of this request (for "next" links and the language switch).
    pub path: String,
    pub path_and_query: String,
    /// `/api/…` and `/open311/…`: errors are JSON.
    pub api: bool,
    pub session_expired: bool,
    /// A bearer token was sent but is not valid.
    pub bad_token: bool,
    /// The address the request came from (the connection's peer, or what a trusted proxy
    /// says); `None` when unknown (requests made in-process).
    pub client: Option<std::net::IpAddr>,
    /// The business clock ([`crate::platform::db::Db::clock`]): what "today" is on this page.
    pub clock: crate::platform::time::Clock,
}

impl Ctx {
    pub fn lang(&self) -> Lang {
        self.tr.lang
    }

    /// The client's address as a key for throttles and limits.
    pub fn client_key(&self) -> String {
        self.client
            .map(|ip| ip.to_string())
            .unwrap_or_else(|| "unknown".into())
    }
}

pub fn cookie<'a>(headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let v =
        format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}");
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("context layer missing")))
    }
}

/// A urlencoded form whose `_csrf` field must match the request's CSRF token.
pub struct CsrfForm<T>(pub T);

pub const MAX_FORM_BYTES: usize = 1024 * 1024;

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for CsrfForm<T> {
    type Rejection = AppError;
    async fn from_request(req: Request<Body>, _: &S) -> Result<Self, Self::Rejection> {
        let ctx = req
            .extensions()
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("context layer missing")))?;
        let bytes = axum::body::to_bytes(req.into_body(), MAX_FORM_BYTES)
            .await
            .map_err(|_| AppError::invalid("_form", "form.too_large"))?;
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        let sent = pairs
            .iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v.as_str())
            .unwrap_or("");
        if ctx.csrf.is_empty() || !constant_time_eq(sent, &ctx.csrf) {
            return Err(AppError::Csrf);
        }
        serde_urlencoded::from_bytes::<T>(&bytes)
            .map(CsrfForm)
            .map_err(|e| {
                tracing::debug!("form did not parse: {e}");
                AppError::invalid("_form", "form.malformed")
            })
    }
}
