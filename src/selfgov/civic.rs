//! Villagers' own affairs: meetings with topics announced in advance, representatives and
//! attendance, resolutions and follow-up tasks, proposals with a public answer, the two
//! notice boards, civil organisations, volunteers and their verified service.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{FromQueryResult, Value};
use serde::{Deserialize, Serialize};

use crate::platform::audit;
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::db::{self, Db};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::revision;
use crate::platform::time::{parse_date, show};
use crate::platform::time::{to_local as local, to_utc as utc};
use crate::platform::types::DivisionCode;
use crate::selfgov::rules::{
    self, Enforcement, MeetingKind, Notice, NoticeRule, ProposalStatus, Standing, Votes,
};
use crate::selfgov::store::{
    self, BookingPlan, check_writer, code_scope, in_scope, live_community,
};
use crate::vals;

fn text(field: &str, v: &str, max: usize, errs: &mut Vec<FieldError>) -> String {
    let t = v.trim().to_string();
    if t.is_empty() || t.chars().count() > max {
        errs.push(FieldError::new(field, "selfgov.text_required").with(max));
    }
    t
}

fn opt_id(field: &str, v: &str, errs: &mut Vec<FieldError>) -> Option<i64> {
    match v.trim() {
        "" => None,
        s => s.parse::<i64>().ok().or_else(|| {
            errs.push(FieldError::new(field, "selfgov.bad_choice"));
            None
        }),
    }
}

fn count(field: &str, v: &str, errs: &mut Vec<FieldError>) -> u32 {
    match v.trim().parse::<u32>() {
        Ok(n) if n <= 100_000 => n,
        _ => {
            errs.push(FieldError::new(field, "selfgov.bad_count"));
            0
        }
    }
}

fn invalid_if(errs: Vec<FieldError>) -> Result<()> {
    if errs.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errs))
    }
}

/// The community a record may be written under: a live community, or the district itself
/// for joint meetings (the admin's).
async fn writable_code(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
) -> Result<String> {
    if code == district.as_str() {
        if !u.is_admin() {
            return Err(AppError::Forbidden);
        }
        return Ok(code.to_string());
    }
    check_writer(u, code)?;
    Ok(live_community(db, district, code).await?.0)
}

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
    let mut errs = vec![];
    let Some(k) = MeetingKind::parse(kind) else {
        return Err(AppError::invalid("kind", "selfgov.bad_choice"));
    };
    let days = match days.trim().parse::<i32>() {
        Ok(n) if (0..=60).contains(&n) => n,
        _ => {
            errs.push(FieldError::new("days", "selfgov.bad_days"));
            0
        }
    };
    if !["warn", "refuse"].contains(&enforcement) {
        errs.push(FieldError::new("enforcement", "selfgov.bad_choice"));
    }
    invalid_if(errs)?;
    let before = notice_rule(db, k).await?;
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE notice_rules SET days = ?, enforcement = ? WHERE kind = ?",
        vals![days, enforcement, kind],
    )
    .await?;
    audit::record(
        &tx,
        &u.actor(),
        "update",
        "notice_rule",
        kind,
        Some(&before),
        Some(&serde_json::json!({"days": days, "enforcement": enforcement})),
    )
    .await?;
    tx.commit().await?;
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
    let mut errs = vec![];
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
            errs.push(FieldError::new("names", "selfgov.bad_line").with(n + 1));
        } else {
            rows.push((name.to_string(), group.to_string()));
        }
    }
    if rows.is_empty() && errs.is_empty() {
        errs.push(FieldError::new("names", "selfgov.names_required"));
    }
    invalid_if(errs)?;
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
        e.on_constraint(&[
            (
                "representatives.community_code",
                "names",
                "selfgov.duplicate_name",
            ),
            (
                "representatives_community_code_name",
                "names",
                "selfgov.duplicate_name",
            ),
        ])
    })?;
    audit::record(
        &tx,
        &u.actor(),
        "create",
        "representative",
        &code,
        None::<&()>,
        Some(&rows),
    )
    .await?;
    tx.commit().await?;
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
    audit::record(
        &tx,
        &u.actor(),
        "update",
        "representative",
        &id.to_string(),
        Some(&r),
        Some(&serde_json::json!({"active": active})),
    )
    .await?;
    tx.commit().await?;
    Ok(r.community_code)
}

// ------------------------------------------------------------------ meetings

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Meeting {
    pub id: i64,
    pub community_code: String,
    pub community_name: String,
    pub kind: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub room_id: Option<i64>,
    pub room_name: Option<String>,
    pub booking_id: Option<i64>,
    pub place: String,
    pub list_size: Option<i64>,
    pub present: Option<i64>,
    pub attendee_names: String,
    pub minutes: String,
    pub topics: i64,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Raised by each save of its attendance or minutes (platform::revision).
    pub revision: i64,
}

impl Meeting {
    pub fn when(&self) -> String {
        format!(
            "{}–{}",
            show(&self.starts_at),
            local(self.ends_at).format("%H:%M")
        )
    }
    pub fn where_(&self) -> String {
        self.room_name.clone().unwrap_or_else(|| self.place.clone())
    }
    pub fn kind(&self) -> MeetingKind {
        MeetingKind::parse(&self.kind).unwrap_or(MeetingKind::VillagerForum)
    }
    pub fn quorate(&self) -> Option<bool> {
        if !self.kind().has_quorum() {
            return None;
        }
        Some(rules::quorum_met(
            self.present.unwrap_or(0) as u32,
            self.list_size.unwrap_or(0) as u32,
        ))
    }
    pub fn past(&self, now: &DateTime<Utc>) -> bool {
        self.starts_at <= *now
    }
    pub fn cancelled(&self) -> bool {
        self.cancelled_at.is_some()
    }
}

/// Call a meeting off before it starts: kept and shown as cancelled, its room freed.
pub async fn cancel_meeting(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    meeting_id: i64,
    reason: &str,
) -> Result<()> {
    let m = meeting(db, district, &u.scope, meeting_id).await?;
    writable_code(db, district, u, &m.community_code).await?;
    let mut errs = vec![];
    let reason = text("reason", reason, 200, &mut errs);
    if m.cancelled() {
        errs.push(FieldError::new("reason", "selfgov.already_cancelled"));
    } else if m.past(&db.clock().now()) {
        errs.push(FieldError::new("reason", "selfgov.meeting_passed"));
    }
    invalid_if(errs)?;
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    db::exec(
        &tx,
        "UPDATE meetings SET cancelled_at = ?, cancel_reason = ?, updated_at = ? WHERE id = ?",
        vals![now, reason.clone(), now, meeting_id],
    )
    .await?;
    if let Some(b) = m.booking_id {
        db::exec(
            &tx,
            "UPDATE bookings SET cancelled_at = ?, cancel_reason = ? WHERE id = ? AND cancelled_at IS NULL",
            vals![now, reason.clone(), b],
        )
        .await?;
    }
    audit::record(
        &tx,
        &u.actor(),
        "cancel",
        "meeting",
        &meeting_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"reason": reason})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

