//! Accounts, roles and scopes; passwords, sessions, API tokens and login throttling.
//!
//! A user's [`Scope`] follows from the role and its binding and is handed to every store query
//! that lists or loads scoped data, so a forgotten check cannot be written by accident.

pub mod guard;
pub mod web;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use sha2::{Digest, Sha256};

use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::platform::types::DivisionCode;
use crate::vals;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    DistrictAdmin,
    DepartmentOfficer,
    TownOfficer,
    CommunityStaff,
    Assessor,
    Provider,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::DistrictAdmin,
        Role::DepartmentOfficer,
        Role::TownOfficer,
        Role::CommunityStaff,
        Role::Assessor,
        Role::Provider,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Role::DistrictAdmin => "district_admin",
            Role::DepartmentOfficer => "department_officer",
            Role::TownOfficer => "town_officer",
            Role::CommunityStaff => "community_staff",
            Role::Assessor => "assessor",
            Role::Provider => "provider",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == s.trim())
    }

    /// The locale key of the role's name.
    pub fn label_key(self) -> String {
        format!("roles.{}", self.key())
    }
}

/// What part of the district a user may see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scope {
    /// District admins and assessors: the whole district.
    District,
    /// A department officer: the department's own data; geography district-wide.
    Department(i64),
    /// A town officer: the town's communities.
    Town(DivisionCode),
    /// Community staff: their community.
    Community(DivisionCode),
    /// A provider: the requests dispatched to it (no geography of its own).
    Provider(i64),
}

/// The person (or command) behind a change, as the audit log records it.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Option<i64>,
    pub name: String,
}

impl Actor {
    pub fn system(name: &str) -> Actor {
        Actor {
            id: None,
            name: name.to_string(),
        }
    }
}

#[derive(Clone, Debug, FromQueryResult)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: String,
    pub department_id: Option<i64>,
    pub town_code: Option<String>,
    pub community_code: Option<String>,
    pub provider_id: Option<i64>,
    pub active: bool,
}

/// The signed-in user of a request.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// Name of the district, department, town, community or provider the scope stands for.
    pub scope_label: String,
    /// The session's CSRF token (empty for API-token requests, which need none).
    pub csrf: String,
    pub via_token: bool,
    /// When the session or token behind this request expires.
    pub expires_at: Option<DateTime<Utc>>,
}

impl CurrentUser {
    fn from_row(row: &PrincipalRow, via_token: bool) -> Result<CurrentUser> {
        let role = Role::parse(&row.role)
            .ok_or_else(|| anyhow::anyhow!("user {} has unknown role {}", row.id, row.role))?;
        let code = |c: &Option<String>| -> Result<DivisionCode> {
            let s = c.as_deref().unwrap_or("");
            DivisionCode::parse(s).map_err(|e| {
                AppError::Internal(anyhow::anyhow!("user {} binding {s}: {e}", row.id))
            })
        };
        let missing = || AppError::Internal(anyhow::anyhow!("user {} lacks its binding", row.id));
        let scope = match role {
            Role::DistrictAdmin | Role::Assessor => Scope::District,
            Role::DepartmentOfficer => Scope::Department(row.department_id.ok_or_else(missing)?),
            Role::TownOfficer => Scope::Town(code(&row.town_code)?),
            Role::CommunityStaff => Scope::Community(code(&row.community_code)?),
            Role::Provider => Scope::Provider(row.provider_id.ok_or_else(missing)?),
        };
        Ok(CurrentUser {
            id: row.id,
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            role,
            scope,
            scope_label: row.scope_label.clone().unwrap_or_default(),
            csrf: row.secret.clone(),
            via_token,
            expires_at: row.expires_at,
        })
    }

    pub fn actor(&self) -> Actor {
        Actor {
            id: (self.id > 0).then_some(self.id),
            name: self.username.clone(),
        }
    }

    /// The system acting as the district admin (the demo generator, the CLI): no account
    /// behind it, so audit entries carry its name and no user id.
    pub fn system_admin(name: &str) -> CurrentUser {
        CurrentUser {
            id: 0,
            username: name.to_string(),
            display_name: name.to_string(),
            role: Role::DistrictAdmin,
            scope: Scope::District,
            scope_label: String::new(),
            csrf: String::new(),
            via_token: false,
            expires_at: None,
        }
    }

    /// Refuse unless the user has one of the roles.
    pub fn require(&self, roles: &[Role]) -> Result<()> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::DistrictAdmin
    }
}

// ------------------------------------------------------------------ passwords

pub const MIN_PASSWORD_LEN: usize = 8;

pub fn hash_password(password: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random: {e}"))?;
    let salt = SaltString::encode_b64(&bytes).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(hash.to_string())
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A password must be long enough and not all one character.
pub fn check_password_strength(password: &str) -> std::result::Result<(), &'static str> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err("password.too_short");
    }
    let first = password.chars().next();
    if password.chars().all(|c| Some(c) == first) {
        return Err("password.too_simple");
    }
    Ok(())
}

