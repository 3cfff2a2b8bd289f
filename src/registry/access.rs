//! The people's rights over their data (PIPL):
//!
//! - **Who saw what.** Lists show ID numbers and phones masked to everyone; a full ID number
//!   or phone is shown on one person's record (to the district and the person's own
//!   community), in an export, or - to a town that gives its reason - on a household's page.
//!   Each such showing is written to the access log: who, whom, which fields, why. The log is
//!   apart from the audit chain and kept for the days the district sets
//!   (`registry.access_log_days`), then removed by `shequ maintenance`.
//! - **Access.** The district exports everything the platform holds on a person, for them.
//! - **Retention.** People who moved out or died more than the years the district sets
//!   (`registry.retention_years`) ago are anonymised by `shequ maintenance`.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult, Value};
use serde::Serialize;

use crate::platform::auth::{CurrentUser, Role};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::personal::reveal_opt;
use crate::platform::types::DivisionCode;
use crate::registry::population::settings;
use crate::registry::residents::{self, Resident};
use crate::vals;

/// Record that `u` was shown `fields` of these people (id, community), for `reason`.
pub async fn record<C: ConnectionTrait>(
    c: &C,
    u: &CurrentUser,
    people: &[(i64, String)],
    fields: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let rows: Vec<Vec<Value>> = people
        .iter()
        .map(|(id, community)| {
            vals![
                now,
                u.id,
                u.username.clone(),
                *id,
                community.clone(),
                fields,
                reason
            ]
        })
        .collect();
    db::insert_rows(
        c,
        "access_log",
        &[
            "at",
            "user_id",
            "username",
            "resident_id",
            "community_code",
            "fields",
            "reason",
        ],
        rows,
    )
    .await
}

/// The fields of a record shown in full: `id_number`, `phone`, or both.
fn shown_fields(r: &Resident) -> String {
    let mut f = vec![];
    if r.id_number.is_some() {
        f.push("id_number");
    }
    if r.phone.is_some() {
        f.push("phone");
    }
    f.join(",")
}

/// One person's record as its page shows it: in full to those who keep the registry (the
/// showing logged), masked to the others.
pub async fn view(db: &Db, district: &DivisionCode, u: &CurrentUser, id: i64) -> Result<Resident> {
    let r = residents::load(db, district, u, id).await?;
    if residents::sees_personal(u) {
        let fields = shown_fields(&r);
        if !fields.is_empty() {
            log_one(db, u, &r, &fields, "").await?;
        }
    }
    Ok(r)
}