const MEETING_SELECT: &str = "SELECT m.id, m.community_code, d.name AS community_name, m.kind, \
    m.title, m.starts_at, m.ends_at, m.room_id, r.name AS room_name, m.booking_id, m.place, \
    m.list_size, m.present, m.attendee_names, m.minutes, \
    (SELECT COUNT(*) FROM meeting_topics t WHERE t.meeting_id = m.id) AS topics, m.cancelled_at, \
    m.cancel_reason, m.updated_at, m.revision \
    FROM meetings m JOIN divisions d ON d.code = m.community_code \
    LEFT JOIN rooms r ON r.id = m.room_id";

pub async fn meetings(
    db: &Db,
    cond: (String, Vec<Value>),
    from: Option<DateTime<Utc>>,
    limit: u64,
) -> Result<Vec<Meeting>> {
    let (c, mut v) = cond;
    let time = match from {
        Some(f) => {
            v.push(f.into());
            "AND m.starts_at >= ? ORDER BY m.starts_at, m.id"
        }
        None => "ORDER BY m.starts_at DESC, m.id DESC",
    };
    db::all(
        &db.conn,
        &format!("{MEETING_SELECT} WHERE {c} {time} LIMIT {limit}"),
        v,
    )
    .await
}

/// A meeting the user may see, or 404.
pub async fn meeting(db: &Db, district: &DivisionCode, scope: &Scope, id: i64) -> Result<Meeting> {
    let m: Meeting = db::one(
        &db.conn,
        &format!("{MEETING_SELECT} WHERE m.id = ?"),
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if !in_scope(scope, district, &m.community_code) {
        return Err(AppError::NotFound);
    }
    Ok(m)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MeetingInput {
    pub kind: String,
    pub title: String,
    pub date: String,
    pub starts: String,
    pub ends: String,
    pub room_id: String,
    pub place: String,
}

pub async fn create_meeting(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    i: &MeetingInput,
) -> Result<i64> {
    let code = writable_code(db, district, u, code).await?;
    let mut errs = vec![];
    let kind = MeetingKind::parse(&i.kind);
    match kind {
        None => errs.push(FieldError::new("kind", "selfgov.bad_choice")),
        // joint meetings are the district's, the others a community's
        Some(k) if (k == MeetingKind::JointMeeting) != (code == district.as_str()) => {
            errs.push(FieldError::new("kind", "selfgov.kind_not_here"))
        }
        _ => {}
    }
    let title = text("title", &i.title, 100, &mut errs);
    let room_id = opt_id("room_id", &i.room_id, &mut errs);
    let plan = store::plan_booking(&store::BookingInput {
        title: title.clone(),
        organiser: u.display_name.clone(),
        date: i.date.clone(),
        starts: i.starts.clone(),
        ends: i.ends.clone(),
        ..Default::default()
    });
    let plan: Option<BookingPlan> = match plan {
        Ok(p) => Some(p),
        Err(AppError::Invalid(e)) => {
            errs.extend(e.into_iter().filter(|e| e.field != "title"));
            None
        }
        Err(e) => return Err(e),
    };
    if let Some(p) = &plan
        && utc(p.spans[0].start) <= db.clock().now()
    {
        errs.push(FieldError::new("date", "selfgov.meeting_in_past"));
    }
    if room_id.is_none() && i.place.trim().is_empty() {
        errs.push(FieldError::new("place", "selfgov.place_required"));
    }
    let room = match room_id {
        Some(r) => match store::room(db, district, &u.scope, r).await {
            Ok(x) if x.community_code == code => Some(x),
            _ => {
                errs.push(FieldError::new("room_id", "selfgov.bad_choice"));
                None
            }
        },
        None => None,
    };
    let (Some(plan), Some(kind), true) = (plan, kind, errs.is_empty()) else {
        return Err(AppError::Invalid(errs));
    };
    let span = plan.spans[0];
    let tx = db.write_tx().await?;
    let booking_id = match &room {
        Some(r) => store::book_in(&tx, r, &plan, &u.username)
            .await?
            .first()
            .copied(),
        None => None,
    };
    let now = db.clock().now();
    let id = db::scalar(
        &tx,
        "INSERT INTO meetings (community_code, kind, title, starts_at, ends_at, room_id, \
         booking_id, place, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            code,
            kind.key(),
            title,
            utc(span.start),
            utc(span.end),
            room_id,
            booking_id,
            i.place.trim(),
            u.username.clone(),
            now,
            now
        ],
    )
    .await?
    .unwrap_or(0);
    audit::record(
        &tx,
        &u.actor(),
        "create",
        "meeting",
        &id.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Topic {
    pub id: i64,
    pub meeting_id: i64,
    pub title: String,
    pub body: String,
    pub published_at: DateTime<Utc>,
    pub short_days: Option<i64>,
    pub proposal_id: Option<i64>,
}

impl Topic {
    pub fn published(&self) -> String {
        show(&self.published_at)
    }
}

pub async fn topics(db: &Db, meeting: &Meeting) -> Result<Vec<Topic>> {
    db::all(
        &db.conn,
        "SELECT id, meeting_id, title, body, published_at, short_days, proposal_id \
         FROM meeting_topics WHERE meeting_id = ? ORDER BY id",
        vals![meeting.id],
    )
    .await
}

/// Publish a topic now. Late under a warning rule: published, and the shortfall kept and
/// returned; late under a refusing rule, or for a meeting begun: refused.
pub async fn publish_topic(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    meeting_id: i64,
    title: &str,
    body: &str,
    proposal_id: &str,
) -> Result<(i64, Notice)> {
    let m = meeting(db, district, &u.scope, meeting_id).await?;
    writable_code(db, district, u, &m.community_code).await?;
    if m.cancelled() {
        return Err(AppError::invalid("title", "selfgov.meeting_cancelled"));
    }
    let mut errs = vec![];
    let title = text("title", title, 100, &mut errs);
    if body.chars().count() > 5000 {
        errs.push(FieldError::new("body", "selfgov.text_required").with(5000));
    }
    let proposal_id = opt_id("proposal_id", proposal_id, &mut errs);
    if let Some(p) = proposal_id {
        let ok = db::scalar(
            &db.conn,
            "SELECT id FROM proposals WHERE id = ? AND community_code = ?",
            vals![p, m.community_code.clone()],
        )
        .await?;
        if ok.is_none() {
            errs.push(FieldError::new("proposal_id", "selfgov.bad_choice"));
        }
    }
    let rule = notice_rule(db, m.kind()).await?;
    let now = db.clock().now();
    let notice = match rules::check_notice(rule, local(now), local(m.starts_at)) {
        Ok(n) => Some(n),
        Err(k) => {
            errs.push(
                FieldError::new("title", k)
                    .with(rule.days)
                    .with(rules::publish_by(rule, local(m.starts_at).date())),
            );
            None
        }
    };
    let (Some(notice), true) = (notice, errs.is_empty()) else {
        return Err(AppError::Invalid(errs));
    };
    let short = match notice {
        Notice::Late { short } => Some(short),
        Notice::InTime => None,
    };
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO meeting_topics (meeting_id, title, body, published_at, short_days, proposal_id) \
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        vals![meeting_id, title.clone(), body.trim(), now, short, proposal_id],
    )
    .await?
    .unwrap_or(0);
    db::exec(
        &tx,
        "UPDATE meetings SET updated_at = ? WHERE id = ?",
        vals![now, meeting_id],
    )
    .await?;
    // a proposal put on the agenda is under study and linked to the meeting that discusses it
    if let Some(p) = proposal_id {
        db::exec(
            &tx,
            "UPDATE proposals SET meeting_id = COALESCE(meeting_id, ?), updated_at = ?, \
             status = CASE WHEN status = 'received' THEN 'under_study' ELSE status END \
             WHERE id = ?",
            vals![meeting_id, now, p],
        )
        .await?;
    }
    audit::record(
        &tx,
        &u.actor(),
        "publish",
        "meeting",
        &meeting_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"topic": id, "title": title, "short_days": short, "proposal": proposal_id})),
    )
    .await?;
    tx.commit().await?;
    Ok((id, notice))
}

