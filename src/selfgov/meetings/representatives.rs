//! Who is called to a meeting and how far ahead: the district's notice rules per kind of
//! meeting, and each community's villager representatives.

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::db;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::error::FieldError;
use crate::platform::error::Result;
use crate::platform::http::form::Parse;
use crate::platform::types::DivisionCode;
use crate::selfgov::meetings::rules::Enforcement;
use crate::selfgov::meetings::rules::MeetingKind;
use crate::selfgov::meetings::rules::NoticeRule;
use crate::selfgov::store::check_writer;
use crate::selfgov::store::in_scope;
use crate::selfgov::store::live_community;
use crate::vals;
use sea_orm::FromQueryResult;
use serde::Serialize;

// ------------------------------------------------------------------ notice rules

#[derive(FromQueryResult)]
struct RuleRow {
    kind: String,
    days: i32,
    enforcement: String,
}

impl RuleRow {
    fn rule(&self) -> NoticeRule {
        NoticeRule {
            days: self.days.max(0) as u32,
            enforcement: if self.enforcement == "refuse" {
                Enforcement::Refuse
            } else {
                Enforcement::Warn
            },
        }
    }
}

/// The notice period of a kind of meeting (the default when the row is missing).
pub async fn notice_rule(db: &Db, kind: MeetingKind) -> Result<NoticeRule> {
    let r: Option<RuleRow> = db::one(
        &db.conn,
        "SELECT kind, days, enforcement FROM notice_rules WHERE kind = ?",
        vals![kind.key()],
    )
    .await?;
    Ok(r.map(|r| r.rule())
        .unwrap_or_else(|| NoticeRule::default_for(kind)))
}

/// Every kind's notice period, in the kinds' order, in one read.
pub async fn notice_rules(db: &Db) -> Result<Vec<(MeetingKind, NoticeRule)>> {
    let rows: Vec<RuleRow> = db::all(
        &db.conn,
        "SELECT kind, days, enforcement FROM notice_rules",
        vals![],
    )
    .await?;
    Ok(MeetingKind::ALL
        .into_iter()
        .map(|k| {
            let rule = rows
                .iter()
                .find(|r| r.kind == k.key())
                .map(RuleRow::rule)
                .unwrap_or_else(|| NoticeRule::default_for(k));
            (k, rule)
        })
        .collect())
}

pub async fn set_notice_rule(
    db: &Db,
    u: &CurrentUser,
    kind: &str,
    days: &str,
    enforcement: &str,
) -> Result<()> {
    if !u.is_admin() {
        return Err(AppError::Forbidden);
    }
    let mut check = Parse::default();
    let Some(k) = MeetingKind::parse(kind) else {
        return Err(AppError::invalid("kind", "selfgov.bad_choice"));
    };
    let days = match days.trim().parse::<i32>() {
        Ok(n) if (0..=60).contains(&n) => n,
        _ => {
            check.errs.push(FieldError::new("days", "selfgov.bad_days"));
            0
        }
    };
    if !["warn", "refuse"].contains(&enforcement) {
        check
            .errs
            .push(FieldError::new("enforcement", "selfgov.bad_choice"));
    }
    check.finish()?;
    let before = notice_rule(db, k).await?;
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE notice_rules SET days = ?, enforcement = ? WHERE kind = ?",
        vals![days, enforcement, kind],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "update",
        "notice_rule",
        kind,
        Some(&before),
        Some(&serde_json::json!({"days": days, "enforcement": enforcement})),
    )
    .await?;
    Ok(())
}

// ------------------------------------------------------------------ representatives

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Representative {
    pub id: i64,
    pub community_code: String,
    pub name: String,
    pub group_name: String,
    pub active: bool,
}

pub async fn representatives(db: &Db, code: &str) -> Result<Vec<Representative>> {
    db::all(
        &db.conn,
        "SELECT id, community_code, name, group_name, active FROM representatives \
         WHERE community_code = ? ORDER BY active DESC, group_name, name, id",
        vals![code],
    )
    .await
}

/// Add representatives, one name per line (`name` or `name, group`).
pub async fn add_representatives(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    lines: &str,
) -> Result<usize> {
    check_writer(u, code)?;
    let (code, _) = live_community(db, district, code).await?;
    let mut rows = vec![];
    let mut check = Parse::default();
    for (n, line) in lines.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (name, group) = line
            .split_once([',', '，', '\t'])
            .map(|(a, b)| (a.trim(), b.trim()))
            .unwrap_or((line, ""));
        if name.is_empty() || name.chars().count() > 30 {
            check
                .errs
                .push(FieldError::new("names", "selfgov.bad_line").with(n + 1));
        } else {
            rows.push((name.to_string(), group.to_string()));
        }
    }
    if rows.is_empty() && check.errs.is_empty() {
        check
            .errs
            .push(FieldError::new("names", "selfgov.names_required"));
    }
    check.finish()?;
    let tx = db.write_tx().await?;
    db::insert_rows(
        &tx,
        "representatives",
        &["community_code", "name", "group_name", "active"],
        rows.iter()
            .map(|(n, g)| vals![code.clone(), n.clone(), g.clone(), true])
            .collect(),
    )
    .await
    .map_err(|e| {
        e.on_constraint(&[crate::platform::error::Constraint::unique(
            "representatives",
            &["community_code", "name"],
            "names",
            "selfgov.duplicate_name",
        )])
    })?;
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "representative",
        &code,
        None::<&()>,
        Some(&rows),
    )
    .await?;
    Ok(rows.len())
}

pub async fn set_representative_active(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    active: bool,
) -> Result<String> {
    let found: Option<Representative> = db::one(
        &db.conn,
        "SELECT id, community_code, name, group_name, active FROM representatives WHERE id = ?",
        vals![id],
    )
    .await?;
    let r = found.ok_or(AppError::NotFound)?;
    if !in_scope(&u.scope, district, &r.community_code) {
        return Err(AppError::NotFound);
    }
    check_writer(u, &r.community_code)?;
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE representatives SET active = ? WHERE id = ?",
        vals![active, id],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "update",
        "representative",
        &id.to_string(),
        Some(&r),
        Some(&serde_json::json!({"active": active})),
    )
    .await?;
    Ok(r.community_code)
}
