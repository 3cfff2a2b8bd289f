//! The register of community workers: read within the reader's territory (the district, a
//! town, a community), personal fields masked unless the reader sees them, monthly pay only
//! for the district and the worker's own town; written by those who keep the unit's records,
//! every change audited.

use chrono::{Datelike, NaiveDate};
use sea_orm::FromQueryResult;
use serde::{Deserialize, Serialize};

use crate::geo::store::community_scope_sql;
use crate::platform::audit;
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, Constraint, FieldError, Result};
use crate::platform::http::form::Parse;
use crate::platform::personal::{IdCard, Mobile, Name, Personal};
use crate::platform::revision;
use crate::platform::types::{DivisionCode, Phone};
use crate::vals;
use crate::workers::rules::{self, Education, Employment, Political, Post};

/// Whether a user sees workers' ID numbers and phones in full (in their territory): the
/// district and the community's own staff, as for residents.
pub fn sees_personal(u: &CurrentUser) -> bool {
    matches!(u.role, Role::DistrictAdmin | Role::CommunityStaff)
}

/// Whether a user sees monthly pay: the district and the worker's own town.
pub fn sees_pay(u: &CurrentUser) -> bool {
    matches!(u.role, Role::DistrictAdmin | Role::TownOfficer)
}

/// Whether a user keeps the records of a unit (a community, or a town's or the district's
/// office): the admin anywhere, a town in its town, community staff in their community.
pub fn may_write(u: &CurrentUser, unit: &str) -> bool {
    match (&u.role, &u.scope) {
        (Role::DistrictAdmin, _) => true,
        (Role::TownOfficer, Scope::Town(t)) => t.contains_str(unit),
        (Role::CommunityStaff, Scope::Community(c)) => c.as_str() == unit,
        _ => false,
    }
}

/// The units `u` keeps workers' records in: their communities, and the town's or the
/// district's office for those above, in code order.
pub async fn writable_units(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
) -> Result<Vec<(String, String)>> {
    let (scope, v) = community_scope_sql(&u.scope, district);
    let rows: Vec<(String, String)> = db::all_json(
        &db.conn,
        &["code", "name"],
        &format!(
            "SELECT c.code, c.name FROM divisions c WHERE {scope} AND c.level >= 3 \
             AND c.merged_into IS NULL ORDER BY c.code"
        ),
        v,
    )
    .await?;
    Ok(rows.into_iter().filter(|(c, _)| may_write(u, c)).collect())
}

/// A worker as the register shows them today: the current period's unit and post.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Worker {
    pub id: i64,
    #[schema(value_type = String)]
    pub name: Personal<Name>,
    pub male: bool,
    #[schema(value_type = Option<String>)]
    pub id_number: Option<Personal<IdCard>>,
    pub birth_date: NaiveDate,
    pub education: String,
    pub political: String,
    #[schema(value_type = String)]
    pub phone: Personal<Mobile>,
    /// Monthly pay in fen; only for the district and the worker's own town.
    pub pay_fen: Option<i64>,
    pub contract_end: Option<NaiveDate>,
    pub unit_code: String,
    pub unit_name: String,
    pub post: String,
    pub employment: String,
    pub start_on: NaiveDate,
    /// Social-work certificates valid today.
    pub certified: i64,
    /// Raised by each save (platform::revision).
    pub revision: i64,
}

impl Worker {
    /// The record as far as `u` may see it.
    fn for_viewer(mut self, u: &CurrentUser) -> Self {
        let full = sees_personal(u);
        self.name = self.name.reveal(true);
        self.id_number = self.id_number.map(|i| i.reveal(full));
        self.phone = self.phone.reveal(full);
        if !sees_pay(u) {
            self.pay_fen = None;
        }
        self
    }

    pub fn age_on(&self, on: NaiveDate) -> u32 {
        rules::age_on(self.birth_date, on)
    }
}

