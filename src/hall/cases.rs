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
    audit::record(
        &tx,
        &u.actor(),
        "update",
        "case",
        &case.number,
        Some(&serde_json::json!({"public_description": case.public_description})),
        Some(&serde_json::json!({"public_description": text})),
    )
    .await?;
    tx.commit().await?;
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

// ------------------------------------------------------------------ registering

/// Public requests a phone may make a day (online and Open311 together).
pub const DAILY_LIMIT: i64 = 3;

/// What a public request must pass in its own transaction, so that racing requests see each
/// other: its form stamp is used up (a replay is refused), and its phone's count for the day
/// goes up by one in a single row — concurrent requests from one phone queue on that row's
/// lock, and the fourth of the day is refused.
async fn public_checks<C: ConnectionTrait>(
    tx: &C,
    n: &NewCase,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<()> {
    if let Some(stamp) = &n.stamp {
        db::exec(
            tx,
            "DELETE FROM form_stamps WHERE used_at < ?",
            vals![now - chrono::Duration::hours(3)],
        )
        .await?;
        let fresh = db::exec(
            tx,
            "INSERT INTO form_stamps (stamp, used_at) VALUES (?, ?) ON CONFLICT (stamp) DO NOTHING",
            vals![stamp.clone(), now],
        )
        .await?;
        if fresh == 0 {
            return Err(AppError::invalid("_form", "hall.form_used"));
        }
    }
    if let Some(phone) = &n.applicant_phone {
        db::exec(
            tx,
            "DELETE FROM public_request_quota WHERE day < ?",
            vals![today],
        )
        .await?;
        let count = db::scalar(
            tx,
            "INSERT INTO public_request_quota (phone, day, requests) VALUES (?, ?, 1) \
             ON CONFLICT (phone, day) DO UPDATE SET requests = public_request_quota.requests + 1 \
             RETURNING requests",
            vals![phone.as_str(), today],
        )
        .await?
        .unwrap_or(1);
        if count > DAILY_LIMIT {
            return Err(AppError::Invalid(vec![
                FieldError::new("applicant_phone", "hall.daily_limit").with(DAILY_LIMIT),
            ]));
        }
    }
    Ok(())
}

/// A checked new case.
#[derive(Clone, Debug)]
pub struct NewCase {
    pub community: DivisionCode,
    pub item: Item,
    pub resident_id: Option<i64>,
    pub applicant_name: String,
    pub applicant_phone: Option<Phone>,
    pub id_number: Option<IdNumber>,
    pub description: String,
    pub address: String,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    /// window, online or open311
    pub channel: &'static str,
    /// The public form's stamp, used up with the request (good once).
    pub stamp: Option<String>,
}

/// A case as typed at the window or into the public form.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct CaseInput {
    pub community: String,
    pub item: String,
    pub resident_id: String,
    pub applicant_name: String,
    pub applicant_phone: String,
    pub id_number: String,
    pub description: String,
    pub address: String,
}

pub const MAX_DESCRIPTION: usize = 2000;

