//! The registry's overview: the population counted from the registry on a date, beside the
//! statistics, with the communities whose difference passes the threshold flagged; and the
//! district's settings for it.

use chrono::NaiveDate;

use super::*;
use crate::platform::auth::guard::Admin;
use crate::platform::charts::{Bar, bar_chart};
use crate::platform::time::parse_date;
use crate::registry::codes::AGE_BANDS;
use crate::registry::population::{self, Counts, settings};

pub(super) fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/registry", overview)
        .get("/api/v1/registry/population", api_population)
        .post("/registry/settings", post_settings)
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct PopulationQuery {
    /// The date counted (`2026-12-01`; today when empty).
    pub on: Option<String>,
    /// A town or community (12 digits) of the caller's territory.
    pub within: Option<String>,
}

impl PopulationQuery {
    fn date(&self, today: NaiveDate) -> Result<NaiveDate> {
        match self.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(today),
            Some(s) => parse_date(s)
                .filter(|d| d.year_ce().1 >= 1949 && *d <= today)
                .ok_or_else(|| crate::platform::error::AppError::invalid("on", "common.date")),
        }
    }
}

use chrono::Datelike;

#[derive(Template)]
#[template(path = "registry/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    counts: Counts,
    q: PopulationQuery,
    chart: String,
    is_admin: bool,
    funding_registry: bool,
    retention_years: i64,
    saved: bool,
}

impl OverviewPage {
    fn on_text(&self) -> String {
        self.counts.on.to_string()
    }
    fn within_text(&self) -> &str {
        self.q.within.as_deref().unwrap_or("")
    }
    fn permille(&self, d: &Option<i64>) -> String {
        match d {
            Some(d) => format!(
                "{}{}.{}%",
                if *d < 0 { "−" } else { "+" },
                d.abs() / 10,
                d.abs() % 10
            ),
            None => "—".into(),
        }
    }
    fn flag_note(&self) -> String {
        self.chrome.tr.f(
            "registry.population.flag_note",
            &[&self.counts.threshold_pct, &self.flagged()],
        )
    }
    fn flagged(&self) -> usize {
        self.counts.communities.iter().filter(|c| c.flagged).count()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Saved {
    saved: Option<String>,
}

async fn overview(
    u: Require<Readers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PopulationQuery>,
    Query(done): Query<Saved>,
) -> Result<Response> {
    let on = q.date(s.db.clock().today())?;
    let counts = population::counts(&s.db, &s.district, &u, on, q.within.as_deref()).await?;
    let bars: Vec<Bar> = AGE_BANDS
        .iter()
        .zip(&counts.total.bands)
        .map(|((k, _, _), n)| Bar {
            label: ctx.tr.t(&format!("registry.age_band.{k}")).to_string(),
            value: *n,
            href: None,
        })
        .collect();
    let chart = bar_chart(ctx.tr.t("registry.population.bands"), &bars);
    render(&OverviewPage {
        chrome: Chrome::build(&ctx, "/registry/households"),
        chart,
        is_admin: u.is_admin(),
        funding_registry: settings::funding_uses_registry(&s.db.conn).await?,
        retention_years: settings::number(&s.db.conn, settings::RETENTION_YEARS, 5).await?,
        saved: done.saved.is_some(),
        counts,
        q,
    })
}

/// The population counted from the registry on a date, beside the statistics.
#[utoipa::path(get, path = "/api/v1/registry/population", tag = "registry",
    params(PopulationQuery), responses((status = 200, body = Counts)))]
pub async fn api_population(
    u: Require<Readers>,
    State(s): State<AppState>,
    Query(q): Query<PopulationQuery>,
) -> Result<Json<Counts>> {
    let on = q.date(s.db.clock().today())?;
    Ok(Json(
        population::counts(&s.db, &s.district, &u, on, q.within.as_deref()).await?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    flag_pct: String,
    funding: String,
    retention_years: String,
}

/// The district's settings: the threshold, which population funds, the retention.
async fn post_settings(
    u: Require<Admin>,
    State(s): State<AppState>,
    CsrfForm(f): CsrfForm<SettingsForm>,
) -> Result<Response> {
    let mut errs = vec![];
    let mut number = |field: &str, v: &str, lo: i64, hi: i64| match v.trim().parse::<i64>() {
        Ok(n) if (lo..=hi).contains(&n) => Some(n),
        _ => {
            errs.push(
                crate::platform::error::FieldError::new(field, "common.between")
                    .with(lo)
                    .with(hi),
            );
            None
        }
    };
    let flag = number("flag_pct", &f.flag_pct, 0, 100);
    let years = number("retention_years", &f.retention_years, 1, 100);
    let funding = match f.funding.as_str() {
        "statistical" | "registry" => Some(f.funding.clone()),
        _ => {
            errs.push(crate::platform::error::FieldError::new(
                "funding",
                "hall.choose_one",
            ));
            None
        }
    };
    let (Some(flag), Some(years), Some(funding), true) = (flag, years, funding, errs.is_empty())
    else {
        return Err(crate::platform::error::AppError::Invalid(errs));
    };
    population::save_settings(&s.db, &u, flag, &funding, years).await?;
    Ok(redirect("/registry?saved=1"))
}
