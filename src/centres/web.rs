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

// ------------------------------------------------------------------ dashboard

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct DashboardQuery {
    /// The year to show (default: this year).
    pub year: Option<i32>,
    /// Limit to one town (9 or 12 digits).
    pub town: Option<String>,
}

/// Read what the dashboard needs and build it.
async fn build_dashboard(s: &AppState, u: &CurrentUser, q: &DashboardQuery) -> Result<Dashboard> {
    let today = s.db.clock().today();
    let year = q.year.unwrap_or(today.year());
    if !(1949..=2200).contains(&year) {
        return Err(AppError::invalid("year", "centres.year_range"));
    }
    // A town officer's and community staff's dashboard is their town's: its own targets apply.
    let town = match q.town.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(
            DivisionCode::parse_level(t, Level::Town)
                .map_err(|_| AppError::invalid("town", "geo.bad_town_code"))?,
        ),
        None => match &u.scope {
            Scope::Town(t) => Some(*t),
            Scope::Community(c) => c.parent(),
            _ => None,
        },
    };
    let mut facts = store::facts(&s.db, &s.district, &u.scope).await?;
    if let Some(t) = &town {
        let (lo, hi) = t.descendant_range();
        facts.retain(|f| f.code.as_str() >= lo.as_str() && f.code.as_str() <= hi.as_str());
    }
    let towns = crate::geo::web::town_options(s, &Scope::District).await?;
    let in_scope: std::collections::HashSet<String> = facts
        .iter()
        .map(|f| format!("{}000", &f.code[..9]))
        .collect();
    let refs: Vec<TownRef<'_>> = towns
        .iter()
        .filter(|t| in_scope.contains(&t.code))
        .map(|t| TownRef {
            code: &t.code,
            name: &t.name,
        })
        .collect();
    let merges = crate::geo::store::merges(&s.db).await?;
    let targets = store::target_map(&store::targets(&s.db).await?);
    Ok(dashboard::build(
        year,
        town.as_ref().map(|t| t.as_str()),
        &facts,
        &refs,
        &merges,
        &targets,
        today,
    ))
}

#[derive(Template)]
#[template(path = "centres/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    d: Dashboard,
    towns: Vec<crate::geo::store::TownOption>,
    town_name: Option<String>,
    years: Vec<i32>,
    line: String,
    bars: String,
    ledger_href: String,
    is_admin: bool,
}

impl DashboardPage {
    fn coverage_of(&self) -> String {
        self.chrome.tr.f(
            "centres.dashboard.coverage_of",
            &[
                &self.d.current.count.covered,
                &self.d.current.count.communities,
            ],
        )
    }
    fn selected_town(&self, code: &str) -> bool {
        self.d.town.as_deref() == Some(code)
    }
}

async fn dashboard_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DashboardQuery>,
) -> Result<Response> {
    let d = build_dashboard(&s, &u, &q).await?;
    let tr = &ctx.tr;
    let labels: Vec<String> = d.by_year.iter().map(|p| p.year.to_string()).collect();
    let line = share_line_chart(
        tr.t("centres.chart.coverage_by_year"),
        &labels,
        &[
            Series {
                name: tr.t("centres.chart.actual").into(),
                class: "chart-line",
                values: d.by_year.iter().map(|p| Some(p.count.permille())).collect(),
            },
            Series {
                name: tr.t("centres.chart.target").into(),
                class: "chart-line target",
                values: d
                    .by_year
                    .iter()
                    .map(|p| p.target_pct.map(|t| t * 10))
                    .collect(),
            },
        ],
    );
    let bars = if d.towns.len() > 1 {
        share_chart(
            &tr.f1("centres.chart.coverage_by_town", d.year),
            &d.towns
                .iter()
                .map(|t| ShareBar {
                    label: t.name.clone(),
                    permille: t.count.permille(),
                    target_pct: t.target_pct,
                    href: Some(format!("/centres?year={}&town={}", d.year, t.code)),
                })
                .collect::<Vec<_>>(),
        )
    } else {
        String::new()
    };
    let towns = crate::geo::web::town_options(&s, &u.scope).await?;
    let town_name = d
        .town
        .as_ref()
        .and_then(|c| towns.iter().find(|t| &t.code == c).map(|t| t.name.clone()));
    let years: Vec<i32> = d.by_year.iter().map(|p| p.year).rev().collect();
    let ledger_href = match &d.town {
        Some(t) => format!("/centres/ledger?town={t}"),
        None => "/centres/ledger".into(),
    };
    render(&DashboardPage {
        chrome: Chrome::build(&ctx, "/centres"),
        d,
        towns,
        town_name,
        years,
        line,
        bars,
        ledger_href,
        is_admin: u.is_admin(),
    })
}