impl CaseInput {
    /// Check the fields against the catalogue. `phone_required` for the public channels,
    /// where the phone is the only way back to the applicant and the key to the status page.
    pub fn check(
        &self,
        items: &[Item],
        channel: &'static str,
        phone_required: bool,
    ) -> Result<NewCase> {
        let mut errs = Vec::new();
        let community = DivisionCode::parse_level(
            self.community.trim(),
            crate::platform::types::Level::Community,
        );
        if community.is_err() {
            errs.push(FieldError::new("community", "hall.bad_community"));
        }
        let item = self
            .item
            .trim()
            .parse::<i64>()
            .ok()
            .and_then(|id| items.iter().find(|i| i.id == id))
            .or_else(|| items.iter().find(|i| i.code == self.item.trim()));
        let item = match item {
            Some(i) if !i.active => {
                errs.push(FieldError::new("item", "hall.item_inactive"));
                None
            }
            Some(i) if channel != "window" && !i.online => {
                errs.push(FieldError::new("item", "hall.item_not_online"));
                None
            }
            Some(i) => Some(i.clone()),
            None => {
                errs.push(FieldError::new("item", "hall.unknown_item"));
                None
            }
        };
        let name = self.applicant_name.trim();
        if name.is_empty() {
            errs.push(FieldError::new("applicant_name", "common.required"));
        } else if name.chars().count() > 50 {
            errs.push(FieldError::new("applicant_name", "common.too_long").with(50));
        }
        let phone = match self.applicant_phone.trim() {
            "" if phone_required => {
                errs.push(FieldError::new("applicant_phone", "common.required"));
                None
            }
            "" => None,
            s => match Phone::parse(s) {
                Ok(p) => Some(p),
                Err(k) => {
                    errs.push(FieldError::new("applicant_phone", k));
                    None
                }
            },
        };
        let id_number = match self.id_number.trim() {
            "" => None,
            s => match IdNumber::parse(s) {
                Ok(id) => Some(id),
                Err(k) => {
                    errs.push(FieldError::new("id_number", k));
                    None
                }
            },
        };
        let resident_id = match self.resident_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errs.push(FieldError::new("resident_id", "hall.unknown_resident"));
                    None
                }
            },
        };
        if self.description.chars().count() > MAX_DESCRIPTION {
            errs.push(FieldError::new("description", "common.too_long").with(MAX_DESCRIPTION));
        }
        if self.address.chars().count() > 200 {
            errs.push(FieldError::new("address", "common.too_long").with(200));
        }
        match (community, item) {
            (Ok(community), Some(item)) if errs.is_empty() => Ok(NewCase {
                community,
                item,
                resident_id,
                applicant_name: name.to_string(),
                applicant_phone: phone,
                id_number,
                description: self.description.trim().to_string(),
                address: self.address.trim().to_string(),
                lat: None,
                lon: None,
                channel,
                stamp: None,
            }),
            _ => Err(AppError::Invalid(errs)),
        }
    }
}

/// What registering gave back.
#[derive(Clone, Debug, Serialize)]
pub struct Registered {
    pub id: i64,
    pub number: String,
    pub token: Option<String>,
    pub due_on: Option<NaiveDate>,
}

/// A text for the applicant's phone, handed to the notification sender after commit.
#[derive(Clone, Debug)]
pub struct Notice {
    pub phone: String,
    pub text: String,
}

