//! A worker's login account: an existing account linked to the record, or a new one created
//! from the record in one step (community staff for a community's worker, a town officer for
//! a town office's). The district alone manages accounts, as on `/admin/users`.

use sea_orm::FromQueryResult;
use serde::Serialize;

use crate::admin::users::{self, UserInput};
use crate::platform::audit;
use crate::platform::auth::{Actor, Role};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Constraint, Result};
use crate::platform::types::DivisionCode;
use crate::vals;
use crate::workers::store::Worker;

/// An account as a worker's record shows it: no username, the person's name and role.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Account {
    pub id: i64,
    pub display_name: String,
    pub role: String,
    pub active: bool,
}

pub async fn linked(db: &Db, w: &Worker) -> Result<Option<Account>> {
    db::one(
        &db.conn,
        "SELECT u.id, u.display_name, u.role, u.active FROM users u \
         JOIN workers w ON w.user_id = u.id WHERE w.id = ?",
        vals![w.id],
    )
    .await
}

/// The role and scope an account of the worker's unit has: community staff for a
/// community, a town officer for a town's office; none for the district's office (its
/// accounts are made on the users page, with their role chosen).
fn role_for(unit: &str) -> Option<(Role, &'static str)> {
    if unit.ends_with("000000") {
        None
    } else if unit.ends_with("000") {
        Some((Role::TownOfficer, "town_code"))
    } else {
        Some((Role::CommunityStaff, "community_code"))
    }
}

/// Accounts of the worker's unit not linked to any worker: those that may be linked.
pub async fn candidates(db: &Db, w: &Worker) -> Result<Vec<Account>> {
    let Some((role, column)) = role_for(&w.unit_code) else {
        return Ok(vec![]);
    };
    db::all(
        &db.conn,
        &format!(
            "SELECT u.id, u.display_name, u.role, u.active FROM users u WHERE u.role = ? \
             AND u.{column} = ? AND NOT EXISTS (SELECT 1 FROM workers w WHERE w.user_id = u.id) \
             ORDER BY u.display_name, u.id"
        ),
        vals![role.key(), w.unit_code.clone()],
    )
    .await
}

const LINKED: &[Constraint] = &[Constraint::unique_index(
    "workers",
    "workers_user",
    &["user_id"],
    "user",
    "workers.account_taken",
)];

/// Link an account of the worker's unit to the record (`None`: unlink).
pub async fn link(db: &Db, actor: &Actor, w: &Worker, user: Option<i64>) -> Result<()> {
    if let Some(u) = user
        && !candidates(db, w).await?.iter().any(|a| a.id == u)
    {
        return Err(AppError::invalid("user", "common.bad_choice"));
    }
    let before = linked(db, w).await?.map(|a| a.id);
    let tx = db.write_tx().await?;
    if let Err(e) = db::exec(
        &tx,
        "UPDATE workers SET user_id = ? WHERE id = ?",
        vals![user, w.id],
    )
    .await
    {
        tx.rollback().await?;
        return Err(e.on_constraint(LINKED));
    }
    audit::commit(
        tx,
        actor,
        "update",
        "worker_account",
        &w.id.to_string(),
        Some(&serde_json::json!({ "user_id": before })),
        Some(&serde_json::json!({ "user_id": user })),
    )
    .await
}

/// A first password for an account made from the register: twelve letters and digits
/// without look-alikes, to be handed to the person, who changes it.
fn first_password() -> Result<String> {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| AppError::Internal(anyhow::anyhow!("random: {e}")))?;
    let mut p: String = bytes
        .iter()
        .map(|b| ALPHABET[usize::from(*b) % ALPHABET.len()] as char)
        .collect();
    // the strength rule wants letters and digits both
    p.replace_range(11..12, "7");
    p.replace_range(0..1, "k");
    Ok(p)
}

/// Create the worker's account and link it, in one transaction: (username, first password).
pub async fn create(
    db: &Db,
    district: &DivisionCode,
    actor: &Actor,
    w: &Worker,
    username: &str,
) -> Result<(String, String)> {
    if linked(db, w).await?.is_some() {
        return Err(AppError::invalid("username", "workers.has_account"));
    }
    let Some((role, column)) = role_for(&w.unit_code) else {
        return Err(AppError::invalid("username", "workers.office_account"));
    };
    let password = first_password()?;
    let mut input = UserInput {
        username: username.trim().to_lowercase(),
        display_name: w.name.expose().to_string(),
        role: role.key().to_string(),
        password: password.clone(),
        active: Some("on".into()),
        ..Default::default()
    };
    match column {
        "town_code" => input.town_code = w.unit_code.clone(),
        _ => input.community_code = w.unit_code.clone(),
    }
    let tx = db.write_tx().await?;
    let made = async {
        let uid = users::create_in(db, &tx, district, actor, &input).await?;
        db::exec(
            &tx,
            "UPDATE workers SET user_id = ? WHERE id = ?",
            vals![uid, w.id],
        )
        .await
        .map_err(|e| e.on_constraint(LINKED))?;
        Ok::<_, AppError>(uid)
    }
    .await;
    let uid = match made {
        Ok(u) => u,
        Err(e) => {
            tx.rollback().await?;
            return Err(e);
        }
    };
    audit::commit(
        tx,
        actor,
        "update",
        "worker_account",
        &w.id.to_string(),
        Some(&serde_json::json!({ "user_id": null })),
        Some(&serde_json::json!({ "user_id": uid })),
    )
    .await?;
    Ok((input.username, password))
}

/// The username offered for a worker's new account: `w` and the record's number.
pub fn suggested_username(w: &Worker) -> String {
    format!("w{}", w.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_passwords_pass_the_strength_rule() {
        for _ in 0..50 {
            let p = first_password().unwrap();
            assert_eq!(p.len(), 12);
            assert_eq!(crate::platform::auth::check_password_strength(&p), Ok(()));
        }
    }

    #[test]
    fn the_units_account_role() {
        assert_eq!(
            role_for("320205106203").map(|r| r.0),
            Some(Role::CommunityStaff)
        );
        assert_eq!(
            role_for("320205106000").map(|r| r.0),
            Some(Role::TownOfficer)
        );
        assert_eq!(role_for("320205000000"), None);
    }
}
