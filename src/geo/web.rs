//! Pages and API of the geography: towns, communities, population, merges and renames.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::geo::store::{
    self, CommunityDetail, CommunityFilter, CommunityRow, Figures, TownSummary,
};
use crate::platform::auth::guard::{Admin, AdminAndTowns, Require, Signed};
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::charts::{Bar, bar_chart};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::redirect_or_show;
use crate::platform::http::form::{FormState, Parse, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::http::pagination::{Pager, query_without_page};
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::i18n::Tr;
use crate::platform::sheet::{self, Cell};
use crate::platform::types::{CommunityKind, DivisionCode, thousands_i};
use crate::role_set;

role_set!(
    /// Who lists the towns: the district's roles and town officers (for their own).
    pub TownReaders = [DistrictAdmin, Assessor, DepartmentOfficer, TownOfficer]
);
/// Who records population: the district and the towns (it drives per-capita money, so
/// never the community itself).
pub type PopulationKeepers = AdminAndTowns;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/towns", towns_page)
        .get("/towns/{code}", town_page)
        .get("/communities", communities_page)
        .get("/communities.csv", communities_csv)
        .get("/communities/{code}", community_page)
        .post("/communities/{code}/population", post_population)
        .post("/communities/{code}/rename", post_rename)
        .post("/communities/{code}/merge", post_merge)
        .get("/api/v1/towns", api_towns)
        .get("/api/v1/towns/{code}", api_town)
        .get("/api/v1/communities", api_communities)
        .get("/api/v1/communities/{code}", api_community)
        .get("/api/v1/figures", api_figures)
}

/// Number formatting for templates.
pub fn num(n: impl std::borrow::Borrow<i64>) -> String {
    thousands_i(*n.borrow())
}

pub fn opt_num(n: impl std::borrow::Borrow<Option<i64>>) -> String {
    n.borrow().map(thousands_i).unwrap_or_else(|| "—".into())
}

pub fn kind_label(tr: &Tr, code: &str) -> String {
    let k = DivisionCode::parse(code)
        .ok()
        .and_then(|c| c.community_kind())
        .unwrap_or(CommunityKind::Other);
    tr.t(&format!("geo.kind.{}", k.key())).to_string()
}

pub fn town_kind_label(tr: &Tr, code: &str) -> String {
    DivisionCode::parse(code)
        .ok()
        .and_then(|c| c.town_kind())
        .map(|k| tr.t(&format!("geo.town_kind.{}", k.key())).to_string())
        .unwrap_or_default()
}

// ------------------------------------------------------------------ towns

/// The towns of a scope for filters and forms, through the state's short-lived cache: the
/// list changes only when divisions are imported.
pub async fn town_options(s: &AppState, scope: &Scope) -> Result<Vec<store::TownOption>> {
    let key = match scope {
        Scope::District | Scope::Department(_) => "district".to_string(),
        Scope::Town(t) => t.as_str().to_string(),
        Scope::Community(_) | Scope::Provider(_) => return Ok(vec![]),
    };
    let cache = s.part::<TownOptions>();
    if let Some(v) = cache.0.get(&key) {
        return Ok(v);
    }
    let v = store::town_options(&s.db, &s.district, scope).await?;
    cache.0.put(key, v.clone());
    Ok(v)
}

/// Town lists by scope, for filters and forms (the geography's part of the state).
#[derive(Default)]
struct TownOptions(crate::platform::cache::TtlCache<Vec<store::TownOption>>);

#[derive(Template)]
#[template(path = "geo/towns.html")]
struct TownsPage {
    chrome: Chrome,
    towns: Vec<TownSummary>,
    total: TownSummary,
    chart: String,
}

async fn towns_page(
    u: Require<TownReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    let towns = store::list_towns(&s.db, &s.district, &u.scope).await?;
    let total = TownSummary {
        code: String::new(),
        name: ctx.tr.t("common.total").to_string(),
        communities: towns.iter().map(|t| t.communities).sum(),
        residents_committees: towns.iter().map(|t| t.residents_committees).sum(),
        village_committees: towns.iter().map(|t| t.village_committees).sum(),
        population: towns.iter().map(|t| t.population).sum(),
        households: towns.iter().map(|t| t.households).sum(),
    };
    let bars: Vec<Bar> = towns
        .iter()
        .map(|t| Bar {
            label: t.name.clone(),
            value: t.population,
            href: Some(format!("/towns/{}", t.code)),
        })
        .collect();
    let chart = bar_chart(ctx.tr.t("geo.chart.population_by_town"), &bars);
    render(&TownsPage {
        chrome: Chrome::build(&ctx, "/towns"),
        towns,
        total,
        chart,
    })
}

