//! Training (培训): courses organised by the district, a town or a community (岗前, 专题,
//! 继续教育, 学历提升 and the exam's preparation course), workers enrolled in them, and the
//! hours credited once attendance is recorded. The hours count against the district's yearly
//! target per worker and, for continuing-education courses, against each certificate's
//! registration period.

use chrono::{Datelike, NaiveDate};
use sea_orm::{FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::geo::store::community_scope_sql;
use crate::platform::audit;
use crate::platform::auth::{CurrentUser, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::form::Parse;
use crate::platform::types::DivisionCode;
use crate::vals;
use crate::workers::rules::{self, CourseKind};
use crate::workers::store::{self, Worker, may_write};

/// A course as listed.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Course {
    pub id: i64,
    pub title: String,
    pub organiser_code: String,
    pub organiser_name: String,
    pub kind: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub hours: i32,
    pub place: String,
    /// Workers enrolled, from every unit.
    pub enrolled: i64,
}

/// Courses `u` sees, on `training_courses k`: those organised in their territory and those
/// organised above it (the district's, their town's).
fn visible(u: &CurrentUser, district: &DivisionCode) -> (String, Vec<Value>) {
    let (lo, hi) = district.descendant_range();
    match &u.scope {
        Scope::District | Scope::Department(_) => {
            ("k.organiser_code BETWEEN ? AND ?".into(), vals![lo, hi])
        }
        Scope::Town(t) => {
            let (tlo, thi) = t.descendant_range();
            (
                "(k.organiser_code BETWEEN ? AND ? OR k.organiser_code = ?)".into(),
                vals![tlo, thi, district.as_str()],
            )
        }
        Scope::Community(c) => {
            let town = format!("{}000", &c.as_str()[..9]);
            (
                "k.organiser_code IN (?, ?, ?)".into(),
                vals![c.as_str(), town, district.as_str()],
            )
        }
        Scope::Provider(_) => ("1 = 0".into(), vals![]),
    }
}

const SELECT: &str = "SELECT k.id, k.title, k.organiser_code, o.name AS organiser_name, k.kind, \
    k.starts_on, k.ends_on, k.hours, k.place, \
    (SELECT COUNT(*) FROM training_enrolments e WHERE e.course_id = k.id) AS enrolled \
    FROM training_courses k JOIN divisions o ON o.code = k.organiser_code";

/// The courses `u` sees that start in `year`, latest first.
pub async fn courses(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    year: i32,
) -> Result<Vec<Course>> {
    let (cond, mut v) = visible(u, district);
    v.extend(vals![
        NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default(),
        NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default()
    ]);
    db::all(
        &db.conn,
        &format!(
            "{SELECT} WHERE {cond} AND k.starts_on BETWEEN ? AND ? \
             ORDER BY k.starts_on DESC, k.id DESC"
        ),
        v,
    )
    .await
}

/// The courses `u` sees that a worker may still be enrolled in: those not yet ended a month
/// ago, soonest first.
pub async fn open_courses(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    today: NaiveDate,
) -> Result<Vec<Course>> {
    let (cond, mut v) = visible(u, district);
    v.push((today - chrono::Duration::days(31)).into());
    db::all(
        &db.conn,
        &format!("{SELECT} WHERE {cond} AND k.ends_on >= ? ORDER BY k.starts_on, k.id LIMIT 200"),
        v,
    )
    .await
}

/// One course `u` sees, or 404.
pub async fn course(db: &Db, district: &DivisionCode, u: &CurrentUser, id: i64) -> Result<Course> {
    let (cond, mut v) = visible(u, district);
    v.push(id.into());
    db::one(&db.conn, &format!("{SELECT} WHERE {cond} AND k.id = ?"), v)
        .await?
        .ok_or(AppError::NotFound)
}

/// A course as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct CourseInput {
    pub title: String,
    /// The organising unit's code: the district's, a town's or a community's.
    pub organiser: String,
    pub kind: String,
    pub starts_on: String,
    pub ends_on: String,
    pub hours: String,
    pub place: String,
}

#[derive(Serialize)]
struct CourseSave {
    title: String,
    organiser: String,
    kind: &'static str,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
    hours: i64,
    place: String,
}

