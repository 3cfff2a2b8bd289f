//! Imports waiting for the person's confirmation: the file as uploaded, kept with its
//! mapping for the one who sent it, for a day at most (PIPL: the people in it are in the
//! registry once confirmed, and nowhere else).

use sea_orm::FromQueryResult;

use crate::platform::auth::CurrentUser;
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Result};
use crate::registry::import::{Mapping, mapping_parse, mapping_text};
use crate::vals;

/// How long a staged file is kept.
pub const KEPT_HOURS: i64 = 24;

#[derive(Clone, Debug, FromQueryResult)]
pub struct Staged {
    pub token: String,
    pub community_code: String,
    pub community_name: String,
    pub file_name: String,
    pub sha256: String,
    pub content: Vec<u8>,
    pub mapping: String,
}

impl Staged {
    /// The mapping the person set, if any.
    pub fn mapping(&self) -> Option<Mapping> {
        (!self.mapping.is_empty()).then(|| mapping_parse(&self.mapping))
    }
}

/// Keep a file for its sender; its token.
pub async fn stage(
    db: &Db,
    u: &CurrentUser,
    community: &str,
    file_name: &str,
    content: &[u8],
) -> Result<String> {
    use sha2::Digest;
    let token = crate::platform::auth::random_token()?;
    let sha = hex::encode(sha2::Sha256::digest(content));
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    db::exec(
        &tx,
        "DELETE FROM registry_imports WHERE created_at < ?",
        vals![now - chrono::Duration::hours(KEPT_HOURS)],
    )
    .await?;
    db::exec(
        &tx,
        "INSERT INTO registry_imports (token, user_id, community_code, file_name, sha256, \
         content, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        vals![
            token.clone(),
            u.id,
            community,
            name,
            sha,
            content.to_vec(),
            now
        ],
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// A staged file of this user (404 for anyone else's, or one expired).
pub async fn load(db: &Db, u: &CurrentUser, token: &str) -> Result<Staged> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::NotFound);
    }
    let since = db.clock().now() - chrono::Duration::hours(KEPT_HOURS);
    db::one(
        &db.conn,
        "SELECT s.token, s.community_code, c.name AS community_name, s.file_name, s.sha256, \
         s.content, s.mapping FROM registry_imports s JOIN divisions c \
         ON c.code = s.community_code WHERE s.token = ? AND s.user_id = ? AND s.created_at >= ?",
        vals![token, u.id, since],
    )
    .await?
    .ok_or(AppError::NotFound)
}

pub async fn set_mapping(db: &Db, u: &CurrentUser, token: &str, m: &Mapping) -> Result<()> {
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE registry_imports SET mapping = ? WHERE token = ? AND user_id = ?",
        vals![mapping_text(m), token, u.id],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove(db: &Db, u: &CurrentUser, token: &str) -> Result<()> {
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "DELETE FROM registry_imports WHERE token = ? AND user_id = ?",
        vals![token, u.id],
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
