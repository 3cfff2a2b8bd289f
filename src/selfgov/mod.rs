//! Self-government and mutual aid (自治互助): assemblies and forums with topics announced in
//! advance, proposals, the two notice boards, civil organisations, volunteers, rooms and
//! activities. So far (issue 6 is open) its pure rules — notice periods, quorum and majority,
//! bookings that never overlap, weekly series, volunteer points — and its feeds: iCalendar
//! (through the `icalendar` crate) and Atom.

pub mod civic;
pub mod demo;
pub mod feeds;
pub mod form;
pub mod public;
pub mod rules;
pub mod store;
pub mod web;

/// This domain's routes with their access, mounted by [`crate::app`].
pub fn router() -> crate::platform::http::routes::Routes<crate::platform::http::AppState> {
    web::router().merge(public::router())
}

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    web::api_meetings,
    web::api_activities,
    web::api_proposal_stats,
    web::api_organisations,
    web::api_bookings,
))]
pub struct Api;
