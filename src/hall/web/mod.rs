//! Pages and API of the hall's cases: the worklist, registering at the window, a case with
//! its timeline and steps, the case list and ledgers, the measures.

use std::collections::BTreeMap;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::hall::cases::{
    self, CaseFull, CaseInput, CaseQuery, CaseRow, Event, ReferTo, StepRequest, Who,
};
use crate::hall::catalogue::Item;
use crate::hall::measures::{self, Counters, Line, Measures};
use crate::hall::providers::{self, Provider};
use crate::hall::residents;
use crate::platform::auth::guard::{AdminAndStaff, Require, RoleSet};
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::charts::{Bar, ShareBar, bar_chart, share_chart};
use crate::platform::db;
use crate::platform::error::{AppError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, render_form};
use crate::platform::http::json::ApiJson;
use crate::platform::http::layout::Chrome;
use crate::platform::http::pagination::{Pager, query_without_page};
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::sheet::{self, Cell};
use crate::platform::time::{parse_date, show};
use crate::platform::types::{DivisionCode, Level};
use crate::role_set;
use crate::vals;

mod api;
mod case_pages;
mod lists;
mod measure_pages;
mod registering;
mod worklist;

pub use api::*;
pub use case_pages::*;
pub use lists::*;
pub use measure_pages::*;
pub use registering::*;
pub use worklist::*;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/hall", worklist_page)
        .get("/hall/cases", cases_page)
        .post("/hall/cases", post_register)
        .get("/hall/cases.xlsx", ledger_xlsx)
        .get("/hall/cases/new", register_page)
        .get("/hall/cases/{id}", case_page)
        .post("/hall/cases/{id}/step", post_step)
        .post("/hall/cases/{id}/public", post_public)
        .get("/hall/measures", measures_page)
        .get("/api/v1/cases", api_cases)
        .post("/api/v1/cases", api_register)
        .get("/api/v1/cases/{id}", api_case)
        .get("/api/v1/hall/measures", api_measures)
}

/// "4.5" from tenths, "—" for none.
pub fn tenths(t: Option<i64>) -> String {
    t.map(|t| format!("{}.{}", t / 10, t % 10))
        .unwrap_or_else(|| "—".into())
}

pub fn pm(p: i64) -> String {
    format!("{}.{}%", p / 10, p % 10)
}

role_set!(
    /// Everyone working cases: all roles but assessors (each sees the cases of its scope).
    pub Hall = [DistrictAdmin, DepartmentOfficer, TownOfficer, CommunityStaff, Provider]
);
/// Community staff and the admin register and work cases at the window.
pub type Window = AdminAndStaff;
role_set!(
    /// Who reads the hall's measures.
    pub MeasureReaders = [DistrictAdmin, DepartmentOfficer, TownOfficer, CommunityStaff]
);