/// Attendance: representatives ticked off the list for an assembly, a head count (and
/// optional names) for the others.
#[allow(clippy::too_many_arguments)]
pub async fn record_attendance(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    meeting_id: i64,
    present_ids: &[i64],
    head_count: &str,
    names: &str,
    revision: &str,
) -> Result<()> {
    let base = revision::base(revision)?;
    let m = meeting(db, district, &u.scope, meeting_id).await?;
    writable_code(db, district, u, &m.community_code).await?;
    let (list_size, present) = if m.kind().has_quorum() {
        let reps = representatives(db, &m.community_code).await?;
        let active: Vec<i64> = reps.iter().filter(|r| r.active).map(|r| r.id).collect();
        if active.is_empty() {
            return Err(AppError::invalid("present", "selfgov.no_representatives"));
        }
        let mut ids = present_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        if ids.iter().any(|i| !active.contains(i)) {
            return Err(AppError::invalid("present", "selfgov.bad_choice"));
        }
        (Some(active.len() as i64), ids)
    } else {
        let mut errs = vec![];
        let n = count("head_count", head_count, &mut errs);
        invalid_if(errs)?;
        return save_attendance(db, u, &m, None, i64::from(n), &[], names, base).await;
    };
    let n = present.len() as i64;
    save_attendance(db, u, &m, list_size, n, &present, names, base).await
}