fn check_course(i: &CourseInput) -> Result<CourseSave> {
    let mut check = Parse::default();
    let title = check.text("title", &i.title, 80);
    let kind = match CourseKind::parse(i.kind.trim()) {
        Some(k) => k.key(),
        None => {
            check
                .errs
                .push(FieldError::new("kind", "common.bad_choice"));
            ""
        }
    };
    let starts_on = check.required_date("starts_on", &i.starts_on);
    let ends_on = check.required_date("ends_on", &i.ends_on);
    if ends_on < starts_on && check.errs.iter().all(|e| e.field != "ends_on") {
        check
            .errs
            .push(FieldError::new("ends_on", "workers.ends_before_start"));
    }
    let hours = check.between("hours", &i.hours, 1, 2000);
    let place = i.place.trim().to_string();
    if place.chars().count() > 80 {
        check
            .errs
            .push(FieldError::new("place", "common.too_long").with(80));
    }
    check.finish()?;
    Ok(CourseSave {
        title,
        organiser: i.organiser.trim().to_string(),
        kind,
        starts_on,
        ends_on,
        hours,
        place,
    })
}

/// Create a course (`id` None) or change one; the organiser must be a unit `u` keeps.
pub async fn save_course(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: Option<i64>,
    i: &CourseInput,
) -> Result<i64> {
    let before = match id {
        Some(id) => Some(course(db, district, u, id).await?),
        None => None,
    };
    if let Some(b) = &before
        && !may_write(u, &b.organiser_code)
    {
        return Err(AppError::Forbidden);
    }
    let s = check_course(i)?;
    let known = store::writable_units(db, district, u)
        .await?
        .iter()
        .any(|(c, _)| *c == s.organiser);
    if !known {
        return Err(AppError::invalid("organiser", "common.bad_choice"));
    }
    let tx = db.write_tx().await?;
    let now = tx.clock().now();
    let cid = match id {
        None => db::scalar(
            &tx,
            "INSERT INTO training_courses (title, organiser_code, kind, starts_on, ends_on, \
             hours, place, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            vals![
                s.title.clone(),
                s.organiser.clone(),
                s.kind,
                s.starts_on,
                s.ends_on,
                s.hours,
                s.place.clone(),
                now
            ],
        )
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?,
        Some(id) => {
            db::exec(
                &tx,
                "UPDATE training_courses SET title = ?, organiser_code = ?, kind = ?, \
                 starts_on = ?, ends_on = ?, hours = ?, place = ? WHERE id = ?",
                vals![
                    s.title.clone(),
                    s.organiser.clone(),
                    s.kind,
                    s.starts_on,
                    s.ends_on,
                    s.hours,
                    s.place.clone(),
                    id
                ],
            )
            .await?;
            id
        }
    };
    audit::commit(
        tx,
        &u.actor(),
        if id.is_some() { "update" } else { "create" },
        "training_course",
        &cid.to_string(),
        before.as_ref(),
        Some(&s),
    )
    .await?;
    Ok(cid)
}

/// An enrolment as a course's page shows it.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Enrolled {
    pub worker_id: i64,
    pub name: String,
    pub unit_name: String,
    pub unit_code: String,
    /// Credited once attendance is recorded (0: did not attend).
    pub hours: Option<i32>,
}

/// The enrolments of a course of workers in `u`'s territory (the others are only counted).
pub async fn enrolled(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    course: i64,
) -> Result<Vec<Enrolled>> {
    let (scope, v) = community_scope_sql(&u.scope, district);
    let mut values = vals![course];
    values.extend(v);
    db::all(
        &db.conn,
        &format!(
            "SELECT w.id AS worker_id, w.name, c.name AS unit_name, p.unit_code, e.hours \
             FROM training_enrolments e JOIN workers w ON w.id = e.worker_id \
             JOIN worker_periods p ON p.worker_id = w.id AND p.end_on IS NULL \
             JOIN divisions c ON c.code = p.unit_code \
             WHERE e.course_id = ? AND {scope} ORDER BY p.unit_code, w.id"
        ),
        values,
    )
    .await
}

/// Enrol workers in a course: each must be one `u` keeps the records of; one already
/// enrolled is left as is. Returns how many were newly enrolled.
pub async fn enrol(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    course_id: i64,
    workers: &[i64],
) -> Result<usize> {
    let k = course(db, district, u, course_id).await?;
    if workers.is_empty() {
        return Err(AppError::invalid("workers", "workers.pick_workers"));
    }
    let today = db.clock().today();
    let mut ids = vec![];
    for &w in workers.iter().take(500) {
        let worker = store::load(db, district, u, w, today).await?;
        if !may_write(u, &worker.unit_code) {
            return Err(AppError::Forbidden);
        }
        ids.push(worker.id);
    }
    ids.sort_unstable();
    ids.dedup();
    let tx = db.write_tx().await?;
    let now = tx.clock().now();
    let mut added = vec![];
    for w in ids {
        let n = db::exec(
            &tx,
            "INSERT INTO training_enrolments (course_id, worker_id, enrolled_at) \
             VALUES (?, ?, ?) ON CONFLICT (course_id, worker_id) DO NOTHING",
            vals![k.id, w, now],
        )
        .await?;
        if n > 0 {
            added.push(w);
        }
    }
    let count = added.len();
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "training_enrolment",
        &k.id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({ "course": k.title, "workers": added })),
    )
    .await?;
    Ok(count)
}