/// Coverage of centres for the caller's scope: by year against the targets, per town for
/// the chosen year, the forecast of this year's target, totals and the communities behind.
#[utoipa::path(get, path = "/api/v1/centres/coverage", tag = "centres", security(("bearer" = [])),
    params(DashboardQuery), responses((status = 200, body = Dashboard), (status = 403), (status = 422)))]
pub async fn api_coverage(
    u: Require<Officials>,
    State(s): State<AppState>,
    Query(q): Query<DashboardQuery>,
) -> Result<Json<Dashboard>> {
    Ok(Json(build_dashboard(&s, &u, &q).await?))
}

// ------------------------------------------------------------------ ledger

#[derive(Template)]
#[template(path = "centres/ledger.html")]
struct LedgerPage {
    chrome: Chrome,
    rows: Vec<LedgerRow>,
    towns: Vec<crate::geo::store::TownOption>,
    filter: LedgerFilter,
    pager: Pager,
    query: String,
}

impl LedgerPage {
    fn status_selected(&self, key: &str) -> bool {
        self.filter.status.as_deref() == Some(key)
    }
    fn statuses(&self) -> Vec<&'static str> {
        Status::ALL.iter().map(|s| s.key()).collect()
    }
}

fn ledger_query(f: &LedgerFilter) -> String {
    query_without_page(&[
        ("town", f.town.as_deref().unwrap_or("")),
        ("status", f.status.as_deref().unwrap_or("")),
        ("q", f.q.as_deref().unwrap_or("")),
    ])
}

async fn ledger_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<LedgerFilter>,
) -> Result<Response> {
    let per = store::LEDGER_PAGE_SIZE;
    let page = crate::platform::http::pagination::page_number(f.page);
    let (mut rows, total) = store::ledger(
        &s.db,
        &s.district,
        &u.scope,
        &f,
        Some((per, (page - 1).saturating_mul(per))),
    )
    .await?;
    let query = ledger_query(&f);
    let pager = Pager::new(page, total, per, query.clone());
    if pager.page != page {
        rows = store::ledger(
            &s.db,
            &s.district,
            &u.scope,
            &f,
            Some((per, pager.offset())),
        )
        .await?
        .0;
    }
    let towns = crate::geo::web::town_options(&s, &u.scope).await?;
    render(&LedgerPage {
        chrome: Chrome::build(&ctx, "/centres"),
        rows,
        towns,
        filter: f,
        pager,
        query: if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        },
    })
}

async fn ledger_all(s: &AppState, u: &CurrentUser, f: &LedgerFilter) -> Result<Vec<LedgerRow>> {
    Ok(store::ledger(&s.db, &s.district, &u.scope, f, None)
        .await?
        .0)
}

async fn ledger_xlsx(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<LedgerFilter>,
) -> Result<Response> {
    let rows = ledger_all(&s, &u, &f).await?;
    let standards = store::standards(&s.db.conn).await?;
    let body = export::ledger_xlsx(&ctx.tr, &rows, &standards, s.db.clock().today().year())?;
    Ok(crate::platform::sheet::xlsx_response(body, "centres.xlsx"))
}

async fn ledger_csv(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<LedgerFilter>,
) -> Result<Response> {
    let rows = ledger_all(&s, &u, &f).await?;
    let standards = store::standards(&s.db.conn).await?;
    let body = export::ledger_csv(&ctx.tr, &rows, &standards, s.db.clock().today().year())?;
    Ok(crate::platform::sheet::csv_response(body, "centres.csv"))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LedgerPageJson {
    pub items: Vec<LedgerRow>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// Communities in scope with their centres (the ledger), filtered, 50 a page.
#[utoipa::path(get, path = "/api/v1/centres", tag = "centres", security(("bearer" = [])),
    params(LedgerFilter), responses((status = 200, body = LedgerPageJson), (status = 403), (status = 422)))]