const SELECT: &str = "SELECT w.id, w.name, w.male, w.id_number, w.birth_date, w.education, \
    w.political, w.phone, w.pay_fen, w.contract_end, p.unit_code, c.name AS unit_name, p.post, \
    p.employment, p.start_on, w.revision, \
    (SELECT COUNT(*) FROM worker_certificates x WHERE x.worker_id = w.id AND x.level <> 'other' \
      AND x.obtained_on <= ? AND (x.registered_until IS NULL OR x.registered_until >= ?)) \
      AS certified \
    FROM workers w JOIN worker_periods p ON p.worker_id = w.id AND p.end_on IS NULL \
    JOIN divisions c ON c.code = p.unit_code";

/// The register's filters.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
pub struct WorkerQuery {
    /// A unit's code (a community, or a town's office).
    pub unit: Option<String>,
    pub post: Option<String>,
    /// `yes`: with a valid social-work certificate; `no`: without.
    pub certified: Option<String>,
    /// What falls due within [`DUE_DAYS`]: `certificate` (a registration ends) or `contract`;
    /// or `training`: short of this year's training hours target.
    pub due: Option<String>,
    pub page: Option<u64>,
}

/// The posts in their order of rank, as SQL over the column `post`.
fn post_order() -> String {
    let arms: String = Post::ALL
        .iter()
        .enumerate()
        .map(|(i, p)| format!(" WHEN '{}' THEN {i}", p.key()))
        .collect();
    format!("CASE post{arms} END")
}

/// How far ahead reminders look: a certificate's registration or a contract ending within
/// this many days.
pub const DUE_DAYS: i64 = 60;

/// Rows per page of the register.
pub const PER_PAGE: u64 = 100;

/// The current workers in `u`'s territory, filtered: a page of them (`q.page`) and how many
/// there are in all.
pub async fn list(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    q: &WorkerQuery,
    today: NaiveDate,
) -> Result<(Vec<Worker>, u64)> {
    let total = count(db, district, u, q, today).await?;
    let target = training_target(db, q, today).await?;
    let (inner, having, values) = filtered(district, u, q, today, target);
    let offset = crate::platform::http::pagination::offset(q.page, PER_PAGE);
    let rows = rows_of(
        db,
        u,
        &inner,
        having,
        values,
        &format!("LIMIT {PER_PAGE} OFFSET {offset}"),
    )
    .await?;
    Ok((rows, total))
}

/// How many current workers in `u`'s territory match the filters (the home page's reminders
/// read this alone).
pub async fn count(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    q: &WorkerQuery,
    today: NaiveDate,
) -> Result<u64> {
    let target = training_target(db, q, today).await?;
    let (inner, having, values) = filtered(district, u, q, today, target);
    Ok(db::scalar(
        &db.conn,
        &format!("SELECT COUNT(*) FROM ({inner}) x {having}"),
        values,
    )
    .await?
    .unwrap_or(0) as u64)
}

/// Every current worker in `u`'s territory matching the filters (the export: no pages).
pub async fn all(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    q: &WorkerQuery,
    today: NaiveDate,
) -> Result<Vec<Worker>> {
    let target = training_target(db, q, today).await?;
    let (inner, having, values) = filtered(district, u, q, today, target);
    rows_of(db, u, &inner, having, values, "").await
}

/// The year's training hours target, when the filter asks who is short of it.
async fn training_target(db: &Db, q: &WorkerQuery, today: NaiveDate) -> Result<Option<i64>> {
    if q.due.as_deref() != Some("training") {
        return Ok(None);
    }
    let targets = crate::workers::norms::targets(db).await?;
    Ok(crate::workers::norms::target_for(&targets, today.year())
        .map(|t| i64::from(t.training_hours)))
}

