//! Volunteers and their verified service: the register (party members marked), service
//! records with hours, the community's verification, and the hours reported.

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::auth::Role;
use crate::platform::auth::Scope;
use crate::platform::db;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::error::FieldError;
use crate::platform::error::Result;
use crate::platform::http::form::Parse;
use crate::platform::time::parse_date;
use crate::platform::types::DivisionCode;
use crate::selfgov::store::check_writer;
use crate::selfgov::store::code_scope;
use crate::selfgov::store::in_scope;
use crate::selfgov::store::live_community;
use crate::selfgov::volunteers::rules;
use crate::vals;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sea_orm::FromQueryResult;
use serde::Deserialize;
use serde::Serialize;

// ------------------------------------------------------------------ volunteers

#[derive(Clone, Debug, FromQueryResult)]
pub struct Volunteer {
    pub id: i64,
    pub community_code: String,
    pub name: String,
    pub skills: String,
    pub party_member: bool,
    pub organisation_id: Option<i64>,
    pub organisation_name: Option<String>,
    pub joined_on: NaiveDate,
    pub active: bool,
    /// verified hours in tenths, and those awaiting verification
    pub verified_tenths: i64,
    pub pending_tenths: i64,
}

impl Volunteer {
    pub fn hours(&self) -> String {
        tenths(self.verified_tenths)
    }
    pub fn pending(&self) -> String {
        tenths(self.pending_tenths)
    }
    pub fn points(&self) -> i64 {
        self.verified_tenths / 10
    }
}

/// Tenths of an hour as `12.5` (whole hours without a decimal), as points are shown.
pub use crate::platform::sheet::tenths_text as tenths;

pub async fn volunteers(db: &Db, code: &str, party_only: bool) -> Result<Vec<Volunteer>> {
    db::all(
        &db.conn,
        &format!(
            "SELECT v.id, v.community_code, v.name, v.skills, v.party_member, v.organisation_id, \
             o.name AS organisation_name, v.joined_on, v.active, \
             CAST(COALESCE(SUM(CASE WHEN s.verified_at IS NOT NULL THEN s.tenths END), 0) AS BIGINT) AS verified_tenths, \
             CAST(COALESCE(SUM(CASE WHEN s.verified_at IS NULL THEN s.tenths END), 0) AS BIGINT) AS pending_tenths \
             FROM volunteers v LEFT JOIN organisations o ON o.id = v.organisation_id \
             LEFT JOIN service_records s ON s.volunteer_id = v.id \
             WHERE v.community_code = ? {} \
             GROUP BY v.id, v.community_code, v.name, v.skills, v.party_member, v.organisation_id, \
               o.name, v.joined_on, v.active \
             ORDER BY verified_tenths DESC, v.name, v.id",
            if party_only { "AND v.party_member" } else { "" }
        ),
        vals![code],
    )
    .await
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct VolunteerInput {
    pub name: String,
    pub phone: String,
    pub skills: String,
    pub party_member: Option<String>,
    pub organisation_id: String,
    pub joined_on: String,
}

pub async fn add_volunteer(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    i: &VolunteerInput,
) -> Result<i64> {
    check_writer(u, code)?;
    let (code, _) = live_community(db, district, code).await?;
    let mut check = Parse::default();
    let name = check.text("name", &i.name, 30);
    let phone = match i.phone.trim() {
        "" => String::new(),
        p => match crate::platform::types::Phone::parse(p) {
            Ok(p) => p.as_str().to_string(),
            Err(k) => {
                check.errs.push(FieldError::new("phone", k));
                String::new()
            }
        },
    };
    let org = check.choice("organisation_id", &i.organisation_id);
    if let Some(o) = org {
        let ok = db::scalar(
            &db.conn,
            "SELECT id FROM organisations WHERE id = ? AND community_code = ?",
            vals![o, code.clone()],
        )
        .await?;
        if ok.is_none() {
            check
                .errs
                .push(FieldError::new("organisation_id", "selfgov.bad_choice"));
        }
    }
    let joined = match i.joined_on.trim() {
        "" => Some(db.clock().today()),
        s => parse_date(s),
    };
    if joined.is_none() {
        check
            .errs
            .push(FieldError::new("joined_on", "selfgov.bad_date"));
    }
    check.finish()?;
    // a volunteer is a resident: linked to the registry when the name and mobile match one
    let resident = if phone.is_empty() {
        None
    } else {
        db::scalar(
            &db.conn,
            "SELECT MIN(id) FROM residents WHERE community_code = ? AND phone = ? AND name = ?",
            vals![code.clone(), phone.clone(), name.clone()],
        )
        .await?
    };
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO volunteers (community_code, name, phone, skills, party_member, \
         organisation_id, joined_on, active, resident_id) VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?) \
         RETURNING id",
        vals![
            code,
            name,
            phone,
            i.skills.trim(),
            i.party_member.is_some(),
            org,
            joined,
            resident
        ],
    )
    .await?
    .unwrap_or(0);
    // the name and phone are logged as set, never as values (audit::PERSONAL_FIELDS)
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "volunteer",
        &id.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
    Ok(id)
}

