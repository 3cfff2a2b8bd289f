//! Funding, "money follows the work" (费随事转): budgets; the district's per-capita subsidy
//! under a total cap and its acceptance rewards, paid in batches (draft → approved → paid)
//! whose every line says how it was computed; corrections as reversing lines; donations and
//! village funds; a statement per community and a summary per year.

pub mod demo;
pub mod rules;
pub mod store;
pub mod web;

pub use web::router;

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    web::api_summary,
    web::api_batches,
    web::api_batch,
    web::api_statement,
    web::api_contributions,
    web::api_budgets,
))]
pub struct Api;
