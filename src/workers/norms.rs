//! The district's yearly workforce targets (certified-social-worker coverage, training
//! hours per worker) and its norms (full-time posts by community size, continuing education
//! per registration period): data the district edits, every change audited.

use serde::{Deserialize, Serialize};

use crate::platform::audit;
use crate::platform::auth::Actor;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::platform::http::form::Parse;
use crate::vals;

/// A year's targets set by the district.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, utoipa::ToSchema, PartialEq, Eq)]
pub struct Target {
    pub year: i32,
    /// Communities with a certified social worker at the year's end, in percent.
    pub coverage_pct: i32,
    /// Training hours each worker should have in the year.
    pub training_hours: i32,
}

pub async fn targets(db: &Db) -> Result<Vec<Target>> {
    let rows: Vec<(i32, i32, i32)> = db::all_json(
        &db.conn,
        &["year", "coverage_pct", "training_hours"],
        "SELECT year, coverage_pct, training_hours FROM workforce_targets ORDER BY year",
        vals![],
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|(year, coverage_pct, training_hours)| Target {
            year,
            coverage_pct,
            training_hours,
        })
        .collect())
}

/// The target in force in `year`: that year's, else the latest before it.
pub fn target_for(targets: &[Target], year: i32) -> Option<Target> {
    targets.iter().rev().find(|t| t.year <= year).copied()
}

/// A year's targets as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct TargetInput {
    pub year: String,
    pub coverage_pct: String,
    pub training_hours: String,
}

/// Set a year's targets (the district).
pub async fn set_target(db: &Db, actor: &Actor, i: &TargetInput) -> Result<Target> {
    let mut check = Parse::default();
    let year = check.between("year", &i.year, 1949, 2200);
    let coverage_pct = check.between("coverage_pct", &i.coverage_pct, 0, 100);
    let training_hours = check.between("training_hours", &i.training_hours, 0, 1000);
    check.finish()?;
    let t = Target {
        year: year as i32,
        coverage_pct: coverage_pct as i32,
        training_hours: training_hours as i32,
    };
    let tx = db.write_tx().await?;
    let before: Option<(i32, i32)> = db::all_json(
        &tx,
        &["coverage_pct", "training_hours"],
        "SELECT coverage_pct, training_hours FROM workforce_targets WHERE year = ?",
        vals![t.year],
    )
    .await?
    .into_iter()
    .next();
    db::exec(
        &tx,
        "INSERT INTO workforce_targets (year, coverage_pct, training_hours, updated_at) \
         VALUES (?, ?, ?, ?) ON CONFLICT (year) DO UPDATE SET \
         coverage_pct = excluded.coverage_pct, training_hours = excluded.training_hours, \
         updated_at = excluded.updated_at",
        vals![t.year, t.coverage_pct, t.training_hours, tx.clock().now()],
    )
    .await?;
    audit::commit(
        tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "workforce_target",
        &t.year.to_string(),
        before
            .map(|(c, h)| serde_json::json!({"coverage_pct": c, "training_hours": h}))
            .as_ref(),
        Some(&t),
    )
    .await?;
    Ok(t)
}

/// Remove a year's targets (the district); the year before's then apply.
pub async fn delete_target(db: &Db, actor: &Actor, year: i32) -> Result<()> {
    let tx = db.write_tx().await?;
    let before: Option<(i32, i32)> = db::all_json(
        &tx,
        &["coverage_pct", "training_hours"],
        "SELECT coverage_pct, training_hours FROM workforce_targets WHERE year = ?",
        vals![year],
    )
    .await?
    .into_iter()
    .next();
    let Some((c, h)) = before else {
        tx.rollback().await?;
        return Err(AppError::NotFound);
    };
    db::exec(
        &tx,
        "DELETE FROM workforce_targets WHERE year = ?",
        vals![year],
    )
    .await?;
    audit::commit(
        tx,
        actor,
        "delete",
        "workforce_target",
        &year.to_string(),
        Some(&serde_json::json!({"coverage_pct": c, "training_hours": h})),
        None::<&()>,
    )
    .await
}

/// The district's norms: posts by community size, continuing education per registration.
#[derive(Clone, Copy, Debug, Serialize, utoipa::ToSchema, PartialEq, Eq)]
pub struct Norms {
    /// One full-time worker per this many households.
    pub per_households: u32,
    /// Never fewer full-time posts than this in a community.
    pub minimum: u32,
    /// Continuing-education hours a certificate's registration period requires.
    pub ce_hours: u32,
    pub revision: i64,
}

pub async fn norms(db: &Db) -> Result<Norms> {
    let rows: Vec<(u32, u32, u32, i64)> = db::all_json(
        &db.conn,
        &["per_households", "minimum", "ce_hours", "revision"],
        "SELECT per_households, minimum, ce_hours, revision FROM workforce_norms WHERE id = 1",
        vals![],
    )
    .await?;
    let (per_households, minimum, ce_hours, revision) = rows
        .into_iter()
        .next()
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("workforce_norms has no row")))?;
    Ok(Norms {
        per_households,
        minimum,
        ce_hours,
        revision,
    })
}

/// The norms as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct NormsInput {
    pub per_households: String,
    pub minimum: String,
    pub ce_hours: String,
    pub revision: String,
}

/// Change the norms (the district).
pub async fn set_norms(db: &Db, actor: &Actor, i: &NormsInput) -> Result<Norms> {
    let mut check = Parse::default();
    let per_households = check.between("per_households", &i.per_households, 1, 100_000) as u32;
    let minimum = check.between("minimum", &i.minimum, 0, 1_000) as u32;
    let ce_hours = check.between("ce_hours", &i.ce_hours, 0, 1_000) as u32;
    check.finish()?;
    let before = norms(db).await?;
    let tx = db.write_tx().await?;
    crate::platform::revision::update(
        &tx,
        "workforce_norms",
        "workforce_norms",
        1,
        crate::platform::revision::base(&i.revision)?,
        "per_households = ?, minimum = ?, ce_hours = ?",
        vals![per_households, minimum, ce_hours],
    )
    .await?;
    let after = Norms {
        per_households,
        minimum,
        ce_hours,
        revision: before.revision + 1,
    };
    audit::commit(
        tx,
        actor,
        "update",
        "workforce_norms",
        "1",
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_in_force_is_the_latest_set() {
        let t = |year, pct| Target {
            year,
            coverage_pct: pct,
            training_hours: 40,
        };
        let ts = [t(2008, 100), t(2010, 90)];
        assert_eq!(target_for(&ts, 2007), None);
        assert_eq!(target_for(&ts, 2009).map(|t| t.coverage_pct), Some(100));
        assert_eq!(target_for(&ts, 2030).map(|t| t.coverage_pct), Some(90));
    }
}
