//! The OpenAPI 3 document and its viewer (Swagger UI, served from the binary).

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
    paths(
        crate::platform::http::health::healthz,
        crate::platform::http::health::readyz,
        crate::platform::auth::web::api_me,
        crate::geo::web::api_towns,
        crate::geo::web::api_town,
        crate::geo::web::api_communities,
        crate::geo::web::api_community,
        crate::geo::web::api_figures,
        crate::centres::web::api_centres,
        crate::centres::web::api_coverage,
        crate::centres::web::api_centre,
        crate::centres::web::api_standards,
        crate::centres::web::api_targets,
        crate::funding::web::api_summary,
        crate::funding::web::api_batches,
        crate::funding::web::api_batch,
        crate::funding::web::api_statement,
        crate::funding::web::api_contributions,
        crate::funding::web::api_budgets,
        crate::assessment::web::api_guidelines,
        crate::assessment::web::api_guideline,
        crate::assessment::web::api_rounds,
        crate::assessment::web::api_round,
        crate::assessment::web::api_sheet,
        crate::hall::web::api_cases,
        crate::hall::web::api_register,
        crate::hall::web::api_case,
        crate::hall::web::api_measures,
        crate::hall::web_registry::api_residents,
        crate::hall::web_registry::api_items,
        crate::hall::web_registry::api_providers,
        crate::selfgov::web::api_meetings,
        crate::selfgov::web::api_activities,
        crate::selfgov::web::api_proposal_stats,
        crate::selfgov::web::api_organisations,
        crate::selfgov::web::api_bookings,
        crate::departments::api_list,
        crate::admin::api_users,
        crate::admin::api_audit,
    ),
    modifiers(&Bearer),
    tags((name = "geography"), (name = "centres"), (name = "funding"), (name = "assessment"), (name = "hall"), (name = "selfgov"), (name = "departments"), (name = "accounts"), (name = "audit"), (name = "system"))
)]
pub struct ApiDoc;

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

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/api/openapi.json", spec)
        .get("/api/docs", viewer)
}

async fn spec(_: Public) -> Response {
    Json(ApiDoc::openapi()).into_response()
}

async fn viewer(_: Public) -> Html<&'static str> {
    Html(include_str!("../../../templates/api_docs.html"))
}
