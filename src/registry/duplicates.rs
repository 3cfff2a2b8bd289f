//! Likely duplicates: the same ID number twice is refused outright (a unique index); two
//! records without one for the same name, birth date and household address are listed for
//! the community's staff to merge. A merge keeps one record, fills what it lacks from the
//! other, moves every record that pointed at the other to it - cases, volunteers, proposals,
//! representatives, the households' history (both histories kept), the access log - and then
//! removes the other. One transaction, audited with the two ids.

use sea_orm::FromQueryResult;
use serde::Serialize;

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::platform::personal::{Name, Personal};
use crate::platform::types::DivisionCode;
use crate::registry::households::writable;
use crate::registry::residents::{self, sees_personal, territory};
use crate::vals;

/// A pair of records that look like one person.
#[derive(Clone, Debug, FromQueryResult, Serialize)]
pub struct Pair {
    pub first: i64,
    pub second: i64,
    pub community_name: String,
    #[serde(skip)]
    pub name: Personal<Name>,
    pub birth_date: String,
    pub first_household: String,
    pub second_household: String,
    pub first_has_id: bool,
    pub second_has_id: bool,
}

/// The most pairs listed at once.
pub const LIMIT: u64 = 200;

/// Likely duplicates in the caller's territory (keepers of the registry only).
pub async fn likely(db: &Db, district: &DivisionCode, u: &CurrentUser) -> Result<Vec<Pair>> {
    if !sees_personal(u) {
        return Err(AppError::Forbidden);
    }
    let (cond, v) = territory(&u.scope, district, "a.community_code").ok_or(AppError::Forbidden)?;
    let pairs: Vec<Pair> = db::all(
        &db.conn,
        &format!(
            "SELECT a.id AS first, b.id AS second, c.name AS community_name, a.name, \
             CAST(a.birth_date AS TEXT) AS birth_date, a.household AS first_household, \
             b.household AS second_household, a.id_number IS NOT NULL AS first_has_id, \
             b.id_number IS NOT NULL AS second_has_id \
             FROM residents a JOIN residents b ON b.community_code = a.community_code \
             AND b.birth_date = a.birth_date AND b.name = a.name AND b.id > a.id \
             JOIN divisions c ON c.code = a.community_code \
             LEFT JOIN households ha ON ha.id = a.household_id \
             LEFT JOIN households hb ON hb.id = b.household_id \
             WHERE {cond} AND a.anonymised_at IS NULL AND b.anonymised_at IS NULL \
             AND a.status = 'present' AND b.status = 'present' \
             AND (a.id_number IS NULL OR b.id_number IS NULL) \
             AND (a.household_id = b.household_id OR (ha.point = hb.point \
             AND ha.house_number = hb.house_number AND ha.point <> '')) \
             ORDER BY a.community_code, a.name, a.id LIMIT {LIMIT}"
        ),
        v,
    )
    .await?;
    Ok(pairs
        .into_iter()
        .map(|mut p| {
            p.name = p.name.reveal(true);
            p
        })
        .collect())
}

/// What a merge did, for the message.
#[derive(Clone, Debug, Serialize)]
pub struct Merged {
    pub kept: i64,
    pub removed: i64,
    pub moved: u64,
}

/// The tables whose rows point at a resident (moved to the kept record by a merge).
const POINTING: [&str; 6] = [
    "cases",
    "volunteers",
    "proposals",
    "representatives",
    "household_moves",
    "access_log",
];

/// The two records of a merge as the confirmation shows them, and how many records point at
/// the one that goes.
pub async fn preview(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    keep: i64,
    other: i64,
) -> Result<(residents::Resident, residents::Resident, i64)> {
    let (a, b) = checked(db, district, u, keep, other).await?;
    let mut n = 0;
    for table in POINTING {
        n += db::scalar(
            &db.conn,
            &format!("SELECT COUNT(*) FROM {table} WHERE resident_id = ?"),
            vals![other],
        )
        .await?
        .unwrap_or(0);
    }
    Ok((a, b, n))
}

async fn checked(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    keep: i64,
    other: i64,
) -> Result<(residents::Resident, residents::Resident)> {
    if keep == other {
        return Err(AppError::invalid("other", "registry.merge_same"));
    }
    let a = residents::load(db, district, u, keep).await?;
    let b = residents::load(db, district, u, other).await?;
    writable(db, district, u, &a.community_code).await?;
    if a.community_code != b.community_code {
        return Err(AppError::invalid("other", "registry.merge_community"));
    }
    if a.id_number.is_some() && b.id_number.is_some() {
        // two ID numbers are two people
        return Err(AppError::invalid("other", "registry.merge_two_ids"));
    }
    Ok((a, b))
}

/// Merge `other` into `keep`: both of the caller's territory and of one community.
pub async fn merge(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    keep: i64,
    other: i64,
) -> Result<Merged> {
    let (_, b) = checked(db, district, u, keep, other).await?;
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    // what the kept record lacks, from the other (the ID number moves last: it is unique)
    let id_number = b.id_number.as_ref().map(|i| i.expose().to_string());
    db::exec(
        &tx,
        "UPDATE residents SET id_number = NULL WHERE id = ?",
        vals![other],
    )
    .await?;
    db::exec(
        &tx,
        "UPDATE residents SET id_number = COALESCE(id_number, ?), \
         phone = COALESCE(phone, (SELECT o.phone FROM residents o WHERE o.id = ?)), \
         address = CASE WHEN address = '' THEN (SELECT o.address FROM residents o WHERE o.id = ?) ELSE address END, \
         ethnicity = CASE WHEN ethnicity = '' THEN (SELECT o.ethnicity FROM residents o WHERE o.id = ?) ELSE ethnicity END, \
         education = CASE WHEN education = '' THEN (SELECT o.education FROM residents o WHERE o.id = ?) ELSE education END, \
         employment = CASE WHEN employment = '' THEN (SELECT o.employment FROM residents o WHERE o.id = ?) ELSE employment END, \
         updated_at = ?, revision = revision + 1 WHERE id = ?",
        vals![id_number, other, other, other, other, other, now, keep],
    )
    .await?;
    let mut moved = 0;
    for table in POINTING {
        moved += db::exec(
            &tx,
            &format!("UPDATE {table} SET resident_id = ? WHERE resident_id = ?"),
            vals![keep, other],
        )
        .await?;
    }
    db::exec(
        &tx,
        "UPDATE households SET head_id = ? WHERE head_id = ?",
        vals![keep, other],
    )
    .await?;
    db::exec(&tx, "DELETE FROM residents WHERE id = ?", vals![other]).await?;
    let m = Merged {
        kept: keep,
        removed: other,
        moved,
    };
    audit::commit(
        tx,
        &u.actor(),
        "merge",
        "resident",
        &keep.to_string(),
        None::<&()>,
        Some(&m),
    )
    .await?;
    Ok(m)
}
