//! Cases (办件): registered at the window or submitted by the public, numbered per community
//! and year, moved through the life cycle of `rules::apply` with a timeline entry, an audit
//! entry and the measures' counters updated in the same transaction.
//!
//! Who does what: the community's staff (and the district admin) register, accept, reject,
//! start, refer and complete; a department officer completes what was referred to the
//! department, a town officer what was referred to the town's acceptance centre, a provider
//! the convenience requests dispatched to it; a rating is recorded by staff or given by the
//! resident on the public status page, once.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::{ConnectionTrait, DatabaseTransaction, FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::hall::catalogue::Item;
use crate::hall::rules::{self, Calendar, CaseStatus, Step};
use crate::platform::audit;
use crate::platform::auth::{Actor, CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::personal::{Address, Mobile, Name, Personal};
use crate::platform::types::{DivisionCode, IdNumber, Phone};
use crate::vals;

mod registering;
mod steps;

pub use registering::*;
pub use steps::*;

pub const CHANNELS: &[&str] = &["window", "online", "open311"];
pub const STATUSES: &[&str] = &[
    "received",
    "accepted",
    "rejected",
    "in_progress",
    "referred",
    "completed",
];
pub const OPEN_STATUSES: &str = "('received', 'accepted', 'in_progress', 'referred')";

pub fn parse_status(s: &str) -> Option<CaseStatus> {
    use CaseStatus::*;
    Some(match s {
        "received" => Received,
        "accepted" => Accepted,
        "rejected" => Rejected,
        "in_progress" => InProgress,
        "referred" => Referred,
        "completed" => Completed,
        _ => return None,
    })
}

/// SQL condition (alias `k`) limiting cases to what a user may see.
pub fn case_scope(scope: &Scope, district: &DivisionCode) -> (String, Vec<Value>) {
    let range = |c: &DivisionCode| {
        let (lo, hi) = c.descendant_range();
        (
            "k.community_code BETWEEN ? AND ?".to_string(),
            vals![lo, hi],
        )
    };
    match scope {
        Scope::District => range(district),
        Scope::Town(t) => range(t),
        Scope::Community(c) => ("k.community_code = ?".into(), vals![c.as_str()]),
        Scope::Department(d) => (
            "(k.referred_department_id = ? OR k.item_id IN \
             (SELECT id FROM service_items WHERE department_id = ?))"
                .into(),
            vals![*d, *d],
        ),
        Scope::Provider(p) => ("k.provider_id = ?".into(), vals![*p]),
    }
}

/// Whether a user sees applicants' names and phones in full: the admin, the community's
/// staff, and a provider for the requests it must serve.
pub fn sees_applicant(u: &CurrentUser) -> bool {
    matches!(
        u.role,
        Role::DistrictAdmin | Role::CommunityStaff | Role::Provider
    )
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct CaseRow {
    pub id: i64,
    pub number: String,
    pub community_code: String,
    pub community_name: String,
    pub item_id: i64,
    pub item_code: String,
    pub item_name: String,
    pub item_name_en: String,
    pub group_key: String,
    pub channel: String,
    pub status: String,
    #[schema(value_type = String)]
    pub applicant_name: Personal<Name>,
    #[schema(value_type = String)]
    pub applicant_phone: Personal<Mobile>,
    pub received_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub referred_to: Option<String>,
    pub referred_deadline: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub handling_days: Option<i64>,
    pub rating: Option<i64>,
}

impl CaseRow {
    /// The row revealed as far as the caller may see the applicant.
    fn for_viewer(mut self, full: bool) -> CaseRow {
        self.applicant_name = self.applicant_name.reveal(full);
        self.applicant_phone = self.applicant_phone.reveal(full);
        self
    }
    pub fn overdue(&self, today: impl std::borrow::Borrow<NaiveDate>) -> bool {
        parse_status(&self.status).is_some_and(|s| rules::overdue(s, self.due_on, *today.borrow()))
    }
    /// A referral past the deadline given to whoever it was referred to.
    pub fn referral_overdue(&self, today: impl std::borrow::Borrow<NaiveDate>) -> bool {
        self.status == "referred" && self.referred_deadline.is_some_and(|d| d < *today.borrow())
    }
    pub fn is_open(&self) -> bool {
        parse_status(&self.status).is_some_and(CaseStatus::is_open)
    }
}

const ROW_SELECT: &str = "SELECT k.id, k.number, k.community_code, c.name AS community_name, \
    k.item_id, i.code AS item_code, i.name AS item_name, i.name_en AS item_name_en, i.group_key, \
    k.channel, k.status, k.applicant_name, k.applicant_phone, k.received_on, k.due_on, \
    k.referred_to, k.referred_deadline, k.completed_on, k.handling_days, k.rating \
    FROM cases k JOIN divisions c ON c.code = k.community_code \
    JOIN service_items i ON i.id = k.item_id";

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(default)]
pub struct CaseQuery {
    /// A case number, or part of the applicant's name, or a phone number.
    pub q: Option<String>,
    pub status: Option<String>,
    /// `open` for unfinished cases, `overdue` for those past their deadline.
    pub state: Option<String>,
    pub item: Option<i64>,
    /// A town (9 or 12 digits) or community (12 digits).
    pub area: Option<String>,
    pub year: Option<i32>,
    /// For the admin: one department's ledger.
    pub department: Option<i64>,
    pub page: Option<u64>,
}

pub const PAGE_SIZE: u64 = 50;

fn case_where(
    district: &DivisionCode,
    u: &CurrentUser,
    f: &CaseQuery,
    today: NaiveDate,
) -> Result<(String, Vec<Value>)> {
    let (cond, mut v) = case_scope(&u.scope, district);
    let mut wh = vec![cond];
    if let Some(s) = f.status.as_deref().filter(|s| !s.is_empty()) {
        if parse_status(s).is_none() {
            return Err(AppError::invalid("status", "hall.choose_one"));
        }
        wh.push("k.status = ?".into());
        v.push(s.into());
    }
    match f.state.as_deref().unwrap_or("") {
        "" => {}
        "open" => wh.push(format!("k.status IN {OPEN_STATUSES}")),
        "overdue" => {
            wh.push(format!("k.status IN {OPEN_STATUSES} AND k.due_on < ?"));
            v.push(today.into());
        }
        _ => return Err(AppError::invalid("state", "hall.choose_one")),
    }
    if let Some(i) = f.item {
        wh.push("k.item_id = ?".into());
        v.push(i.into());
    }
    if let Some(d) = f.department {
        wh.push(
            "(k.referred_department_id = ? OR k.item_id IN \
             (SELECT id FROM service_items WHERE department_id = ?))"
                .into(),
        );
        v.extend(vals![d, d]);
    }
    if let Some(a) = f.area.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let code =
            DivisionCode::parse(a).map_err(|_| AppError::invalid("area", "hall.bad_community"))?;
        let (lo, hi) = code.descendant_range();
        wh.push("k.community_code BETWEEN ? AND ?".into());
        v.extend(vals![lo, hi]);
    }
    if let Some(y) = f.year {
        if !(2000..=2200).contains(&y) {
            return Err(AppError::invalid("year", "hall.bad_year"));
        }
        wh.push("k.received_on BETWEEN ? AND ?".into());
        v.extend(vals![
            NaiveDate::from_ymd_opt(y, 1, 1),
            NaiveDate::from_ymd_opt(y, 12, 31)
        ]);
    }
    // a caller searches only by what it sees of the applicant (rules::search_terms)
    if let Some(search) = rules::search_terms(f.q.as_deref().unwrap_or(""), sees_applicant(u))
        .map_err(|k| AppError::invalid("q", k))?
    {
        crate::hall::residents::search_condition(
            &search,
            crate::hall::residents::SearchColumns {
                name: "k.applicant_name",
                id_number: "(SELECT r.id_number FROM residents r WHERE r.id = k.resident_id)",
                phone: "k.applicant_phone",
                number: Some("k.number"),
                name_from_start: None,
            },
            &mut wh,
            &mut v,
        );
    }
    Ok((wh.join(" AND "), v))
}

