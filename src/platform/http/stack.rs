//! The shared middleware every route runs in ([`layers`]): the request context (language,
//! signed-in user, CSRF, the client's address) built once per request by [`context_layer`],
//! errors rendered as the product's own page or JSON in the user's language, the body limit,
//! security headers, and a plain 500 for a panic.

use axum::Router;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderValue};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use std::sync::Arc;

use crate::platform::auth::{self, CurrentUser, SessionLookup, constant_time_eq};
use crate::platform::error::AppError;
use crate::platform::http::ctx::{
    CSRF_COOKIE, Ctx, LANG_COOKIE, SESSION_COOKIE, cookie, set_cookie,
};
use crate::platform::http::errors::{self, ErrorInfo, render_error};
use crate::platform::http::inbound::{self, MAX_BODY_BYTES};
use crate::platform::http::state::AppState;
use crate::platform::i18n::{Lang, Tr};

/// The routes wrapped in the shared middleware: the request context (language, user, CSRF,
/// errors rendered in the user's language), the body limit, security headers, and a plain
/// 500 for a panic.
pub fn layers(routes: axum::Router<AppState>, state: AppState) -> Router {
    let routes = routes.fallback(errors::fallback).with_state(state.clone());
    // The body limit sits inside the context layer, so that its 413 is re-rendered as the
    // product's own page or JSON like any other error; the context layer bounds its own reads.
    routes
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state, context_layer))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(CatchPanicLayer::custom(|_| {
            // A panic is a bug: log it, show a plain 500 without any detail.
            tracing::error!("a handler panicked");
            (
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                Html("<!doctype html><meta charset=utf-8><title>500</title><p>系统出错，请稍后再试。 / Something went wrong; please try again later.</p>"),
            )
                .into_response()
        }))
}

/// Pages need nothing but their own stylesheet, scripts files and images (inline SVG, QR
/// codes as `data:` only where drawn so): no inline script or style, no frames, forms post
/// only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The client's address: the connection's peer, or, when the peer is one of the configured
/// reverse proxies, the last address in `X-Forwarded-For` that is not one of them.
fn client_ip(req: &Request, trusted: &[std::net::IpAddr]) -> Option<std::net::IpAddr> {
    let peer = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse::<std::net::IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|a| !trusted.contains(a))
        .or(Some(peer))
}

/// Whether a response is one the framework made itself (a rejection: plain text, or nothing)
/// rather than one of ours; the context layer renders it as the product's own error.
fn from_framework(resp: &Response) -> bool {
    let status = resp.status();
    (status.is_client_error() || status.is_server_error())
        && resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_none_or(|v| v.starts_with("text/plain"))
}

/// The product's error for a framework's rejection, naming the parameter or field at fault
/// when the rejection's text names it (`Failed to deserialize query string: page: invalid
/// digit found in string`).
fn framework_error(status: axum::http::StatusCode, text: &str) -> AppError {
    use axum::http::StatusCode as S;
    let named = |prefix: &str, key: &str| {
        let rest = text.strip_prefix(prefix)?;
        let (path, _) = rest.split_once(": ")?;
        let path = path.trim();
        (!path.is_empty() && path != "." && path.len() <= 64)
            .then(|| crate::platform::error::FieldError::new(path, key))
    };
    match status {
        S::NOT_FOUND => AppError::NotFound,
        S::PAYLOAD_TOO_LARGE => AppError::TooLarge,
        S::UNPROCESSABLE_ENTITY => AppError::Invalid(vec![
            named(
                "Failed to deserialize the JSON body into the target type: ",
                "api.wrong_type_any",
            )
            .unwrap_or_else(|| crate::platform::error::FieldError::new("_form", "form.malformed")),
        ]),
        S::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        S::UNSUPPORTED_MEDIA_TYPE => AppError::Unsupported,
        S::BAD_REQUEST => match named("Failed to deserialize query string: ", "api.bad_param") {
            Some(f) => AppError::BadParameter(f),
            None => AppError::BadRequest,
        },
        s if s.is_client_error() => AppError::BadRequest,
        _ => AppError::Internal(anyhow::anyhow!("the framework answered {status}")),
    }
}

fn query_param<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

fn headers_csrf(h: &axum::http::HeaderMap) -> Option<&str> {
    h.get("x-csrf-token").and_then(|v| v.to_str().ok())
}

/// A cached user still stands only while the session or token behind it has not expired.
fn credential_valid(u: &CurrentUser) -> bool {
    u.expires_at
        .is_none_or(|e| e > crate::platform::time::real_now())
}

