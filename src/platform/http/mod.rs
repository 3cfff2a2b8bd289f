//! The web application: state, router, shared middleware and assets.

pub mod assets;
pub mod ctx;
pub mod errors;
pub mod form;
pub mod health;
pub mod inbound;
pub mod json;
pub mod layout;
pub mod openapi;
pub mod pagination;
pub mod routes;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::platform::auth::CurrentUser;
use crate::platform::cache::TtlCache;
use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::types::DivisionCode;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// The county-level division this installation serves.
    pub district: DivisionCode,
    /// Signed-in users by credential hash, for a few seconds (platform::cache).
    pub principals: Arc<TtlCache<CurrentUser>>,
    /// Town lists by scope, for filters and forms.
    pub town_options: Arc<TtlCache<Vec<crate::geo::store::TownOption>>>,
    /// The service hall's calendar, catalogue and notification sender.
    pub hall: Arc<crate::hall::HallState>,
    /// Per-client limits (sliding windows).
    pub limits: Arc<crate::platform::limits::Limiter>,
    /// The last readiness probe, reused for a second (`/readyz` is public: its write must not
    /// become anyone's load generator).
    pub readiness: Arc<tokio::sync::Mutex<Option<health::Probe>>>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> anyhow::Result<AppState> {
        let district = config.district()?;
        Ok(AppState {
            db,
            config: Arc::new(config),
            district,
            principals: Arc::default(),
            town_options: Arc::default(),
            hall: Arc::default(),
            limits: Arc::default(),
            readiness: Arc::default(),
        })
    }
}

/// Every route of the application with its access: each domain's table, merged. The router
/// the server runs and the table the tests walk both come from here.
pub fn routes() -> routes::Routes<AppState> {
    routes::Routes::new()
        .get("/healthz", health::healthz)
        .get("/readyz", health::readyz)
        .merge(assets::router())
        .merge(openapi::router())
        .merge(crate::platform::auth::web::router())
        .merge(crate::home::router())
        .merge(crate::geo::web::router())
        .merge(crate::centres::router())
        .merge(crate::funding::router())
        .merge(crate::assessment::router())
        .merge(crate::hall::web::router())
        .merge(crate::hall::web_registry::router())
        .merge(crate::hall::public::router())
        .merge(crate::hall::open311::router())
        .merge(crate::selfgov::web::router())
        .merge(crate::selfgov::public::router())
        .merge(crate::departments::router())
        .merge(crate::admin::router())
}

/// The whole application: the routes, the shared middleware and the fallback.
pub fn app(state: AppState) -> Router {
    let routes = routes()
        .into_parts()
        .0
        .fallback(errors::fallback)
        .with_state(state.clone());
    // The body limit sits inside the context layer, so that its 413 is re-rendered as the
    // product's own page or JSON like any other error; the context layer bounds its own reads.
    routes
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn_with_state(state, ctx::context_layer))
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

/// The largest request body the server reads (uploads included).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Pages need nothing but their own stylesheet, scripts files and images (inline SVG, QR
/// codes as `data:` only where drawn so): no inline script or style, no frames, forms post
/// only here.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
    style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
    object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A 303 to a path of this site. A target that cannot be a header value (it never should:
/// targets are built from checked codes and numbers) goes to the home page instead of
/// panicking.
pub fn redirect(to: &str) -> Response {
    let location = Some(to)
        .filter(|t| t.starts_with('/'))
        .and_then(|t| HeaderValue::from_str(t).ok())
        .unwrap_or(HeaderValue::from_static("/"));
    (
        axum::http::StatusCode::SEE_OTHER,
        [(header::LOCATION, location)],
    )
        .into_response()
}

/// Where a `next=` may send the browser: only a path of this site. The value is read as a
/// browser would read it (the WHATWG URL rules: tabs and newlines dropped, backslashes as
/// slashes) against a placeholder origin, and anything that would leave that origin — or
/// that holds a control character at all — goes to `/`. The path comes back as the parser
/// wrote it, percent-encoded, so it is always a valid header value.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next.map(str::trim) else {
        return "/".into();
    };
    if !n.starts_with('/') || n.contains('\\') || n.chars().any(char::is_control) {
        return "/".into();
    }
    let Ok(base) = url::Url::parse("http://shequ.invalid/") else {
        return "/".into();
    };
    match base.join(n) {
        Ok(u) if u.origin() == base.origin() => u[url::Position::BeforePath..].to_string(),
        _ => "/".into(),
    }
}

/// The public address of a page, for links that leave the browser (QR codes, feeds): the
/// configured `public_url`, else the listen address — never the request's `Host` header,
/// which the sender chooses.
pub fn public_url(s: &AppState, path: &str) -> String {
    format!("{}{path}", s.config.public_base().0)
}

/// Count a hit of `key` against a limit of `max` in `window`; 429 with the wait past it.
pub fn limit(
    s: &AppState,
    key: &str,
    max: u32,
    window: std::time::Duration,
) -> Result<(), AppError> {
    s.limits
        .hit(key, max, window, std::time::Instant::now())
        .map_err(|secs| AppError::TooManyRequests {
            retry_after_secs: secs,
        })
}

/// The limit on public forms (online requests, status lookups, ratings) per client address.
/// Requests made in-process (no peer address: tests, tools) are not limited; the server
/// always knows its peers.
pub fn public_form_limit(s: &AppState, ctx: &ctx::Ctx) -> Result<(), AppError> {
    match ctx.client {
        Some(ip) => limit(
            s,
            &format!("public:{ip}"),
            s.config.limits.public_posts_per_10min,
            std::time::Duration::from_secs(600),
        ),
        None => Ok(()),
    }
}

/// Render an askama template into an HTML response.
pub fn render<T: askama::Template>(t: &T) -> Result<Response, AppError> {
    let html = t
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    Ok(Html(html).into_response())
}