#[allow(clippy::too_many_arguments)]
async fn save_attendance(
    db: &Db,
    u: &CurrentUser,
    m: &Meeting,
    list_size: Option<i64>,
    present: i64,
    ids: &[i64],
    names: &str,
    base: Option<i64>,
) -> Result<()> {
    let tx = db.write_tx().await?;
    // votes already recorded bind the attendance
    let max_votes = db::scalar(
        &tx,
        "SELECT CAST(COALESCE(MAX(votes_for + votes_against + abstentions), 0) AS BIGINT) \
         FROM resolutions WHERE meeting_id = ?",
        vals![m.id],
    )
    .await?
    .unwrap_or(0);
    if max_votes > present {
        return Err(AppError::invalid(
            "present",
            "selfgov.votes_exceed_attendance",
        ));
    }
    db::exec(
        &tx,
        "DELETE FROM meeting_attendance WHERE meeting_id = ?",
        vals![m.id],
    )
    .await?;
    db::insert_rows(
        &tx,
        "meeting_attendance",
        &["meeting_id", "representative_id"],
        ids.iter().map(|r| vals![m.id, *r]).collect(),
    )
    .await?;
    revision::update(
        &tx,
        "meetings",
        "meeting",
        m.id,
        base,
        "list_size = ?, present = ?, attendee_names = ?, updated_at = ?",
        vals![list_size, present, names.trim(), db.clock().now()],
    )
    .await?;
    audit::record(
        &tx,
        &u.actor(),
        "attend",
        "meeting",
        &m.id.to_string(),
        Some(&serde_json::json!({"list_size": m.list_size, "present": m.present})),
        Some(&serde_json::json!({"list_size": list_size, "present": present, "representatives": ids})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

pub async fn attendance(db: &Db, meeting: &Meeting) -> Result<Vec<i64>> {
    #[derive(FromQueryResult)]
    struct A {
        representative_id: i64,
    }
    let rows: Vec<A> = db::all(
        &db.conn,
        "SELECT representative_id FROM meeting_attendance WHERE meeting_id = ?",
        vals![meeting.id],
    )
    .await?;
    Ok(rows.into_iter().map(|a| a.representative_id).collect())
}

pub async fn save_minutes(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    meeting_id: i64,
    minutes: &str,
    revision: &str,
) -> Result<()> {
    let base = revision::base(revision)?;
    let m = meeting(db, district, &u.scope, meeting_id).await?;
    writable_code(db, district, u, &m.community_code).await?;
    if minutes.chars().count() > 20_000 {
        return Err(AppError::Invalid(vec![
            FieldError::new("minutes", "selfgov.text_required").with(20_000),
        ]));
    }
    let tx = db.write_tx().await?;
    revision::update(
        &tx,
        "meetings",
        "meeting",
        meeting_id,
        base,
        "minutes = ?, updated_at = ?",
        vals![minutes.trim(), db.clock().now()],
    )
    .await?;
    audit::record(
        &tx,
        &u.actor(),
        "update",
        "meeting",
        &meeting_id.to_string(),
        Some(&serde_json::json!({"minutes": m.minutes})),
        Some(&serde_json::json!({"minutes": minutes.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Resolution {
    pub id: i64,
    pub meeting_id: i64,
    pub topic_id: Option<i64>,
    pub text: String,
    pub votes_for: i64,
    pub votes_against: i64,
    pub abstentions: i64,
    pub passed: bool,
}

pub async fn resolutions(db: &Db, meeting: &Meeting) -> Result<Vec<Resolution>> {
    db::all(
        &db.conn,
        "SELECT id, meeting_id, topic_id, text, votes_for, votes_against, abstentions, passed \
         FROM resolutions WHERE meeting_id = ? ORDER BY id",
        vals![meeting.id],
    )
    .await
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ResolutionInput {
    pub topic_id: String,
    pub text: String,
    pub votes_for: String,
    pub votes_against: String,
    pub abstentions: String,
    /// what the minutes say: "passed", "failed", or empty to let the votes decide
    pub outcome: String,
}

/// Record a resolution after the roll call: the outcome follows the votes and the quorum,
/// and minutes that say otherwise are refused.
pub async fn record_resolution(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    meeting_id: i64,
    i: &ResolutionInput,
) -> Result<(i64, bool)> {
    let m = meeting(db, district, &u.scope, meeting_id).await?;
    writable_code(db, district, u, &m.community_code).await?;
    let mut errs = vec![];
    let text_ = text("text", &i.text, 2000, &mut errs);
    let votes = Votes {
        for_: count("votes_for", &i.votes_for, &mut errs),
        against: count("votes_against", &i.votes_against, &mut errs),
        abstain: count("abstentions", &i.abstentions, &mut errs),
    };
    let topic_id = opt_id("topic_id", &i.topic_id, &mut errs);
    if let Some(t) = topic_id
        && !topics(db, &m).await?.iter().any(|x| x.id == t)
    {
        errs.push(FieldError::new("topic_id", "selfgov.bad_choice"));
    }
    let claimed = match i.outcome.as_str() {
        "passed" => Some(true),
        "failed" => Some(false),
        "" => None,
        _ => {
            errs.push(FieldError::new("outcome", "selfgov.bad_choice"));
            None
        }
    };
    let Some(present) = m.present else {
        errs.push(FieldError::new("votes_for", "selfgov.attendance_first"));
        return Err(AppError::Invalid(errs));
    };
    invalid_if(errs)?;
    let passed = rules::resolution(
        m.kind(),
        votes,
        present as u32,
        m.list_size.unwrap_or(0) as u32,
        claimed,
    )
    .map_err(|k| {
        let field = if k == "selfgov.votes_exceed_attendance" {
            "votes_for"
        } else {
            "outcome"
        };
        AppError::Invalid(vec![
            FieldError::new(field, k)
                .with(present)
                .with(m.list_size.unwrap_or(0)),
        ])
    })?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO resolutions (meeting_id, topic_id, text, votes_for, votes_against, \
         abstentions, passed, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        vals![
            meeting_id,
            topic_id,
            text_,
            i64::from(votes.for_),
            i64::from(votes.against),
            i64::from(votes.abstain),
            passed,
            db.clock().now()
        ],
    )
    .await?
    .unwrap_or(0);
    audit::record(
        &tx,
        &u.actor(),
        "resolve",
        "meeting",
        &meeting_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"resolution": id, "votes": votes, "passed": passed})),
    )
    .await?;
    tx.commit().await?;
    Ok((id, passed))
}

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Task {
    pub id: i64,
    pub meeting_id: i64,
    pub resolution_id: Option<i64>,
    pub description: String,
    pub owner: String,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
}

impl Task {
    pub fn overdue(&self, today: &NaiveDate) -> bool {
        self.done_on.is_none() && self.due_on < *today
    }
}

pub async fn tasks(db: &Db, meeting: &Meeting) -> Result<Vec<Task>> {
    db::all(
        &db.conn,
        "SELECT id, meeting_id, resolution_id, description, owner, due_on, done_on \
         FROM meeting_tasks WHERE meeting_id = ? ORDER BY due_on, id",
        vals![meeting.id],
    )
    .await
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TaskInput {
    pub description: String,
    pub owner: String,
    pub due_on: String,
    pub resolution_id: String,
}

pub async fn add_task(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    meeting_id: i64,
    i: &TaskInput,
) -> Result<i64> {
    let (description, owner, due_on, resolution_id) =
        (&i.description, &i.owner, &i.due_on, &i.resolution_id);
    let m = meeting(db, district, &u.scope, meeting_id).await?;
    writable_code(db, district, u, &m.community_code).await?;
    let mut errs = vec![];
    let description = text("description", description, 500, &mut errs);
    let owner = text("owner", owner, 60, &mut errs);
    let due = parse_date(due_on);
    if due.is_none() {
        errs.push(FieldError::new("due_on", "selfgov.bad_date"));
    }
    let resolution_id = opt_id("resolution_id", resolution_id, &mut errs);
    if let Some(r) = resolution_id
        && !resolutions(db, &m).await?.iter().any(|x| x.id == r)
    {
        errs.push(FieldError::new("resolution_id", "selfgov.bad_choice"));
    }
    invalid_if(errs)?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO meeting_tasks (meeting_id, resolution_id, description, owner, due_on) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
        vals![
            meeting_id,
            resolution_id,
            description.clone(),
            owner.clone(),
            due
        ],
    )
    .await?
    .unwrap_or(0);
    audit::record(
        &tx,
        &u.actor(),
        "create",
        "meeting",
        &meeting_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"task": id, "description": description, "owner": owner, "due_on": due})),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn finish_task(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    task_id: i64,
) -> Result<i64> {
    #[derive(FromQueryResult)]
    struct T {
        meeting_id: i64,
        done_on: Option<NaiveDate>,
    }
    let t: T = db::one(
        &db.conn,
        "SELECT meeting_id, done_on FROM meeting_tasks WHERE id = ?",
        vals![task_id],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let m = meeting(db, district, &u.scope, t.meeting_id).await?;
    writable_code(db, district, u, &m.community_code).await?;
    if t.done_on.is_some() {
        return Err(AppError::invalid("task", "selfgov.already_done"));
    }
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE meeting_tasks SET done_on = ? WHERE id = ?",
        vals![db.clock().today(), task_id],
    )
    .await?;
    audit::record(
        &tx,
        &u.actor(),
        "complete",
        "meeting",
        &m.id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"task": task_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(m.id)
}

// ------------------------------------------------------------------ proposals

#[derive(Clone, Debug, FromQueryResult)]
pub struct Proposal {
    pub id: i64,
    pub community_code: String,
    pub community_name: String,
    pub source: String,
    pub author: String,
    pub title: String,
    pub body: String,
    pub status: String,
    pub meeting_id: Option<i64>,
    pub meeting_title: Option<String>,
    pub answer: String,
    pub reason: String,
    pub received_on: NaiveDate,
    pub answered_on: Option<NaiveDate>,
    pub implemented_on: Option<NaiveDate>,
}

impl Proposal {
    pub fn status(&self) -> ProposalStatus {
        parse_status(&self.status).unwrap_or(ProposalStatus::Received)
    }
    /// The proposer's name as the public sees it (`张*三`).
    pub fn author_masked(&self) -> String {
        crate::platform::types::mask_name(&self.author)
    }
    /// Days from receipt to the answer.
    pub fn response_days(&self) -> Option<i64> {
        self.answered_on.map(|a| (a - self.received_on).num_days())
    }
    pub fn next_steps(&self) -> Vec<&'static str> {
        use ProposalStatus::*;
        match self.status() {
            Received => vec!["under_study", "adopted", "partly_adopted", "not_adopted"],
            UnderStudy => vec!["adopted", "partly_adopted", "not_adopted"],
            Adopted | PartlyAdopted => vec!["implemented"],
            NotAdopted | Implemented => vec![],
        }
    }
}

pub fn parse_status(s: &str) -> Option<ProposalStatus> {
    use ProposalStatus::*;
    [
        Received,
        UnderStudy,
        Adopted,
        PartlyAdopted,
        NotAdopted,
        Implemented,
    ]
    .into_iter()
    .find(|x| x.key() == s)
}

const PROPOSAL_SELECT: &str = "SELECT p.id, p.community_code, d.name AS community_name, p.source, \
    p.author, p.title, p.body, p.status, p.meeting_id, m.title AS meeting_title, p.answer, \
    p.reason, p.received_on, p.answered_on, p.implemented_on \
    FROM proposals p JOIN divisions d ON d.code = p.community_code \
    LEFT JOIN meetings m ON m.id = p.meeting_id";

pub async fn proposals(
    db: &Db,
    cond: (String, Vec<Value>),
    status: Option<&str>,
    limit: u64,
) -> Result<Vec<Proposal>> {
    let (c, mut v) = cond;
    let s = match status {
        Some(s) => {
            v.push(s.into());
            "AND p.status = ?"
        }
        None => "",
    };
    db::all(
        &db.conn,
        &format!(
            "{PROPOSAL_SELECT} WHERE {c} {s} ORDER BY p.received_on DESC, p.id DESC LIMIT {limit}"
        ),
        v,
    )
    .await
}

pub async fn proposal(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    id: i64,
) -> Result<Proposal> {
    let p: Proposal = db::one(
        &db.conn,
        &format!("{PROPOSAL_SELECT} WHERE p.id = ?"),
        vals![id],
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if !in_scope(scope, district, &p.community_code) {
        return Err(AppError::NotFound);
    }
    Ok(p)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProposalInput {
    pub source: String,
    pub author: String,
    pub title: String,
    pub body: String,
    pub received_on: String,
    pub representative_id: String,
}

pub async fn create_proposal(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    i: &ProposalInput,
) -> Result<i64> {
    check_writer(u, code)?;
    let (code, _) = live_community(db, district, code).await?;
    let mut errs = vec![];
    if !["resident", "representative", "topic"].contains(&i.source.as_str()) {
        errs.push(FieldError::new("source", "selfgov.bad_choice"));
    }
    let author = text("author", &i.author, 60, &mut errs);
    let title = text("title", &i.title, 100, &mut errs);
    let received = match i.received_on.trim() {
        "" => Some(db.clock().today()),
        s => parse_date(s),
    };
    match received {
        None => errs.push(FieldError::new("received_on", "selfgov.bad_date")),
        Some(d) if d > db.clock().today() => {
            errs.push(FieldError::new("received_on", "selfgov.future_date"))
        }
        _ => {}
    }
    let rep = opt_id("representative_id", &i.representative_id, &mut errs);
    if let Some(r) = rep
        && !representatives(db, &code).await?.iter().any(|x| x.id == r)
    {
        errs.push(FieldError::new("representative_id", "selfgov.bad_choice"));
    }
    invalid_if(errs)?;
    let tx = db.write_tx().await?;
    let id = db::scalar(
        &tx,
        "INSERT INTO proposals (community_code, source, author, representative_id, title, body, \
         status, received_on, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'received', ?, ?) RETURNING id",
        vals![
            code,
            i.source.clone(),
            author,
            rep,
            title,
            i.body.trim(),
            received,
            db.clock().now()
        ],
    )
    .await?
    .unwrap_or(0);
    audit::record(
        &tx,
        &u.actor(),
        "create",
        "proposal",
        &id.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ProposalStep {
    pub to: String,
    pub answer: String,
    pub reason: String,
    pub meeting_id: String,
}

pub async fn step_proposal(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    i: &ProposalStep,
) -> Result<()> {
    let p = proposal(db, district, &u.scope, id).await?;
    check_writer(u, &p.community_code)?;
    let mut errs = vec![];
    let Some(to) = parse_status(&i.to) else {
        return Err(AppError::invalid("to", "selfgov.bad_choice"));
    };
    let meeting_id = opt_id("meeting_id", &i.meeting_id, &mut errs);
    if let Some(m) = meeting_id {
        let ok = db::scalar(
            &db.conn,
            "SELECT id FROM meetings WHERE id = ? AND community_code = ?",
            vals![m, p.community_code.clone()],
        )
        .await?;
        if ok.is_none() {
            errs.push(FieldError::new("meeting_id", "selfgov.bad_choice"));
        }
    }
    let given = if to == ProposalStatus::NotAdopted {
        &i.reason
    } else {
        &i.answer
    };
    if let Err(k) = rules::proposal_step(p.status(), to, given) {
        let field = match k {
            "selfgov.reason_required" => "reason",
            "selfgov.answer_required" => "answer",
            _ => "to",
        };
        errs.push(FieldError::new(field, k));
    }
    invalid_if(errs)?;
    let (answer, reason) = match to {
        ProposalStatus::NotAdopted => (
            if i.answer.trim().is_empty() {
                i.reason.trim().to_string()
            } else {
                i.answer.trim().to_string()
            },
            i.reason.trim().to_string(),
        ),
        ProposalStatus::Adopted | ProposalStatus::PartlyAdopted => {
            (i.answer.trim().to_string(), String::new())
        }
        // implementation may add to the answer; under study keeps it empty
        ProposalStatus::Implemented if !i.answer.trim().is_empty() => {
            (i.answer.trim().to_string(), p.reason.clone())
        }
        _ => (p.answer.clone(), p.reason.clone()),
    };
    let answered_on = if to.answered() {
        p.answered_on.or(Some(db.clock().today()))
    } else {
        None
    };
    let implemented_on = (to == ProposalStatus::Implemented).then(|| db.clock().today());
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "UPDATE proposals SET status = ?, answer = ?, reason = ?, answered_on = ?, \
         implemented_on = ?, meeting_id = COALESCE(?, meeting_id), updated_at = ? WHERE id = ?",
        vals![
            to.key(),
            answer.clone(),
            reason.clone(),
            answered_on,
            implemented_on,
            meeting_id,
            db.clock().now(),
            id
        ],
    )
    .await?;
    audit::record(
        &tx,
        &u.actor(),
        "status",
        "proposal",
        &id.to_string(),
        Some(&serde_json::json!({"status": p.status, "answer": p.answer})),
        Some(&serde_json::json!({"status": to.key(), "answer": answer, "reason": reason, "meeting_id": meeting_id})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Proposals of a community: counts by status and the response times (receipt to answer).
#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema, FromQueryResult)]
pub struct ProposalStats {
    pub community_code: String,
    pub community_name: String,
    pub total: i64,
    pub open: i64,
    pub adopted: i64,
    pub not_adopted: i64,
    pub implemented: i64,
    pub answered: i64,
    /// total days from receipt to answer, over the answered ones
    pub response_days: i64,
    pub slowest_days: Option<i64>,
}

impl ProposalStats {
    pub fn mean_days(&self) -> String {
        if self.answered == 0 {
            "—".into()
        } else {
            format!("{:.1}", self.response_days as f64 / self.answered as f64)
        }
    }
}

pub async fn proposal_stats(
    db: &Db,
    cond: (String, Vec<Value>),
    year: i32,
) -> Result<Vec<ProposalStats>> {
    let (c, mut v) = cond;
    let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or_default();
    let to = NaiveDate::from_ymd_opt(year + 1, 1, 1).unwrap_or_default();
    v.push(from.into());
    v.push(to.into());
    let days = if db.is_sqlite() {
        "CAST(julianday(p.answered_on) - julianday(p.received_on) AS BIGINT)"
    } else {
        "CAST(p.answered_on - p.received_on AS BIGINT)"
    };
    db::all(
        &db.conn,
        &format!(
            "SELECT p.community_code, d.name AS community_name, CAST(COUNT(*) AS BIGINT) AS total, \
             CAST(SUM(CASE WHEN p.status IN ('received', 'under_study') THEN 1 ELSE 0 END) AS BIGINT) AS open, \
             CAST(SUM(CASE WHEN p.status IN ('adopted', 'partly_adopted', 'implemented') THEN 1 ELSE 0 END) AS BIGINT) AS adopted, \
             CAST(SUM(CASE WHEN p.status = 'not_adopted' THEN 1 ELSE 0 END) AS BIGINT) AS not_adopted, \
             CAST(SUM(CASE WHEN p.status = 'implemented' THEN 1 ELSE 0 END) AS BIGINT) AS implemented, \
             CAST(COUNT(p.answered_on) AS BIGINT) AS answered, \
             CAST(COALESCE(SUM({days}), 0) AS BIGINT) AS response_days, \
             CAST(MAX({days}) AS BIGINT) AS slowest_days \
             FROM proposals p JOIN divisions d ON d.code = p.community_code \
             WHERE {c} AND p.received_on >= ? AND p.received_on < ? \
             GROUP BY p.community_code, d.name ORDER BY p.community_code"
        ),
        v,
    )
    .await
}

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
    audit::record(
        &tx,
        &u.actor(),
        "delete",
        "notice",
        &id.to_string(),
        Some(&n),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
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
    let mut errs = vec![];
    if !BOARDS.contains(&i.board.as_str()) {
        errs.push(FieldError::new("board", "selfgov.bad_choice"));
    }
    if !NOTICE_CATEGORIES.contains(&i.category.as_str()) {
        errs.push(FieldError::new("category", "selfgov.bad_choice"));
    }
    let title = text("title", &i.title, 100, &mut errs);
    let body = text("body", &i.body, 10_000, &mut errs);
    let publish = match i.publish_on.trim() {
        "" => Some(db.clock().today()),
        s => parse_date(s),
    };
    if publish.is_none() {
        errs.push(FieldError::new("publish_on", "selfgov.bad_date"));
    }
    let expire = match i.expire_on.trim() {
        "" => None,
        s => match parse_date(s) {
            Some(d) => Some(d),
            None => {
                errs.push(FieldError::new("expire_on", "selfgov.bad_date"));
                None
            }
        },
    };
    if let (Some(p), Some(e)) = (publish, expire)
        && e < p
    {
        errs.push(FieldError::new(
            "expire_on",
            "selfgov.expires_before_publish",
        ));
    }
    invalid_if(errs)?;
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
    audit::record(
        &tx,
        &u.actor(),
        "publish",
        "notice",
        &nid.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
    tx.commit().await?;
    Ok(nid)
}

// ------------------------------------------------------------------ organisations

pub const ORG_KINDS: [&str; 7] = [
    "economic",
    "charity",
    "social_service",
    "culture_sports",
    "elderly",
    "volunteer",
    "other",
];

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Organisation {
    pub id: i64,
    pub community_code: String,
    pub community_name: String,
    pub name: String,
    pub kind: String,
    pub standing: String,
    pub credit_code: Option<String>,
    pub certificate_no: Option<String>,
    pub founded_on: NaiveDate,
    pub leader: String,
    pub members: i64,
    pub status: String,
    /// Raised by each save (platform::revision).
    pub revision: i64,
    pub last_review_year: Option<i32>,
    pub last_review: Option<String>,
    pub volunteers: i64,
}

const ORG_SELECT: &str = "SELECT o.id, o.community_code, d.name AS community_name, o.name, \
    o.kind, o.standing, o.credit_code, o.certificate_no, o.founded_on, o.leader, o.members, \
    o.status, o.revision, r.year AS last_review_year, r.result AS last_review, \
    (SELECT COUNT(*) FROM volunteers v WHERE v.organisation_id = o.id) AS volunteers \
    FROM organisations o JOIN divisions d ON d.code = o.community_code \
    LEFT JOIN organisation_reviews r ON r.organisation_id = o.id AND r.year = \
      (SELECT MAX(year) FROM organisation_reviews x WHERE x.organisation_id = o.id)";

#[derive(Clone, Debug, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[serde(default)]
pub struct OrgQuery {
    pub community: Option<String>,
    pub kind: Option<String>,
    pub standing: Option<String>,
    pub status: Option<String>,
}

pub async fn organisations(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    q: &OrgQuery,
) -> Result<Vec<Organisation>> {
    let (c, mut v) = code_scope(scope, district, "o.community_code");
    let mut cond = c;
    for (col, val) in [
        ("o.community_code", &q.community),
        ("o.kind", &q.kind),
        ("o.standing", &q.standing),
        ("o.status", &q.status),
    ] {
        if let Some(x) = val.as_deref().filter(|x| !x.is_empty()) {
            cond.push_str(&format!(" AND {col} = ?"));
            v.push(x.into());
        }
    }
    db::all(
        &db.conn,
        &format!(
            "{ORG_SELECT} WHERE {cond} ORDER BY o.standing DESC, o.community_code, o.name, o.id"
        ),
        v,
    )
    .await
}

/// How many organisations in scope are registered and how many filed.
pub async fn standing_counts(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
) -> Result<(i64, i64)> {
    let (c, v) = code_scope(scope, district, "o.community_code");
    let count = |standing: &'static str| {
        let mut v = v.clone();
        v.push(standing.into());
        let sql = format!("SELECT COUNT(*) FROM organisations o WHERE {c} AND o.standing = ?");
        async move { db::scalar(&db.conn, &sql, v).await }
    };
    Ok((
        count("registered").await?.unwrap_or(0),
        count("filed").await?.unwrap_or(0),
    ))
}

pub async fn organisation(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    id: i64,
) -> Result<Organisation> {
    let o: Organisation = db::one(&db.conn, &format!("{ORG_SELECT} WHERE o.id = ?"), vals![id])
        .await?
        .ok_or(AppError::NotFound)?;
    if !in_scope(scope, district, &o.community_code) {
        return Err(AppError::NotFound);
    }
    Ok(o)
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct OrgInput {
    pub community: String,
    pub name: String,
    pub kind: String,
    pub standing: String,
    pub credit_code: String,
    pub certificate_no: String,
    pub founded_on: String,
    pub leader: String,
    pub members: String,
    pub status: String,
    /// The revision the form was opened at.
    pub revision: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct OrgSave {
    pub community: String,
    pub name: String,
    pub kind: String,
    pub standing: String,
    pub credit_code: Option<String>,
    pub certificate_no: Option<String>,
    pub founded_on: NaiveDate,
    pub leader: String,
    pub members: i64,
    pub status: String,
}

/// The organisation form checked (`today` bounds the founding date).
pub fn check_org(i: &OrgInput, today: NaiveDate) -> Result<OrgSave> {
    let mut errs = vec![];
    let name = text("name", &i.name, 100, &mut errs);
    if !ORG_KINDS.contains(&i.kind.as_str()) {
        errs.push(FieldError::new("kind", "selfgov.bad_choice"));
    }
    let standing = match i.standing.as_str() {
        "registered" => Some(Standing::Registered),
        "filed" => Some(Standing::Filed),
        _ => {
            errs.push(FieldError::new("standing", "selfgov.bad_choice"));
            None
        }
    };
    let mut credit_code = None;
    if let Some(s) = standing {
        match rules::check_org_identity(s, &i.credit_code, &i.certificate_no) {
            Ok(c) => credit_code = c,
            Err((field, key)) => errs.push(FieldError::new(field, key)),
        }
    }
    let founded = parse_date(&i.founded_on);
    match founded {
        None => errs.push(FieldError::new("founded_on", "selfgov.bad_date")),
        Some(d) if d > today => errs.push(FieldError::new("founded_on", "selfgov.future_date")),
        _ => {}
    }
    let leader = text("leader", &i.leader, 30, &mut errs);
    let members = match i.members.trim().parse::<i64>() {
        Ok(n) if (1..=100_000).contains(&n) => n,
        _ => {
            errs.push(FieldError::new("members", "selfgov.bad_members"));
            0
        }
    };
    let status = if i.status.is_empty() {
        "active".to_string()
    } else {
        i.status.clone()
    };
    if !["active", "dormant", "dissolved"].contains(&status.as_str()) {
        errs.push(FieldError::new("status", "selfgov.bad_choice"));
    }
    invalid_if(errs)?;
    let cert = i.certificate_no.trim();
    Ok(OrgSave {
        community: i.community.trim().to_string(),
        name,
        kind: i.kind.clone(),
        standing: i.standing.clone(),
        credit_code,
        certificate_no: (!cert.is_empty()).then(|| cert.to_string()),
        founded_on: founded.unwrap_or_default(),
        leader,
        members,
        status,
    })
}

const ORG_CONSTRAINTS: &[(&str, &str, &str)] = &[
    (
        "organisations.credit_code",
        "credit_code",
        "selfgov.duplicate_code",
    ),
    (
        "organisations_credit_code_key",
        "credit_code",
        "selfgov.duplicate_code",
    ),
    (
        "organisations.community_code, organisations.name",
        "name",
        "selfgov.duplicate_name",
    ),
    (
        "organisations_community_code_name_key",
        "name",
        "selfgov.duplicate_name",
    ),
];

pub async fn save_org(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: Option<i64>,
    i: &OrgInput,
) -> Result<i64> {
    // the register is kept by the district and by each community for its own
    if !(u.is_admin() || u.role == Role::CommunityStaff) {
        return Err(AppError::Forbidden);
    }
    let mut i = i.clone();
    if let Scope::Community(c) = &u.scope {
        i.community = c.as_str().to_string();
    }
    let s = check_org(&i, db.clock().today())?;
    check_writer(u, &s.community)?;
    let code = live_community(db, district, &s.community)
        .await
        .map_err(|_| AppError::invalid("community", "selfgov.bad_choice"))?
        .0;
    let before = match id {
        Some(id) => {
            let o = organisation(db, district, &u.scope, id).await?;
            check_writer(u, &o.community_code)?;
            Some(o)
        }
        None => None,
    };
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    let v = vals![
        code,
        s.name.clone(),
        s.kind.clone(),
        s.standing.clone(),
        s.credit_code.clone(),
        s.certificate_no.clone(),
        s.founded_on,
        s.leader.clone(),
        s.members,
        s.status.clone(),
        now
    ];
    let oid = match id {
        None => {
            let mut v = v;
            v.push(now.into());
            db::scalar(
                &tx,
                "INSERT INTO organisations (community_code, name, kind, standing, credit_code, \
                 certificate_no, founded_on, leader, members, status, updated_at, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                v,
            )
            .await
            .map(|x| x.unwrap_or(0))
        }
        Some(id) => revision::update(
            &tx,
            "organisations",
            "organisation",
            id,
            revision::base(&i.revision)?,
            "community_code = ?, name = ?, kind = ?, standing = ?, credit_code = ?, \
             certificate_no = ?, founded_on = ?, leader = ?, members = ?, status = ?, \
             updated_at = ?",
            v,
        )
        .await
        .map(|_| id),
    }
    .map_err(|e| e.on_constraint(ORG_CONSTRAINTS))?;
    audit::record(
        &tx,
        &u.actor(),
        if id.is_some() { "update" } else { "register" },
        "organisation",
        &oid.to_string(),
        before.as_ref(),
        Some(&s),
    )
    .await?;
    tx.commit().await?;
    Ok(oid)
}

pub async fn review_org(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    year: &str,
    result: &str,
    note: &str,
) -> Result<()> {
    let o = organisation(db, district, &u.scope, id).await?;
    check_writer(u, &o.community_code)?;
    let mut errs = vec![];
    let this = db
        .clock()
        .today()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap_or(2026);
    let year = match year.trim().parse::<i32>() {
        Ok(y)
            if (o
                .founded_on
                .format("%Y")
                .to_string()
                .parse()
                .unwrap_or(1949)..=this)
                .contains(&y) =>
        {
            y
        }
        _ => {
            errs.push(FieldError::new("year", "selfgov.bad_year"));
            0
        }
    };
    if !["pass", "basic", "fail"].contains(&result) {
        errs.push(FieldError::new("result", "selfgov.bad_choice"));
    }
    invalid_if(errs)?;
    let tx = db.write_tx().await?;
    db::exec(
        &tx,
        "DELETE FROM organisation_reviews WHERE organisation_id = ? AND year = ?",
        vals![id, year],
    )
    .await?;
    db::exec(
        &tx,
        "INSERT INTO organisation_reviews (organisation_id, year, result, note, reviewed_by) \
         VALUES (?, ?, ?, ?, ?)",
        vals![id, year, result, note.trim(), u.username.clone()],
    )
    .await?;
    audit::record(
        &tx,
        &u.actor(),
        "review",
        "organisation",
        &id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"year": year, "result": result, "note": note.trim()})),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

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
pub use crate::assessment::rules::points_text as tenths;

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
    let mut errs = vec![];
    let name = text("name", &i.name, 30, &mut errs);
    let phone = match i.phone.trim() {
        "" => String::new(),
        p => match crate::platform::types::Phone::parse(p) {
            Ok(p) => p.as_str().to_string(),
            Err(k) => {
                errs.push(FieldError::new("phone", k));
                String::new()
            }
        },
    };
    let org = opt_id("organisation_id", &i.organisation_id, &mut errs);
    if let Some(o) = org {
        let ok = db::scalar(
            &db.conn,
            "SELECT id FROM organisations WHERE id = ? AND community_code = ?",
            vals![o, code.clone()],
        )
        .await?;
        if ok.is_none() {
            errs.push(FieldError::new("organisation_id", "selfgov.bad_choice"));
        }
    }
    let joined = match i.joined_on.trim() {
        "" => Some(db.clock().today()),
        s => parse_date(s),
    };
    if joined.is_none() {
        errs.push(FieldError::new("joined_on", "selfgov.bad_date"));
    }
    invalid_if(errs)?;
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
    audit::record(
        &tx,
        &u.actor(),
        "create",
        "volunteer",
        &id.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
    tx.commit().await?;
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
    let mut errs = vec![];
    let vid = opt_id("volunteer_id", &i.volunteer_id, &mut errs);
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
        errs.push(FieldError::new("volunteer_id", "selfgov.bad_choice"));
    }
    let served = parse_date(&i.served_on);
    match served {
        None => errs.push(FieldError::new("served_on", "selfgov.bad_date")),
        Some(d) if d > db.clock().today() => {
            errs.push(FieldError::new("served_on", "selfgov.future_date"))
        }
        _ => {}
    }
    let description = text("description", &i.description, 200, &mut errs);
    let tenths_ = match parse_hours(&i.hours).map(rules::check_hours) {
        Some(Ok(t)) => t,
        Some(Err(k)) => {
            errs.push(FieldError::new("hours", k));
            0
        }
        None => {
            errs.push(FieldError::new("hours", "selfgov.bad_hours"));
            0
        }
    };
    let activity = opt_id("activity_id", &i.activity_id, &mut errs);
    if let Some(a) = activity {
        let ok = db::scalar(
            &db.conn,
            "SELECT id FROM activities WHERE id = ? AND community_code = ?",
            vals![a, code.clone()],
        )
        .await?;
        if ok.is_none() {
            errs.push(FieldError::new("activity_id", "selfgov.bad_choice"));
        }
    }
    invalid_if(errs)?;
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
    audit::record(
        &tx,
        &u.actor(),
        "create",
        "service_record",
        &id.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
    tx.commit().await?;
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
    audit::record(
        &tx,
        &u.actor(),
        "verify",
        "service_record",
        &id.to_string(),
        Some(&r),
        None::<&()>,
    )
    .await?;
    tx.commit().await?;
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