/// Build the [`Ctx`], clean the request at the door ([`super::inbound`]), run the handler,
/// render any error in the user's language.
pub async fn context_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    // The few header values needed, owned, so the request stays free to be passed on.
    let headers = req.headers();
    let lang_cookie = cookie(headers, LANG_COOKIE).map(str::to_owned);
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|v| v.trim().to_owned());
    let session_cookie = cookie(headers, SESSION_COOKIE).map(str::to_owned);
    let csrf_cookie = cookie(headers, CSRF_COOKIE).map(str::to_owned);
    let client = client_ip(&req, &state.config.trusted_proxies);
    let method = req.method().clone();
    let uri = req.uri().clone();
    let path = uri.path().to_string();
    let path_and_query = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| path.clone());
    let query = uri.query().unwrap_or("");
    let api = path.starts_with("/api/") || path.starts_with("/open311/");
    // Pages that can hold a form need the anonymous CSRF cookie; the API, assets, feeds and
    // downloads do not (only HTML answers get it, below).
    let wants_csrf_cookie =
        !api && !path.starts_with("/assets/") && path != "/healthz" && path != "/readyz";

    let lang = query_param(query, "lang")
        .and_then(Lang::parse)
        .or_else(|| lang_cookie.as_deref().and_then(Lang::parse))
        .unwrap_or_default();

    let Principal {
        user,
        session_expired,
        bad_token,
        clear_session,
    } = match principal(&state, bearer.as_deref(), session_cookie.as_deref()).await {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };

    let mut new_csrf_cookie = None;
    let csrf = match &user {
        Some(u) if !u.via_token => u.csrf.clone(),
        _ => match csrf_cookie.filter(|c| c.len() == 64) {
            Some(c) => c,
            None if wants_csrf_cookie => {
                let t = auth::random_token().unwrap_or_default();
                new_csrf_cookie = Some(t.clone());
                t
            }
            None => String::new(),
        },
    };

    let safe_method = matches!(method.as_str(), "GET" | "HEAD" | "OPTIONS");
    let api_write = api && !safe_method && path.starts_with("/api/");
    let ctx = Ctx {
        tr: Tr::new(lang),
        user,
        csrf,
        path,
        path_and_query,
        api,
        session_expired,
        bad_token,
        client,
        clock: state.db.clock(),
    };
    // A write to the API signed by the session cookie (a browser) carries the session's CSRF
    // token in `X-CSRF-Token`, as a form carries it in `_csrf`; bearer tokens need none.
    let cookie_write = api_write && ctx.user.as_ref().is_some_and(|u| !u.via_token);
    let resp = if cookie_write
        && !headers_csrf(req.headers()).is_some_and(|t| constant_time_eq(t, &ctx.csrf))
    {
        AppError::Csrf.into_response()
    } else {
        // the door: text cleaned and bounded before any handler reads it
        match inbound::normalise(req).await {
            Ok(mut req) => {
                req.extensions_mut().insert(ctx.clone());
                next.run(req).await
            }
            Err(e) => e.into_response(),
        }
    };

    let resp = own_error(resp, &ctx).await;
    with_cookies(
        resp,
        new_csrf_cookie,
        clear_session,
        state.config.secure_cookies,
    )
}

/// Who is calling: the user behind a bearer token or a session cookie, and what became of a
/// credential that no longer stands.
#[derive(Default)]
struct Principal {
    user: Option<CurrentUser>,
    session_expired: bool,
    /// A bearer token was sent but is not valid.
    bad_token: bool,
    /// The session cookie names no live session: the answer clears it.
    clear_session: bool,
}

/// The principal of a request, through the state's short-lived cache of signed-in users.
async fn principal(
    state: &AppState,
    bearer: Option<&str>,
    session_cookie: Option<&str>,
) -> Result<Principal, AppError> {
    let mut p = Principal::default();
    if let Some(bearer) = bearer {
        let hash = auth::sha256_hex(bearer);
        if let Some(u) = state.principals.get(&hash).filter(credential_valid) {
            p.user = Some(u);
        } else {
            match auth::load_token(&state.db, &state.district, bearer).await {
                Ok(Some(u)) => {
                    state.principals.put(hash, u.clone());
                    p.user = Some(u);
                }
                Ok(None) => p.bad_token = true,
                Err(e) => return Err(e),
            }
        }
    } else if let Some(tok) = session_cookie {
        let hash = auth::sha256_hex(tok);
        let lookup = match state.principals.get(&hash).filter(credential_valid) {
            Some(u) => Ok(SessionLookup::Valid(Box::new(u))),
            None => {
                let l = auth::load_session(&state.db, &state.district, tok).await;
                if let Ok(SessionLookup::Valid(u)) = &l {
                    state.principals.put(hash, (**u).clone());
                }
                l
            }
        };
        match lookup {
            Ok(SessionLookup::Valid(u)) => p.user = Some(*u),
            Ok(SessionLookup::Expired) => {
                p.session_expired = true;
                p.clear_session = true;
            }
            Ok(SessionLookup::Unknown) => p.clear_session = true,
            Err(e) => return Err(e),
        }
    }

    Ok(p)
}

/// The product's own error page or JSON for an error a handler returned, or for a rejection
/// the framework made (plain text, or nothing), in the user's language.
async fn own_error(mut resp: Response, ctx: &Ctx) -> Response {
    if let Some(info) = resp.extensions_mut().remove::<Arc<ErrorInfo>>() {
        resp = render_error(ctx, &info);
    } else if from_framework(&resp) {
        let status = resp.status();
        let body = std::mem::take(resp.body_mut());
        let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
        let e = framework_error(status, &String::from_utf8_lossy(&text));
        let mut own = e.into_response();
        if let Some(info) = own.extensions_mut().remove::<Arc<ErrorInfo>>() {
            resp = render_error(ctx, &info);
        }
    }
    resp
}

/// The cookies an answer sets (a new anonymous CSRF cookie on HTML pages, a dead session
/// cleared) and `Cache-Control: no-store` unless the handler chose otherwise.
fn with_cookies(
    mut resp: Response,
    new_csrf_cookie: Option<String>,
    clear_session: bool,
    secure: bool,
) -> Response {
    let html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let h = resp.headers_mut();
    if let Some(t) = new_csrf_cookie.filter(|_| html) {
        h.append(
            header::SET_COOKIE,
            set_cookie(CSRF_COOKIE, &t, 60 * 60 * 24, secure),
        );
    }
    if clear_session {
        h.append(
            header::SET_COOKIE,
            set_cookie(SESSION_COOKIE, "", 0, secure),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        // Pages carry personal and scoped data: never cached by shared proxies.
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}
