//! Pages and API of funding.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;

use crate::funding::store::{
    self, Batch, Budget, BudgetInput, Contribution, ContributionInput, Line, PerCapitaInput,
    Statement, Summary,
};
use crate::platform::auth::guard::{Admin, AdminAndDepartments, Require, Territorial};
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::charts::{Bar, bar_chart};
use crate::platform::error::{AppError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::redirect_or_show;
use crate::platform::http::form::{FormState, Parse, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::http::pagination::Pager;
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::sheet::{self, Cell};
use crate::platform::time::{Clock, parse_date};
use crate::platform::types::Fen;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/funding", summary_page)
        .get("/funding/batches", batches_page)
        .post("/funding/batches/per-capita", post_per_capita)
        .post("/funding/batches/rewards", post_rewards)
        .get("/funding/batches/{id}", batch_page)
        .get("/funding/batches/{id}/export.xlsx", batch_xlsx)
        .post("/funding/batches/{id}/{step}", post_step)
        .post("/funding/lines/{id}/reverse", post_reverse)
        .get("/funding/statements/{code}", statement_page)
        .get("/funding/statements/{code}/export.xlsx", statement_xlsx)
        .get("/funding/contributions", contributions_page)
        .post("/funding/contributions", post_contribution)
        .get("/funding/budgets", budgets_page)
        .post("/funding/budgets", post_budget)
        .get("/api/v1/funding/summary", api_summary)
        .get("/api/v1/funding/batches", api_batches)
        .get("/api/v1/funding/batches/{id}", api_batch)
        .get("/api/v1/funding/statements/{code}", api_statement)
        .get("/api/v1/funding/contributions", api_contributions)
        .get("/api/v1/funding/budgets", api_budgets)
}

/// Who reads and records money: the district, towns and communities (each its own).
pub type Funding = Territorial;
/// Who reads payment batches: the district, and a department the batches paying its own
/// guidelines (`store::batch_scope`). Assessors and providers see no money.
pub type BatchReaders = AdminAndDepartments;

pub fn yuan(fen: impl std::borrow::Borrow<i64>) -> String {
    Fen(*fen.borrow()).yuan_string()
}

pub fn yuan_of(fen: &i64) -> String {
    Fen(*fen).yuan_string()
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct YearQuery {
    /// Fiscal year (default: this year).
    pub year: Option<i32>,
    pub page: Option<u64>,
    pub saved: Option<String>,
}

impl YearQuery {
    fn year(&self, clock: Clock) -> i32 {
        self.year
            .filter(|y| (1949..=2200).contains(y))
            .unwrap_or(clock.today().year())
    }
}

// ------------------------------------------------------------------ summary

#[derive(Template)]
#[template(path = "funding/summary.html")]
struct SummaryPage {
    chrome: Chrome,
    s: Summary,
    chart: String,
    years: Vec<i32>,
    statement_href: Option<String>,
    can_batches: bool,
}

impl SummaryPage {
    fn category_key(&self, c: &str) -> String {
        format!("funding.category.{c}")
    }
}

async fn summary_page(
    u: Require<Funding>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    let year = q.year(s.db.clock());
    let sum = store::summary(&s.db, &s.district, &u.scope, year).await?;
    let bars: Vec<Bar> = sum
        .by_year
        .iter()
        .map(|y| Bar {
            label: y.year.to_string(),
            value: y.total_fen / 100,
            href: Some(format!("/funding?year={}", y.year)),
        })
        .collect();
    let chart = bar_chart(ctx.tr.t("funding.chart.by_year"), &bars);
    let mut years: Vec<i32> = sum.by_year.iter().map(|y| y.year).collect();
    if !years.contains(&year) {
        years.push(year);
    }
    years.sort_unstable_by(|a, b| b.cmp(a));
    let statement_href = match &u.scope {
        Scope::Community(c) => Some(format!("/funding/statements/{}?year={year}", c.as_str())),
        _ => None,
    };
    render(&SummaryPage {
        chrome: Chrome::build(&ctx, "/funding"),
        s: sum,
        chart,
        years,
        statement_href,
        can_batches: store::can_read_batches(u.role),
    })
}

/// Money in the caller's scope by year and category, towns and budgets of the year.
#[utoipa::path(get, path = "/api/v1/funding/summary", tag = "funding", security(("bearer" = [])),
    params(YearQuery), responses((status = 200, body = Summary), (status = 403)))]