#[derive(Clone, Debug, FromQueryResult)]
pub struct ServiceRecord {
    pub id: i64,
    pub volunteer_id: i64,
    pub volunteer_name: String,
    pub party_member: bool,
    pub community_code: String,
    pub served_on: NaiveDate,
    pub description: String,
    pub tenths: i64,
    pub verified_by: Option<String>,
    pub verified_at: Option<DateTime<Utc>>,
}

impl ServiceRecord {
    pub fn hours(&self) -> String {
        tenths(self.tenths)
    }
}

pub async fn records(db: &Db, code: &str, limit: u64) -> Result<Vec<ServiceRecord>> {
    db::all(
        &db.conn,
        &format!(
            "SELECT s.id, s.volunteer_id, v.name AS volunteer_name, v.party_member, \
             s.community_code, s.served_on, s.description, s.tenths, s.verified_by, s.verified_at \
             FROM service_records s JOIN volunteers v ON v.id = s.volunteer_id \
             WHERE s.community_code = ? ORDER BY (s.verified_at IS NULL) DESC, s.served_on DESC, \
             s.id DESC LIMIT {limit}"
        ),
        vals![code],
    )
    .await
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RecordInput {
    pub volunteer_id: String,
    pub served_on: String,
    pub description: String,
    pub hours: String,
    pub activity_id: String,
}

/// Hours as typed (`2`, `1.5`) in tenths.
pub fn parse_hours(s: &str) -> Option<u32> {
    let t = crate::platform::types::parse_hundredths(s.trim(), &["小时", "h"]).ok()?;
    if t < 0 || t % 10 != 0 {
        return None;
    }
    u32::try_from(t / 10).ok()
}

pub async fn add_record(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    i: &RecordInput,
) -> Result<i64> {
    check_writer(u, code)?;
    let (code, _) = live_community(db, district, code).await?;
    let mut check = Parse::default();
    let vid = check.choice("volunteer_id", &i.volunteer_id);
    #[derive(FromQueryResult)]
    struct V {
        organisation_id: Option<i64>,
    }
    let v: Option<V> = match vid {
        Some(id) => {
            db::one(
                &db.conn,
                "SELECT organisation_id FROM volunteers WHERE id = ? AND community_code = ?",
                vals![id, code.clone()],
            )
            .await?
        }
        None => None,
    };
    if v.is_none() {
        check
            .errs
            .push(FieldError::new("volunteer_id", "selfgov.bad_choice"));
    }
    let served = parse_date(&i.served_on);
    match served {
        None => check
            .errs
            .push(FieldError::new("served_on", "selfgov.bad_date")),
        Some(d) if d > db.clock().today() => check
            .errs
            .push(FieldError::new("served_on", "selfgov.future_date")),
        _ => {}
    }
    let description = check.text("description", &i.description, 200);
    let tenths_ = match parse_hours(&i.hours).map(rules::check_hours) {
        Some(Ok(t)) => t,
        Some(Err(k)) => {
            check.errs.push(FieldError::new("hours", k));
            0
        }
        None => {
            check
                .errs
                .push(FieldError::new("hours", "selfgov.bad_hours"));
            0
        }
    };
    let activity = check.choice("activity_id", &i.activity_id);
    if let Some(a) = activity {
        let ok = db::scalar(
            &db.conn,
            "SELECT id FROM activities WHERE id = ? AND community_code = ?",
            vals![a, code.clone()],
        )
        .await?;
        if ok.is_none() {
            check
                .errs
                .push(FieldError::new("activity_id", "selfgov.bad_choice"));
        }
    }
    check.finish()?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO service_records (volunteer_id, community_code, organisation_id, activity_id, \
         served_on, description, tenths, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            vid,
            code,
            v.and_then(|v| v.organisation_id),
            activity,
            served,
            description,
            i64::from(tenths_),
            u.username.clone(),
            db.clock().now()
        ],
    )
    .await?
    .unwrap_or(0);
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "service_record",
        &id.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
    Ok(id)
}

