//! User accounts: the store (shared by the CLI's `user add|passwd|list`) and the district
//! admin's pages.

use sea_orm::FromQueryResult;
use serde::{Deserialize, Serialize};

use crate::platform::audit;
use crate::platform::auth::{self, Actor, Role};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::revision;
use crate::platform::types::{DivisionCode, Level};
use crate::vals;

/// A user as lists and the API show it: never the password hash.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub department_id: Option<i64>,
    pub department_name: Option<String>,
    pub town_code: Option<String>,
    pub community_code: Option<String>,
    /// Name of the bound town or community.
    pub binding_name: Option<String>,
    pub provider_id: Option<i64>,
    pub active: bool,
    /// Raised by each save of the account by an administrator (platform::revision).
    pub revision: i64,
}

const VIEW_SELECT: &str = "SELECT u.id, u.username, u.display_name, u.role, u.department_id, d.name AS department_name, \
    u.town_code, u.community_code, COALESCE(c.name, t.name, p.name) AS binding_name, u.provider_id, u.active, \
    u.revision FROM users u LEFT JOIN departments d ON d.id = u.department_id \
    LEFT JOIN divisions t ON t.code = u.town_code LEFT JOIN divisions c ON c.code = u.community_code \
    LEFT JOIN providers p ON p.id = u.provider_id";

pub async fn list(db: &Db) -> Result<Vec<UserView>> {
    db::all(
        &db.conn,
        &format!("{VIEW_SELECT} ORDER BY u.role, u.username"),
        vals![],
    )
    .await
}

pub async fn load(db: &Db, id: i64) -> Result<UserView> {
    db::one(
        &db.conn,
        &format!("{VIEW_SELECT} WHERE u.id = ?"),
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// What the user form and `shequ user add` send.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct UserInput {
    #[serde(default)]
    pub username: String,
    pub display_name: String,
    pub role: String,
    #[serde(default)]
    pub department_id: String,
    #[serde(default)]
    pub town_code: String,
    #[serde(default)]
    pub community_code: String,
    #[serde(default)]
    pub provider_id: String,
    /// Required on create; on edit, a new password resets it.
    #[serde(default)]
    pub password: String,
    #[serde(default)]
    pub active: Option<String>,
    /// The revision the form was opened at (platform::revision).
    #[serde(default)]
    pub revision: String,
}

/// The role's binding after checks against the database.
struct Checked {
    username: String,
    display_name: String,
    role: Role,
    department_id: Option<i64>,
    town_code: Option<String>,
    community_code: Option<String>,
    provider_id: Option<i64>,
    active: bool,
}

pub fn valid_username(s: &str) -> bool {
    (3..=32).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
}

async fn check(db: &Db, district: &DivisionCode, i: &UserInput, creating: bool) -> Result<Checked> {
    let mut errs = vec![];
    let username = i.username.trim().to_lowercase();
    if creating && !valid_username(&username) {
        errs.push(FieldError::new("username", "users.bad_username"));
    }
    let display_name = i.display_name.trim().to_string();
    if display_name.is_empty() {
        errs.push(FieldError::new("display_name", "common.required"));
    } else if display_name.chars().count() > 40 {
        errs.push(FieldError::new("display_name", "common.too_long").with(40));
    }
    let role = Role::parse(&i.role);
    if role.is_none() {
        errs.push(FieldError::new("role", "users.bad_role"));
    }
    let (mut department_id, mut town_code, mut community_code, mut provider_id) =
        (None, None, None, None);
    match role {
        Some(Role::DepartmentOfficer) => match i.department_id.trim().parse::<i64>() {
            Ok(id)
                if db::scalar(
                    &db.conn,
                    "SELECT id FROM departments WHERE id = ?",
                    vals![id],
                )
                .await?
                .is_some() =>
            {
                department_id = Some(id)
            }
            _ => errs.push(FieldError::new("department_id", "users.need_department")),
        },
        Some(Role::TownOfficer) => match DivisionCode::parse_level(&i.town_code, Level::Town) {
            Ok(c) if c.area().as_ref() == Some(district) && exists(db, c.as_str()).await? => {
                town_code = Some(c.as_str().to_string())
            }
            _ => errs.push(FieldError::new("town_code", "users.need_town")),
        },
        Some(Role::CommunityStaff) => {
            match DivisionCode::parse_level(&i.community_code, Level::Community) {
                Ok(c) if c.area().as_ref() == Some(district) && exists(db, c.as_str()).await? => {
                    community_code = Some(c.as_str().to_string())
                }
                _ => errs.push(FieldError::new("community_code", "users.need_community")),
            }
        }
        Some(Role::Provider) => match i.provider_id.trim().parse::<i64>() {
            Ok(id)
                if db::scalar(&db.conn, "SELECT id FROM providers WHERE id = ?", vals![id])
                    .await?
                    .is_some() =>
            {
                provider_id = Some(id)
            }
            _ => errs.push(FieldError::new("provider_id", "users.need_provider")),
        },
        _ => {}
    }
    if (creating || !i.password.is_empty())
        && let Err(k) = auth::check_password_strength(&i.password)
    {
        errs.push(FieldError::new("password", k).with(auth::MIN_PASSWORD_LEN));
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(errs));
    }
    Ok(Checked {
        username,
        display_name,
        role: role.unwrap_or(Role::Assessor),
        department_id,
        town_code,
        community_code,
        provider_id,
        active: i.active.is_some(),
    })
}