/// Add to the measures' counters of a (community, item, year).
async fn bump<C: ConnectionTrait>(
    c: &C,
    community: &str,
    item_id: i64,
    year: i32,
    counters: &[(&str, i64)],
) -> Result<()> {
    let cols: Vec<&str> = counters.iter().map(|(c, _)| *c).collect();
    let mut v = vals![community, item_id, year];
    v.extend(counters.iter().map(|(_, n)| Value::from(*n)));
    let sql = format!(
        "INSERT INTO case_stats (community_code, item_id, year, {}) VALUES (?, ?, ?, {}) \
         ON CONFLICT (community_code, item_id, year) DO UPDATE SET {}",
        cols.join(", "),
        vec!["?"; cols.len()].join(", "),
        cols.iter()
            .map(|c| format!("{c} = case_stats.{c} + excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    db::exec(c, &sql, v).await?;
    Ok(())
}

async fn add_event(
    tx: &DatabaseTransaction,
    case_id: i64,
    actor: &Actor,
    step: &str,
    status_after: &str,
    note: &str,
    at: DateTime<Utc>,
) -> Result<()> {
    db::exec(
        tx,
        "INSERT INTO case_events (case_id, at, actor_id, actor_name, step, status_after, note) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        vals![
            case_id,
            at,
            actor.id,
            actor.name.clone(),
            step,
            status_after,
            note
        ],
    )
    .await?;
    Ok(())
}

/// Register a case. At the window it is accepted at once and its deadline runs from today;
/// from the public channels it waits for staff to accept it.
pub async fn register(
    db: &Db,
    district: &DivisionCode,
    cal: &Calendar,
    actor: &Actor,
    n: &NewCase,
    now: DateTime<Utc>,
) -> Result<(Registered, Option<Notice>)> {
    let today = now
        .with_timezone(&crate::platform::time::district_tz())
        .date_naive();
    let accepted = n.channel == "window";
    let due_on = accepted.then(|| cal.add_working_days(today, n.item.time_limit_days as u32));
    let token = if accepted {
        None
    } else {
        Some(crate::platform::auth::random_token()?[..20].to_string())
    };
    // the community must be the district's and not merged away (read before the write lock:
    // a merge is a rare, deliberate act, and cases keep the code they were registered under)
    let (lo, hi) = district.descendant_range();
    let live = db::scalar(
        &db.conn,
        "SELECT COUNT(*) FROM divisions WHERE code = ? AND code BETWEEN ? AND ? AND level = 5 \
         AND merged_into IS NULL",
        vals![n.community.as_str(), lo, hi],
    )
    .await?
    .unwrap_or(0);
    if live == 0 {
        return Err(AppError::invalid("community", "hall.bad_community"));
    }
    let tx = db.write_tx().await?;
    if n.channel != "window" {
        public_checks(&tx, n, now, today).await?;
    }
    // the resident: the one chosen, or the one with this ID number, or a new one
    let resident_id = match (n.resident_id, &n.id_number) {
        (Some(id), _) => {
            let here = db::scalar(
                &tx,
                "SELECT COUNT(*) FROM residents WHERE id = ? AND community_code = ?",
                vals![id, n.community.as_str()],
            )
            .await?
            .unwrap_or(0);
            if here == 0 {
                return Err(AppError::invalid("resident_id", "hall.unknown_resident"));
            }
            Some(id)
        }
        (None, Some(idn)) => {
            match db::scalar(
                &tx,
                "SELECT id FROM residents WHERE id_number = ?",
                vals![idn.as_str()],
            )
            .await?
            {
                Some(id) => Some(id),
                None => db::scalar(
                    &tx,
                    "INSERT INTO residents (community_code, name, id_number, phone, created_at, \
                     updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                    vals![
                        n.community.as_str(),
                        n.applicant_name.clone(),
                        idn.as_str(),
                        n.applicant_phone.as_ref().map(|p| p.as_str().to_string()),
                        now,
                        now
                    ],
                )
                .await?,
            }
        }
        (None, None) => None,
    };
    let year = today.year();
    let status = if accepted { "accepted" } else { "received" };
    let phone = n
        .applicant_phone
        .as_ref()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    // One statement: the number is the next in the community's sequence for the year; the
    // trigger `cases_registered` moves the sequence on, starts the timeline and counts the
    // case as received (migration 0006).
    let next = "COALESCE((SELECT last_seq FROM case_counters WHERE community_code = ? AND year = ?), 0) + 1";
    let (seq_text, lookups) = if db.is_sqlite() {
        (format!("printf('%05d', {next})"), 1)
    } else {
        // lpad cuts longer strings: pad to five, never shorter than the number
        (
            format!("lpad(CAST({next} AS TEXT), GREATEST(5, length(CAST({next} AS TEXT))), '0')"),
            2,
        )
    };
    let sql = format!(
        "INSERT INTO cases (number, community_code, item_id, resident_id, applicant_name, \
         applicant_phone, channel, status, description, address, lat, lon, received_at, \
         received_on, accepted_on, due_on, token, registered_by, registered_by_id, updated_at) \
         VALUES (? || {seq_text}, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) \
         RETURNING id, number"
    );
    #[derive(FromQueryResult)]
    struct Inserted {
        id: i64,
        number: String,
    }
    if !db.is_sqlite() {
        // PostgreSQL lets two transactions read the same last number: one community-year
        // takes numbers one at a time (SQLite has one writer anyway)
        let key = n.community.as_str().parse::<i64>().unwrap_or(0) * 10_000 + i64::from(year);
        db::exec(&tx, "SELECT pg_advisory_xact_lock(?)", vals![key]).await?;
    }
    let mut values = vals![format!("{}-{year}-", n.community.as_str())];
    for _ in 0..lookups {
        values.extend(vals![n.community.as_str(), year]);
    }
    values.extend(vals![
        n.community.as_str(),
        n.item.id,
        resident_id,
        n.applicant_name.clone(),
        phone.clone(),
        n.channel,
        status,
        n.description.clone(),
        n.address.clone(),
        n.lat,
        n.lon,
        now,
        today,
        accepted.then_some(today),
        due_on,
        token.clone(),
        actor.name.clone(),
        actor.id,
        now
    ]);
    let row: Inserted = db::one(&tx, &sql, values)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no id for the new case"))?;
    let (id, number) = (row.id, row.number);
    audit::record(
        &tx,
        actor,
        "register",
        "case",
        &number,
        None::<&()>,
        // no personal data in the append-only log: the case holds it, and can be corrected
        Some(&serde_json::json!({
            "id": id, "item": n.item.code, "community": n.community.as_str(),
            "channel": n.channel, "status": status, "due_on": due_on,
        })),
    )
    .await?;
    tx.commit().await?;
    let notice = (!phone.is_empty()).then(|| Notice {
        phone: phone.clone(),
        text: match due_on {
            Some(d) => format!(
                "您的{}（编号 {number}）已受理，承诺 {d} 前办结。",
                n.item.name
            ),
            None => format!(
                "您的{}申请（编号 {number}）已收到，社区工作人员将尽快受理。",
                n.item.name
            ),
        },
    });
    Ok((
        Registered {
            id,
            number,
            token,
            due_on,
        },
        notice,
    ))
}

// ------------------------------------------------------------------ steps

/// Where a referral goes.
#[derive(Clone, Debug)]
pub enum ReferTo {
    TownCentre,
    Department(i64),
    Provider(i64),
}

/// A step as asked for, before the rules.
#[derive(Clone, Debug)]
pub enum StepRequest {
    Accept,
    Reject { reason: String },
    Start,
    Refer { to: ReferTo, deadline: NaiveDate },
    Complete { result: String },
    Rate { stars: u8, comment: String },
}

impl StepRequest {
    pub fn key(&self) -> &'static str {
        match self {
            StepRequest::Accept => "accept",
            StepRequest::Reject { .. } => "reject",
            StepRequest::Start => "start",
            StepRequest::Refer { .. } => "refer",
            StepRequest::Complete { .. } => "complete",
            StepRequest::Rate { .. } => "rate",
        }
    }
}

