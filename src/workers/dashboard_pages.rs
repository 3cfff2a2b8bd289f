//! The workforce dashboard's page and API, and the district's targets and norms page.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

use crate::platform::auth::guard::{Admin, Require};
use crate::platform::auth::{CurrentUser, Scope};
use crate::platform::charts::{
    Bar, PyramidRow, Series, ShareBar, bar_chart, pyramid_chart, share_chart, share_line_chart,
};
use crate::platform::error::{AppError, Result};
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, redirect_or_show, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::i18n::Tr;
use crate::platform::types::{DivisionCode, Level};
use crate::workers::dashboard::{self, FIRST_YEAR, PYRAMID, TownRow, Workforce};
use crate::workers::norms::{self, Norms, NormsInput, Target, TargetInput};
use crate::workers::rules::Coverage;
use crate::workers::web::Keepers;

/// The dashboard's parameters.
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct DashQuery {
    /// The year (default: this year): counted at its end, or today for this year.
    pub year: Option<i32>,
    /// Limit the view to one town or one community of the caller's territory (its 12-digit
    /// code).
    pub town: Option<String>,
}

/// `u` limited to one of their towns, when asked for; a town outside their territory is 404.
fn narrowed(u: &CurrentUser, district: &DivisionCode, town: Option<&str>) -> Result<CurrentUser> {
    let Some(t) = town.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(u.clone());
    };
    // a town, or one community (its figures alone)
    let (code, community) = match DivisionCode::parse_level(t, Level::Town) {
        Ok(c) => (c, false),
        Err(_) => (
            DivisionCode::parse_level(t, Level::Community)
                .map_err(|_| AppError::invalid("town", "geo.bad_town_code"))?,
            true,
        ),
    };
    let allowed = match &u.scope {
        Scope::District => district.contains_str(code.as_str()),
        Scope::Town(mine) => mine.contains_str(code.as_str()),
        Scope::Community(mine) => community && *mine == code,
        _ => false,
    };
    if !allowed {
        return Err(AppError::NotFound);
    }
    let mut n = u.clone();
    n.scope = if community {
        Scope::Community(code)
    } else {
        Scope::Town(code)
    };
    Ok(n)
}

async fn build(s: &AppState, u: &CurrentUser, q: &DashQuery) -> Result<Workforce> {
    let today = s.db.clock().today();
    let u = narrowed(u, &s.district, q.town.as_deref())?;
    let counted = s.part::<dashboard::Counted>();
    let w = dashboard::workforce_counted(
        &s.db,
        &counted,
        &s.district,
        &u,
        q.year.unwrap_or(today.year()),
        today,
    )
    .await?;
    Ok(w.as_ref().clone())
}

fn pct(c: Coverage) -> String {
    let p = c.permille();
    format!("{}.{}%", p / 10, p % 10)
}

fn tenths(x: u64) -> String {
    format!("{}.{}", x / 10, x % 10)
}

#[derive(Template)]
#[template(path = "workers/dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    w: Workforce,
    years: Vec<i32>,
    town: String,
    charts: Vec<String>,
    town_chart: String,
    is_admin: bool,
}

impl DashboardPage {
    fn coverage(&self) -> String {
        pct(self.w.total.coverage())
    }
    fn coverage_of(&self) -> String {
        self.chrome.tr.f(
            "workers.coverage_of",
            &[&self.w.total.covered, &self.w.total.communities],
        )
    }
    fn share(&self, c: &TownRow) -> String {
        pct(Coverage {
            communities: c.workers,
            covered: c.college_or_above,
        })
    }
    fn town_coverage(&self, c: &TownRow) -> String {
        pct(c.coverage())
    }
    fn age(&self, c: &TownRow) -> String {
        tenths(u64::from(c.avg_age_x10))
    }
    fn hours(&self, c: &TownRow) -> String {
        tenths(c.hours_per_worker_x10())
    }
    fn year_coverage(&self, y: &dashboard::YearRow) -> String {
        pct(y.coverage())
    }
    fn met(&self) -> Option<bool> {
        self.w
            .target
            .map(|t| self.w.total.coverage().meets(t.coverage_pct.max(0) as u32))
    }
    fn forecast_text(&self) -> String {
        match (self.w.forecast, self.w.target) {
            (Some((expected, met)), Some(t)) => self.chrome.tr.f(
                if met {
                    "workers.dash.forecast_met"
                } else {
                    "workers.dash.forecast_short"
                },
                &[&expected, &self.w.total.communities, &t.coverage_pct],
            ),
            _ => String::new(),
        }
    }
    fn label(&self, group: &str, key: &str) -> String {
        self.chrome.t(&format!("workers.{group}.{key}")).to_string()
    }
    fn is_year(&self, y: &i32) -> bool {
        *y == self.w.year
    }
    fn town_href(&self, c: &TownRow) -> String {
        format!("/workers/dashboard?year={}&town={}", self.w.year, c.code)
    }
}

