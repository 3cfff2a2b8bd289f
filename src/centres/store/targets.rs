//! Yearly coverage targets.

use super::*;

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Target {
    pub year: i32,
    /// Empty for the whole district.
    pub town_code: String,
    pub town_name: Option<String>,
    pub target_pct: i32,
}

pub async fn targets(db: &Db) -> Result<Vec<Target>> {
    db::all(
        &db.conn,
        "SELECT g.year, g.town_code, t.name AS town_name, g.target_pct FROM coverage_targets g \
         LEFT JOIN divisions t ON t.code = g.town_code ORDER BY g.year, g.town_code",
        vals![],
    )
    .await
}

/// Targets keyed as `rules::target_for` reads them.
pub fn target_map(ts: &[Target]) -> BTreeMap<(String, i32), i64> {
    ts.iter()
        .map(|t| ((t.town_code.clone(), t.year), i64::from(t.target_pct)))
        .collect()
}

/// Set the target of a year for the district (`town` empty) or a town.
pub async fn set_target(
    db: &Db,
    district: &DivisionCode,
    actor: &Actor,
    year: i64,
    town: &str,
    pct: i64,
) -> Result<()> {
    let mut errs = vec![];
    if !(1949..=2200).contains(&year) {
        errs.push(FieldError::new("year", "centres.year_range"));
    }
    if !(0..=100).contains(&pct) {
        errs.push(FieldError::new("target_pct", "centres.pct_range"));
    }
    let town = town.trim();
    let town_code = if town.is_empty() {
        String::new()
    } else {
        match geo::load_town(db, district, &Scope::District, town).await {
            Ok(t) => t.code,
            Err(AppError::NotFound) => {
                errs.push(FieldError::new("town", "geo.bad_town_code"));
                String::new()
            }
            Err(e) => return Err(e),
        }
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    let before = db::scalar(
        &tx,
        "SELECT CAST(target_pct AS BIGINT) FROM coverage_targets WHERE year = ? AND town_code = ?",
        vals![year as i32, town_code.clone()],
    )
    .await?;
    db::exec(
        &tx,
        "INSERT INTO coverage_targets (year, town_code, target_pct, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (year, town_code) DO UPDATE SET target_pct = excluded.target_pct, updated_at = excluded.updated_at",
        vals![year as i32, town_code.clone(), pct as i32, db.clock().now()],
    )
    .await?;
    audit::commit(
        tx,
        actor,
        if before.is_some() { "update" } else { "create" },
        "coverage_target",
        &format!(
            "{year}/{}",
            if town_code.is_empty() {
                "district"
            } else {
                &town_code
            }
        ),
        before
            .map(|b| serde_json::json!({ "target_pct": b }))
            .as_ref(),
        Some(&serde_json::json!({ "target_pct": pct })),
    )
    .await?;
    Ok(())
}

pub async fn delete_target(db: &Db, actor: &Actor, year: i64, town: &str) -> Result<()> {
    let tx = db.write_tx().await?;
    let before = db::scalar(
        &tx,
        "SELECT CAST(target_pct AS BIGINT) FROM coverage_targets WHERE year = ? AND town_code = ?",
        vals![year as i32, town.trim()],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    db::exec(
        &tx,
        "DELETE FROM coverage_targets WHERE year = ? AND town_code = ?",
        vals![year as i32, town.trim()],
    )
    .await?;
    audit::commit(
        tx,
        actor,
        "delete",
        "coverage_target",
        &format!(
            "{year}/{}",
            if town.trim().is_empty() {
                "district"
            } else {
                town.trim()
            }
        ),
        Some(&serde_json::json!({ "target_pct": before })),
        None::<&()>,
    )
    .await?;
    Ok(())
}