/// Who takes a step: a signed-in user, or the applicant on the public status page (who may
/// only rate).
#[derive(Clone, Copy)]
pub enum Who<'a> {
    User(&'a CurrentUser),
    Applicant,
}

/// Whether `who` may take `step` on `case`; the case is already in the user's scope.
fn may(who: Who<'_>, step: &StepRequest, case: &CaseFull) -> bool {
    let u = match who {
        Who::Applicant => return matches!(step, StepRequest::Rate { .. }),
        Who::User(u) => u,
    };
    match u.role {
        Role::DistrictAdmin | Role::CommunityStaff => true,
        Role::DepartmentOfficer => {
            matches!(step, StepRequest::Complete { .. })
                && case.referred_kind.as_deref() == Some("department")
                && matches!(u.scope, Scope::Department(d) if case.referred_department_id == Some(d))
        }
        Role::TownOfficer => {
            matches!(step, StepRequest::Complete { .. })
                && case.referred_kind.as_deref() == Some("town_centre")
        }
        Role::Provider => {
            matches!(step, StepRequest::Complete { .. })
                && matches!(u.scope, Scope::Provider(p) if case.provider_id == Some(p))
        }
        Role::Assessor => false,
    }
}

#[derive(FromQueryResult)]
struct Target {
    name: String,
}