/// The bands' labels: "≤25", "26–30", …, ">60".
fn band_label(i: usize) -> String {
    match i {
        0 => format!("≤{}", PYRAMID[0]),
        i if i < PYRAMID.len() => format!("{}–{}", PYRAMID[i - 1] + 1, PYRAMID[i]),
        _ => format!(">{}", PYRAMID[PYRAMID.len() - 1]),
    }
}

fn charts(tr: &Tr, w: &Workforce) -> (Vec<String>, String) {
    let labels: Vec<String> = w.by_year.iter().map(|y| y.year.to_string()).collect();
    let line = share_line_chart(
        tr.t("workers.dash.coverage_by_year"),
        &labels,
        &[
            Series {
                name: tr.t("workers.dash.actual").to_string(),
                class: "chart-line",
                values: w
                    .by_year
                    .iter()
                    .map(|y| Some(i64::from(y.coverage().permille())))
                    .collect(),
            },
            Series {
                name: tr.t("workers.dash.target").to_string(),
                class: "chart-line target",
                values: w
                    .by_year
                    .iter()
                    .map(|y| y.target_pct.map(|t| i64::from(t) * 10))
                    .collect(),
            },
        ],
    );
    let pyramid = pyramid_chart(
        tr.t("workers.dash.pyramid"),
        tr.t("workers.gender.male"),
        tr.t("workers.gender.female"),
        &w.pyramid
            .iter()
            .enumerate()
            .map(|(i, (_, m, f))| PyramidRow {
                label: band_label(i),
                left: i64::from(*m),
                right: i64::from(*f),
            })
            .collect::<Vec<_>>(),
    );
    let bars = |group: &str, counts: &[(String, u32)]| -> Vec<Bar> {
        counts
            .iter()
            .map(|(k, n)| Bar {
                label: tr.t(&format!("workers.{group}.{k}")).to_string(),
                value: i64::from(*n),
                href: None,
            })
            .collect()
    };
    let towns = share_chart(
        tr.t("workers.dash.town_coverage"),
        &w.towns
            .iter()
            .filter(|t| t.communities > 0)
            .map(|t| ShareBar {
                label: t.name.clone(),
                permille: i64::from(t.coverage().permille()),
                target_pct: w.target.map(|x| i64::from(x.coverage_pct)),
                href: Some(format!(
                    "/workers/dashboard?year={}&town={}",
                    w.year, t.code
                )),
            })
            .collect::<Vec<_>>(),
    );
    (
        vec![
            line,
            pyramid,
            bar_chart(
                tr.t("workers.by_education"),
                &bars("education", &w.education),
            ),
            bar_chart(tr.t("workers.by_post"), &bars("post", &w.posts)),
        ],
        towns,
    )
}

async fn dashboard_page(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<DashQuery>,
) -> Result<Response> {
    let w = build(&s, &u, &q).await?;
    let (charts, town_chart) = charts(&ctx.tr, &w);
    let today = ctx.clock.today();
    let page = DashboardPage {
        chrome: Chrome::build(&ctx, "/workers"),
        years: (FIRST_YEAR..=today.year() + 1).rev().collect(),
        town: q.town.unwrap_or_default(),
        charts,
        town_chart,
        is_admin: matches!(u.scope, Scope::District),
        w,
    };
    crate::platform::http::render(&page)
}

/// The workforce of the caller's territory (or one of its towns) in a year: headcount,
/// structure, coverage by year against the targets, training, turnover, vacancies, towns.
#[utoipa::path(get, path = "/api/v1/workers/dashboard", tag = "workers", security(("bearer" = [])),
    params(DashQuery),
    responses((status = 200, body = Workforce), (status = 400), (status = 401), (status = 403),
        (status = 404)))]
pub async fn api_dashboard(
    u: Require<Keepers>,
    State(s): State<AppState>,
    Query(q): Query<DashQuery>,
) -> Result<Json<Workforce>> {
    Ok(Json(build(&s, &u, &q).await?))
}

