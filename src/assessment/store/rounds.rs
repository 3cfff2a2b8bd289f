//! Assessment rounds: opened over the guidelines in force, signed off.

use super::*;

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Round {
    pub id: i64,
    pub year: i32,
    pub name: String,
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub signed_off_by: Option<String>,
    pub signed_off_at: Option<DateTime<Utc>>,
}

pub async fn rounds<C: ConnectionTrait>(c: &C) -> Result<Vec<Round>> {
    db::all(
        c,
        "SELECT id, year, name, status, created_by, created_at, signed_off_by, signed_off_at \
         FROM assessment_rounds ORDER BY year DESC, id DESC",
        vals![],
    )
    .await
}

pub async fn load_round<C: ConnectionTrait>(c: &C, id: i64) -> Result<Round> {
    db::one(
        c,
        "SELECT id, year, name, status, created_by, created_at, signed_off_by, signed_off_at \
         FROM assessment_rounds WHERE id = ?",
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub(super) async fn round_guidelines<C: ConnectionTrait>(
    c: &C,
    round: i64,
) -> Result<Vec<Guideline>> {
    #[derive(FromQueryResult)]
    struct Id {
        guideline_id: i64,
    }
    let ids: Vec<Id> = db::all(
        c,
        "SELECT r.guideline_id FROM round_guidelines r JOIN guidelines g ON g.id = r.guideline_id \
         LEFT JOIN departments d ON d.id = g.department_id \
         WHERE r.round_id = ? ORDER BY g.department_id IS NOT NULL, d.sort_order, g.id",
        vals![round],
    )
    .await?;
    let mut out = vec![];
    for i in ids {
        out.push(load_guideline(c, i.guideline_id).await?);
    }
    Ok(out)
}

/// Open a round over published guidelines: every current community of the district gets its
/// sheet.
pub async fn create_round(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    year: i64,
    name: &str,
    guideline_ids: &[i64],
) -> Result<i64> {
    u.require(&[Role::DistrictAdmin])?;
    let mut errs = vec![];
    if !(1949..=2200).contains(&year) {
        errs.push(FieldError::new("year", "centres.year_range"));
    }
    let name = name.trim();
    if name.is_empty() {
        errs.push(FieldError::new("name", "common.required"));
    } else if name.chars().count() > 100 {
        errs.push(FieldError::new("name", "common.too_long").with(100));
    }
    if guideline_ids.is_empty() {
        errs.push(FieldError::new(
            "guidelines",
            "assessment.choose_guidelines",
        ));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    let tx = db.write_tx().await?;
    for g in guideline_ids {
        let st =
            db::one::<StatusRow, _>(&tx, "SELECT status FROM guidelines WHERE id = ?", vals![*g])
                .await?;
        if st.is_none_or(|s| s.status != "published") {
            return Err(AppError::invalid("guidelines", "assessment.only_published"));
        }
    }
    if db::scalar(
        &tx,
        "SELECT id FROM assessment_rounds WHERE name = ?",
        vals![name],
    )
    .await?
    .is_some()
    {
        return Err(AppError::invalid("name", "assessment.name_taken"));
    }
    let now = db.clock().now();
    let id = db::scalar(
        &tx,
        "INSERT INTO assessment_rounds (year, name, status, created_by, created_at) VALUES (?, ?, 'open', ?, ?) RETURNING id",
        vals![year as i32, name, u.username.clone(), now],
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?;
    for g in guideline_ids {
        db::exec(
            &tx,
            "INSERT INTO round_guidelines (round_id, guideline_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            vals![id, *g],
        )
        .await?;
    }
    let (lo, hi) = district.descendant_range();
    let sheets = db::exec(
        &tx,
        "INSERT INTO assessment_sheets (round_id, community_code) \
         SELECT ?, code FROM divisions WHERE level = 5 AND merged_into IS NULL AND code BETWEEN ? AND ?",
        vals![id, lo, hi],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "assessment_round",
        &id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"year": year, "name": name, "guidelines": guideline_ids, "sheets": sheets})),
    )
    .await?;
    Ok(id)
}

#[derive(FromQueryResult)]
pub(super) struct StatusRow {
    pub(super) status: String,
}