#[derive(Template)]
#[template(path = "geo/town.html")]
struct TownPage {
    chrome: Chrome,
    town: TownSummary,
    kind: String,
    communities: Vec<CommunityRow>,
}

async fn town_page(
    Signed(u): Signed,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response> {
    let town = store::load_town(&s.db, &s.district, &u.scope, &code).await?;
    let filter = CommunityFilter {
        town: Some(town.code.clone()),
        ..Default::default()
    };
    let (communities, _) =
        store::list_communities(&s.db, &s.district, &u.scope, &filter, None).await?;
    let kind = town_kind_label(&ctx.tr, &town.code);
    render(&TownPage {
        chrome: Chrome::build(&ctx, "/towns"),
        town,
        kind,
        communities,
    })
}

// ------------------------------------------------------------------ communities

#[derive(Template)]
#[template(path = "geo/communities.html")]
struct CommunitiesPage {
    chrome: Chrome,
    rows: Vec<CommunityRow>,
    towns: Vec<store::TownOption>,
    filter: CommunityFilter,
    pager: Pager,
    csv_href: String,
}

async fn communities_page(
    Signed(u): Signed,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<CommunityFilter>,
) -> Result<Response> {
    let towns = town_options(&s, &u.scope).await?;
    let base = query_without_page(&[
        ("town", f.town.as_deref().unwrap_or("")),
        ("kind", f.kind.as_deref().unwrap_or("")),
        ("q", f.q.as_deref().unwrap_or("")),
        ("merged", f.merged.as_deref().unwrap_or("")),
    ]);
    let per = store::COMMUNITY_PAGE_SIZE;
    let (mut rows, total, page) = store::community_page(&s.db, &s.district, &u.scope, &f).await?;
    let pager = Pager::new(page, total, per, base.clone());
    if pager.page != page {
        // Past the last page: show the last one.
        rows = store::list_communities(
            &s.db,
            &s.district,
            &u.scope,
            &f,
            Some((per, pager.offset())),
        )
        .await?
        .0;
    }
    let csv_href = if base.is_empty() {
        "/communities.csv".into()
    } else {
        format!("/communities.csv?{base}")
    };
    render(&CommunitiesPage {
        chrome: Chrome::build(&ctx, "/communities"),
        rows,
        towns,
        filter: f,
        pager,
        csv_href,
    })
}

/// The filtered list as CSV with a UTF-8 BOM, so Excel opens the Chinese text correctly.
async fn communities_csv(
    Signed(u): Signed,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<CommunityFilter>,
) -> Result<Response> {
    let (rows, _) = store::list_communities(&s.db, &s.district, &u.scope, &f, None).await?;
    let tr = ctx.tr;
    let header: Vec<String> = [
        "geo.col.code",
        "geo.col.name",
        "geo.col.kind",
        "geo.col.town",
        "geo.col.population_year",
        "geo.col.population",
        "geo.col.households",
        "geo.col.merged_into",
        "geo.col.merged_on",
    ]
    .iter()
    .map(|k| tr.t(k).to_string())
    .collect();
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            let int = |v: Option<i64>| v.map(Cell::Int).unwrap_or(Cell::Empty);
            vec![
                Cell::text(r.code.clone()),
                Cell::text(r.name.clone()),
                Cell::text(kind_label(&tr, &r.code)),
                Cell::text(r.town_name.clone()),
                int(r.population_year.map(i64::from)),
                int(r.permanent_population),
                int(r.households),
                Cell::text(r.merged_into.clone().unwrap_or_default()),
                r.merged_on.map(Cell::Date).unwrap_or(Cell::Empty),
            ]
        })
        .collect();
    Ok(sheet::csv_response(
        sheet::csv(&header, &cells)?,
        "communities.csv",
    ))
}