pub async fn api_summary(
    u: Require<Funding>,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Summary>> {
    Ok(Json(
        store::summary(&s.db, &s.district, &u.scope, q.year(s.db.clock())).await?,
    ))
}

// ------------------------------------------------------------------ batches

#[derive(Template)]
#[template(path = "funding/batches.html")]
struct BatchesPage {
    chrome: Chrome,
    batches: Vec<Batch>,
    form: FormState,
    can_make: bool,
    this_year: i32,
}

async fn show_batches(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    form: FormState,
) -> Result<Response> {
    let page = BatchesPage {
        chrome: Chrome::build(ctx, "/funding"),
        batches: store::batches(&s.db, &u.scope, None).await?,
        form,
        can_make: u.is_admin(),
        this_year: s.db.clock().today().year(),
    };
    render_form(&page, &page.form)
}

async fn batches_page(
    u: Require<BatchReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    show_batches(&s, &ctx, &u, FormState::default()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PerCapitaForm {
    year: String,
    population_year: String,
    rate: String,
    cap: String,
}

async fn post_per_capita(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<PerCapitaForm>,
) -> Result<Response> {
    let mut p = Parse::default();
    let input = PerCapitaInput {
        year: p.required_int("year", &f.year),
        population_year: p.required_int("population_year", &f.population_year),
        rate_fen: p.required_money("rate", &f.rate),
        cap_fen: p.required_money("cap", &f.cap),
    };
    let errs = p.errs;
    let result = if errs.is_empty() {
        store::create_per_capita_batch(&s.db, &s.district, &u.actor(), &input).await
    } else {
        Err(AppError::Invalid(errs))
    };
    let result = result.map(|id| format!("/funding/batches/{id}"));
    redirect_or_show(
        result,
        "per_capita",
        &ctx.tr,
        vec![
            ("year", f.year),
            ("population_year", f.population_year),
            ("rate", f.rate),
            ("cap", f.cap),
        ],
        |form| show_batches(&s, &ctx, &u, form),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RewardsForm {
    year: String,
}

async fn post_rewards(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<RewardsForm>,
) -> Result<Response> {
    let mut p = Parse::default();
    let year = p.required_int("year", &f.year);
    let errs = p.errs;
    let result = if errs.is_empty() {
        store::create_reward_batch(&s.db, &s.district, &u.actor(), year, None).await
    } else {
        Err(AppError::Invalid(errs))
    };
    let result = result.map(|id| format!("/funding/batches/{id}"));
    redirect_or_show(result, "rewards", &ctx.tr, vec![("year", f.year)], |form| {
        show_batches(&s, &ctx, &u, form)
    })
    .await
}

#[derive(Template)]
#[template(path = "funding/batch.html")]
struct BatchPage {
    chrome: Chrome,
    b: Batch,
    lines: Vec<Line>,
    pager: Pager,
    can_act: bool,
    form: FormState,
    done: Option<String>,
}

async fn show_batch(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    page: u64,
    form: FormState,
    done: Option<String>,
) -> Result<Response> {
    let b = store::load_batch(&s.db, &u.scope, id).await?;
    let per = store::LINES_PAGE;
    let page = crate::platform::http::pagination::page_number(Some(page));
    let lines = store::lines(&s.db, &b, Some((per, (page - 1).saturating_mul(per)))).await?;
    let total = b.line_count as u64;
    let page = BatchPage {
        chrome: Chrome::build(ctx, "/funding"),
        b,
        lines,
        pager: Pager::new(page, total, per, String::new()),
        can_act: u.is_admin(),
        form,
        done,
    };
    render_form(&page, &page.form)
}

async fn batch_page(
    u: Require<BatchReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    show_batch(
        &s,
        &ctx,
        &u,
        id,
        q.page.unwrap_or(1),
        FormState::default(),
        q.saved,
    )
    .await
}

async fn post_step(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, step)): Path<(i64, String)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let result = store::step(&s.db, &u.actor(), id, &step)
        .await
        .map(|()| match step.as_str() {
            "delete" => "/funding/batches".to_string(),
            _ => format!("/funding/batches/{id}?saved={step}"),
        });
    redirect_or_show(result, "step", &ctx.tr, vec![], |form| {
        show_batch(&s, &ctx, &u, id, 1, form, None)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReverseForm {
    reason: String,
    batch: i64,
}

async fn post_reverse(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<ReverseForm>,
) -> Result<Response> {
    match store::reverse_line(
        &s.db,
        &u.actor(),
        id,
        &f.reason,
        s.db.clock().today().year(),
    )
    .await
    {
        Ok(batch) => Ok(crate::platform::http::redirect(&format!(
            "/funding/batches/{batch}"
        ))),
        Err(AppError::Invalid(errs)) if f.batch > 0 => {
            let form = FormState::from_error("reverse", &ctx.tr, &errs, vec![]);
            show_batch(&s, &ctx, &u, f.batch, 1, form, None).await
        }
        Err(e) => Err(e),
    }
}

async fn batch_xlsx(
    u: Require<BatchReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let b = store::load_batch(&s.db, &u.scope, id).await?;
    let lines = store::lines(&s.db, &b, None).await?;
    let tr = &ctx.tr;
    let header: Vec<String> = [
        "funding.col.line",
        "funding.col.code",
        "funding.col.community",
        "funding.col.category",
        "funding.col.amount",
        "funding.col.explanation",
        "funding.col.reverses",
    ]
    .iter()
    .map(|k| tr.t(k).to_string())
    .collect();
    let rows: Vec<Vec<Cell>> = lines
        .iter()
        .map(|l| {
            vec![
                Cell::Int(l.id),
                Cell::text(l.community_code.clone()),
                Cell::text(l.community_name.clone()),
                Cell::text(tr.t(&format!("funding.category.{}", l.category))),
                Cell::Money(l.amount_fen),
                Cell::text(l.explanation.clone()),
                l.reverses_id.map(Cell::Int).unwrap_or(Cell::Empty),
            ]
        })
        .collect();
    let mut rows = rows;
    rows.push(vec![
        Cell::Empty,
        Cell::Empty,
        Cell::text(tr.t("common.total")),
        Cell::Empty,
        Cell::Money(b.total_fen),
        Cell::text(format!(
            "{} · {}",
            b.title,
            tr.t(&format!("funding.status.{}", b.status))
        )),
        Cell::Empty,
    ]);
    let body = sheet::xlsx(
        tr.t("funding.export.batch_sheet"),
        &header,
        &rows,
        &[8.0, 14.0, 22.0, 14.0, 14.0, 60.0, 8.0],
        3,
    )?;
    Ok(sheet::xlsx_response(body, &format!("batch-{id}.xlsx")))
}

/// Payment batches, newest first (district admin; a department officer those paying the
/// department's own guidelines).
#[utoipa::path(get, path = "/api/v1/funding/batches", tag = "funding", security(("bearer" = [])),
    params(YearQuery), responses((status = 200, body = Vec<Batch>), (status = 403)))]
pub async fn api_batches(
    u: Require<BatchReaders>,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Vec<Batch>>> {
    Ok(Json(store::batches(&s.db, &u.scope, q.year).await?))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct BatchJson {
    #[serde(flatten)]
    pub batch: Batch,
    pub lines: Vec<Line>,
}

/// One batch with every line and how each was computed.
#[utoipa::path(get, path = "/api/v1/funding/batches/{id}", tag = "funding", security(("bearer" = [])),
    params(("id" = i64, Path, description = "batch id")),
    responses((status = 200, body = BatchJson), (status = 403), (status = 404)))]
pub async fn api_batch(
    u: Require<BatchReaders>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<BatchJson>> {
    let batch = store::load_batch(&s.db, &u.scope, id).await?;
    let lines = store::lines(&s.db, &batch, None).await?;
    Ok(Json(BatchJson { batch, lines }))
}

// ------------------------------------------------------------------ statements

#[derive(Template)]
#[template(path = "funding/statement.html")]
struct StatementPage {
    chrome: Chrome,
    st: Statement,
    years: Vec<i32>,
}

impl StatementPage {
    fn source_key(&self, s: &str) -> String {
        format!("funding.source.{s}")
    }
    fn category_key(&self, c: &str) -> String {
        format!("funding.category.{c}")
    }
}

async fn statement_page(
    u: Require<Funding>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    let year = q.year(s.db.clock());
    let st = store::statement(&s.db, &s.district, &u.scope, &code, year).await?;
    let this = s.db.clock().today().year();
    let years: Vec<i32> = (2006..=this.max(year)).rev().collect();
    render(&StatementPage {
        chrome: Chrome::build(&ctx, "/funding"),
        st,
        years,
    })
}

async fn statement_xlsx(
    u: Require<Funding>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    let st = store::statement(&s.db, &s.district, &u.scope, &code, q.year(s.db.clock())).await?;
    let tr = &ctx.tr;
    let header: Vec<String> = [
        "funding.col.source",
        "funding.col.category",
        "funding.col.amount",
        "funding.col.explanation",
        "funding.col.batch",
    ]
    .iter()
    .map(|k| tr.t(k).to_string())
    .collect();
    let mut rows: Vec<Vec<Cell>> = st
        .paid
        .iter()
        .map(|l| {
            vec![
                Cell::text(tr.t(&format!("funding.source.{}", l.source_level))),
                Cell::text(tr.t(&format!("funding.category.{}", l.category))),
                Cell::Money(l.amount_fen),
                Cell::text(l.explanation.clone()),
                Cell::text(l.batch_title.clone()),
            ]
        })
        .collect();
    for k in &st.contributions {
        rows.push(vec![
            Cell::text(tr.t(if k.kind == "donation" {
                "funding.source.society"
            } else {
                "funding.source.village"
            })),
            Cell::text(tr.t(&format!("funding.category.{}", k.kind))),
            Cell::Money(k.amount_fen),
            Cell::text(format!("{}（{}）", k.source, k.received_on)),
            Cell::Empty,
        ]);
    }
    rows.push(vec![
        Cell::text(tr.t("common.total")),
        Cell::Empty,
        Cell::Money(st.total_fen),
        Cell::text(format!("{} · {}", st.name, st.year)),
        Cell::Empty,
    ]);
    let body = sheet::xlsx(
        tr.t("funding.export.statement_sheet"),
        &header,
        &rows,
        &[12.0, 16.0, 14.0, 60.0, 30.0],
        0,
    )?;
    Ok(sheet::xlsx_response(
        body,
        &format!("statement-{}-{}.xlsx", st.code, st.year),
    ))
}

/// A community's funding statement for a year: paid lines with how each was computed,
/// pending lines, donations and village funds, totals by source and category.
#[utoipa::path(get, path = "/api/v1/funding/statements/{code}", tag = "funding", security(("bearer" = [])),
    params(("code" = String, Path, description = "12-digit community code"), YearQuery),
    responses((status = 200, body = Statement), (status = 403), (status = 404)))]
pub async fn api_statement(
    u: Require<Funding>,
    State(s): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Statement>> {
    Ok(Json(
        store::statement(&s.db, &s.district, &u.scope, &code, q.year(s.db.clock())).await?,
    ))
}

// ------------------------------------------------------------------ contributions

#[derive(Template)]
#[template(path = "funding/contributions.html")]
struct ContributionsPage {
    chrome: Chrome,
    rows: Vec<Contribution>,
    form: FormState,
    can_record: bool,
    own: String,
    today: String,
    saved: bool,
}

async fn show_contributions(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    form: FormState,
    saved: bool,
) -> Result<Response> {
    let rows = store::contributions(&s.db, &s.district, &u.scope, None, None).await?;
    let own = match &u.scope {
        Scope::Community(c) => c.as_str().to_string(),
        _ => String::new(),
    };
    let page = ContributionsPage {
        chrome: Chrome::build(ctx, "/funding"),
        rows,
        form,
        can_record: matches!(
            u.role,
            Role::DistrictAdmin | Role::TownOfficer | Role::CommunityStaff
        ),
        own,
        today: s.db.clock().today().to_string(),
        saved,
    };
    render_form(&page, &page.form)
}

async fn contributions_page(
    u: Require<Funding>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    show_contributions(&s, &ctx, &u, FormState::default(), q.saved.is_some()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ContributionForm {
    community: String,
    kind: String,
    source: String,
    amount: String,
    received_on: String,
    note: String,
}

async fn post_contribution(
    u: Require<Funding>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<ContributionForm>,
) -> Result<Response> {
    let mut p = Parse::default();
    let amount = p.required_money("amount", &f.amount);
    let errs = p.errs;
    let input = ContributionInput {
        code: f.community.clone(),
        kind: f.kind.clone(),
        source: f.source.clone(),
        amount_fen: amount,
        received_on: parse_date(&f.received_on),
        note: f.note.clone(),
    };
    let result = if errs.is_empty() {
        store::record_contribution(&s.db, &s.district, &u, &input, s.db.clock().today())
            .await
            .map(|_| ())
    } else {
        Err(AppError::Invalid(errs))
    };
    let result = result.map(|()| "/funding/contributions?saved=1".to_string());
    redirect_or_show(
        result,
        "contribution",
        &ctx.tr,
        vec![
            ("community", f.community),
            ("kind", f.kind),
            ("source", f.source),
            ("amount", f.amount),
            ("received_on", f.received_on),
            ("note", f.note),
        ],
        |form| show_contributions(&s, &ctx, &u, form, false),
    )
    .await
}

/// Donations and village self-raised funds in scope, newest first.
#[utoipa::path(get, path = "/api/v1/funding/contributions", tag = "funding", security(("bearer" = [])),
    params(YearQuery), responses((status = 200, body = Vec<Contribution>), (status = 403)))]
pub async fn api_contributions(
    u: Require<Funding>,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Vec<Contribution>>> {
    Ok(Json(
        store::contributions(&s.db, &s.district, &u.scope, None, q.year).await?,
    ))
}

// ------------------------------------------------------------------ budgets

#[derive(Template)]
#[template(path = "funding/budgets.html")]
struct BudgetsPage {
    chrome: Chrome,
    rows: Vec<Budget>,
    form: FormState,
    unit_hint: String,
    this_year: i32,
    saved: bool,
}

impl BudgetsPage {
    fn categories(&self) -> &'static [&'static str] {
        store::CATEGORIES
    }
}

async fn show_budgets(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    form: FormState,
    saved: bool,
) -> Result<Response> {
    let rows = store::budgets(&s.db, &s.district, &u.scope, None).await?;
    let unit_hint = match &u.scope {
        Scope::Town(t) => t.as_str().to_string(),
        Scope::Community(c) => c.as_str().to_string(),
        _ => String::new(),
    };
    let page = BudgetsPage {
        chrome: Chrome::build(ctx, "/funding"),
        rows,
        form,
        unit_hint,
        this_year: s.db.clock().today().year(),
        saved,
    };
    render_form(&page, &page.form)
}

async fn budgets_page(
    u: Require<Funding>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<YearQuery>,
) -> Result<Response> {
    show_budgets(&s, &ctx, &u, FormState::default(), q.saved.is_some()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct BudgetForm {
    year: String,
    unit: String,
    category: String,
    amount: String,
    note: String,
}

async fn post_budget(
    u: Require<Funding>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<BudgetForm>,
) -> Result<Response> {
    if u.role == Role::DepartmentOfficer {
        return Err(AppError::Forbidden);
    }
    let mut p = Parse::default();
    let input = BudgetInput {
        year: p.required_int("year", &f.year),
        unit: f.unit.clone(),
        category: f.category.clone(),
        amount_fen: p.required_money("amount", &f.amount),
        note: f.note.clone(),
    };
    let errs = p.errs;
    let result = if errs.is_empty() {
        store::set_budget(&s.db, &s.district, &u, &input).await
    } else {
        Err(AppError::Invalid(errs))
    };
    let result = result.map(|()| "/funding/budgets?saved=1".to_string());
    redirect_or_show(
        result,
        "budget",
        &ctx.tr,
        vec![
            ("year", f.year),
            ("unit", f.unit),
            ("category", f.category),
            ("amount", f.amount),
            ("note", f.note),
        ],
        |form| show_budgets(&s, &ctx, &u, form, false),
    )
    .await
}

/// Budgets in scope by year, level and category.
#[utoipa::path(get, path = "/api/v1/funding/budgets", tag = "funding", security(("bearer" = [])),
    params(YearQuery), responses((status = 200, body = Vec<Budget>), (status = 403)))]
pub async fn api_budgets(
    u: Require<Funding>,
    State(s): State<AppState>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Vec<Budget>>> {
    Ok(Json(
        store::budgets(&s.db, &s.district, &u.scope, q.year).await?,
    ))
}
