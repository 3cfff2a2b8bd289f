//! The community workforce (社区工作者队伍, issue 15): the register of community workers, their
//! certificates, training, secondments and recruitment, and the report's target of one
//! certified social worker in every community.
//!
//! So far: the pure rules (`rules`: identity and age from the ID number, service periods,
//! certificates and their registration, training hours, the post norm, recruitment scores and
//! ranking, coverage), and the register (`store`, `web`): workers with their periods and
//! certificates, read within the reader's territory with personal fields masked, and the
//! coverage of communities with a certified social worker.

pub mod accounts;
pub mod certificates;
pub mod dashboard;
pub mod dashboard_pages;
pub mod demo;
pub mod import;
pub mod import_pages;
pub mod measures;
pub mod norms;
pub mod record_pages;
pub mod recruitment;
pub mod recruitment_pages;
pub mod roster;
pub mod rules;
pub mod secondments;
pub mod store;
pub mod training;
pub mod training_pages;
pub mod web;

pub use web::router;

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    web::api_list,
    web::api_worker,
    web::api_create,
    web::api_add_certificate,
    training_pages::api_enrol,
    training_pages::api_attendance,
    dashboard_pages::api_dashboard,
    training_pages::api_courses,
    training_pages::api_course,
    recruitment_pages::api_round
))]
pub struct Api;