/// The register's query for `u` and the filters: the inner select, the condition on
/// `certified`, the values.
fn filtered(
    district: &DivisionCode,
    u: &CurrentUser,
    q: &WorkerQuery,
    today: NaiveDate,
    training_target: Option<i64>,
) -> (String, &'static str, Vec<sea_orm::Value>) {
    let (scope, v) = community_scope_sql(&u.scope, district);
    let mut cond = scope;
    let mut values = vals![today, today];
    values.extend(v);
    if let Some(unit) = q.unit.as_deref().filter(|x| !x.is_empty()) {
        cond.push_str(" AND p.unit_code = ?");
        values.push(unit.into());
    }
    if let Some(post) = q.post.as_deref().filter(|x| !x.is_empty()) {
        cond.push_str(" AND p.post = ?");
        values.push(post.into());
    }
    let horizon = today + chrono::Duration::days(DUE_DAYS);
    match q.due.as_deref() {
        Some("certificate") => {
            cond.push_str(
                " AND EXISTS (SELECT 1 FROM worker_certificates x WHERE x.worker_id = w.id \
                 AND x.registered_until BETWEEN ? AND ?)",
            );
            values.extend(vals![today, horizon]);
        }
        Some("contract") => {
            cond.push_str(" AND w.contract_end BETWEEN ? AND ?");
            values.extend(vals![today, horizon]);
        }
        Some("training") => {
            // short of the year's training target (none set: nobody is short)
            cond.push_str(
                " AND COALESCE((SELECT SUM(e.hours) FROM training_enrolments e \
                 JOIN training_courses k ON k.id = e.course_id WHERE e.worker_id = w.id \
                 AND k.starts_on BETWEEN ? AND ?), 0) < ?",
            );
            let first = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
            values.extend(vals![first, today, training_target.unwrap_or(0)]);
        }
        _ => {}
    }
    let having = match q.certified.as_deref() {
        Some("yes") => "WHERE certified > 0",
        Some("no") => "WHERE certified = 0",
        _ => "",
    };
    (format!("{SELECT} WHERE {cond}"), having, values)
}

async fn rows_of(
    db: &Db,
    u: &CurrentUser,
    inner: &str,
    having: &str,
    values: Vec<sea_orm::Value>,
    limit: &str,
) -> Result<Vec<Worker>> {
    let rows: Vec<Worker> = db::all(
        &db.conn,
        &format!(
            "SELECT * FROM ({inner}) x {having} ORDER BY unit_code, {}, id {limit}",
            post_order()
        ),
        values,
    )
    .await?;
    Ok(rows.into_iter().map(|w| w.for_viewer(u)).collect())
}

/// One current worker in `u`'s territory, or 404.
pub async fn load(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    today: NaiveDate,
) -> Result<Worker> {
    let (scope, v) = community_scope_sql(&u.scope, district);
    let mut all = vals![today, today];
    all.extend(v);
    all.push(id.into());
    let w: Worker = db::one(
        &db.conn,
        &format!("{SELECT} WHERE {scope} AND w.id = ?"),
        all,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(w.for_viewer(u))
}

/// A period of a worker's service, for the record's history.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct PeriodRow {
    pub unit_code: String,
    pub unit_name: String,
    pub post: String,
    pub employment: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
}

pub async fn periods(db: &Db, worker: &Worker) -> Result<Vec<PeriodRow>> {
    db::all(
        &db.conn,
        "SELECT p.unit_code, c.name AS unit_name, p.post, p.employment, p.start_on, p.end_on \
         FROM worker_periods p JOIN divisions c ON c.code = p.unit_code \
         WHERE p.worker_id = ? ORDER BY p.start_on DESC, p.id DESC",
        vals![worker.id],
    )
    .await
}

/// The register's form, as sent.
#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct WorkerInput {
    pub unit: String,
    pub name: String,
    /// Optional; when given, the birth date and sex are read from it.
    pub id_number: String,
    /// `male` / `female`, when there is no ID number.
    pub gender: String,
    /// When there is no ID number.
    pub birth_date: String,
    pub education: String,
    pub political: String,
    pub post: String,
    pub employment: String,
    /// The day the worker started in this unit and post.
    pub start_on: String,
    pub contract_end: String,
    pub phone: String,
    /// Monthly pay in yuan.
    pub pay: String,
    /// The revision the form was opened at (platform::revision).
    pub revision: String,
}

/// The most monthly pay taken without question: 100,000 yuan.
const MAX_PAY_FEN: i64 = 10_000_000;

/// The form checked.
#[derive(Clone, Debug, Serialize)]
struct WorkerSave {
    unit: String,
    name: String,
    id_number: Option<String>,
    male: bool,
    birth_date: NaiveDate,
    education: &'static str,
    political: &'static str,
    post: &'static str,
    employment: &'static str,
    start_on: NaiveDate,
    contract_end: Option<NaiveDate>,
    phone: String,
    pay_fen: Option<i64>,
}

