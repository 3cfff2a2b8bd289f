//! Money follows the work, its first half: departments' community work guidelines and the
//! district's templates (versioned; published versions read-only), assessment rounds that
//! bundle them so one visit covers every department's indicators, and per-community score
//! sheets through self-assessment → town review → scoring → district sign-off. Signed-off
//! scores turn into guideline subsidies through each guideline's rule (a funding batch).

pub mod demo;
pub mod rules;
pub mod store;
pub mod web;

pub use web::router;

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    web::api_guidelines,
    web::api_guideline,
    web::api_rounds,
    web::api_round,
    web::api_sheet,
))]
pub struct Api;