pub async fn api_centres(
    u: Require<Officials>,
    State(s): State<AppState>,
    Query(f): Query<LedgerFilter>,
) -> Result<Json<LedgerPageJson>> {
    let per = store::LEDGER_PAGE_SIZE;
    let page = crate::platform::http::pagination::page_number(f.page);
    let (items, total) = store::ledger(
        &s.db,
        &s.district,
        &u.scope,
        &f,
        Some((per, (page - 1).saturating_mul(per))),
    )
    .await?;
    Ok(Json(LedgerPageJson {
        items,
        total,
        page,
        per_page: per,
    }))
}

// ------------------------------------------------------------------ one centre

#[derive(Template)]
#[template(path = "centres/centre.html")]
struct CentrePage {
    chrome: Chrome,
    d: CentreDetail,
    form: FormState,
    saved: Option<String>,
    can_edit: bool,
    can_inspect: bool,
    can_review: bool,
    transitions: Vec<&'static str>,
    today: String,
}

impl CentrePage {
    /// A project form value: what was sent when shown again with errors, else the record.
    fn pv(&self, field: &str) -> String {
        if self.form.form == "project" {
            return self.form.value("project", field);
        }
        let Some(p) = &self.d.project else {
            return String::new();
        };
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        match field {
            "mode" => p.mode.clone(),
            "blocking_reason" => p.blocking_reason.clone(),
            "pilot" => {
                if p.pilot {
                    "on".into()
                } else {
                    String::new()
                }
            }
            "pilot_year" => p.pilot_year.map(|y| y.to_string()).unwrap_or_default(),
            "planned_start" => date(p.planned_start),
            "planned_completion" => date(p.planned_completion),
            "actual_start" => date(p.actual_start),
            "actual_completion" => date(p.actual_completion),
            "floor_area" => p
                .floor_area_dm2
                .map(|a| Area(a).m2_string().replace(',', ""))
                .unwrap_or_default(),
            "invest_district" => money_value(p.invest_district_fen),
            "invest_town" => money_value(p.invest_town_fen),
            "invest_village" => money_value(p.invest_village_fen),
            "invest_donation" => money_value(p.invest_donation_fen),
            "note" => p.note.clone(),
            _ => String::new(),
        }
    }
    fn modes(&self) -> Vec<&'static str> {
        Mode::ALL.iter().map(|m| m.key()).collect()
    }
    fn status_key(&self) -> String {
        self.d
            .project
            .as_ref()
            .map(|p| format!("centres.status.{}", p.status))
            .unwrap_or_else(|| "centres.status.none".into())
    }
    fn mode_key(&self) -> String {
        self.d
            .project
            .as_ref()
            .map(|p| format!("centres.mode.{}", p.mode))
            .unwrap_or_default()
    }
    fn checklist_locked(&self) -> bool {
        self.d
            .project
            .as_ref()
            .is_none_or(|p| p.status() == Status::Accepted)
    }
    fn inspectable(&self) -> bool {
        self.d
            .project
            .as_ref()
            .is_some_and(|p| p.status().can_be_inspected())
    }
    /// Checklist values shown again after an error, else the record.
    fn present(&self, line: &store::ChecklistLine) -> bool {
        if self.form.form == "checklist" {
            !self
                .form
                .value("checklist", &format!("present_{}", line.item.id))
                .is_empty()
        } else {
            line.present
        }
    }
    fn area_value(&self, line: &store::ChecklistLine) -> String {
        if self.form.form == "checklist" {
            self.form
                .value("checklist", &format!("area_{}", line.item.id))
        } else {
            line.area_dm2
                .map(|a| Area(a).m2_string().replace(',', ""))
                .unwrap_or_default()
        }
    }
    fn note_value(&self, line: &store::ChecklistLine) -> String {
        if self.form.form == "checklist" {
            self.form
                .value("checklist", &format!("note_{}", line.item.id))
        } else {
            line.note.clone()
        }
    }
    fn category_key(&self, c: &Category) -> String {
        format!("centres.category.{}", c.key())
    }
    fn invest_total(&self) -> String {
        self.d
            .project
            .as_ref()
            .map(|p| yuan(p.invest_total_fen()))
            .unwrap_or_default()
    }
    fn present_counts<'a>(&self, c: &'a rules::Compliance) -> Vec<&'a dyn std::fmt::Display> {
        vec![&c.required_present, &c.required_items]
    }
    fn area_norm(&self) -> String {
        self.d
            .compliance
            .as_ref()
            .and_then(|c| c.area_norm_dm2)
            .map(|a| Area(a).m2_string())
            .unwrap_or_else(|| "—".into())
    }
}