#[derive(Template)]
#[template(path = "geo/community.html")]
struct CommunityPage {
    chrome: Chrome,
    c: CommunityDetail,
    kind: String,
    can_edit_population: bool,
    can_manage: bool,
    form: FormState,
    chart: String,
    this_year: i32,
    /// Links to the community's service hall (cases, contact card): admin, town, its staff.
    hall_links: bool,
    /// Its characteristic-community titles (学习型, 活力型 …).
    tags: Vec<String>,
}

impl CommunityPage {
    fn own(&self, year: impl std::borrow::Borrow<i32>) -> Option<&store::PopulationSnapshot> {
        let y = *year.borrow();
        self.c.population_history.iter().find(|h| h.year == y)
    }
    fn population_fields(&self) -> Vec<(&'static str, &'static str, String)> {
        vec![
            ("year", "geo.col.year", self.this_year.to_string()),
            ("households", "geo.col.households", String::new()),
            ("permanent_population", "geo.col.population", String::new()),
        ]
    }
}

async fn show_community(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    code: &str,
    form: FormState,
) -> Result<Response> {
    let c = store::load_community(&s.db, &s.district, &u.scope, code).await?;
    let kind = kind_label(&ctx.tr, &c.row.code);
    let bars: Vec<Bar> = c
        .rolled_up_history
        .iter()
        .map(|p| Bar {
            label: p.year.to_string(),
            value: p.permanent_population,
            href: None,
        })
        .collect();
    let chart = if bars.len() > 1 {
        bar_chart(ctx.tr.t("geo.chart.population_by_year"), &bars)
    } else {
        String::new()
    };
    let page = CommunityPage {
        chrome: Chrome::build(ctx, "/communities"),
        kind,
        can_edit_population: matches!(u.role, Role::DistrictAdmin | Role::TownOfficer)
            && c.row.merged_into.is_none(),
        can_manage: u.is_admin() && c.row.merged_into.is_none(),
        hall_links: matches!(
            u.role,
            Role::DistrictAdmin | Role::TownOfficer | Role::CommunityStaff
        ) && c.row.merged_into.is_none(),
        tags: store::tags_of(&s.db, &c.row.code).await?,
        form,
        chart,
        c,
        this_year: chrono::Datelike::year(&s.db.clock().today()),
    };
    render_form(&page, &page.form)
}

