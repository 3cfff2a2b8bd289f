//! The district's geography: district → town/street → community, keyed by the 12-digit
//! division code; population by year; merges and renames with effective dates; the national
//! divisions import.

pub mod import;
pub mod rules;
pub mod store;
pub mod web;

/// This domain's routes with their access, mounted by [`crate::app`].
pub fn router() -> crate::platform::http::routes::Routes<crate::platform::http::AppState> {
    web::router()
}

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    web::api_towns,
    web::api_town,
    web::api_communities,
    web::api_community,
    web::api_figures,
))]
pub struct Api;
