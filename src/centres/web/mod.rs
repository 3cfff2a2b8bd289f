//! Pages and API of service-centre construction.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::centres::dashboard::{self, Dashboard, TownRef};
use crate::centres::export;
use crate::centres::rules::{self, Category, Mode, ProjectInput, StandardInput, Status, Terms};
use crate::centres::store::{
    self, CentreDetail, ChecklistInput, InspectionInput, LedgerFilter, LedgerRow, Standard,
    StandardSave, Target,
};
use crate::platform::auth::guard::{Admin, AdminAndTowns, Officials, Require, Territorial};
use crate::platform::auth::{CurrentUser, Scope};
use crate::platform::charts::{Series, ShareBar, share_chart, share_line_chart};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, Parse, field, render_form, rows_of};
use crate::platform::http::layout::Chrome;
use crate::platform::http::pagination::{Pager, query_without_page};
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::i18n::Tr;
use crate::platform::time::parse_date;
use crate::platform::types::{Area, DivisionCode, Fen, Level};
use crate::role_set;

mod centre_pages;
mod dashboard_pages;
mod ledger_pages;
mod standard_pages;
mod target_pages;

pub use centre_pages::*;
pub use dashboard_pages::*;
pub use ledger_pages::*;
pub use standard_pages::*;
pub use target_pages::*;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/centres", dashboard_page)
        .get("/centres/ledger", ledger_page)
        .get("/centres/ledger.xlsx", ledger_xlsx)
        .get("/centres/ledger.csv", ledger_csv)
        .get("/centres/standards", standards_page)
        .post("/centres/standards", post_new_standard)
        .get("/centres/standards/new", new_standard_page)
        .get("/centres/standards/{id}", standard_page)
        .post("/centres/standards/{id}", post_standard)
        .get("/centres/targets", targets_page)
        .post("/centres/targets", post_target)
        .post("/centres/targets/delete", post_delete_target)
        .get("/centres/{code}", centre_page)
        .post("/centres/{code}", post_project)
        .post("/centres/{code}/checklist", post_checklist)
        .post("/centres/{code}/status", post_status)
        .post("/centres/{code}/inspections", post_inspection)
        .post("/centres/{code}/review", post_review)
        .get("/api/v1/centres", api_centres)
        .get("/api/v1/centres/coverage", api_coverage)
        .get("/api/v1/centres/{code}", api_centre)
        .get("/api/v1/centre-standards", api_standards)
        .get("/api/v1/coverage-targets", api_targets)
}

/// Who keeps a centre project (each within their scope): the district, the town, the
/// community's staff.
pub type CentreKeepers = Territorial;
role_set!(
    /// Who records acceptance inspections.
    pub Inspectors = [DistrictAdmin, Assessor]
);
/// Who writes a town's review of its communities' centres.
pub type Reviewers = AdminAndTowns;

pub fn yuan(fen: impl std::borrow::Borrow<i64>) -> String {
    Fen(*fen.borrow()).yuan_string()
}

pub fn opt_yuan(fen: impl std::borrow::Borrow<Option<i64>>) -> String {
    fen.borrow()
        .map(|f| Fen(f).yuan_string())
        .unwrap_or_else(|| "—".into())
}

pub fn m2(dm2: impl std::borrow::Borrow<i64>) -> String {
    Area(*dm2.borrow()).m2_string()
}

pub fn opt_m2(dm2: impl std::borrow::Borrow<Option<i64>>) -> String {
    dm2.borrow()
        .map(|a| Area(a).m2_string())
        .unwrap_or_else(|| "—".into())
}

pub fn opt_date(d: impl std::borrow::Borrow<Option<NaiveDate>>) -> String {
    d.borrow()
        .map(|d| d.to_string())
        .unwrap_or_else(|| "—".into())
}

pub fn pct(permille: i64) -> String {
    format!("{}.{}%", permille / 10, permille % 10)
}
