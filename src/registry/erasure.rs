//! Erasing a person's data on their request (PIPL art. 47): the district's decision, with a
//! confirmation that counts what goes, then one transaction.

use sea_orm::Value;
use serde::Serialize;

use crate::platform::audit;
use crate::platform::auth::{CurrentUser, Role};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::platform::types::DivisionCode;
use crate::registry::residents::load;
use crate::vals;

/// What erasing a person's data removes: everything on their registry record that names or
/// describes them (the record itself stays, anonymised, for the records that must keep
/// pointing at someone - cases, payments, a household's history), and their data on the
/// records that name them - the applicant's name, phone, address and own words on their cases
/// (the cases stay, for the measures and ledgers), their volunteer record's name and phone,
/// their name on proposals. Villager representatives keep their names (an elected office is
/// a public record).
#[derive(Clone, Debug, Default, Serialize)]
pub struct Erasure {
    /// The person as the admin sees them (for the confirmation page; never logged).
    #[serde(skip)]
    pub name: String,
    #[serde(skip)]
    pub community_name: String,
    pub cases: i64,
    pub volunteers: i64,
    pub proposals: i64,
    pub representatives: i64,
}

/// The cases that are this person's: linked to the record, or registered without one under
/// the same name and phone.
const THEIR_CASES: &str = "(resident_id = ? OR (resident_id IS NULL AND applicant_phone <> '' \
    AND applicant_phone = ? AND applicant_name = ?))";

async fn erasure_counts<C: sea_orm::ConnectionTrait>(
    c: &C,
    id: i64,
    name: &str,
    phone: &str,
) -> Result<Erasure> {
    let count = |sql: String, v: Vec<Value>| async move {
        db::scalar(c, &sql, v).await.map(|n| n.unwrap_or(0))
    };
    Ok(Erasure {
        cases: count(
            format!("SELECT COUNT(*) FROM cases WHERE {THEIR_CASES}"),
            vals![id, phone, name],
        )
        .await?,
        volunteers: count(
            "SELECT COUNT(*) FROM volunteers WHERE resident_id = ?".into(),
            vals![id],
        )
        .await?,
        proposals: count(
            "SELECT COUNT(*) FROM proposals WHERE resident_id = ?".into(),
            vals![id],
        )
        .await?,
        representatives: count(
            "SELECT COUNT(*) FROM representatives WHERE resident_id = ?".into(),
            vals![id],
        )
        .await?,
        ..Default::default()
    })
}

fn erasable(u: &CurrentUser) -> Result<()> {
    // erasure is the district's decision on a person's request, not a community's
    if u.role == Role::DistrictAdmin {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// What erasing this resident would remove (the confirmation's numbers).
pub async fn erasure_preview(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
) -> Result<Erasure> {
    erasable(u)?;
    let r = load(db, district, u, id).await?;
    let phone = r.phone.as_ref().map(|p| p.expose()).unwrap_or("");
    let mut e = erasure_counts(&db.conn, id, r.name.expose(), phone).await?;
    e.name = r.name.expose().to_string();
    e.community_name = r.community_name;
    Ok(e)
}

/// Erase a resident's personal data, in one transaction, and log *that* it was done (with
/// the counts, never the data). Returns what was removed.
pub async fn erase(db: &Db, district: &DivisionCode, u: &CurrentUser, id: i64) -> Result<Erasure> {
    erasable(u)?;
    let r = load(db, district, u, id).await?;
    let name = r.name.expose().to_string();
    let phone = r
        .phone
        .as_ref()
        .map(|p| p.expose().to_string())
        .unwrap_or_default();
    let tx = db.write_tx().await?;
    let mut e = erasure_counts(&tx, id, &name, &phone).await?;
    // a rating's comment is the applicant's words too (the timeline keeps the stars)
    db::exec(
        &tx,
        &format!(
            "UPDATE case_events SET note = '' WHERE step = 'rate' AND case_id IN \
             (SELECT id FROM cases WHERE {THEIR_CASES})"
        ),
        vals![id, phone.clone(), name.clone()],
    )
    .await?;
    db::exec(
        &tx,
        &format!(
            "UPDATE cases SET applicant_name = '', applicant_phone = '', address = '', \
             description = '', lat = NULL, lon = NULL, rating_comment = NULL, resident_id = ?, \
             updated_at = ? WHERE {THEIR_CASES}"
        ),
        vals![id, db.clock().now(), id, phone.clone(), name.clone()],
    )
    .await?;
    db::exec(
        &tx,
        "UPDATE volunteers SET name = '', phone = '', active = ? WHERE resident_id = ?",
        vals![false, id],
    )
    .await?;
    db::exec(
        &tx,
        "UPDATE proposals SET author = '' WHERE resident_id = ?",
        vals![id],
    )
    .await?;
    if !phone.is_empty() {
        db::exec(
            &tx,
            "DELETE FROM public_request_quota WHERE phone = ?",
            vals![phone],
        )
        .await?;
    }
    anonymise(&tx, &[id], db.clock().now()).await?;
    audit::commit(
        tx,
        &u.actor(),
        "erase",
        "resident",
        &id.to_string(),
        None::<&()>,
        Some(&e),
    )
    .await?;
    e.name = name;
    e.community_name = r.community_name;
    Ok(e)
}

/// What an anonymised person's record keeps: the community, the household's history, the
/// status and the dates they came and left (the population of past dates still counts them),
/// and nothing that names or describes them.
pub async fn anonymise<C: sea_orm::ConnectionTrait>(
    c: &C,
    ids: &[i64],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<u64> {
    let mut n = 0;
    for chunk in ids.chunks(500) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let mut v = vals![now, now];
        v.extend(chunk.iter().map(|i| Value::from(*i)));
        n += db::exec(
            c,
            &format!(
                "UPDATE residents SET name = '-', id_number = NULL, phone = NULL, address = '', \
                 household = '', birth_date = NULL, gender = '', ethnicity = '', education = '', \
                 employment = '', disability = '', tags = ',', anonymised_at = ?, \
                 updated_at = ?, revision = revision + 1 WHERE id IN ({marks}) \
                 AND anonymised_at IS NULL"
            ),
            v,
        )
        .await?;
        // the head of a household is a person too
        let mut v = vals![now];
        v.extend(chunk.iter().map(|i| Value::from(*i)));
        db::exec(
            c,
            &format!(
                "UPDATE households SET head_id = NULL, updated_at = ? WHERE head_id IN ({marks})"
            ),
            v,
        )
        .await?;
    }
    Ok(n)
}