// ------------------------------------------------------------------ tokens & sessions

/// 32 random bytes as hex.
pub fn random_token() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("random: {e}"))?;
    Ok(hex::encode(bytes))
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Compare two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub const SESSION_HOURS: i64 = 12;

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.password_hash, u.role, \
    u.department_id, u.town_code, u.community_code, u.provider_id, u.active";

pub async fn find_user_by_name<C: ConnectionTrait>(
    c: &C,
    username: &str,
) -> Result<Option<UserRow>> {
    db::one(
        c,
        &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = ?"),
        vals![username.trim()],
    )
    .await
}

pub async fn find_user<C: ConnectionTrait>(c: &C, id: i64) -> Result<Option<UserRow>> {
    db::one(
        c,
        &format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?"),
        vals![id],
    )
    .await
}

/// Start a session; returns the cookie value (only its hash is stored).
pub async fn create_session(db: &Db, user_id: i64) -> Result<(String, String)> {
    let token = random_token()?;
    let csrf = random_token()?;
    let now = crate::platform::time::real_now();
    db::exec(
        &db.conn,
        "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
        vals![sha256_hex(&token), user_id, csrf.clone(), now, now + Duration::hours(SESSION_HOURS)],
    )
    .await?;
    // Old expired sessions are swept on every login: cheap, and keeps the table small.
    db::exec(
        &db.conn,
        "DELETE FROM sessions WHERE expires_at < ?",
        vals![now],
    )
    .await?;
    Ok((token, csrf))
}

#[derive(Debug)]
pub enum SessionLookup {
    Valid(Box<CurrentUser>),
    Expired,
    Unknown,
}

/// A session or token with its user and scope label, read in one query on every request.
#[derive(FromQueryResult)]
struct PrincipalRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    department_id: Option<i64>,
    town_code: Option<String>,
    community_code: Option<String>,
    provider_id: Option<i64>,
    active: bool,
    scope_label: Option<String>,
    /// The session's CSRF token; empty for API tokens.
    secret: String,
    expires_at: Option<DateTime<Utc>>,
    revoked: bool,
}

/// `{0}` is the credential table's columns and name (alias `x`), `{1}` its hash column;
/// binds the district code, then the hash.
const PRINCIPAL_SQL: &str = "SELECT u.id, u.username, u.display_name, u.role, u.department_id, \
    u.town_code, u.community_code, u.provider_id, u.active, \
    COALESCE(d.name, c.name, t.name, p.name, dist.name) AS scope_label, {0} \
    JOIN users u ON u.id = x.user_id \
    LEFT JOIN departments d ON d.id = u.department_id \
    LEFT JOIN divisions c ON c.code = u.community_code \
    LEFT JOIN divisions t ON t.code = u.town_code \
    LEFT JOIN providers p ON p.id = u.provider_id \
    LEFT JOIN divisions dist ON dist.code = ? \
    WHERE x.{1} = ?";

async fn principal(
    db: &Db,
    district: &DivisionCode,
    columns_from: &str,
    hash_column: &str,
    token: &str,
) -> Result<Option<PrincipalRow>> {
    db::one(
        &db.conn,
        &PRINCIPAL_SQL
            .replace("{0}", columns_from)
            .replace("{1}", hash_column),
        vals![district.as_str(), sha256_hex(token)],
    )
    .await
}

pub async fn load_session(db: &Db, district: &DivisionCode, token: &str) -> Result<SessionLookup> {
    let row = principal(
        db,
        district,
        "x.csrf_token AS secret, x.expires_at, FALSE AS revoked FROM sessions x",
        "id_hash",
        token,
    )
    .await?;
    let Some(row) = row else {
        return Ok(SessionLookup::Unknown);
    };
    if row
        .expires_at
        .is_some_and(|e| e < crate::platform::time::real_now())
    {
        return Ok(SessionLookup::Expired);
    }
    if !row.active {
        return Ok(SessionLookup::Unknown);
    }
    Ok(SessionLookup::Valid(Box::new(CurrentUser::from_row(
        &row, false,
    )?)))
}

pub async fn delete_session(db: &Db, token: &str) -> Result<()> {
    db::exec(
        &db.conn,
        "DELETE FROM sessions WHERE id_hash = ?",
        vals![sha256_hex(token)],
    )
    .await?;
    Ok(())
}

/// The user behind an API bearer token, if it is valid.
pub async fn load_token(
    db: &Db,
    district: &DivisionCode,
    token: &str,
) -> Result<Option<CurrentUser>> {
    let row = principal(
        db,
        district,
        "'' AS secret, x.expires_at, x.revoked FROM api_tokens x",
        "token_hash",
        token,
    )
    .await?;
    match row {
        Some(r)
            if r.active
                && !r.revoked
                && r.expires_at
                    .is_none_or(|e| e >= crate::platform::time::real_now()) =>
        {
            Ok(Some(CurrentUser::from_row(&r, true)?))
        }
        _ => Ok(None),
    }
}