pub(crate) fn choice<T: Copy>(
    check: &mut Parse,
    field: &str,
    v: &str,
    parse: fn(&str) -> Option<T>,
    key: fn(T) -> &'static str,
) -> &'static str {
    match parse(v) {
        Some(x) => key(x),
        None => {
            check.errs.push(FieldError::new(field, "common.bad_choice"));
            ""
        }
    }
}

/// Check a worker's form as registering would (`today` bounds the dates): its field errors.
pub fn check(i: &WorkerInput, today: NaiveDate) -> Result<()> {
    check_worker(i, today).map(|_| ())
}

/// Check the form (`today` bounds the dates).
fn check_worker(i: &WorkerInput, today: NaiveDate) -> Result<WorkerSave> {
    let mut check = Parse::default();
    let name = check.text("name", &i.name, 40);
    let (id_number, male, birth_date) = match i.id_number.trim() {
        "" => {
            let birth = check.required_date("birth_date", &i.birth_date);
            let male = match i.gender.as_str() {
                "male" => true,
                "female" => false,
                _ => {
                    check
                        .errs
                        .push(FieldError::new("gender", "common.bad_choice"));
                    false
                }
            };
            (None, male, birth)
        }
        given => match rules::identity(given) {
            Ok((birth, male)) => (Some(given.to_ascii_uppercase()), male, birth),
            Err(k) => {
                check.errs.push(FieldError::new("id_number", k));
                (None, false, NaiveDate::default())
            }
        },
    };
    if rules::age_on(birth_date, today) < 16 && check.errs.iter().all(|e| e.field != "birth_date") {
        check.errs.push(FieldError::new(
            if id_number.is_some() {
                "id_number"
            } else {
                "birth_date"
            },
            "workers.too_young",
        ));
    }
    let education = choice(
        &mut check,
        "education",
        &i.education,
        Education::parse,
        Education::key,
    );
    let political = choice(
        &mut check,
        "political",
        &i.political,
        Political::parse,
        Political::key,
    );
    let post = choice(&mut check, "post", &i.post, Post::parse, Post::key);
    let employment = choice(
        &mut check,
        "employment",
        &i.employment,
        Employment::parse,
        Employment::key,
    );
    let start_on = check.required_date("start_on", &i.start_on);
    if start_on > today {
        check
            .errs
            .push(FieldError::new("start_on", "common.not_after_today"));
    }
    let contract_end = check.date("contract_end", &i.contract_end);
    let phone = match i.phone.trim() {
        "" => String::new(),
        p => match Phone::parse(p) {
            Ok(p) => p.as_str().to_string(),
            Err(k) => {
                check.errs.push(FieldError::new("phone", k));
                String::new()
            }
        },
    };
    let pay_fen = match i.pay.trim() {
        "" => None,
        _ => Some(check.money("pay", &i.pay)).filter(|f| (0..=MAX_PAY_FEN).contains(f)),
    };
    if !i.pay.trim().is_empty() && pay_fen.is_none() && check.errs.iter().all(|e| e.field != "pay")
    {
        check.errs.push(FieldError::new("pay", "workers.bad_pay"));
    }
    check.finish()?;
    Ok(WorkerSave {
        unit: i.unit.trim().to_string(),
        name,
        id_number,
        male,
        birth_date,
        education,
        political,
        post,
        employment,
        start_on,
        contract_end,
        phone,
        pay_fen,
    })
}

const UNIQUE: &[Constraint] = &[Constraint::unique(
    "workers",
    &["id_number"],
    "id_number",
    "workers.id_number_taken",
)];

/// A unit of the district a worker may serve in: a live community, a town, or the district
/// itself; its code, or a field error.
pub(crate) async fn live_unit(db: &Db, district: &DivisionCode, unit: &str) -> Result<String> {
    let known = db::scalar(
        &db.conn,
        "SELECT COUNT(*) FROM divisions WHERE code = ? AND level >= 3 AND merged_into IS NULL",
        vals![unit],
    )
    .await?
    .unwrap_or(0);
    if known == 0 || !district.contains_str(unit) {
        return Err(AppError::invalid("unit", "common.bad_choice"));
    }
    Ok(unit.to_string())
}

