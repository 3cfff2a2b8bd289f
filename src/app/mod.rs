//! The application, assembled: the state, every domain's routes mounted and every domain's
//! part of the OpenAPI document merged. This is the one place that names every domain; the
//! floors below it (`platform`, then the domains) never name it. See ARCHITECTURE.md.

pub mod openapi;

use axum::Router;

use crate::platform::config::Config;
use crate::platform::db::Db;
use crate::platform::http::routes::Routes;
use crate::platform::http::{self, AppState};

/// The application's state for `db` and `config`.
pub fn state(db: Db, config: Config) -> anyhow::Result<AppState> {
    AppState::new(db, config)
}

/// Every route of the application with its access: each domain's table, merged. The router
/// the server runs and the table the tests walk (the denial matrix) both come from here.
pub fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/healthz", http::health::healthz)
        .get("/readyz", http::health::readyz)
        .merge(http::assets::router())
        .merge(crate::platform::auth::web::router())
        .merge(openapi::router())
        .merge(crate::home::router())
        .merge(crate::geo::router())
        .merge(crate::centres::router())
        .merge(crate::funding::router())
        .merge(crate::assessment::router())
        .merge(crate::registry::router())
        .merge(crate::hall::router())
        .merge(crate::selfgov::router())
        .merge(crate::public::router())
        .merge(crate::departments::router())
        .merge(crate::workers::router())
        .merge(crate::admin::router())
}

/// The whole application: the routes in the shared middleware.
pub fn app(state: AppState) -> Router {
    http::layers(routes().into_parts().0, state)
}