async fn log_one(db: &Db, u: &CurrentUser, r: &Resident, fields: &str, reason: &str) -> Result<()> {
    let tx = db.write_tx().await?;
    record(
        &tx,
        u,
        &[(r.id, r.community_code.clone())],
        fields,
        reason,
        db.clock().now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A masked record shown in full to someone outside the person's community who gave a
/// reason (2 to 200 characters); the showing logged with it.
pub async fn reveal(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    reason: &str,
) -> Result<Resident> {
    let reason = reason.trim();
    let n = reason.chars().count();
    if !(2..=200).contains(&n) {
        return Err(AppError::Invalid(vec![FieldError::new(
            "reason",
            "registry.reason",
        )]));
    }
    let mut r = residents::load(db, district, u, id).await?;
    r.name = r.name.reveal(true);
    r.id_number = reveal_opt(r.id_number, true);
    r.phone = reveal_opt(r.phone, true);
    log_one(db, u, &r, "name,id_number,phone", reason).await?;
    Ok(r)
}

/// One entry of the access log.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Entry {
    pub at: DateTime<Utc>,
    pub username: String,
    pub fields: String,
    pub reason: String,
}

/// Who saw a person's full data, newest first (the district only).
pub async fn log_of(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
) -> Result<Vec<Entry>> {
    if u.role != Role::DistrictAdmin {
        return Err(AppError::Forbidden);
    }
    residents::load(db, district, u, id).await?;
    db::all(
        &db.conn,
        // the person's name as the accounts list shows it, not the login name
        "SELECT a.at, COALESCE(u.display_name, a.username) AS username, a.fields, a.reason \
         FROM access_log a LEFT JOIN users u ON u.id = a.user_id WHERE a.resident_id = ? \
         ORDER BY a.at DESC, a.id DESC LIMIT 500",
        vals![id],
    )
    .await
}

/// Everything the platform holds on a person, for them (the district only; the export is
/// logged as a showing).
pub async fn subject_export(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
) -> Result<serde_json::Value> {
    if u.role != Role::DistrictAdmin {
        return Err(AppError::Forbidden);
    }
    let r = residents::load(db, district, u, id).await?;
    let phone = r
        .phone
        .as_ref()
        .map(|p| p.expose().to_string())
        .unwrap_or_default();
    let name = r.name.expose().to_string();
    let rows = |sql: &'static str, v: Vec<Value>, cols: &'static [&'static str]| async move {
        let raw: Vec<Vec<serde_json::Value>> = db::all_json(&db.conn, cols, sql, v).await?;
        Ok::<_, AppError>(
            raw.into_iter()
                .map(|row| {
                    serde_json::Value::Object(
                        cols.iter()
                            .zip(row)
                            .map(|(k, v)| (k.to_string(), v))
                            .collect(),
                    )
                })
                .collect::<Vec<_>>(),
        )
    };
    let moves = rows(
        "SELECT CAST(m.on_date AS TEXT) AS on_date, m.kind, h.number, m.reason FROM household_moves m \
         JOIN households h ON h.id = m.household_id WHERE m.resident_id = ? ORDER BY m.on_date",
        vals![id],
        &["on_date", "kind", "number", "reason"],
    )
    .await?;
    let cases = rows(
        "SELECT number, CAST(received_at AS TEXT) AS received_at, status, applicant_name, \
         applicant_phone, address, description FROM cases WHERE resident_id = ? \
         OR (resident_id IS NULL AND applicant_phone <> '' AND applicant_phone = ? AND applicant_name = ?) \
         ORDER BY id",
        vals![id, phone, name],
        &["number", "received_at", "status", "applicant_name", "applicant_phone", "address", "description"],
    )
    .await?;
    let volunteering = rows(
        "SELECT name, phone, CAST(joined_on AS TEXT) AS joined_on FROM volunteers WHERE resident_id = ?",
        vals![id],
        &["name", "phone", "joined_on"],
    )
    .await?;
    let proposals = rows(
        "SELECT title, author, CAST(received_on AS TEXT) AS received_on FROM proposals WHERE resident_id = ?",
        vals![id],
        &["title", "author", "received_on"],
    )
    .await?;
    let views = rows(
        "SELECT CAST(at AS TEXT) AS at, username, fields, reason FROM access_log WHERE resident_id = ? ORDER BY at",
        vals![id],
        &["at", "username", "fields", "reason"],
    )
    .await?;
    log_one(db, u, &r, "export", "").await?;
    Ok(serde_json::json!({
        "exported_at": db.clock().now(),
        "person": r,
        "household_history": moves,
        "cases": cases,
        "volunteering": volunteering,
        "proposals": proposals,
        "seen_by": views,
    }))
}

/// What `shequ maintenance` did.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Maintained {
    pub anonymised: u64,
    pub access_log_removed: u64,
    pub staged_imports_removed: u64,
}

/// The registry's retention: people who left more than the set years before `today`
/// anonymised, access-log entries older than the set days removed, staged imports older
/// than a day removed. One transaction, one audit entry (counts only).
pub async fn maintain(db: &Db, today: NaiveDate) -> Result<Maintained> {
    let years = settings::number(&db.conn, settings::RETENTION_YEARS, 5).await?;
    let days = settings::number(&db.conn, settings::ACCESS_LOG_DAYS, 1095).await?;
    let before = today
        .checked_sub_months(chrono::Months::new((years.clamp(1, 200) * 12) as u32))
        .unwrap_or(today);
    let now = db.clock().now();
    let ids: Vec<(i64,)> = db::all_json(
        &db.conn,
        &["id"],
        "SELECT id FROM residents WHERE status <> 'present' AND left_on < ? AND anonymised_at IS NULL",
        vals![before],
    )
    .await?;
    let ids: Vec<i64> = ids.into_iter().map(|(i,)| i).collect();
    let tx = db.write_tx().await?;
    let anonymised = crate::registry::erasure::anonymise(&tx, &ids, now).await?;
    let access_log_removed = db::exec(
        &tx,
        "DELETE FROM access_log WHERE at < ?",
        vals![now - chrono::Duration::days(days.clamp(1, 36_500))],
    )
    .await?;
    let staged_imports_removed = db::exec(
        &tx,
        "DELETE FROM registry_imports WHERE created_at < ?",
        vals![now - chrono::Duration::hours(crate::registry::import::staged::KEPT_HOURS)],
    )
    .await?;
    let m = Maintained {
        anonymised,
        access_log_removed,
        staged_imports_removed,
    };
    crate::platform::audit::commit(
        tx,
        &crate::platform::auth::Actor::system("maintenance"),
        "maintain",
        "registry",
        &today.to_string(),
        None::<&()>,
        Some(&m),
    )
    .await?;
    Ok(m)
}