async fn exists(db: &Db, code: &str) -> Result<bool> {
    Ok(db::scalar(
        &db.conn,
        "SELECT COUNT(*) FROM divisions WHERE code = ?",
        vals![code],
    )
    .await?
    .unwrap_or(0)
        > 0)
}

const UNIQUE: &[crate::platform::error::Constraint] =
    &[crate::platform::error::Constraint::unique(
        "users",
        &["username"],
        "username",
        "users.username_taken",
    )];

#[derive(Serialize)]
struct Audited<'a> {
    username: &'a str,
    display_name: &'a str,
    role: &'a str,
    department_id: Option<i64>,
    town_code: Option<&'a str>,
    community_code: Option<&'a str>,
    provider_id: Option<i64>,
    active: bool,
}

impl<'a> From<&'a Checked> for Audited<'a> {
    fn from(c: &'a Checked) -> Self {
        Audited {
            username: &c.username,
            display_name: &c.display_name,
            role: c.role.key(),
            department_id: c.department_id,
            town_code: c.town_code.as_deref(),
            community_code: c.community_code.as_deref(),
            provider_id: c.provider_id,
            active: c.active,
        }
    }
}

pub async fn create(db: &Db, district: &DivisionCode, actor: &Actor, i: &UserInput) -> Result<i64> {
    let c = check(db, district, i, true).await?;
    let hash = auth::hash_password(&i.password)?;
    let tx = db.write_tx().await?;
    match insert(&tx, actor, &c, hash).await {
        Ok(id) => {
            tx.commit().await?;
            Ok(id)
        }
        Err(e) => {
            tx.rollback().await?;
            Err(e)
        }
    }
}

/// Create an account inside the caller's transaction (another domain's record that comes
/// with an account: both or neither), audited in it. The caller commits or rolls back.
pub async fn create_in(
    db: &Db,
    tx: &crate::platform::db::WriteTx,
    district: &DivisionCode,
    actor: &Actor,
    i: &UserInput,
) -> Result<i64> {
    let c = check(db, district, i, true).await?;
    let hash = auth::hash_password(&i.password)?;
    insert(tx, actor, &c, hash).await
}

async fn insert(
    tx: &crate::platform::db::WriteTx,
    actor: &Actor,
    c: &Checked,
    hash: String,
) -> Result<i64> {
    let id = db::scalar(
        tx,
        "INSERT INTO users (username, display_name, password_hash, role, department_id, town_code, community_code, \
         provider_id, active, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            c.username.clone(),
            c.display_name.clone(),
            hash,
            c.role.key(),
            c.department_id,
            c.town_code.clone(),
            c.community_code.clone(),
            c.provider_id,
            c.active,
            crate::platform::time::real_now()
        ],
    )
    .await
    .map_err(|e| e.on_constraint(UNIQUE))?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("insert returned no id")))?;
    audit::record(
        tx,
        actor,
        "create",
        "user",
        &id.to_string(),
        None::<&()>,
        Some(&Audited::from(c)),
    )
    .await?;
    Ok(id)
}

pub async fn update(
    db: &Db,
    district: &DivisionCode,
    actor: &Actor,
    id: i64,
    i: &UserInput,
) -> Result<()> {
    let before = load(db, id).await?;
    let mut c = check(db, district, i, false).await?;
    c.username = before.username.clone();
    let tx = db.write_tx().await?;
    revision::update(
        &tx,
        "users",
        "user",
        id,
        revision::base(&i.revision)?,
        "display_name = ?, role = ?, department_id = ?, town_code = ?, community_code = ?, \
         provider_id = ?, active = ?",
        vals![
            c.display_name.clone(),
            c.role.key(),
            c.department_id,
            c.town_code.clone(),
            c.community_code.clone(),
            c.provider_id,
            c.active
        ],
    )
    .await?;
    if !i.password.is_empty() {
        db::exec(
            &tx,
            "UPDATE users SET password_hash = ? WHERE id = ?",
            vals![auth::hash_password(&i.password)?, id],
        )
        .await?;
    }
    if !i.password.is_empty() || !c.active || before.role != c.role.key() {
        // A reset password, a disabled account or a new role ends existing sessions and
        // API tokens: whatever was granted under the old terms goes with them.
        db::exec(&tx, "DELETE FROM sessions WHERE user_id = ?", vals![id]).await?;
        db::exec(
            &tx,
            "UPDATE api_tokens SET revoked = ? WHERE user_id = ?",
            vals![true, id],
        )
        .await?;
    }
    let mut after = serde_json::to_value(Audited::from(&c)).map_err(anyhow::Error::from)?;
    if !i.password.is_empty() {
        after["password"] = "reset".into();
    }
    audit::commit(
        tx,
        actor,
        "update",
        "user",
        &id.to_string(),
        Some(&before),
        Some(&after),
    )
    .await?;
    Ok(())
}

/// Create an API token for a user; returns the token (shown once, only its hash is kept).
pub async fn create_token(
    db: &Db,
    actor: &Actor,
    username: &str,
    label: &str,
    days: Option<i64>,
) -> Result<String> {
    let u = auth::find_user_by_name(&db.conn, username)
        .await?
        .ok_or(AppError::NotFound)?;
    let token = format!("shq_{}", auth::random_token()?);
    let expires = days.map(|d| crate::platform::time::real_now() + chrono::Duration::days(d));
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
        vals![u.id, auth::sha256_hex(&token), label, crate::platform::time::real_now(), expires],
    )
    .await?
    .unwrap_or_default();
    audit::commit(
        tx,
        actor,
        "create",
        "api_token",
        &id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"user": u.username, "label": label, "expires_at": expires})),
    )
    .await?;
    Ok(token)
}