/// Take one step on a case. Nothing is written when the step is refused.
pub async fn step(
    db: &Db,
    cal: &Calendar,
    district: &DivisionCode,
    who: Who<'_>,
    case_id: i64,
    req: StepRequest,
    now: DateTime<Utc>,
) -> Result<Option<Notice>> {
    let today = now
        .with_timezone(&crate::platform::time::district_tz())
        .date_naive();
    let (scope, actor) = match who {
        Who::User(u) => (u.scope.clone(), u.actor()),
        Who::Applicant => (Scope::District, Actor::system("applicant")),
    };
    let tx = db.write_tx().await?;
    let case = load_full(&tx, district, &scope, case_id).await?;
    if !may(who, &req, &case) {
        return Err(AppError::Forbidden);
    }
    // what the referral names, checked before the rules
    let mut referred_to = String::new();
    if let StepRequest::Refer { to, .. } = &req {
        referred_to = match to {
            ReferTo::TownCentre => {
                let town = format!("{}000", &case.community_code[..9]);
                let t: Option<Target> = db::one(
                    &tx,
                    "SELECT name FROM divisions WHERE code = ?",
                    vals![town],
                )
                .await?;
                format!("{}行政受理中心", t.map(|t| t.name).unwrap_or_default())
            }
            ReferTo::Department(d) => {
                let t: Option<Target> = db::one(
                    &tx,
                    "SELECT name FROM departments WHERE id = ? AND active = ?",
                    vals![*d, true],
                )
                .await?;
                t.ok_or_else(|| AppError::invalid("department_id", "hall.choose_one"))?
                    .name
            }
            ReferTo::Provider(p) => provider_for(&tx, *p, &case, today).await?,
        };
    }
    let rule_step = match &req {
        StepRequest::Accept => Step::Accept,
        StepRequest::Reject { reason } => Step::Reject {
            reason: reason.clone(),
        },
        StepRequest::Start => Step::Start,
        StepRequest::Refer { deadline, .. } => Step::Refer {
            to: referred_to.clone(),
            deadline: *deadline,
        },
        StepRequest::Complete { result } => Step::Complete {
            result: result.clone(),
        },
        StepRequest::Rate { stars, comment } => Step::Rate {
            stars: *stars,
            comment: comment.clone(),
        },
    };
    let next =
        rules::apply(case.status(), &rule_step, case.rating.is_some(), today).map_err(|key| {
            let field = match key {
                "hall.reason_required" => "reason",
                "hall.refer_to_required" => "to",
                "hall.deadline_past" => "deadline",
                "hall.result_required" => "result",
                "hall.stars_range" => "stars",
                _ => "step",
            };
            AppError::invalid(field, key)
        })?;
    let year = case.received_on.year();
    let mut note = String::new();
    let mut notice = None;
    let phone = case.applicant_phone.expose().to_string();
    match &req {
        StepRequest::Accept => {
            let item_limit = db::scalar(
                &tx,
                "SELECT time_limit_days FROM service_items WHERE id = ?",
                vals![case.item_id],
            )
            .await?
            .unwrap_or(0);
            let due = cal.add_working_days(today, item_limit as u32);
            db::exec(
                &tx,
                "UPDATE cases SET status = ?, accepted_on = ?, due_on = ?, updated_at = ? WHERE id = ?",
                vals![next.key(), today, due, now, case.id],
            )
            .await?;
            note = format!("due {due}");
            notice = Some(format!(
                "您的申请（编号 {}）已受理，承诺 {due} 前办结。",
                case.number
            ));
        }
        StepRequest::Reject { reason } => {
            db::exec(
                &tx,
                "UPDATE cases SET status = ?, reject_reason = ?, updated_at = ? WHERE id = ?",
                vals![next.key(), reason.trim(), now, case.id],
            )
            .await?;
            bump(
                &tx,
                &case.community_code,
                case.item_id,
                year,
                &[("rejected", 1)],
            )
            .await?;
            note = reason.trim().to_string();
            notice = Some(format!(
                "您的申请（编号 {}）未予受理：{}",
                case.number,
                reason.trim()
            ));
        }
        StepRequest::Start => {
            db::exec(
                &tx,
                "UPDATE cases SET status = ?, updated_at = ? WHERE id = ?",
                vals![next.key(), now, case.id],
            )
            .await?;
        }
        StepRequest::Refer { to, deadline } => {
            let (kind, dept, provider) = match to {
                ReferTo::TownCentre => ("town_centre", None, None),
                ReferTo::Department(d) => ("department", Some(*d), None),
                ReferTo::Provider(p) => ("provider", None, Some(*p)),
            };
            db::exec(
                &tx,
                "UPDATE cases SET status = ?, referred_kind = ?, referred_department_id = ?, \
                 provider_id = ?, referred_to = ?, referred_deadline = ?, updated_at = ? WHERE id = ?",
                vals![next.key(), kind, dept, provider, referred_to.clone(), *deadline, now, case.id],
            )
            .await?;
            note = format!("{referred_to} · {deadline}");
        }
        StepRequest::Complete { result } => {
            let in_community = !matches!(
                case.referred_kind.as_deref(),
                Some("town_centre" | "department")
            );
            let from = case.accepted_on.unwrap_or(case.received_on);
            let days = cal.working_days_between(from, today).max(0);
            let late = case.due_on.is_some_and(|d| today > d);
            db::exec(
                &tx,
                "UPDATE cases SET status = ?, result = ?, completed_on = ?, \
                 finished_in_community = ?, handling_days = ?, updated_at = ? WHERE id = ?",
                vals![
                    next.key(),
                    result.trim(),
                    today,
                    in_community,
                    days,
                    now,
                    case.id
                ],
            )
            .await?;
            let bucket = format!("h{}", rules::hist_bucket(days));
            bump(
                &tx,
                &case.community_code,
                case.item_id,
                year,
                &[
                    ("completed", 1),
                    ("in_community", i64::from(in_community)),
                    ("late", i64::from(late)),
                    ("days_sum", days),
                    (bucket.as_str(), 1),
                ],
            )
            .await?;
            note = result.trim().to_string();
            notice = Some(format!(
                "您的申请（编号 {}）已办结：{}",
                case.number,
                result.trim()
            ));
        }
        StepRequest::Rate { stars, comment } => {
            // conditional: a second rating racing this one changes nothing
            let n = db::exec(
                &tx,
                "UPDATE cases SET rating = ?, rating_comment = ?, rated_at = ?, updated_at = ? \
                 WHERE id = ? AND rating IS NULL",
                vals![i64::from(*stars), comment.trim(), now, now, case.id],
            )
            .await?;
            if n == 0 {
                return Err(AppError::invalid("stars", "hall.rated_already"));
            }
            bump(
                &tx,
                &case.community_code,
                case.item_id,
                year,
                &[("rated", 1), ("stars", i64::from(*stars))],
            )
            .await?;
            if let Some(p) = case.provider_id {
                db::exec(
                    &tx,
                    "UPDATE providers SET rating_sum = rating_sum + ?, rating_count = rating_count + 1, \
                     complaints = complaints + ? WHERE id = ?",
                    vals![i64::from(*stars), i64::from(rules::is_complaint(*stars)), p],
                )
                .await?;
            }
            note = format!("{stars}★ {}", comment.trim()).trim().to_string();
        }
    }
    add_event(&tx, case.id, &actor, req.key(), next.key(), &note, now).await?;
    // a rating's comment is the applicant's own words: the log keeps the stars only
    let logged = match &req {
        StepRequest::Rate { stars, comment } => serde_json::json!({
            "status": next.key(), "note": format!("{stars}★"), "comment": comment.trim(),
        }),
        _ => serde_json::json!({"status": next.key(), "note": note}),
    };
    audit::record(
        &tx,
        &actor,
        req.key(),
        "case",
        &case.number,
        Some(&serde_json::json!({"status": case.status})),
        Some(&logged),
    )
    .await?;
    tx.commit().await?;
    Ok(notice
        .filter(|_| !phone.is_empty())
        .map(|text| Notice { phone, text }))
}