/// Register a worker (`id` None) or change one. A change of unit closes the current period
/// the day before the new one starts and opens the new one: one record, its history kept.
pub async fn save(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: Option<i64>,
    input: &WorkerInput,
) -> Result<i64> {
    let today = db.clock().today();
    let before = match id {
        Some(id) => {
            let w = load(db, district, u, id, today).await?;
            if !may_write(u, &w.unit_code) {
                return Err(AppError::Forbidden);
            }
            Some(w)
        }
        None => None,
    };
    let input = as_stored(db, u, before.as_ref(), input).await?;
    let s = check_worker(&input, today)?;
    let unit = live_unit(db, district, &s.unit).await?;
    if !may_write(u, &unit) {
        return Err(AppError::Forbidden);
    }
    let tx = db.write_tx().await?;
    let now = tx.clock().now();
    let written: Result<i64> = async {
        let wid = match id {
            None => insert_worker(&tx, &s, now).await?,
            Some(id) => {
                revision::update(
                    &tx,
                    "workers",
                    "worker",
                    id,
                    revision::base(&input.revision)?,
                    "name = ?, male = ?, id_number = ?, birth_date = ?, education = ?, \
                     political = ?, phone = ?, pay_fen = ?, contract_end = ?, updated_at = ?",
                    vals![
                        s.name.clone(),
                        s.male,
                        s.id_number.clone(),
                        s.birth_date,
                        s.education,
                        s.political,
                        s.phone.clone(),
                        s.pay_fen,
                        s.contract_end,
                        now
                    ],
                )
                .await?;
                id
            }
        };
        Ok(wid)
    }
    .await;
    let wid = match written {
        Ok(w) => w,
        Err(e) => {
            tx.rollback().await?;
            return Err(e.on_constraint(UNIQUE));
        }
    };
    write_period(&tx, wid, &s, before.as_ref()).await?;
    audit::commit(
        tx,
        &u.actor(),
        if id.is_some() { "update" } else { "create" },
        "worker",
        &wid.to_string(),
        before.as_ref().map(|b| {
            serde_json::json!({"unit": b.unit_code, "post": b.post, "employment": b.employment})
        }).as_ref(),
        Some(&s),
    )
    .await?;
    Ok(wid)
}

async fn insert_worker(
    tx: &crate::platform::db::WriteTx,
    s: &WorkerSave,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<i64> {
    db::scalar(
        tx,
        "INSERT INTO workers (name, male, id_number, birth_date, education, political, \
         phone, pay_fen, contract_end, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            s.name.clone(),
            s.male,
            s.id_number.clone(),
            s.birth_date,
            s.education,
            s.political,
            s.phone.clone(),
            s.pay_fen,
            s.contract_end,
            now,
            now
        ],
    )
    .await?
    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no id returned")))
}

/// Register a new worker inside the caller's transaction (a hire from a recruitment round:
/// the worker and the applicant's link to them, both or neither), audited in it.
pub async fn register_in(
    db: &Db,
    tx: &crate::platform::db::WriteTx,
    district: &DivisionCode,
    u: &CurrentUser,
    input: &WorkerInput,
) -> Result<i64> {
    let s = check_worker(input, db.clock().today())?;
    let unit = live_unit(db, district, &s.unit).await?;
    if !may_write(u, &unit) {
        return Err(AppError::Forbidden);
    }
    let wid = insert_worker(tx, &s, tx.clock().now())
        .await
        .map_err(|e| e.on_constraint(UNIQUE))?;
    write_period(tx, wid, &s, None).await?;
    audit::record(
        tx,
        &u.actor(),
        "create",
        "worker",
        &wid.to_string(),
        None::<&()>,
        Some(&s),
    )
    .await?;
    Ok(wid)
}

