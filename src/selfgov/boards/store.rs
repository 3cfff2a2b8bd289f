//! The two notice boards (村务公开 openness and 宣传 publicity): notices posted for a period,
//! withdrawn when wrong, kept for the record.

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::db;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::error::FieldError;
use crate::platform::error::Result;
use crate::platform::http::form::Parse;
use crate::platform::time::parse_date;
use crate::platform::types::DivisionCode;
use crate::selfgov::store::check_writer;
use crate::selfgov::store::in_scope;
use crate::selfgov::store::live_community;
use crate::vals;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sea_orm::FromQueryResult;
use serde::Deserialize;
use serde::Serialize;

// ------------------------------------------------------------------ notices

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct NoticeRow {
    pub id: i64,
    pub community_code: String,
    pub board: String,
    pub category: String,
    pub title: String,
    pub body: String,
    pub publish_on: NaiveDate,
    pub expire_on: Option<NaiveDate>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl NoticeRow {
    pub fn current(&self, t: &NaiveDate) -> bool {
        let t = *t;
        self.withdrawn_at.is_none() && self.publish_on <= t && self.expire_on.is_none_or(|e| e >= t)
    }
}

/// Take a notice down before its time (a mistake, a superseded figure): off the boards and
/// the feed, kept for the record.
pub async fn withdraw_notice(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
) -> Result<String> {
    let n: NoticeRow = db::one(
        &db.conn,
        &format!("SELECT {NOTICE_COLUMNS} FROM notices WHERE id = ?"),
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if !in_scope(&u.scope, district, &n.community_code) {
        return Err(AppError::NotFound);
    }
    check_writer(u, &n.community_code)?;
    if n.withdrawn_at.is_some() {
        return Err(AppError::invalid("notice", "selfgov.already_withdrawn"));
    }
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    db::exec(
        &tx,
        "UPDATE notices SET withdrawn_at = ?, updated_at = ? WHERE id = ?",
        vals![now, now, id],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "delete",
        "notice",
        &id.to_string(),
        Some(&n),
        None::<&()>,
    )
    .await?;
    Ok(n.community_code)
}

const NOTICE_COLUMNS: &str = "id, community_code, board, category, title, body, publish_on, \
    expire_on, withdrawn_at, created_at, updated_at";

pub const BOARDS: [&str; 2] = ["openness", "publicity"];
pub const NOTICE_CATEGORIES: [&str; 7] = [
    "finance", "decision", "affairs", "policy", "culture", "health", "other",
];

/// Notices of a community: on the public side only those published and not expired.
pub async fn notices(
    db: &Db,
    code: &str,
    board: Option<&str>,
    public: bool,
    limit: u64,
) -> Result<Vec<NoticeRow>> {
    let mut v = vals![code];
    let mut cond = String::new();
    if let Some(b) = board {
        cond.push_str(" AND board = ?");
        v.push(b.into());
    }
    if public {
        cond.push_str(
            " AND withdrawn_at IS NULL AND publish_on <= ? AND (expire_on IS NULL OR expire_on >= ?)",
        );
        v.push(db.clock().today().into());
        v.push(db.clock().today().into());
    }
    db::all(
        &db.conn,
        &format!(
            "SELECT {NOTICE_COLUMNS} FROM notices WHERE community_code = ?{cond} \
             ORDER BY publish_on DESC, id DESC LIMIT {limit}"
        ),
        v,
    )
    .await
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct NoticeInput {
    pub board: String,
    pub category: String,
    pub title: String,
    pub body: String,
    pub publish_on: String,
    pub expire_on: String,
}

/// Post a notice on a board. A wrong one is taken down ([`withdraw_notice`]) and posted
/// again: what was on display stays on record.
pub async fn post_notice(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    i: &NoticeInput,
) -> Result<i64> {
    check_writer(u, code)?;
    let (code, _) = live_community(db, district, code).await?;
    let mut check = Parse::default();
    if !BOARDS.contains(&i.board.as_str()) {
        check
            .errs
            .push(FieldError::new("board", "selfgov.bad_choice"));
    }
    if !NOTICE_CATEGORIES.contains(&i.category.as_str()) {
        check
            .errs
            .push(FieldError::new("category", "selfgov.bad_choice"));
    }
    let title = check.text("title", &i.title, 100);
    let body = check.text("body", &i.body, 10_000);
    let publish = match i.publish_on.trim() {
        "" => Some(db.clock().today()),
        s => parse_date(s),
    };
    if publish.is_none() {
        check
            .errs
            .push(FieldError::new("publish_on", "selfgov.bad_date"));
    }
    let expire = match i.expire_on.trim() {
        "" => None,
        s => match parse_date(s) {
            Some(d) => Some(d),
            None => {
                check
                    .errs
                    .push(FieldError::new("expire_on", "selfgov.bad_date"));
                None
            }
        },
    };
    if let (Some(p), Some(e)) = (publish, expire)
        && e < p
    {
        check.errs.push(FieldError::new(
            "expire_on",
            "selfgov.expires_before_publish",
        ));
    }
    check.finish()?;
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    let nid = db::scalar(
        &tx,
        "INSERT INTO notices (community_code, board, category, title, body, publish_on, \
         expire_on, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         RETURNING id",
        vals![
            code,
            i.board.clone(),
            i.category.clone(),
            title,
            body,
            publish,
            expire,
            u.username.clone(),
            now,
            now
        ],
    )
    .await?
    .unwrap_or(0);
    audit::commit(
        tx,
        &u.actor(),
        "publish",
        "notice",
        &nid.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
    Ok(nid)
}