/// How many cases in scope match the filter.
pub async fn count(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    f: &CaseQuery,
    today: NaiveDate,
) -> Result<u64> {
    let (wh, v) = case_where(district, u, f, today)?;
    let n = db::scalar(
        &db.conn,
        &format!("SELECT COUNT(*) FROM cases k WHERE {wh}"),
        v,
    )
    .await?
    .unwrap_or(0);
    Ok(n as u64)
}

/// One page of cases in scope, newest first.
pub async fn list(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    f: &CaseQuery,
    today: NaiveDate,
) -> Result<(Vec<CaseRow>, u64, u64)> {
    let (wh, v) = case_where(district, u, f, today)?;
    let total = db::scalar(
        &db.conn,
        &format!("SELECT COUNT(*) FROM cases k WHERE {wh}"),
        v.clone(),
    )
    .await?
    .unwrap_or(0) as u64;
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = f.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<CaseRow> = db::all(
        &db.conn,
        &format!(
            "{ROW_SELECT} WHERE {wh} ORDER BY k.received_on DESC, k.id DESC LIMIT {PAGE_SIZE} OFFSET {}",
            (page - 1).saturating_mul(PAGE_SIZE)
        ),
        v,
    )
    .await?;
    let full = sees_applicant(u);
    Ok((
        rows.into_iter().map(|r| r.for_viewer(full)).collect(),
        total,
        page,
    ))
}

