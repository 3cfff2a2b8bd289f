//! The dashboard's facts: centres by state, by town.

use super::*;

/// One community in scope for the dashboard and the ledger: current or merged away, with
/// its project's key figures when it has one.
#[derive(Clone, Debug, Deserialize)]
pub struct FactRow {
    pub code: String,
    pub name: String,
    pub merged_into: Option<String>,
    pub merged_on: Option<NaiveDate>,
    pub status: Option<String>,
    pub mode: Option<String>,
    pub pilot: i64,
    pub planned_completion: Option<NaiveDate>,
    pub actual_completion: Option<NaiveDate>,
    pub accepted_on: Option<NaiveDate>,
    pub floor_area_dm2: Option<i64>,
    pub invest_fen: i64,
}

/// Every community in scope (merged-away ones included) with its project's figures, in one
/// statement (rows travel as one JSON array; see `db::all_json`).
pub async fn facts(db: &Db, district: &DivisionCode, scope: &Scope) -> Result<Vec<FactRow>> {
    let (cond, v) = geo::community_scope_sql(scope, district);
    let mut rows: Vec<FactRow> = db::all_json(
        &db.conn,
        &[
            "code",
            "name",
            "merged_into",
            "merged_on",
            "status",
            "mode",
            "pilot",
            "planned_completion",
            "actual_completion",
            "accepted_on",
            "floor_area_dm2",
            "invest_fen",
        ],
        &format!(
            "SELECT c.code, c.name, c.merged_into, c.merged_on, p.status, p.mode, \
               CASE WHEN p.pilot THEN 1 ELSE 0 END AS pilot, p.planned_completion, \
               p.actual_completion, p.accepted_on, p.floor_area_dm2, \
               COALESCE(p.invest_district_fen + p.invest_town_fen + p.invest_village_fen + p.invest_donation_fen, 0) AS invest_fen \
             FROM divisions c LEFT JOIN centre_projects p ON p.community_code = c.code \
             WHERE c.level = 5 AND {cond}"
        ),
        v,
    )
    .await?;
    rows.sort_unstable_by(|a, b| a.code.cmp(&b.code));
    Ok(rows)
}
