//! The web application: state, router, shared middleware and assets.

pub mod assets;
pub mod ctx;
pub mod errors;
pub mod form;
pub mod layout;
pub mod openapi;
pub mod pagination;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
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
        })
    }
}

/// The whole application. Each domain returns its own router; this merges them.
pub fn app(state: AppState) -> Router {
    let routes = Router::new()
        .route("/healthz", get(healthz))
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
        .fallback(errors::fallback)
        .with_state(state.clone());
    routes
        .layer(axum::middleware::from_fn_with_state(state, ctx::context_layer))
        .layer(RequestBodyLimitLayer::new(8 * 1024 * 1024))
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

/// Liveness and database reachability.
#[utoipa::path(get, path = "/healthz", tag = "system", responses((status = 200, description = "ok")))]
pub async fn healthz(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<Response, AppError> {
    crate::platform::db::scalar(&state.db.conn, "SELECT CAST(1 AS BIGINT)", crate::vals![]).await?;
    Ok(([(header::CACHE_CONTROL, "no-store")], "ok").into_response())
}

/// The public address of a page: the configured `public_url`, else the request's host (QR
/// codes, feeds and other links that leave the browser).
pub fn public_url(s: &AppState, headers: &axum::http::HeaderMap, path: &str) -> String {
    let base = if s.config.public_url.trim().is_empty() {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("localhost");
        format!("http://{host}")
    } else {
        s.config.public_url.trim_end_matches('/').to_string()
    };
    format!("{base}{path}")
}

/// Render an askama template into an HTML response.
pub fn render<T: askama::Template>(t: &T) -> Result<Response, AppError> {
    let html = t
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    Ok(Html(html).into_response())
}