/// Every case of a ledger (the export): in scope and filter, oldest first.
pub async fn ledger_rows(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    f: &CaseQuery,
    today: NaiveDate,
) -> Result<Vec<CaseRow>> {
    let (wh, v) = case_where(district, u, f, today)?;
    let rows: Vec<CaseRow> = db::all(
        &db.conn,
        &format!("{ROW_SELECT} WHERE {wh} ORDER BY k.received_on, k.id"),
        v,
    )
    .await?;
    let full = sees_applicant(u);
    Ok(rows.into_iter().map(|r| r.for_viewer(full)).collect())
}

/// The staff worklist: open cases in scope, the most urgent first — online submissions
/// waiting for acceptance, then by deadline (overdue ones are the earliest).
pub async fn worklist(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    limit: u64,
) -> Result<Vec<CaseRow>> {
    let (cond, v) = case_scope(&u.scope, district);
    let rows: Vec<CaseRow> = db::all(
        &db.conn,
        &format!(
            "{ROW_SELECT} WHERE {cond} AND k.status IN {OPEN_STATUSES} \
             ORDER BY CASE WHEN k.due_on IS NULL THEN 0 ELSE 1 END, k.due_on, k.id LIMIT {limit}"
        ),
        v,
    )
    .await?;
    let full = sees_applicant(u);
    Ok(rows.into_iter().map(|r| r.for_viewer(full)).collect())
}