fn money_value(fen: i64) -> String {
    if fen == 0 {
        String::new()
    } else {
        Fen(fen).yuan_string().replace(',', "")
    }
}

#[derive(Deserialize, Default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn show_centre(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    code: &str,
    form: FormState,
    saved: Option<String>,
) -> Result<Response> {
    let d = store::load_centre(&s.db, &s.district, &u.scope, code).await?;
    let own = match &u.scope {
        Scope::Community(c) => c.as_str() == d.community.code,
        _ => true,
    };
    let can_edit = own && store::can_edit(u.role, &d.community);
    let transitions = match (&d.project, can_edit) {
        (Some(p), true) => Status::ALL
            .iter()
            .copied()
            .filter(|to| {
                rules::manual_transition(
                    p.status(),
                    *to,
                    p.actual_start,
                    p.actual_completion,
                    !d.inspections.is_empty(),
                )
                .is_ok()
            })
            .map(Status::key)
            .collect(),
        _ => vec![],
    };
    let page = CentrePage {
        chrome: Chrome::build(ctx, "/centres"),
        can_inspect: store::can_inspect(u.role) && d.community.merged_into.is_none(),
        can_review: store::can_review(u.role),
        d,
        form,
        saved,
        can_edit,
        transitions,
        today: s.db.clock().today().to_string(),
    };
    render_form(&page, &page.form)
}

async fn centre_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    show_centre(&s, &ctx, &u, &code, FormState::default(), q.saved).await
}

