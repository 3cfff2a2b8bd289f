//! Contributions: money from towns, villages and others toward a centre or a service.

use super::*;

#[derive(Clone, Debug, FromQueryResult, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Contribution {
    pub id: i64,
    pub community_code: String,
    pub community_name: String,
    pub year: i32,
    pub kind: String,
    pub source: String,
    pub amount_fen: i64,
    pub received_on: NaiveDate,
    pub note: String,
    pub recorded_by: String,
}

pub async fn contributions(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    code: Option<&str>,
    year: Option<i32>,
) -> Result<Vec<Contribution>> {
    let (cond, mut v) = geo::community_scope_sql(scope, district);
    let mut wh = vec![cond];
    if let Some(c) = code {
        wh.push("k.community_code = ?".into());
        v.push(c.into());
    }
    if let Some(y) = year {
        wh.push("k.year = ?".into());
        v.push(y.into());
    }
    db::all(
        &db.conn,
        &format!(
            "SELECT k.id, k.community_code, c.name AS community_name, k.year, k.kind, k.source, \
               k.amount_fen, k.received_on, k.note, k.recorded_by \
             FROM contributions k JOIN divisions c ON c.code = k.community_code \
             WHERE {} ORDER BY k.received_on DESC, k.id DESC",
            wh.join(" AND ")
        ),
        v,
    )
    .await
}

pub struct ContributionInput {
    pub code: String,
    pub kind: String,
    pub source: String,
    pub amount_fen: i64,
    pub received_on: Option<NaiveDate>,
    pub note: String,
}

/// Record a donation or village self-raised funds for a community in scope (staff their own).
pub async fn record_contribution(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    input: &ContributionInput,
    today: NaiveDate,
) -> Result<i64> {
    if !matches!(
        u.role,
        Role::DistrictAdmin | Role::TownOfficer | Role::CommunityStaff
    ) {
        return Err(AppError::Forbidden);
    }
    let mut errs = vec![];
    let c = match geo::load_community(db, district, &u.scope, input.code.trim()).await {
        Ok(c) if c.row.merged_into.is_none() => Some(c.row),
        Ok(_) | Err(AppError::NotFound) => {
            errs.push(FieldError::new("community", "funding.bad_community"));
            None
        }
        Err(e) => return Err(e),
    };
    if let (Scope::Community(own), Some(c)) = (&u.scope, &c)
        && own.as_str() != c.code
    {
        errs.push(FieldError::new("community", "funding.bad_community"));
    }
    if !matches!(input.kind.as_str(), "donation" | "self_raised") {
        errs.push(FieldError::new("kind", "funding.bad_kind"));
    }
    let source = input.source.trim();
    if source.is_empty() {
        errs.push(FieldError::new("source", "common.required"));
    } else if source.chars().count() > 100 {
        errs.push(FieldError::new("source", "common.too_long").with(100));
    }
    if input.amount_fen <= 0 {
        errs.push(FieldError::new("amount", "funding.positive"));
    } else if input.amount_fen > MAX_TOTAL_FEN {
        errs.push(FieldError::new("amount", "funding.total_absurd"));
    }
    match input.received_on {
        None => errs.push(FieldError::new("received_on", "common.date")),
        Some(d) if d > today => errs.push(FieldError::new("received_on", "centres.in_future")),
        _ => {}
    }
    if input.note.chars().count() > 500 {
        errs.push(FieldError::new("note", "common.too_long").with(500));
    }
    let (Some(c), Some(on), true) = (c, input.received_on, errs.is_empty()) else {
        return Err(AppError::Invalid(errs));
    };
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO contributions (community_code, year, kind, source, amount_fen, received_on, note, recorded_by, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            c.code.clone(),
            on.year(),
            input.kind.clone(),
            source,
            input.amount_fen,
            on,
            input.note.trim(),
            u.username.clone(),
            db.clock().now()
        ],
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))?;
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "contribution",
        &id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({
            "community_code": c.code, "kind": input.kind, "source": source,
            "amount_fen": input.amount_fen, "received_on": on,
        })),
    )
    .await?;
    Ok(id)
}