/// The form as it is to be stored, for a writer who does not see everything: an ID number or
/// mobile sent back as it was shown (masked) keeps the stored one, and the pay of a worker
/// already registered, which such a writer does not see, keeps the stored amount (they may
/// give it when registering).
async fn as_stored(
    db: &Db,
    u: &CurrentUser,
    before: Option<&Worker>,
    input: &WorkerInput,
) -> Result<WorkerInput> {
    let mut i = input.clone();
    if let Some(b) = before.filter(|_| !sees_personal(u)) {
        if let Some(id) = &b.id_number
            && i.id_number.trim() == id.shown()
        {
            i.id_number = id.expose().to_string();
        }
        if i.phone.trim() == b.phone.shown() {
            i.phone = b.phone.expose().to_string();
        }
    }
    if let Some(b) = before.filter(|_| !sees_pay(u)) {
        let stored = db::scalar(
            &db.conn,
            "SELECT pay_fen FROM workers WHERE id = ?",
            vals![b.id],
        )
        .await?;
        i.pay = stored
            .map(|f| crate::platform::types::Fen(f).yuan_string())
            .unwrap_or_default();
    }
    Ok(i)
}

/// Open the worker's period in the unit and post saved, closing the current one when it
/// changed (a move ends the day before the new start; a start on the same day replaces it).
async fn write_period(
    tx: &crate::platform::db::WriteTx,
    wid: i64,
    s: &WorkerSave,
    before: Option<&Worker>,
) -> Result<()> {
    if let Some(b) = before {
        let same = b.unit_code == s.unit && b.post == s.post && b.employment == s.employment;
        if same {
            return Ok(());
        }
        if s.start_on <= b.start_on {
            return Err(AppError::invalid("start_on", "workers.start_after_current"));
        }
        db::exec(
            tx,
            "UPDATE worker_periods SET end_on = ? WHERE worker_id = ? AND end_on IS NULL",
            vals![s.start_on.pred_opt().unwrap_or(s.start_on), wid],
        )
        .await?;
    }
    db::exec(
        tx,
        "INSERT INTO worker_periods (worker_id, unit_code, post, employment, start_on) \
         VALUES (?, ?, ?, ?, ?)",
        vals![wid, s.unit.clone(), s.post, s.employment, s.start_on],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn input() -> WorkerInput {
        WorkerInput {
            unit: "320205106203".into(),
            name: "王建英".into(),
            id_number: "11010519491231002X".into(),
            education: "college".into(),
            political: "party".into(),
            post: "full_time_worker".into(),
            employment: "full_time".into(),
            start_on: "2008-03-01".into(),
            pay: "3,200".into(),
            ..Default::default()
        }
    }

    #[test]
    fn the_form_reads_identity_from_the_id_number() {
        let s = check_worker(&input(), d("2026-12-01")).unwrap();
        assert_eq!(s.birth_date, d("1949-12-31"));
        assert!(!s.male);
        assert_eq!(s.pay_fen, Some(320_000));
        let without = WorkerInput {
            id_number: String::new(),
            gender: "male".into(),
            birth_date: "1980-05-02".into(),
            ..input()
        };
        let s = check_worker(&without, d("2026-12-01")).unwrap();
        assert!(s.male && s.id_number.is_none());
        let keys = |i: &WorkerInput| match check_worker(i, d("2026-12-01")) {
            Err(AppError::Invalid(errs)) => errs
                .iter()
                .map(|e| format!("{}={}", e.field, e.key))
                .collect::<Vec<_>>(),
            other => panic!("expected field errors: {other:?}"),
        };
        let bad = WorkerInput {
            id_number: "110105194912310021".into(),
            education: "phd".into(),
            start_on: "2027-01-01".into(),
            pay: "-5".into(),
            ..input()
        };
        assert_eq!(
            keys(&bad),
            [
                "id_number=id.check",
                "education=common.bad_choice",
                "start_on=common.not_after_today",
                "pay=workers.bad_pay"
            ]
        );
        let no_gender = WorkerInput {
            id_number: String::new(),
            birth_date: "2015-01-01".into(),
            ..input()
        };
        assert_eq!(
            keys(&no_gender),
            ["gender=common.bad_choice", "birth_date=workers.too_young"]
        );
    }
}