async fn after_centre_post(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    code: &str,
    form: &'static str,
    result: Result<()>,
    values: Vec<(&str, String)>,
) -> Result<Response> {
    match result {
        Ok(()) => Ok(crate::platform::http::redirect(&format!(
            "/centres/{code}?saved={form}"
        ))),
        Err(AppError::Invalid(errs)) => {
            show_centre(
                s,
                ctx,
                u,
                code,
                FormState::from_error(form, &ctx.tr, &errs, values),
                None,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProjectForm {
    mode: String,
    blocking_reason: String,
    pilot: String,
    pilot_year: String,
    planned_start: String,
    planned_completion: String,
    actual_start: String,
    actual_completion: String,
    floor_area: String,
    invest_district: String,
    invest_town: String,
    invest_village: String,
    invest_donation: String,
    note: String,
    revision: String,
}

async fn post_project(
    u: Require<CentreKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<ProjectForm>,
) -> Result<Response> {
    let mut p = Parse::default();
    let input = ProjectInput {
        mode: Mode::parse(&f.mode),
        blocking_reason: f.blocking_reason.clone(),
        pilot: !f.pilot.is_empty(),
        pilot_year: p.int("pilot_year", &f.pilot_year),
        planned_start: p.date("planned_start", &f.planned_start),
        planned_completion: p.date("planned_completion", &f.planned_completion),
        actual_start: p.date("actual_start", &f.actual_start),
        actual_completion: p.date("actual_completion", &f.actual_completion),
        floor_area_dm2: p.area("floor_area", &f.floor_area),
        invest_fen: [
            p.money("invest_district", &f.invest_district),
            p.money("invest_town", &f.invest_town),
            p.money("invest_village", &f.invest_village),
            p.money("invest_donation", &f.invest_donation),
        ],
        note: f.note.clone(),
        revision: crate::platform::revision::base(&f.revision).unwrap_or_else(|_| {
            p.errs
                .push(FieldError::new("revision", "common.whole_number"));
            None
        }),
    };
    let result = if p.errs.is_empty() {
        store::save_project(&s.db, &s.district, &u, &code, &input, s.db.clock().today()).await
    } else {
        Err(AppError::Invalid(p.errs))
    };
    let values = vec![
        ("mode", f.mode),
        ("blocking_reason", f.blocking_reason),
        ("pilot", f.pilot),
        ("pilot_year", f.pilot_year),
        ("planned_start", f.planned_start),
        ("planned_completion", f.planned_completion),
        ("actual_start", f.actual_start),
        ("actual_completion", f.actual_completion),
        ("floor_area", f.floor_area),
        ("invest_district", f.invest_district),
        ("invest_town", f.invest_town),
        ("invest_village", f.invest_village),
        ("invest_donation", f.invest_donation),
        ("note", f.note),
        ("revision", f.revision),
    ];
    after_centre_post(&s, &ctx, &u, &code, "project", result, values).await
}

async fn post_checklist(
    u: Require<CentreKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let get = |k: &str| field(&pairs, k);
    // Every item of the project's standard is on the form as `area_{id}`.
    let mut ids: Vec<i64> = pairs
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("area_").and_then(|i| i.parse().ok()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut p = Parse::default();
    let lines: Vec<ChecklistInput> = ids
        .iter()
        .map(|id| ChecklistInput {
            item_id: *id,
            present: !get(&format!("present_{id}")).is_empty(),
            area_dm2: p.area(&format!("area_{id}"), &get(&format!("area_{id}"))),
            note: get(&format!("note_{id}")),
        })
        .collect();
    let result = if p.errs.is_empty() {
        store::save_checklist(&s.db, &s.district, &u, &code, &lines).await
    } else {
        Err(AppError::Invalid(p.errs))
    };
    let values: Vec<(&str, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "_csrf")
        .map(|(k, v)| (k.as_str(), v.clone()))
        .collect();
    after_centre_post(&s, &ctx, &u, &code, "checklist", result, values).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusForm {
    status: String,
}

async fn post_status(
    u: Require<CentreKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<StatusForm>,
) -> Result<Response> {
    let result = store::change_status(&s.db, &s.district, &u, &code, &f.status).await;
    after_centre_post(&s, &ctx, &u, &code, "status", result, vec![]).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InspectionForm {
    inspected_on: String,
    inspectors: String,
    passed: String,
    reasons: String,
}

async fn post_inspection(
    u: Require<Inspectors>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<InspectionForm>,
) -> Result<Response> {
    let input = InspectionInput {
        inspected_on: parse_date(&f.inspected_on),
        inspectors: f.inspectors.clone(),
        passed: match f.passed.as_str() {
            "pass" => Some(true),
            "fail" => Some(false),
            _ => None,
        },
        reasons: f.reasons.clone(),
    };
    let result =
        store::record_inspection(&s.db, &s.district, &u, &code, &input, s.db.clock().today())
            .await
            .map(|_| ());
    let values = vec![
        ("inspected_on", f.inspected_on),
        ("inspectors", f.inspectors),
        ("passed", f.passed),
        ("reasons", f.reasons),
    ];
    after_centre_post(&s, &ctx, &u, &code, "inspection", result, values).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviewForm {
    review_note: String,
}

async fn post_review(
    u: Require<Reviewers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<ReviewForm>,
) -> Result<Response> {
    let result = store::review(&s.db, &s.district, &u, &code, &f.review_note).await;
    after_centre_post(
        &s,
        &ctx,
        &u,
        &code,
        "review",
        result,
        vec![("review_note", f.review_note)],
    )
    .await
}

/// A community's centre in scope: the project, checklist and compliance, inspections and
/// the reward.
#[utoipa::path(get, path = "/api/v1/centres/{code}", tag = "centres", security(("bearer" = [])),
    params(("code" = String, Path, description = "12-digit community code")),
    responses((status = 200, body = CentreDetail), (status = 403), (status = 404)))]
pub async fn api_centre(
    u: Require<Officials>,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<CentreDetail>> {
    Ok(Json(
        store::load_centre(&s.db, &s.district, &u.scope, &code).await?,
    ))
}

// ------------------------------------------------------------------ standards

#[derive(Template)]
#[template(path = "centres/standards.html")]
struct StandardsPage {
    chrome: Chrome,
    standards: Vec<Standard>,
    current: Option<i64>,
    can_edit: bool,
    saved: bool,
}

impl StandardsPage {
    fn is_current(&self, id: impl std::borrow::Borrow<i64>) -> bool {
        self.current == Some(*id.borrow())
    }
    fn category_key(&self, c: &Category) -> String {
        format!("centres.category.{}", c.key())
    }
}

async fn standards_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    let mut standards = store::standards(&s.db.conn).await?;
    let current = store::in_force(&standards, s.db.clock().today().year()).map(|s| s.id);
    standards.reverse();
    render(&StandardsPage {
        chrome: Chrome::build(&ctx, "/centres"),
        standards,
        current,
        can_edit: u.is_admin(),
        saved: q.saved.is_some(),
    })
}

/// One row of the items table on the standard form.
struct ItemRowForm {
    id: String,
    category: String,
    name: String,
    required: bool,
    min_area: String,
}

#[derive(Template)]
#[template(path = "centres/standard_form.html")]
struct StandardFormPage {
    chrome: Chrome,
    id: Option<i64>,
    values: HashMap<String, String>,
    rows: Vec<ItemRowForm>,
    form: FormState,
    projects: i64,
}

impl StandardFormPage {
    fn v(&self, field: &str) -> String {
        self.values.get(field).cloned().unwrap_or_default()
    }
    fn err(&self, field: &str) -> String {
        self.form.error("standard", field)
    }
    fn row_err(&self, i: &usize, field: &str) -> String {
        self.form.error("standard", &format!("i{i}_{field}"))
    }
    fn categories(&self) -> Vec<&'static str> {
        Category::ALL.iter().map(|c| c.key()).collect()
    }
    fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/centres/standards/{id}"),
            None => "/centres/standards".into(),
        }
    }
}

/// Blank rows at the end of the items table for new items (the page works without script).
const BLANK_ITEM_ROWS: usize = 5;

fn standard_values(s: &Standard) -> HashMap<String, String> {
    let area = |a: Option<i64>| {
        a.map(|a| Area(a).m2_string().replace(',', ""))
            .unwrap_or_default()
    };
    let money = |f: i64| Fen(f).yuan_string().replace(',', "");
    [
        ("revision", s.revision.to_string()),
        ("name", s.name.clone()),
        ("effective_year", s.effective_year.to_string()),
        ("area_new", area(s.terms.area_new_dm2)),
        ("area_renovation", area(s.terms.area_renovation_dm2)),
        ("area_integrated", area(s.terms.area_integrated_dm2)),
        ("reward_new", money(s.terms.reward_new_fen)),
        ("reward_renovation", money(s.terms.reward_renovation_fen)),
        ("reward_integrated", money(s.terms.reward_integrated_fen)),
        ("note", s.note.clone()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

fn item_rows(s: &Standard, keep_ids: bool) -> Vec<ItemRowForm> {
    let mut rows: Vec<ItemRowForm> = s
        .items
        .iter()
        .map(|i| ItemRowForm {
            id: if keep_ids {
                i.id.to_string()
            } else {
                String::new()
            },
            category: i.category.key().into(),
            name: i.name.clone(),
            required: i.required,
            min_area: i
                .min_area_dm2
                .map(|a| Area(a).m2_string().replace(',', ""))
                .unwrap_or_default(),
        })
        .collect();
    rows.extend((0..BLANK_ITEM_ROWS).map(|_| ItemRowForm {
        id: String::new(),
        category: String::new(),
        name: String::new(),
        required: true,
        min_area: String::new(),
    }));
    rows
}

async fn new_standard_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    let all = store::standards(&s.db.conn).await?;
    // A new version starts as a copy of the latest, effective next year.
    let (mut values, rows) = match all.last() {
        Some(latest) => (standard_values(latest), item_rows(latest, false)),
        None => (
            HashMap::new(),
            item_rows(
                &Standard {
                    id: 0,
                    name: String::new(),
                    effective_year: 0,
                    terms: Terms::default(),
                    note: String::new(),
                    items: vec![],
                    projects: 0,
                    revision: 0,
                },
                false,
            ),
        ),
    };
    let next = all
        .last()
        .map(|l| l.effective_year + 1)
        .unwrap_or(s.db.clock().today().year())
        .max(s.db.clock().today().year());
    values.insert("effective_year".into(), next.to_string());
    render(&StandardFormPage {
        chrome: Chrome::build(&ctx, "/centres"),
        id: None,
        values,
        rows,
        form: FormState::default(),
        projects: 0,
    })
}

async fn standard_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let st = store::load_standard(&s.db, id).await?;
    render(&StandardFormPage {
        chrome: Chrome::build(&ctx, "/centres"),
        id: Some(id),
        values: standard_values(&st),
        rows: item_rows(&st, true),
        form: FormState::default(),
        projects: st.projects,
    })
}

/// Read the standard form: fixed fields and the numbered item rows.
fn parse_standard_form(pairs: &[(String, String)]) -> (StandardSave, Vec<FieldError>) {
    let get = |k: &str| field(pairs, k);
    let mut p = Parse::default();
    let year = p.int("effective_year", &get("effective_year"));
    if year.is_none() && get("effective_year").trim().is_empty() {
        p.errs
            .push(FieldError::new("effective_year", "common.required"));
    }
    let terms = Terms {
        area_new_dm2: p.area("area_new", &get("area_new")),
        area_renovation_dm2: p.area("area_renovation", &get("area_renovation")),
        area_integrated_dm2: p.area("area_integrated", &get("area_integrated")),
        reward_new_fen: p.money("reward_new", &get("reward_new")),
        reward_renovation_fen: p.money("reward_renovation", &get("reward_renovation")),
        reward_integrated_fen: p.money("reward_integrated", &get("reward_integrated")),
    };
    let rows = rows_of(pairs, 'i');
    let mut items = vec![];
    let mut item_ids = HashMap::new();
    let mut remove = vec![];
    for r in rows {
        let f = |x: &str| get(&format!("i{r}_{x}"));
        let id: Option<i64> = f("id").trim().parse().ok();
        let name = f("name");
        if !f("remove").is_empty() {
            if let Some(id) = id {
                remove.push(id);
                item_ids.insert(r, id);
            }
            continue;
        }
        if id.is_none() && name.trim().is_empty() {
            continue; // an unused blank row
        }
        if let Some(id) = id {
            item_ids.insert(r, id);
        }
        let min = p.area(&format!("i{r}_min_area"), &f("min_area"));
        items.push((
            r,
            Category::parse(&f("category")),
            name,
            !f("required").is_empty(),
            min,
        ));
    }
    let save = StandardSave {
        input: StandardInput {
            name: get("name"),
            effective_year: year.unwrap_or(0),
            terms,
            items,
        },
        note: get("note"),
        item_ids,
        remove,
        revision: crate::platform::revision::base(&get("revision")).unwrap_or_else(|_| {
            p.errs
                .push(FieldError::new("revision", "common.whole_number"));
            None
        }),
    };
    (save, p.errs)
}

async fn save_standard_form(
    s: &AppState,
    ctx: &Ctx,
    u: &Require<Admin>,
    id: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Result<Response> {
    let (save, mut errs) = parse_standard_form(&pairs);
    let result = if errs.is_empty() {
        store::save_standard(&s.db, &u.actor(), id, &save).await
    } else {
        // Report the parse errors with the rules' own, in one go.
        let more: Vec<FieldError> = rules::validate_standard(&save.input)
            .into_iter()
            .filter(|e| !errs.iter().any(|x| x.field == e.field))
            .collect();
        errs.extend(more);
        Err(AppError::Invalid(errs))
    };
    match result {
        Ok(_) => Ok(crate::platform::http::redirect(
            "/centres/standards?saved=1",
        )),
        Err(AppError::Invalid(errs)) => {
            let mut values: HashMap<String, String> = pairs
                .iter()
                .filter(|(k, _)| !k.starts_with('i') || k == "_csrf")
                .cloned()
                .collect();
            // after a stale save the form carries the revision saved since
            if let Some(current) = crate::platform::revision::current_of(&errs) {
                values.insert("revision".into(), current.into());
            }
            let get = |k: &str| field(&pairs, k);
            let n = rows_of(&pairs, 'i');
            let rows = n
                .into_iter()
                .map(|r| ItemRowForm {
                    id: get(&format!("i{r}_id")),
                    category: get(&format!("i{r}_category")),
                    name: get(&format!("i{r}_name")),
                    required: !get(&format!("i{r}_required")).is_empty(),
                    min_area: get(&format!("i{r}_min_area")),
                })
                .collect();
            let projects = match id {
                Some(id) => store::load_standard(&s.db, id).await?.projects,
                None => 0,
            };
            let page = StandardFormPage {
                chrome: Chrome::build(ctx, "/centres"),
                id,
                values,
                rows,
                form: FormState::from_error("standard", &ctx.tr, &errs, vec![]),
                projects,
            };
            render_form(&page, &page.form)
        }
        Err(e) => Err(e),
    }
}

async fn post_new_standard(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_standard_form(&s, &ctx, &u, None, pairs).await
}

async fn post_standard(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_standard_form(&s, &ctx, &u, Some(id), pairs).await
}

/// Every version of the centre standard with its items, oldest first.
#[utoipa::path(get, path = "/api/v1/centre-standards", tag = "centres", security(("bearer" = [])),
    responses((status = 200, body = Vec<Standard>), (status = 403)))]
pub async fn api_standards(
    _: Require<Officials>,
    State(s): State<AppState>,
) -> Result<Json<Vec<Standard>>> {
    Ok(Json(store::standards(&s.db.conn).await?))
}

// ------------------------------------------------------------------ targets

#[derive(Template)]
#[template(path = "centres/targets.html")]
struct TargetsPage {
    chrome: Chrome,
    targets: Vec<Target>,
    towns: Vec<crate::geo::store::TownOption>,
    form: FormState,
    saved: bool,
    next_year: i32,
}

async fn show_targets(s: &AppState, ctx: &Ctx, form: FormState, saved: bool) -> Result<Response> {
    let targets = store::targets(&s.db).await?;
    let towns = crate::geo::web::town_options(s, &Scope::District).await?;
    let page = TargetsPage {
        chrome: Chrome::build(ctx, "/centres"),
        next_year: s.db.clock().today().year(),
        targets,
        towns,
        form,
        saved,
    };
    render_form(&page, &page.form)
}

async fn targets_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    show_targets(&s, &ctx, FormState::default(), q.saved.is_some()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TargetForm {
    year: String,
    town: String,
    target_pct: String,
}

async fn post_target(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<TargetForm>,
) -> Result<Response> {
    let mut p = Parse::default();
    let year = p.int("year", &f.year);
    let pct = p.int(
        "target_pct",
        f.target_pct.trim().trim_end_matches(['%', '％']),
    );
    for (field, v) in [("year", year), ("target_pct", pct)] {
        if v.is_none() && !p.errs.iter().any(|e| e.field == field) {
            p.errs.push(FieldError::new(field, "common.required"));
        }
    }
    let result = match (year, pct) {
        (Some(y), Some(pc)) if p.errs.is_empty() => {
            store::set_target(&s.db, &s.district, &u.actor(), y, &f.town, pc).await
        }
        _ => Err(AppError::Invalid(p.errs)),
    };
    match result {
        Ok(()) => Ok(crate::platform::http::redirect("/centres/targets?saved=1")),
        Err(AppError::Invalid(errs)) => {
            let form = FormState::from_error(
                "target",
                &ctx.tr,
                &errs,
                vec![
                    ("year", f.year),
                    ("town", f.town),
                    ("target_pct", f.target_pct),
                ],
            );
            show_targets(&s, &ctx, form, false).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DeleteTargetForm {
    year: i64,
    town: String,
}

async fn post_delete_target(
    u: Require<Admin>,
    State(s): State<AppState>,
    CsrfForm(f): CsrfForm<DeleteTargetForm>,
) -> Result<Response> {
    store::delete_target(&s.db, &u.actor(), f.year, &f.town).await?;
    Ok(crate::platform::http::redirect("/centres/targets?saved=1"))
}

/// The coverage targets by year, for the district (`town_code` empty) and per town.
#[utoipa::path(get, path = "/api/v1/coverage-targets", tag = "centres", security(("bearer" = [])),
    responses((status = 200, body = Vec<Target>), (status = 403)))]
pub async fn api_targets(
    _: Require<Officials>,
    State(s): State<AppState>,
) -> Result<Json<Vec<Target>>> {
    Ok(Json(store::targets(&s.db).await?))
}

/// Label of a status key for templates and exports.
pub fn status_label(tr: &Tr, status: &str) -> String {
    tr.t(&format!("centres.status.{status}")).to_string()
}

pub fn mode_label(tr: &Tr, mode: &str) -> String {
    tr.t(&format!("centres.mode.{mode}")).to_string()
}
