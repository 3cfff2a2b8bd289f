//! Budgets by year, level and category.

use super::*;

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Budget {
    pub year: i32,
    pub level: String,
    pub unit_code: String,
    pub unit_name: Option<String>,
    pub category: String,
    pub amount_fen: i64,
    pub note: String,
}

/// Budgets in scope: the district's, and the towns' and villages' the caller sees.
pub async fn budgets(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    year: Option<i32>,
) -> Result<Vec<Budget>> {
    let (lo, hi) = district.descendant_range();
    let (scope_cond, mut v) = match scope {
        Scope::District | Scope::Department(_) => ("1 = 1".to_string(), vals![]),
        Scope::Town(t) => {
            let (a, b) = t.descendant_range();
            (
                "(b.unit_code = '' OR b.unit_code BETWEEN ? AND ?)".to_string(),
                vals![a, b],
            )
        }
        Scope::Community(c) => (
            "(b.unit_code = '' OR b.unit_code = ?)".to_string(),
            vals![c.as_str()],
        ),
        Scope::Provider(_) => ("1 = 0".to_string(), vals![]),
    };
    v.extend(vals![lo, hi]);
    let mut cond = format!("{scope_cond} AND (b.unit_code = '' OR b.unit_code BETWEEN ? AND ?)");
    if let Some(y) = year {
        cond.push_str(" AND b.year = ?");
        v.push(y.into());
    }
    db::all(
        &db.conn,
        &format!(
            "SELECT b.year, b.level, b.unit_code, d.name AS unit_name, b.category, b.amount_fen, b.note \
             FROM budgets b LEFT JOIN divisions d ON d.code = b.unit_code WHERE {cond} \
             ORDER BY b.year DESC, b.level, b.unit_code, b.category"
        ),
        v,
    )
    .await
}

pub struct BudgetInput {
    pub year: i64,
    /// '' for the district, a town or community code
    pub unit: String,
    pub category: String,
    pub amount_fen: i64,
    pub note: String,
}

/// Set a budget: the admin the district's (and any), a town officer the town's and its
/// villages', staff their village's.
pub async fn set_budget(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    b: &BudgetInput,
) -> Result<()> {
    let mut errs = vec![];
    if !(1949..=2200).contains(&b.year) {
        errs.push(FieldError::new("year", "centres.year_range"));
    }
    if !CATEGORIES.contains(&b.category.as_str()) {
        errs.push(FieldError::new("category", "funding.bad_category"));
    }
    if b.amount_fen < 0 {
        errs.push(FieldError::new("amount", "funding.positive"));
    } else if b.amount_fen > MAX_TOTAL_FEN {
        errs.push(FieldError::new("amount", "funding.total_absurd"));
    }
    if b.note.chars().count() > 500 {
        errs.push(FieldError::new("note", "common.too_long").with(500));
    }
    let unit = b.unit.trim();
    let level = if unit.is_empty() {
        if !u.is_admin() {
            return Err(AppError::Forbidden);
        }
        "district"
    } else {
        match DivisionCode::parse(unit).map(|c| c.level()) {
            Ok(Level::Town) => {
                let ok = match &u.scope {
                    Scope::District => u.is_admin(),
                    Scope::Town(t) => t.as_str() == unit,
                    _ => false,
                };
                if !ok
                    || geo::load_town(db, district, &Scope::District, unit)
                        .await
                        .is_err()
                {
                    errs.push(FieldError::new("unit", "funding.bad_unit"));
                }
                "town"
            }
            Ok(Level::Community) => {
                let ok = matches!(
                    u.role,
                    Role::DistrictAdmin | Role::TownOfficer | Role::CommunityStaff
                ) && geo::load_community(db, district, &u.scope, unit)
                    .await
                    .is_ok_and(|c| c.row.merged_into.is_none());
                if !ok {
                    errs.push(FieldError::new("unit", "funding.bad_unit"));
                }
                "village"
            }
            _ => {
                errs.push(FieldError::new("unit", "funding.bad_unit"));
                "district"
            }
        }
    };
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    let before = db::scalar(
        &tx,
        "SELECT amount_fen FROM budgets WHERE year = ? AND level = ? AND unit_code = ? AND category = ?",
        vals![b.year as i32, level, unit, b.category.clone()],
    )
    .await?;
    db::exec(
        &tx,
        "INSERT INTO budgets (year, level, unit_code, category, amount_fen, note, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) \
         ON CONFLICT (year, level, unit_code, category) DO UPDATE SET amount_fen = excluded.amount_fen, \
         note = excluded.note, updated_at = excluded.updated_at",
        vals![b.year as i32, level, unit, b.category.clone(), b.amount_fen, b.note.trim(), db.clock().now()],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        if before.is_some() { "update" } else { "create" },
        "budget",
        &format!("{}/{level}/{unit}/{}", b.year, b.category),
        before
            .map(|a| serde_json::json!({"amount_fen": a}))
            .as_ref(),
        Some(&serde_json::json!({"amount_fen": b.amount_fen, "note": b.note.trim()})),
    )
    .await?;
    Ok(())
}
