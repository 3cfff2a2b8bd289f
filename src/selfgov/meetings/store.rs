//! Meetings from announcement to minutes: assemblies, representative meetings, forums and
//! the district's joint meetings; topics announced in advance (the notice rule enforced),
//! attendance and quorum, minutes.

use crate::platform::audit;
use crate::platform::auth::CurrentUser;
use crate::platform::auth::Scope;
use crate::platform::db;
use crate::platform::db::Db;
use crate::platform::error::AppError;
use crate::platform::error::FieldError;
use crate::platform::error::Result;
use crate::platform::http::form::Parse;
use crate::platform::revision;
use crate::platform::time::show;
use crate::platform::time::to_local as local;
use crate::platform::time::to_utc as utc;
use crate::platform::types::DivisionCode;
use crate::selfgov::common::*;
use crate::selfgov::meetings::representatives::{notice_rule, representatives};
use crate::selfgov::meetings::rules;
use crate::selfgov::meetings::rules::MeetingKind;
use crate::selfgov::meetings::rules::Notice;
use crate::selfgov::rooms::store::BookingPlan;
use crate::selfgov::store::in_scope;
use crate::vals;
use chrono::DateTime;
use chrono::Utc;
use sea_orm::FromQueryResult;
use sea_orm::Value;
use serde::Deserialize;
use serde::Serialize;

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
    let mut check = Parse::default();
    let reason = check.text("reason", reason, 200);
    if m.cancelled() {
        check
            .errs
            .push(FieldError::new("reason", "selfgov.already_cancelled"));
    } else if m.past(&db.clock().now()) {
        check
            .errs
            .push(FieldError::new("reason", "selfgov.meeting_passed"));
    }
    check.finish()?;
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
    audit::commit(
        tx,
        &u.actor(),
        "cancel",
        "meeting",
        &meeting_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"reason": reason})),
    )
    .await?;
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
    let mut check = Parse::default();
    let kind = MeetingKind::parse(&i.kind);
    match kind {
        None => check
            .errs
            .push(FieldError::new("kind", "selfgov.bad_choice")),
        // joint meetings are the district's, the others a community's
        Some(k) if (k == MeetingKind::JointMeeting) != (code == district.as_str()) => check
            .errs
            .push(FieldError::new("kind", "selfgov.kind_not_here")),
        _ => {}
    }
    let title = check.text("title", &i.title, 100);
    let room_id = check.choice("room_id", &i.room_id);
    let plan =
        crate::selfgov::rooms::store::plan_booking(&crate::selfgov::rooms::store::BookingInput {
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
            check
                .errs
                .extend(e.into_iter().filter(|e| e.field != "title"));
            None
        }
        Err(e) => return Err(e),
    };
    if let Some(p) = &plan
        && utc(p.spans[0].start) <= db.clock().now()
    {
        check
            .errs
            .push(FieldError::new("date", "selfgov.meeting_in_past"));
    }
    if room_id.is_none() && i.place.trim().is_empty() {
        check
            .errs
            .push(FieldError::new("place", "selfgov.place_required"));
    }
    let room = match room_id {
        Some(r) => match crate::selfgov::rooms::store::room(db, district, &u.scope, r).await {
            Ok(x) if x.community_code == code => Some(x),
            _ => {
                check
                    .errs
                    .push(FieldError::new("room_id", "selfgov.bad_choice"));
                None
            }
        },
        None => None,
    };
    let (Some(plan), Some(kind), true) = (plan, kind, check.errs.is_empty()) else {
        return Err(AppError::Invalid(check.errs));
    };
    let span = plan.spans[0];
    let tx = db.write_tx().await?;
    let booking_id = match &room {
        Some(r) => crate::selfgov::rooms::store::book_in(&tx, r, &plan, &u.username)
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
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "meeting",
        &id.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
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
    let mut check = Parse::default();
    let title = check.text("title", title, 100);
    if body.chars().count() > 5000 {
        check
            .errs
            .push(FieldError::new("body", "common.text_required").with(5000));
    }
    let proposal_id = check.choice("proposal_id", proposal_id);
    if let Some(p) = proposal_id {
        let ok = db::scalar(
            &db.conn,
            "SELECT id FROM proposals WHERE id = ? AND community_code = ?",
            vals![p, m.community_code.clone()],
        )
        .await?;
        if ok.is_none() {
            check
                .errs
                .push(FieldError::new("proposal_id", "selfgov.bad_choice"));
        }
    }
    let rule = notice_rule(db, m.kind()).await?;
    let now = db.clock().now();
    let notice = match rules::check_notice(rule, local(now), local(m.starts_at)) {
        Ok(n) => Some(n),
        Err(k) => {
            check.errs.push(
                FieldError::new("title", k)
                    .with(rule.days)
                    .with(rules::publish_by(rule, local(m.starts_at).date())),
            );
            None
        }
    };
    let (Some(notice), true) = (notice, check.errs.is_empty()) else {
        return Err(AppError::Invalid(check.errs));
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
    audit::commit(
        tx,
        &u.actor(),
        "publish",
        "meeting",
        &meeting_id.to_string(),
        None::<&()>,
        Some(&serde_json::json!({"topic": id, "title": title, "short_days": short, "proposal": proposal_id})),
    )
    .await?;
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
        let mut check = Parse::default();
        let n = check.count("head_count", head_count);
        check.finish()?;
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
    audit::commit(
        tx,
        &u.actor(),
        "attend",
        "meeting",
        &m.id.to_string(),
        Some(&serde_json::json!({"list_size": m.list_size, "present": m.present})),
        Some(&serde_json::json!({"list_size": list_size, "present": present, "representatives": ids})),
    )
    .await?;
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
            FieldError::new("minutes", "common.text_required").with(20_000),
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
    audit::commit(
        tx,
        &u.actor(),
        "update",
        "meeting",
        &meeting_id.to_string(),
        Some(&serde_json::json!({"minutes": m.minutes})),
        Some(&serde_json::json!({"minutes": minutes.trim()})),
    )
    .await?;
    Ok(())
}
