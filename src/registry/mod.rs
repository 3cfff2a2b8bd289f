//! The district's people (人口信息): residents and their households, with the history of who
//! came and left, counted at any date; imports from the spreadsheets villages keep; exports
//! masked for their audience; and the rights of the people in it (PIPL): who saw what, their
//! own data on request, erasure, and retention.
//!
//! The registry is the base other domains stand on (the hall, volunteers, workers,
//! departments' ledgers): it depends on `geo` and `platform` only.

pub mod access;
pub mod codes;
pub mod demo;
pub mod duplicates;
pub mod erasure;
pub mod export;
pub mod households;
pub mod import;
pub mod person;
pub mod population;
pub mod residents;
pub mod rules;
pub mod save;
pub mod web;

pub use web::router;

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    web::api_households,
    web::api_household,
    web::rights_pages::api_resident,
    web::population_pages::api_population,
))]
pub struct Api;
