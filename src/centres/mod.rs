//! Service-centre construction (社区服务中心): the standard as versioned data, yearly
//! coverage targets, one centre project per community with its facility checklist,
//! acceptance inspections with the one reward each passed centre is owed, the coverage
//! dashboard, the ledger with its XLSX and CSV exports, and the API.

pub mod dashboard;
pub mod demo;
pub mod export;
pub mod rules;
pub mod store;
pub mod web;

pub use web::router;

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    web::api_centres,
    web::api_coverage,
    web::api_centre,
    web::api_standards,
    web::api_targets,
))]
pub struct Api;
