//! The service hall's duty roster (值班表): who of a community's workers is on duty on which
//! day and from when to when, kept week by week by those who keep the community's records;
//! residents see today's duty and so the hall's opening hours on the community's public page.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use sea_orm::FromQueryResult;
use serde::{Deserialize, Serialize};

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::auth::guard::Require;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, Parse, redirect_or_show, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::types::DivisionCode;
use crate::vals;
use crate::workers::store::{self, Worker, WorkerQuery};
use crate::workers::web::Keepers;

/// A duty: who, when.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Duty {
    pub on_date: NaiveDate,
    pub worker_id: i64,
    pub name: String,
    pub starts: String,
    pub ends: String,
}

/// The duties of a community from `from` for `days` days, by day and start.
pub async fn duties(db: &Db, community: &str, from: NaiveDate, days: i64) -> Result<Vec<Duty>> {
    db::all(
        &db.conn,
        "SELECT r.on_date, r.worker_id, w.name, r.starts, r.ends FROM duty_roster r \
         JOIN workers w ON w.id = r.worker_id WHERE r.community_code = ? \
         AND r.on_date BETWEEN ? AND ? ORDER BY r.on_date, r.starts, w.id",
        vals![community, from, from + Duration::days(days - 1)],
    )
    .await
}

/// Today's duty of a community, for its public page (names and hours only).
pub async fn today(db: &Db, community: &str, today: NaiveDate) -> Result<Vec<Duty>> {
    duties(db, community, today, 1).await
}

/// A duty as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct DutyInput {
    pub unit: String,
    pub on_date: String,
    pub worker: String,
    pub starts: String,
    pub ends: String,
}

use crate::platform::time::parse_hm as hm;

/// A community `u` keeps, or 404 for one outside their territory, 403 for one they only read.
async fn kept(db: &Db, district: &DivisionCode, u: &CurrentUser, unit: &str) -> Result<String> {
    let units = store::writable_units(db, district, u).await?;
    units
        .into_iter()
        .find(|(c, _)| c == unit && !c.ends_with("000"))
        .map(|(c, _)| c)
        .ok_or(AppError::NotFound)
}

/// Put a worker on duty on a day (a second entry for them that day changes its hours).
pub async fn set(db: &Db, district: &DivisionCode, u: &CurrentUser, i: &DutyInput) -> Result<()> {
    let unit = kept(db, district, u, i.unit.trim()).await?;
    let mut check = Parse::default();
    let on = check.required_date("on_date", &i.on_date);
    let (starts, ends) = (hm(&i.starts), hm(&i.ends));
    if starts.is_none() {
        check
            .errs
            .push(FieldError::new("starts", "workers.roster.bad_time"));
    }
    if ends.is_none() {
        check
            .errs
            .push(FieldError::new("ends", "workers.roster.bad_time"));
    } else if starts.is_some() && ends <= starts {
        check
            .errs
            .push(FieldError::new("ends", "workers.roster.ends_before_starts"));
    }
    let today = db.clock().today();
    let worker = match i.worker.trim().parse::<i64>() {
        Ok(id) => store::load(db, district, u, id, today)
            .await
            .ok()
            .filter(|w| w.unit_code == unit),
        Err(_) => None,
    };
    if worker.is_none() {
        check
            .errs
            .push(FieldError::new("worker", "common.bad_choice"));
    }
    check.finish()?;
    let (Some(w), Some(s), Some(e)) = (worker, starts, ends) else {
        return Err(AppError::invalid("worker", "common.bad_choice"));
    };
    let (s, e) = (s.format("%H:%M").to_string(), e.format("%H:%M").to_string());
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "INSERT INTO duty_roster (community_code, on_date, worker_id, starts, ends) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (community_code, on_date, worker_id) \
         DO UPDATE SET starts = excluded.starts, ends = excluded.ends",
        vals![unit.clone(), on, w.id, s.clone(), e.clone()],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "update",
        "duty_roster",
        &format!("{unit}/{on}/{}", w.id),
        None::<&()>,
        Some(&serde_json::json!({ "starts": s, "ends": e })),
    )
    .await
}

/// Take a worker off a day's duty.
pub async fn remove(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    unit: &str,
    on: NaiveDate,
    worker: i64,
) -> Result<Duty> {
    let unit = kept(db, district, u, unit).await?;
    let duty = duties(db, &unit, on, 1)
        .await?
        .into_iter()
        .find(|d| d.worker_id == worker)
        .ok_or(AppError::NotFound)?;
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "DELETE FROM duty_roster WHERE community_code = ? AND on_date = ? AND worker_id = ?",
        vals![unit.clone(), on, worker],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "delete",
        "duty_roster",
        &format!("{unit}/{on}/{worker}"),
        Some(&serde_json::json!({ "starts": duty.starts, "ends": duty.ends })),
        None::<&()>,
    )
    .await?;
    Ok(duty)
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct RosterQuery {
    unit: Option<String>,
    /// Any day of the week to show (default: this week).
    week: Option<String>,
    saved: Option<String>,
}

/// A day of the week shown, its duties.
struct Day {
    date: NaiveDate,
    duties: Vec<Duty>,
}

