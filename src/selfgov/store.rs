//! Whom self-government's records are for: the condition limiting a query to a scope, who may
//! read and write a community's records, and the titles the district awards communities.

use chrono::NaiveDate;
use sea_orm::{FromQueryResult, Value};

use crate::platform::audit;
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::platform::types::{DivisionCode, Level};
use crate::vals;

/// SQL condition limiting a `community_code` column to what a scope sees. Joint meetings
/// carry the district's code, which only the district and departments see.
pub fn code_scope(scope: &Scope, district: &DivisionCode, col: &str) -> (String, Vec<Value>) {
    let range = |c: &DivisionCode| {
        let (lo, hi) = c.descendant_range();
        (format!("{col} BETWEEN ? AND ?"), vals![lo, hi])
    };
    match scope {
        Scope::District => {
            let (c, mut v) = range(district);
            v.push(district.as_str().into());
            (format!("({c} OR {col} = ?)"), v)
        }
        Scope::Town(t) => range(t),
        Scope::Community(c) => (format!("{col} = ?"), vals![c.as_str()]),
        Scope::Department(_) => (format!("{col} = ?"), vals![district.as_str()]),
        Scope::Provider(_) => ("1 = 0".into(), vals![]),
    }
}

/// Who reads self-government: the admin, assessors, towns and community staff.
pub fn check_reader(u: &CurrentUser) -> Result<()> {
    u.require(&[
        Role::DistrictAdmin,
        Role::Assessor,
        Role::TownOfficer,
        Role::CommunityStaff,
    ])
}

/// Who writes a community's records: its own staff, and the district admin. A town reads.
pub fn check_writer(u: &CurrentUser, code: &str) -> Result<()> {
    match (&u.role, &u.scope) {
        (Role::DistrictAdmin, _) => Ok(()),
        (Role::CommunityStaff, Scope::Community(c)) if c.as_str() == code => Ok(()),
        _ => Err(AppError::Forbidden),
    }
}

/// A community of the district (level 5, not merged away), or 404.
pub async fn live_community(
    db: &Db,
    district: &DivisionCode,
    code: &str,
) -> Result<(String, String)> {
    let c = DivisionCode::parse_level(code, Level::Community).map_err(|_| AppError::NotFound)?;
    if !district.contains_str(c.as_str()) {
        return Err(AppError::NotFound);
    }
    #[derive(FromQueryResult)]
    struct N {
        name: String,
    }
    let n: Option<N> = db::one(
        &db.conn,
        "SELECT name FROM divisions WHERE code = ? AND level = 5 AND merged_into IS NULL",
        vals![c.as_str()],
    )
    .await?;
    Ok((c.as_str().to_string(), n.ok_or(AppError::NotFound)?.name))
}

/// Whether a scope sees a community's (or the district's) records: the same rule as
/// [`code_scope`], for one code.
pub fn in_scope(scope: &Scope, district: &DivisionCode, code: &str) -> bool {
    match scope {
        Scope::District => district.contains_str(code),
        Scope::Town(t) => t.contains_str(code),
        Scope::Community(c) => c.as_str() == code,
        Scope::Department(_) => code == district.as_str(),
        Scope::Provider(_) => false,
    }
}

/// A community the user may see, with its name, or 404.
pub async fn seen_community(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
) -> Result<(String, String)> {
    check_reader(u)?;
    let (c, name) = live_community(db, district, code).await?;
    if !in_scope(&u.scope, district, &c) {
        return Err(AppError::NotFound);
    }
    Ok((c, name))
}

// ------------------------------------------------------------------ tags

use crate::geo::store::{TAGS, tags_of};

/// Set a community's titles (the district awards them).
pub async fn set_tags(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    tags: &[String],
    on: NaiveDate,
) -> Result<()> {
    if !u.is_admin() {
        return Err(AppError::Forbidden);
    }
    let (code, _) = live_community(db, district, code).await?;
    for t in tags {
        if !TAGS.contains(&t.as_str()) {
            return Err(AppError::invalid("tags", "selfgov.bad_tag"));
        }
    }
    let before = tags_of(db, &code).await?;
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "DELETE FROM community_tags WHERE community_code = ?",
        vals![code.clone()],
    )
    .await?;
    let mut tags: Vec<String> = tags.to_vec();
    tags.sort();
    tags.dedup();
    db::insert_rows(
        &tx,
        "community_tags",
        &["community_code", "tag", "awarded_on"],
        tags.iter()
            .map(|t| vals![code.clone(), t.clone(), on])
            .collect(),
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "update",
        "community_tag",
        &code,
        Some(&before),
        Some(&tags),
    )
    .await?;
    Ok(())
}