/// Record attendance: the hours credited to each enrolled worker `u` keeps (at most the
/// course's hours; 0 for someone who did not come). Returns how many were recorded.
pub async fn record_attendance(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    course_id: i64,
    hours: &[(i64, String)],
) -> Result<usize> {
    let k = course(db, district, u, course_id).await?;
    let mine: std::collections::HashMap<i64, Enrolled> = enrolled(db, district, u, course_id)
        .await?
        .into_iter()
        .filter(|e| may_write(u, &e.unit_code))
        .map(|e| (e.worker_id, e))
        .collect();
    let mut check = Parse::default();
    let mut rows = vec![];
    for (w, v) in hours {
        if !mine.contains_key(w) {
            continue;
        }
        if v.trim().is_empty() {
            continue;
        }
        let h = check.between(&format!("hours_{w}"), v, 0, i64::from(k.hours));
        rows.push((*w, h));
    }
    check.finish()?;
    if rows.is_empty() {
        return Err(AppError::invalid("hours", "workers.no_hours"));
    }
    let tx = db.write_tx().await?;
    let mut before = serde_json::Map::new();
    for (w, h) in &rows {
        before.insert(
            w.to_string(),
            serde_json::json!(mine.get(w).and_then(|e| e.hours)),
        );
        db::exec(
            &tx,
            "UPDATE training_enrolments SET hours = ? WHERE course_id = ? AND worker_id = ?",
            vals![*h, k.id, *w],
        )
        .await?;
    }
    let after: serde_json::Map<String, serde_json::Value> = rows
        .iter()
        .map(|(w, h)| (w.to_string(), serde_json::json!(h)))
        .collect();
    audit::commit(
        tx,
        &u.actor(),
        "update",
        "training_enrolment",
        &k.id.to_string(),
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(rows.len())
}

/// A worker's training, as their record shows it.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Attended {
    pub course_id: i64,
    pub title: String,
    pub kind: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub hours: Option<i32>,
}

pub async fn of_worker(db: &Db, worker: &Worker) -> Result<Vec<Attended>> {
    db::all(
        &db.conn,
        "SELECT k.id AS course_id, k.title, k.kind, k.starts_on, k.ends_on, e.hours \
         FROM training_enrolments e JOIN training_courses k ON k.id = e.course_id \
         WHERE e.worker_id = ? ORDER BY k.starts_on DESC, k.id DESC",
        vals![worker.id],
    )
    .await
}

/// Hours credited in a year, from a worker's training.
pub fn hours_in(attended: &[Attended], year: i32) -> u32 {
    attended
        .iter()
        .filter(|a| a.starts_on.year() == year)
        .map(|a| a.hours.unwrap_or(0).max(0) as u32)
        .sum()
}

/// Continuing-education hours credited within a registration period.
pub fn continuing_hours(attended: &[Attended], period: (NaiveDate, NaiveDate)) -> u32 {
    attended
        .iter()
        .filter(|a| a.kind == CourseKind::Continuing.key())
        .filter(|a| a.starts_on >= period.0 && a.starts_on <= period.1)
        .map(|a| a.hours.unwrap_or(0).max(0) as u32)
        .sum()
}

/// A certificate's continuing education: its current registration period, the hours done in
/// it and those still missing against the norm.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Continuing {
    pub certificate_id: i64,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub done: u32,
    pub short: u32,
}

pub fn continuing(
    certificates: &[crate::workers::certificates::CertificateRow],
    attended: &[Attended],
    required: u32,
    today: NaiveDate,
) -> Vec<Continuing> {
    certificates
        .iter()
        .filter_map(|c| {
            let period = rules::registration_period(&c.rule(), today)?;
            let done = continuing_hours(attended, period);
            Some(Continuing {
                certificate_id: c.id,
                from: period.0,
                until: period.1,
                done,
                short: rules::hours_short(required, done),
            })
        })
        .collect()
}