#[derive(Template)]
#[template(path = "workers/roster.html")]
struct RosterPage {
    chrome: Chrome,
    units: Vec<(String, String)>,
    unit: String,
    unit_name: String,
    monday: NaiveDate,
    days: Vec<Day>,
    workers: Vec<Worker>,
    form: FormState,
    saved: Option<String>,
}

impl RosterPage {
    fn weekday(&self, d: &NaiveDate) -> String {
        self.chrome
            .tk(
                "workers.roster.weekday",
                d.weekday().num_days_from_monday().to_string(),
            )
            .to_string()
    }
    fn prev(&self) -> NaiveDate {
        self.monday - Duration::days(7)
    }
    fn next(&self) -> NaiveDate {
        self.monday + Duration::days(7)
    }
    fn v(&self, name: &str, default: &str) -> String {
        if self.form.form == "duty" {
            self.form.value("duty", name)
        } else {
            default.to_string()
        }
    }
    fn is_unit(&self, c: &str) -> bool {
        self.unit == c
    }
    fn saved_message(&self) -> String {
        self.chrome
            .t(match self.saved.as_deref() {
                Some("removed") => "workers.roster.saved_removed",
                _ => "workers.roster.saved",
            })
            .to_string()
    }
}

async fn show(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    q: RosterQuery,
    form: FormState,
) -> Result<Response> {
    let today = ctx.clock.today();
    let units: Vec<(String, String)> = store::writable_units(&s.db, &s.district, u)
        .await?
        .into_iter()
        .filter(|(c, _)| !c.ends_with("000"))
        .collect();
    if units.is_empty() {
        return Err(AppError::Forbidden);
    }
    let unit = match q.unit.filter(|x| !x.is_empty()) {
        Some(x) => kept(&s.db, &s.district, u, &x).await?,
        None => units[0].0.clone(),
    };
    let day = q
        .week
        .as_deref()
        .and_then(crate::platform::time::parse_date)
        .unwrap_or(today);
    let monday = day - Duration::days(i64::from(day.weekday().num_days_from_monday()));
    let all = duties(&s.db, &unit, monday, 7).await?;
    let days = (0..7)
        .map(|i| {
            let date = monday + Duration::days(i);
            Day {
                date,
                duties: all.iter().filter(|d| d.on_date == date).cloned().collect(),
            }
        })
        .collect();
    let wq = WorkerQuery {
        unit: Some(unit.clone()),
        ..Default::default()
    };
    let page = RosterPage {
        chrome: Chrome::build(ctx, "/workers"),
        unit_name: units
            .iter()
            .find(|(c, _)| *c == unit)
            .map(|(_, n)| n.clone())
            .unwrap_or_default(),
        workers: store::all(&s.db, &s.district, u, &wq, today).await?,
        units,
        unit,
        monday,
        days,
        form,
        saved: q.saved.filter(|x| x.len() < 20),
    };
    render_form(&page, &page.form)
}

async fn roster_page(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<RosterQuery>,
) -> Result<Response> {
    show(&s, &ctx, &u, q, FormState::default()).await
}

async fn post_duty(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(i): CsrfForm<DutyInput>,
) -> Result<Response> {
    let result = set(&s.db, &s.district, &u, &i).await.map(|_| {
        format!(
            "/workers/roster?unit={}&week={}&saved=duty",
            i.unit.trim(),
            i.on_date.trim()
        )
    });
    let values = vec![
        ("on_date", i.on_date.clone()),
        ("worker", i.worker.clone()),
        ("starts", i.starts.clone()),
        ("ends", i.ends.clone()),
    ];
    let q = RosterQuery {
        unit: Some(i.unit.clone()),
        week: Some(i.on_date.clone()),
        saved: None,
    };
    redirect_or_show(result, "duty", &ctx.tr, values, |form| {
        show(&s, &ctx, &u, q, form)
    })
    .await
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct RemoveForm {
    unit: String,
    on_date: String,
    worker: String,
}

async fn post_remove(
    u: Require<Keepers>,
    State(s): State<AppState>,
    CsrfForm(i): CsrfForm<RemoveForm>,
) -> Result<Response> {
    let on = crate::platform::time::parse_date(&i.on_date).ok_or(AppError::NotFound)?;
    let worker: i64 = i.worker.trim().parse().map_err(|_| AppError::NotFound)?;
    let unit = i.unit.trim().to_string();
    remove(&s.db, &s.district, &u, &unit, on, worker).await?;
    Ok(crate::platform::http::redirect(&format!(
        "/workers/roster?unit={unit}&week={on}&saved=removed"
    )))
}

pub fn routes() -> crate::platform::http::routes::Routes<AppState> {
    crate::platform::http::routes::Routes::new()
        .get("/workers/roster", roster_page)
        .post("/workers/roster", post_duty)
        .post("/workers/roster/remove", post_remove)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;

    #[test]
    fn times_are_hours_and_minutes() {
        assert_eq!(hm("08:30"), NaiveTime::from_hms_opt(8, 30, 0));
        assert_eq!(hm(" 17:00 "), NaiveTime::from_hms_opt(17, 0, 0));
        assert_eq!(hm("25:00"), None);
        assert_eq!(hm("8点"), None);
    }
}
