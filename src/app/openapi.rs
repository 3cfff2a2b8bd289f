//! The OpenAPI 3 document, merged from each domain's part, and its viewer (Swagger UI,
//! served from the binary).

use axum::Json;
use axum::response::{Html, IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::platform::auth::guard::Public;
use crate::platform::http::AppState;
use crate::platform::http::routes::Routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Shequ API", description = "Community construction platform. Authenticate with `Authorization: Bearer <token>` (create one with `shequ token create --user NAME`). Every list is limited to the caller's scope."),
    modifiers(&Bearer),
    tags((name = "geography"), (name = "centres"), (name = "funding"), (name = "assessment"), (name = "hall"), (name = "selfgov"), (name = "departments"), (name = "accounts"), (name = "audit"), (name = "system"))
)]
pub struct ApiDoc;

/// The platform's paths: health and the caller's own account.
#[derive(OpenApi)]
#[openapi(paths(
    crate::platform::http::health::healthz,
    crate::platform::http::health::readyz,
    crate::platform::auth::web::api_me,
))]
struct Platform;

struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The whole document: the platform's paths and every domain's, merged.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in [
        Platform::openapi(),
        crate::geo::Api::openapi(),
        crate::centres::Api::openapi(),
        crate::funding::Api::openapi(),
        crate::assessment::Api::openapi(),
        crate::registry::Api::openapi(),
        crate::hall::Api::openapi(),
        crate::selfgov::Api::openapi(),
        crate::departments::Api::openapi(),
        crate::workers::Api::openapi(),
        crate::admin::Api::openapi(),
    ] {
        doc.merge(part);
    }
    doc
}

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/api/openapi.json", spec)
        .get("/api/docs", viewer)
}

async fn spec(_: Public) -> Response {
    Json(document()).into_response()
}

async fn viewer(_: Public) -> Html<&'static str> {
    Html(include_str!("../../templates/api_docs.html"))
}
