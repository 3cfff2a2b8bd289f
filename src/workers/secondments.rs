//! Secondments (挂职锻炼): a worker serving for a time in another unit - a district
//! department, a town's office, another community - for a purpose, and their report when it
//! ends. Kept by those who keep the worker's record.

use chrono::NaiveDate;
use sea_orm::FromQueryResult;
use serde::{Deserialize, Serialize};

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::form::Parse;
use crate::platform::types::DivisionCode;
use crate::vals;
use crate::workers::store::{self, Worker, may_write};

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Secondment {
    pub id: i64,
    pub host: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub purpose: String,
    pub report: String,
}

pub async fn of_worker(db: &Db, w: &Worker) -> Result<Vec<Secondment>> {
    db::all(
        &db.conn,
        "SELECT id, host, starts_on, ends_on, purpose, report FROM worker_secondments \
         WHERE worker_id = ? ORDER BY starts_on DESC, id DESC",
        vals![w.id],
    )
    .await
}

/// A secondment as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct SecondmentInput {
    pub host: String,
    pub starts_on: String,
    pub ends_on: String,
    pub purpose: String,
}

/// The most a report holds: a few pages.
const REPORT_MAX: usize = 5_000;

async fn writable(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    worker: i64,
) -> Result<Worker> {
    let w = store::load(db, district, u, worker, db.clock().today()).await?;
    if !may_write(u, &w.unit_code) {
        return Err(AppError::Forbidden);
    }
    Ok(w)
}

/// Record a secondment on a worker's record.
pub async fn add(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    worker: i64,
    i: &SecondmentInput,
) -> Result<i64> {
    let w = writable(db, district, u, worker).await?;
    let mut check = Parse::default();
    let host = check.text("host", &i.host, 60);
    let starts_on = check.required_date("starts_on", &i.starts_on);
    let ends_on = check.required_date("ends_on", &i.ends_on);
    if ends_on < starts_on && check.errs.iter().all(|e| e.field != "ends_on") {
        check
            .errs
            .push(FieldError::new("ends_on", "workers.ends_before_start"));
    }
    let purpose = i.purpose.trim().to_string();
    if purpose.chars().count() > 500 {
        check
            .errs
            .push(FieldError::new("purpose", "common.too_long").with(500));
    }
    check.finish()?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO worker_secondments (worker_id, host, starts_on, ends_on, purpose) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
        vals![w.id, host.clone(), starts_on, ends_on, purpose.clone()],
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?;
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "worker_secondment",
        &format!("{}/{id}", w.id),
        None::<&()>,
        Some(&serde_json::json!({
            "host": host, "starts_on": starts_on, "ends_on": ends_on, "purpose": purpose
        })),
    )
    .await?;
    Ok(id)
}

/// Write (or rewrite) a secondment's report.
pub async fn report(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    worker: i64,
    secondment: i64,
    text: &str,
) -> Result<()> {
    let w = writable(db, district, u, worker).await?;
    let text = text.trim();
    if text.chars().count() > REPORT_MAX {
        return Err(AppError::Invalid(vec![
            FieldError::new("report", "common.too_long").with(REPORT_MAX),
        ]));
    }
    let before = of_worker(db, &w)
        .await?
        .into_iter()
        .find(|s| s.id == secondment)
        .ok_or(AppError::NotFound)?;
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE worker_secondments SET report = ? WHERE id = ? AND worker_id = ?",
        vals![text, secondment, w.id],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "update",
        "worker_secondment",
        &format!("{}/{secondment}", w.id),
        Some(&serde_json::json!({ "report": before.report })),
        Some(&serde_json::json!({ "report": text })),
    )
    .await
}