async fn community_page(
    Signed(u): Signed,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response> {
    show_community(&s, &ctx, &u, &code, FormState::default()).await
}

/// After a form on the community page: back to the page, or the page again with the errors.
async fn after_post(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    code: &str,
    form: &'static str,
    result: Result<()>,
    values: Vec<(&str, String)>,
) -> Result<Response> {
    let result = result.map(|()| format!("/communities/{code}?saved={form}"));
    redirect_or_show(result, form, &ctx.tr, values, |form| {
        show_community(s, ctx, u, code, form)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PopulationForm {
    year: String,
    households: String,
    permanent_population: String,
}

async fn post_population(
    u: Require<PopulationKeepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<PopulationForm>,
) -> Result<Response> {
    // outside the caller's scope the community does not exist, whatever was sent
    store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    let mut p = Parse::default();
    let year = p.required_int("year", &f.year);
    let households = p.required_int("households", &f.households);
    let pop = p.required_int("permanent_population", &f.permanent_population);
    let errs = p.errs;
    let result = if errs.is_empty() {
        store::set_population(
            &s.db,
            &s.district,
            &u.scope,
            &u.actor(),
            &code,
            year,
            households,
            pop,
        )
        .await
    } else {
        Err(AppError::Invalid(errs))
    };
    let values = vec![
        ("year", f.year),
        ("households", f.households),
        ("permanent_population", f.permanent_population),
    ];
    after_post(&s, &ctx, &u, &code, "population", result, values).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RenameForm {
    name: String,
    effective_on: String,
}

async fn post_rename(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<RenameForm>,
) -> Result<Response> {
    // outside the caller's scope the community does not exist, whatever was sent
    store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    let mut p = Parse::default();
    let on = p.required_date("effective_on", &f.effective_on);
    let errs = p.errs;
    let result = if errs.is_empty() {
        store::rename_community(&s.db, &s.district, &u.actor(), &code, &f.name, on).await
    } else {
        Err(AppError::Invalid(errs))
    };
    let values = vec![("name", f.name), ("effective_on", f.effective_on)];
    after_post(&s, &ctx, &u, &code, "rename", result, values).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MergeForm {
    successor: String,
    effective_on: String,
    #[serde(default)]
    note: String,
}

async fn post_merge(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(f): CsrfForm<MergeForm>,
) -> Result<Response> {
    // outside the caller's scope the community does not exist, whatever was sent
    store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    let mut p = Parse::default();
    let on = p.required_date("effective_on", &f.effective_on);
    let mut errs = p.errs;
    if f.successor.trim().is_empty() {
        errs.push(FieldError::new("successor", "common.required"));
    }
    let result = if errs.is_empty() {
        store::merge_community(
            &s.db,
            &s.district,
            &u.actor(),
            &code,
            f.successor.trim(),
            on,
            &f.note,
        )
        .await
    } else {
        Err(AppError::Invalid(errs))
    };
    let values = vec![
        ("successor", f.successor),
        ("effective_on", f.effective_on),
        ("note", f.note),
    ];
    after_post(&s, &ctx, &u, &code, "merge", result, values).await
}

// ------------------------------------------------------------------ API

/// Towns in the caller's scope with community counts and latest population.
#[utoipa::path(get, path = "/api/v1/towns", tag = "geography", security(("bearer" = [])),
    responses((status = 200, body = Vec<TownSummary>), (status = 401), (status = 403)))]
pub async fn api_towns(
    u: Require<TownReaders>,
    State(s): State<AppState>,
) -> Result<Json<Vec<TownSummary>>> {
    Ok(Json(store::list_towns(&s.db, &s.district, &u.scope).await?))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct TownDetail {
    #[serde(flatten)]
    pub town: TownSummary,
    pub kind: String,
    pub communities: Vec<CommunityRow>,
}

/// One town in scope with its communities.
#[utoipa::path(get, path = "/api/v1/towns/{code}", tag = "geography", security(("bearer" = [])),
    params(("code" = String, Path, description = "9- or 12-digit town code")),
    responses((status = 200, body = TownDetail), (status = 404)))]
pub async fn api_town(
    Signed(u): Signed,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<TownDetail>> {
    let town = store::load_town(&s.db, &s.district, &u.scope, &code).await?;
    let filter = CommunityFilter {
        town: Some(town.code.clone()),
        ..Default::default()
    };
    let (communities, _) =
        store::list_communities(&s.db, &s.district, &u.scope, &filter, None).await?;
    let kind = DivisionCode::parse(&town.code)
        .ok()
        .and_then(|c| c.town_kind())
        .map(|k| k.key())
        .unwrap_or("other");
    Ok(Json(TownDetail {
        kind: kind.into(),
        town,
        communities,
    }))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct CommunityPageJson {
    pub items: Vec<CommunityRow>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// Communities in scope, filtered and paginated (50 a page).
#[utoipa::path(get, path = "/api/v1/communities", tag = "geography", security(("bearer" = [])),
    params(CommunityFilter), responses((status = 200, body = CommunityPageJson), (status = 422)))]
pub async fn api_communities(
    Signed(u): Signed,
    State(s): State<AppState>,
    Query(f): Query<CommunityFilter>,
) -> Result<Json<CommunityPageJson>> {
    let per = store::COMMUNITY_PAGE_SIZE;
    let (items, total, page) = store::community_page(&s.db, &s.district, &u.scope, &f).await?;
    Ok(Json(CommunityPageJson {
        items,
        total,
        page,
        per_page: per,
    }))
}

/// One community in scope: population history (own and rolled up), renames and merges.
#[utoipa::path(get, path = "/api/v1/communities/{code}", tag = "geography", security(("bearer" = [])),
    params(("code" = String, Path, description = "12-digit community code")),
    responses((status = 200, body = CommunityDetail), (status = 404)))]
pub async fn api_community(
    Signed(u): Signed,
    State(s): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<CommunityDetail>> {
    Ok(Json(
        store::load_community(&s.db, &s.district, &u.scope, &code).await?,
    ))
}

/// Figures for the caller's scope (as on the home page).
#[utoipa::path(get, path = "/api/v1/figures", tag = "geography", security(("bearer" = [])),
    responses((status = 200, body = Figures)))]
pub async fn api_figures(Signed(u): Signed, State(s): State<AppState>) -> Result<Json<Figures>> {
    Ok(Json(store::figures(&s.db, &s.district, &u.scope).await?))
}
