//! Pages and API of guidelines, assessment rounds and score sheets.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;

use crate::assessment::rules::{self, IndicatorInput, Title};
use crate::assessment::store::{
    self, Guideline, GuidelineInput, GuidelineRow, ResultRow, Round, ScoreInput, Sheet,
};
use crate::platform::auth::guard::{
    Admin, AdminAndDepartments, AdminAndTowns, Officials, Require, Staff,
};
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, Parse, field, render_form, rows_of};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::sheet::{self, Cell};
use crate::platform::types::Fen;
use crate::role_set;

mod api;
mod guideline_pages;
mod round_pages;
mod sheet_pages;

pub use api::*;
use guideline_pages::*;
use round_pages::*;
use sheet_pages::*;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/assessment", rounds_page)
        .post("/assessment", post_round)
        .get("/assessment/rounds/{id}", round_page)
        .get("/assessment/rounds/{id}/export.xlsx", round_xlsx)
        .post("/assessment/rounds/{id}/sign-off", post_sign_off)
        .post("/assessment/rounds/{id}/pay/{guideline}", post_pay)
        .get("/assessment/rounds/{id}/sheets/{code}", sheet_page)
        .get(
            "/assessment/rounds/{id}/sheets/{code}/export.xlsx",
            sheet_xlsx,
        )
        .post("/assessment/rounds/{id}/sheets/{code}/self", post_self)
        .post(
            "/assessment/rounds/{id}/sheets/{code}/review",
            post_town_review,
        )
        .post("/assessment/rounds/{id}/sheets/{code}/score", post_score)
        .post_upload(
            "/assessment/rounds/{id}/sheets/{code}/attachments",
            post_attachment,
            store::MAX_ATTACHMENT + 64 * 1024,
        )
        .get(
            "/assessment/rounds/{id}/sheets/{code}/attachments/{aid}",
            get_attachment,
        )
        .post(
            "/assessment/rounds/{id}/sheets/{code}/attachments/{aid}/delete",
            post_delete_attachment,
        )
        .get("/assessment/guidelines", guidelines_page)
        .post("/assessment/guidelines", post_new_guideline)
        .get("/assessment/guidelines/new", new_guideline_page)
        .get("/assessment/guidelines/{id}", guideline_page)
        .post("/assessment/guidelines/{id}", post_guideline)
        .post("/assessment/guidelines/{id}/{step}", post_guideline_step)
        .get("/api/v1/assessment/guidelines", api_guidelines)
        .get("/api/v1/assessment/guidelines/{id}", api_guideline)
        .get("/api/v1/assessment/rounds", api_rounds)
        .get("/api/v1/assessment/rounds/{id}", api_round)
        .get("/api/v1/assessment/rounds/{id}/sheets/{code}", api_sheet)
}

/// Who reviews a sheet for the town.
pub type Reviewers = AdminAndTowns;
role_set!(
    /// Who scores indicators: departments their guidelines', assessors the templates'.
    pub Scorers = [DistrictAdmin, DepartmentOfficer, Assessor]
);
/// Who writes guidelines: departments their own, the admin the district's templates.
pub type GuidelineWriters = AdminAndDepartments;

pub fn pts(x10: impl std::borrow::Borrow<i64>) -> String {
    rules::points_text(*x10.borrow())
}

pub fn opt_pts(x10: impl std::borrow::Borrow<Option<i64>>) -> String {
    x10.borrow()
        .map(rules::points_text)
        .unwrap_or_else(|| "—".into())
}

pub fn pct(eff: impl std::borrow::Borrow<i64>, max: impl std::borrow::Borrow<i64>) -> String {
    rules::pct_text(*eff.borrow(), *max.borrow())
}
