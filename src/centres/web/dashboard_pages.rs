//! The centres dashboard: coverage against the yearly targets, by town, with charts.

use super::*;

#[derive(Deserialize, Default, utoipa::IntoParams)]
pub struct DashboardQuery {
    /// The year to show (default: this year).
    pub year: Option<i32>,
    /// Limit to one town (9 or 12 digits).
    pub town: Option<String>,
}

/// Read what the dashboard needs and build it.
pub(super) async fn build_dashboard(
    s: &AppState,
    u: &CurrentUser,
    q: &DashboardQuery,
) -> Result<Dashboard> {
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
pub(super) struct DashboardPage {
    pub(super) chrome: Chrome,
    pub(super) d: Dashboard,
    pub(super) towns: Vec<crate::geo::store::TownOption>,
    pub(super) town_name: Option<String>,
    pub(super) years: Vec<i32>,
    pub(super) line: String,
    pub(super) bars: String,
    pub(super) ledger_href: String,
    pub(super) is_admin: bool,
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

pub(super) async fn dashboard_page(
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
