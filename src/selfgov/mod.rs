//! Self-government and mutual aid (自治互助). One room per part, each with its store (queries
//! and writes, audited) and its staff pages (`web`):
//! - `meetings`: notice rules and representatives, meetings with topics announced in advance,
//!   attendance and quorum, minutes, resolutions and tasks;
//! - `proposals`: proposals and their public answers;
//! - `boards`: the two notice boards;
//! - `organisations`: civil organisations and the town's review;
//! - `volunteers`: volunteers and their verified hours;
//! - `rooms`: rooms and grounds, bookings that never overlap, activities.
//!
//! Shared: `rules` (pure: notice periods, quorum and majority, booking spans, weekly series,
//! volunteer points), `store` (scope and who may write), `common` (form checks), `form` (form
//! fields and the redirect-or-show step), `web` (the overview and a community's workspace,
//! whose forms reach every part), `public` and `feeds` (the residents' pages, iCalendar and
//! Atom), `demo`.

pub mod boards;
pub(crate) mod common;
pub mod demo;
pub mod feeds;
pub mod form;
pub mod meetings;
pub mod organisations;
pub mod proposals;
pub mod public;
pub mod rooms;
pub mod store;
pub mod volunteers;
pub mod web;

use crate::platform::auth::guard::{AdminAndStaff, Officials};
use crate::role_set;

role_set!(
    /// Who reads a community's self-government: the district, assessors, towns and the
    /// community's staff (each within scope). Departments see only the joint meetings.
    pub SelfgovReaders = [DistrictAdmin, Assessor, TownOfficer, CommunityStaff]
);
/// Who reads meetings: the readers, and departments (the district's joint meetings).
pub type MeetingReaders = Officials;
/// Who writes a community's records: its own staff, and the district admin (the stores
/// check the community is the writer's own).
pub type SelfgovWriters = AdminAndStaff;

/// This domain's routes with their access, mounted by [`crate::app`].
pub fn router() -> crate::platform::http::routes::Routes<crate::platform::http::AppState> {
    web::router().merge(public::router())
}

/// This domain's part of the OpenAPI document, merged in [`crate::app::openapi`].
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    meetings::web::api_meetings,
    rooms::web::api_activities,
    proposals::web::api_proposal_stats,
    organisations::web::api_organisations,
    rooms::web::api_bookings,
))]
pub struct Api;