/// The provider a convenience request may go to: active, serving the case's community and,
/// when the item names a category, offering it. Returns its name.
async fn provider_for(
    tx: &DatabaseTransaction,
    provider: i64,
    case: &CaseFull,
    today: NaiveDate,
) -> Result<String> {
    #[derive(FromQueryResult)]
    struct P {
        name: String,
        status: String,
        contract_end: Option<NaiveDate>,
        categories: String,
        serves: i64,
        category: Option<String>,
        kind: String,
    }
    let p: P = db::one(
        tx,
        "SELECT p.name, p.status, p.contract_end, p.categories, \
         (SELECT COUNT(*) FROM provider_communities pc WHERE pc.provider_id = p.id \
          AND pc.community_code = ?) AS serves, \
         (SELECT provider_category FROM service_items WHERE id = ?) AS category, \
         (SELECT kind FROM service_items WHERE id = ?) AS kind \
         FROM providers p WHERE p.id = ?",
        vals![
            case.community_code.clone(),
            case.item_id,
            case.item_id,
            provider
        ],
    )
    .await?
    .ok_or_else(|| AppError::invalid("provider_id", "hall.choose_one"))?;
    if rules::ProviderStatus::effective(&p.status, p.contract_end, today)
        != rules::ProviderStatus::Active
    {
        return Err(AppError::invalid("provider_id", "hall.provider_not_active"));
    }
    if p.serves == 0 {
        return Err(AppError::invalid("provider_id", "hall.provider_not_here"));
    }
    let offers = match &p.category {
        Some(c) => rules::tags_of(&p.categories).contains(&c.as_str()),
        None => p.kind == "convenience",
    };
    if !offers {
        return Err(AppError::invalid(
            "provider_id",
            "hall.provider_wrong_category",
        ));
    }
    Ok(p.name)
}