/// Staff verify a record's hours; only verified hours count towards totals and points. A
/// verified record is not changed again.
pub async fn verify_record(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
) -> Result<String> {
    #[derive(FromQueryResult, Serialize)]
    struct R {
        community_code: String,
        tenths: i64,
        verified_at: Option<DateTime<Utc>>,
    }
    let r: R = db::one(
        &db.conn,
        "SELECT community_code, tenths, verified_at FROM service_records WHERE id = ?",
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if !in_scope(&u.scope, district, &r.community_code) {
        return Err(AppError::NotFound);
    }
    // staff verify, not the district: the hours were seen in the community
    if u.role != Role::CommunityStaff {
        return Err(AppError::Forbidden);
    }
    check_writer(u, &r.community_code)?;
    if r.verified_at.is_some() {
        return Err(AppError::invalid("record", "selfgov.already_verified"));
    }
    let tx = db.write_tx().await?;
    let n = db::exec(
        &tx,
        "UPDATE service_records SET verified_by = ?, verified_at = ? WHERE id = ? AND verified_at IS NULL",
        vals![u.username.clone(), db.clock().now(), id],
    )
    .await?;
    if n == 0 {
        return Err(AppError::invalid("record", "selfgov.already_verified"));
    }
    audit::commit(
        tx,
        &u.actor(),
        "verify",
        "service_record",
        &id.to_string(),
        Some(&r),
        None::<&()>,
    )
    .await?;
    Ok(r.community_code)
}

/// Verified hours per community (and per organisation), over a scope.
#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct HoursRow {
    pub code: String,
    pub name: String,
    pub volunteers: i64,
    pub party_members: i64,
    pub verified_tenths: i64,
    pub party_tenths: i64,
    pub pending_tenths: i64,
}

impl HoursRow {
    pub fn hours(&self) -> String {
        tenths(self.verified_tenths)
    }
    pub fn party_hours(&self) -> String {
        tenths(self.party_tenths)
    }
    pub fn pending(&self) -> String {
        tenths(self.pending_tenths)
    }
}

pub async fn hours_by_community(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
) -> Result<Vec<HoursRow>> {
    let (c, v) = code_scope(scope, district, "v.community_code");
    db::all(
        &db.conn,
        &format!(
            "SELECT v.community_code AS code, d.name, CAST(COUNT(DISTINCT v.id) AS BIGINT) AS volunteers, \
             CAST(COUNT(DISTINCT CASE WHEN v.party_member THEN v.id END) AS BIGINT) AS party_members, \
             CAST(COALESCE(SUM(CASE WHEN s.verified_at IS NOT NULL THEN s.tenths END), 0) AS BIGINT) AS verified_tenths, \
             CAST(COALESCE(SUM(CASE WHEN s.verified_at IS NOT NULL AND v.party_member THEN s.tenths END), 0) AS BIGINT) AS party_tenths, \
             CAST(COALESCE(SUM(CASE WHEN s.verified_at IS NULL THEN s.tenths END), 0) AS BIGINT) AS pending_tenths \
             FROM volunteers v JOIN divisions d ON d.code = v.community_code \
             LEFT JOIN service_records s ON s.volunteer_id = v.id \
             WHERE {c} GROUP BY v.community_code, d.name ORDER BY verified_tenths DESC, v.community_code"
        ),
        v,
    )
    .await
}

pub async fn hours_by_organisation(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
) -> Result<Vec<HoursRow>> {
    let (c, v) = code_scope(scope, district, "o.community_code");
    db::all(
        &db.conn,
        &format!(
            "SELECT CAST(o.id AS TEXT) AS code, o.name, CAST(COUNT(DISTINCT v.id) AS BIGINT) AS volunteers, \
             CAST(COUNT(DISTINCT CASE WHEN v.party_member THEN v.id END) AS BIGINT) AS party_members, \
             CAST(COALESCE(SUM(CASE WHEN s.verified_at IS NOT NULL THEN s.tenths END), 0) AS BIGINT) AS verified_tenths, \
             CAST(COALESCE(SUM(CASE WHEN s.verified_at IS NOT NULL AND v.party_member THEN s.tenths END), 0) AS BIGINT) AS party_tenths, \
             CAST(COALESCE(SUM(CASE WHEN s.verified_at IS NULL THEN s.tenths END), 0) AS BIGINT) AS pending_tenths \
             FROM organisations o JOIN volunteers v ON v.organisation_id = o.id \
             LEFT JOIN service_records s ON s.volunteer_id = v.id \
             WHERE {c} GROUP BY o.id, o.name ORDER BY verified_tenths DESC, o.id"
        ),
        v,
    )
    .await
}