/// Open and overdue counts in scope (the home page and the worklist's heading).
pub async fn open_counts(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    today: NaiveDate,
) -> Result<(i64, i64)> {
    let (cond, scope_values) = case_scope(scope, district);
    let mut v = vals![today];
    v.extend(scope_values);
    #[derive(FromQueryResult)]
    struct Counts {
        open: Option<i64>,
        overdue: Option<i64>,
    }
    let c: Option<Counts> = db::one(
        &db.conn,
        &format!(
            "SELECT COUNT(*) AS open, \
             CAST(COALESCE(SUM(CASE WHEN k.due_on < ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue \
             FROM cases k WHERE {cond} AND k.status IN {OPEN_STATUSES}"
        ),
        v,
    )
    .await?;
    Ok(c.map(|c| (c.open.unwrap_or(0), c.overdue.unwrap_or(0)))
        .unwrap_or((0, 0)))
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct CaseFull {
    pub id: i64,
    pub number: String,
    pub community_code: String,
    pub community_name: String,
    pub item_id: i64,
    pub resident_id: Option<i64>,
    #[schema(value_type = String)]
    pub applicant_name: Personal<Name>,
    #[schema(value_type = String)]
    pub applicant_phone: Personal<Mobile>,
    pub channel: String,
    pub status: String,
    pub description: String,
    #[schema(value_type = String)]
    pub address: Personal<Address>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub received_at: DateTime<Utc>,
    pub received_on: NaiveDate,
    pub accepted_on: Option<NaiveDate>,
    pub due_on: Option<NaiveDate>,
    pub reject_reason: Option<String>,
    pub referred_kind: Option<String>,
    pub referred_department_id: Option<i64>,
    pub provider_id: Option<i64>,
    pub provider_name: Option<String>,
    pub referred_to: Option<String>,
    pub referred_deadline: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
    pub finished_in_community: Option<bool>,
    pub handling_days: Option<i64>,
    pub result: Option<String>,
    pub rating: Option<i64>,
    pub rating_comment: Option<String>,
    /// What the public may read of it (Open311's description), written by staff.
    pub public_description: String,
    pub updated_at: DateTime<Utc>,
}

impl CaseFull {
    pub fn status(&self) -> CaseStatus {
        parse_status(&self.status).unwrap_or(CaseStatus::Received)
    }
    pub fn overdue(&self, today: impl std::borrow::Borrow<NaiveDate>) -> bool {
        rules::overdue(self.status(), self.due_on, *today.borrow())
    }
    /// The case revealed as far as the caller may see the applicant.
    fn for_viewer(mut self, full: bool) -> CaseFull {
        self.applicant_name = self.applicant_name.reveal(full);
        self.applicant_phone = self.applicant_phone.reveal(full);
        self.address = self.address.reveal(full);
        self
    }
}

const FULL_SELECT: &str = "SELECT k.id, k.number, k.community_code, c.name AS community_name, \
    k.item_id, k.resident_id, k.applicant_name, k.applicant_phone, k.channel, k.status, \
    k.description, k.address, k.lat, k.lon, k.received_at, k.received_on, k.accepted_on, \
    k.due_on, k.reject_reason, k.referred_kind, k.referred_department_id, k.provider_id, \
    p.name AS provider_name, k.referred_to, k.referred_deadline, k.completed_on, \
    k.finished_in_community, k.handling_days, k.result, k.rating, k.rating_comment, \
    k.public_description, k.updated_at \
    FROM cases k JOIN divisions c ON c.code = k.community_code \
    LEFT JOIN providers p ON p.id = k.provider_id";

/// The longest public description of a case.
pub const MAX_PUBLIC_DESCRIPTION: usize = 500;

/// Write what the public may read of a case: its community's staff or the district admin,
/// for a case in their scope (404 outside it).
pub async fn set_public_description(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    text: &str,
) -> Result<()> {
    if !matches!(u.role, Role::DistrictAdmin | Role::CommunityStaff) {
        return Err(AppError::Forbidden);
    }
    let text = text.trim();
    if text.chars().count() > MAX_PUBLIC_DESCRIPTION {
        return Err(AppError::Invalid(vec![
            FieldError::new("public_description", "common.too_long").with(MAX_PUBLIC_DESCRIPTION),
        ]));
    }
    let tx = db.write_tx().await?;
    let case = load_full(&tx, district, &u.scope, id).await?;
    db::exec(
        &tx,
        "UPDATE cases SET public_description = ?, updated_at = ? WHERE id = ?",
        vals![text, db.clock().now(), id],
    )
    .await?;
    audit::commit(
        tx,
        &u.actor(),
        "update",
        "case",
        &case.number,
        Some(&serde_json::json!({"public_description": case.public_description})),
        Some(&serde_json::json!({"public_description": text})),
    )
    .await?;
    Ok(())
}

async fn load_full<C: ConnectionTrait>(
    c: &C,
    district: &DivisionCode,
    scope: &Scope,
    id: i64,
) -> Result<CaseFull> {
    let (cond, mut v) = case_scope(scope, district);
    v.push(id.into());
    db::one(c, &format!("{FULL_SELECT} WHERE {cond} AND k.id = ?"), v)
        .await?
        .ok_or(AppError::NotFound)
}

/// A case in the user's scope (404 outside it), masked as the user may see it.
pub async fn load(db: &Db, district: &DivisionCode, u: &CurrentUser, id: i64) -> Result<CaseFull> {
    Ok(load_full(&db.conn, district, &u.scope, id)
        .await?
        .for_viewer(sees_applicant(u)))
}

/// A case by number and the applicant's phone, for the public status page: `None` for a
/// wrong number or a wrong phone alike, so a guess learns nothing.
pub async fn lookup(
    db: &Db,
    district: &DivisionCode,
    number: &str,
    phone: &str,
) -> Result<Option<CaseFull>> {
    let Ok(phone) = Phone::parse(phone) else {
        return Ok(None);
    };
    let (cond, mut v) = case_scope(&Scope::District, district);
    v.extend(vals![number.trim(), phone.as_str()]);
    db::one(
        &db.conn,
        &format!("{FULL_SELECT} WHERE {cond} AND k.number = ? AND k.applicant_phone = ?"),
        v,
    )
    .await
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub actor_name: String,
    pub step: String,
    pub status_after: String,
    pub note: String,
}

/// The timeline of a case loaded in the caller's scope (or found by the applicant).
pub async fn events(db: &Db, case: &CaseFull) -> Result<Vec<Event>> {
    db::all(
        &db.conn,
        "SELECT at, actor_name, step, status_after, note FROM case_events WHERE case_id = ? ORDER BY id",
        vals![case.id],
    )
    .await
}