// ------------------------------------------------------------------ throttling

/// Failed sign-ins are counted per account name **and client address**: an attacker guessing
/// from one place waits longer and longer, while the real user, signing in from their own
/// place, is never locked out by someone else's failures. (Guesses spread over many
/// addresses still each cost an argon2 verification, and each address waits on its own.)
///
/// The first [`FREE_FAILURES`] failures cost nothing; then each failure makes that address
/// wait [`FIRST_DELAY_SECS`], doubling with every further failure up to [`MAX_DELAY_SECS`].
/// A day without failures forgets them; a successful sign-in from the address clears them.
pub const FREE_FAILURES: i64 = 5;
pub const FIRST_DELAY_SECS: i64 = 30;
pub const MAX_DELAY_SECS: i64 = 15 * 60;
const FORGET_AFTER_HOURS: i64 = 24;

/// How long an address waits after its `failures`-th failure, if at all.
pub fn delay_after(failures: i64) -> Option<i64> {
    if failures < FREE_FAILURES {
        return None;
    }
    let doublings = (failures - FREE_FAILURES).min(20) as u32;
    Some((FIRST_DELAY_SECS << doublings).min(MAX_DELAY_SECS))
}

#[derive(FromQueryResult)]
struct ThrottleRow {
    failures: i64,
    last_failed_at: DateTime<Utc>,
    locked_until: Option<DateTime<Utc>>,
}

/// The account name as the throttle keys it: trimmed, lower case, at most 64 characters
/// (names are at most 32; a longer text still gets a key of bounded size).
fn throttle_key(username: &str) -> String {
    username.trim().to_lowercase().chars().take(64).collect()
}

/// Seconds until this address may try this account name again, if it must wait now.
pub async fn locked_for(
    db: &Db,
    username: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>> {
    let row = db::one::<ThrottleRow, _>(
        &db.conn,
        "SELECT failures, last_failed_at, locked_until FROM login_throttle \
         WHERE username = ? AND client = ?",
        vals![throttle_key(username), client],
    )
    .await?;
    Ok(row
        .and_then(|r| r.locked_until)
        .filter(|until| *until > now)
        .map(|until| (until - now).num_seconds().max(1) as u64))
}

/// Count a failed sign-in from this address; the wait it now has, if any.
pub async fn record_failure(
    db: &Db,
    username: &str,
    client: &str,
    now: DateTime<Utc>,
) -> Result<Option<u64>> {
    let key = throttle_key(username);
    let tx = db.write_tx().await?;
    let row = db::one::<ThrottleRow, _>(
        &tx,
        "SELECT failures, last_failed_at, locked_until FROM login_throttle \
         WHERE username = ? AND client = ?",
        vals![key.clone(), client],
    )
    .await?;
    let failures = match row {
        Some(r) if now - r.last_failed_at < Duration::hours(FORGET_AFTER_HOURS) => r.failures + 1,
        _ => 1,
    };
    let wait = delay_after(failures);
    let locked_until = wait.map(|secs| now + Duration::seconds(secs));
    db::exec(
        &tx,
        "INSERT INTO login_throttle (username, client, failures, last_failed_at, locked_until) \
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (username, client) DO UPDATE SET \
         failures = excluded.failures, last_failed_at = excluded.last_failed_at, \
         locked_until = excluded.locked_until",
        vals![key, client, failures, now, locked_until],
    )
    .await?;
    // forgotten failures are swept as new ones come
    db::exec(
        &tx,
        "DELETE FROM login_throttle WHERE last_failed_at < ?",
        vals![now - Duration::hours(FORGET_AFTER_HOURS)],
    )
    .await?;
    tx.commit().await?;
    Ok(wait.map(|s| s as u64))
}

/// A successful sign-in from this address forgets its failures.
pub async fn clear_failures(db: &Db, username: &str, client: &str) -> Result<()> {
    db::exec(
        &db.conn,
        "DELETE FROM login_throttle WHERE username = ? AND client = ?",
        vals![throttle_key(username), client],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn password_strength() {
        assert_eq!(check_password_strength("short"), Err("password.too_short"));
        assert_eq!(
            check_password_strength("aaaaaaaaaa"),
            Err("password.too_simple")
        );
        assert!(check_password_strength("xishan2026").is_ok());
    }

    #[test]
    fn waits_grow_with_failures() {
        assert_eq!(delay_after(4), None);
        assert_eq!(delay_after(5), Some(30));
        assert_eq!(delay_after(6), Some(60));
        assert_eq!(delay_after(9), Some(480));
        assert_eq!(delay_after(10), Some(MAX_DELAY_SECS));
        assert_eq!(delay_after(1_000), Some(MAX_DELAY_SECS));
    }

    #[test]
    fn roles_roundtrip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.key()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }
}