#[derive(Template)]
#[template(path = "workers/targets.html")]
struct TargetsPage {
    chrome: Chrome,
    targets: Vec<Target>,
    norms: Norms,
    form: FormState,
    saved: Option<String>,
    next_year: i32,
}

impl TargetsPage {
    fn target_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("year", self.next_year.to_string()),
            ("coverage_pct", "100".to_string()),
            ("training_hours", "40".to_string()),
        ]
    }
    fn norm_fields(&self) -> Vec<(&'static str, String)> {
        vec![
            ("per_households", self.norms.per_households.to_string()),
            ("minimum", self.norms.minimum.to_string()),
            ("ce_hours", self.norms.ce_hours.to_string()),
        ]
    }
    fn label_of(&self, name: &str) -> String {
        self.chrome
            .t(&format!("workers.targets.{name}"))
            .to_string()
    }
    fn value(&self, form: &str, field: &str, current: String) -> String {
        if self.form.form == form {
            self.form.value(form, field)
        } else {
            current
        }
    }
    /// What deleting a year's targets will do, in numbers.
    fn delete_confirm(&self, t: &Target) -> String {
        let earlier = crate::workers::norms::target_for(&self.targets, t.year - 1);
        match earlier {
            Some(e) => self.chrome.tr.f(
                "workers.targets.delete_then",
                &[
                    &t.year,
                    &t.coverage_pct,
                    &t.training_hours,
                    &e.year,
                    &e.coverage_pct,
                    &e.training_hours,
                ],
            ),
            None => self.chrome.tr.f(
                "workers.targets.delete_none",
                &[&t.year, &t.coverage_pct, &t.training_hours],
            ),
        }
    }
    fn saved_message(&self) -> String {
        self.chrome
            .t(&format!(
                "workers.targets.saved_{}",
                self.saved.as_deref().unwrap_or("target")
            ))
            .to_string()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn show_targets(
    s: &AppState,
    ctx: &Ctx,
    form: FormState,
    saved: Option<String>,
) -> Result<Response> {
    let today: NaiveDate = ctx.clock.today();
    let page = TargetsPage {
        chrome: Chrome::build(ctx, "/workers"),
        targets: norms::targets(&s.db).await?,
        norms: norms::norms(&s.db).await?,
        form,
        saved: saved.filter(|x| matches!(x.as_str(), "target" | "norms" | "deleted")),
        next_year: today.year(),
    };
    render_form(&page, &page.form)
}

async fn targets_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    show_targets(&s, &ctx, FormState::default(), q.saved).await
}

async fn set_target(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(i): CsrfForm<TargetInput>,
) -> Result<Response> {
    let result = norms::set_target(&s.db, &u.actor(), &i)
        .await
        .map(|_| "/workers/targets?saved=target".to_string());
    let values = vec![
        ("year", i.year.clone()),
        ("coverage_pct", i.coverage_pct.clone()),
        ("training_hours", i.training_hours.clone()),
    ];
    redirect_or_show(result, "target", &ctx.tr, values, |form| {
        show_targets(&s, &ctx, form, None)
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct YearForm {
    year: String,
}

async fn delete_target(
    u: Require<Admin>,
    State(s): State<AppState>,
    CsrfForm(i): CsrfForm<YearForm>,
) -> Result<Response> {
    let year: i32 = i.year.trim().parse().map_err(|_| AppError::NotFound)?;
    norms::delete_target(&s.db, &u.actor(), year).await?;
    Ok(crate::platform::http::redirect(
        "/workers/targets?saved=deleted",
    ))
}

async fn set_norms(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(i): CsrfForm<NormsInput>,
) -> Result<Response> {
    let result = norms::set_norms(&s.db, &u.actor(), &i)
        .await
        .map(|_| "/workers/targets?saved=norms".to_string());
    let values = vec![
        ("per_households", i.per_households.clone()),
        ("minimum", i.minimum.clone()),
        ("ce_hours", i.ce_hours.clone()),
        ("revision", i.revision.clone()),
    ];
    redirect_or_show(result, "norms", &ctx.tr, values, |form| {
        show_targets(&s, &ctx, form, None)
    })
    .await
}

pub fn routes() -> crate::platform::http::routes::Routes<AppState> {
    crate::platform::http::routes::Routes::new()
        .get("/workers/dashboard", dashboard_page)
        .get("/api/v1/workers/dashboard", api_dashboard)
        .get("/workers/targets", targets_page)
        .post("/workers/targets", set_target)
        .post("/workers/targets/delete", delete_target)
        .post("/workers/norms", set_norms)
}
