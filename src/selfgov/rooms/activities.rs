//! Activities in a community's rooms and grounds: planned, held, counted.

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
use crate::selfgov::rooms::store::{BookingInput, book_in, plan_booking, room};
use crate::selfgov::store::check_writer;
use crate::selfgov::store::code_scope;
use crate::selfgov::store::live_community;
use crate::selfgov::store::seen_community;
use crate::vals;
use chrono::DateTime;
use chrono::NaiveDate;
use chrono::Utc;
use sea_orm::FromQueryResult;
use sea_orm::Value;
use serde::Deserialize;
use serde::Serialize;

// ------------------------------------------------------------------ activities

pub const ACTIVITY_KINDS: [&str; 9] = [
    "calligraphy",
    "performance",
    "fitness_dance",
    "chess_cards",
    "sports",
    "education",
    "volunteer",
    "party",
    "other",
];

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Activity {
    pub id: i64,
    pub community_code: String,
    pub community_name: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub room_id: Option<i64>,
    pub room_name: Option<String>,
    pub booking_id: Option<i64>,
    pub place: String,
    pub organiser: String,
    pub organisation_id: Option<i64>,
    pub participants: Option<i64>,
    pub cancelled: bool,
    pub updated_at: DateTime<Utc>,
    /// Raised by each save (platform::revision).
    pub revision: i64,
}

impl Activity {
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
    pub fn date(&self) -> NaiveDate {
        local(self.starts_at).date()
    }
    pub fn hm(&self) -> String {
        format!(
            "{}–{}",
            local(self.starts_at).format("%H:%M"),
            local(self.ends_at).format("%H:%M")
        )
    }
}

const ACTIVITY_SELECT: &str = "SELECT a.id, a.community_code, d.name AS community_name, a.kind, \
    a.title, a.description, a.starts_at, a.ends_at, a.room_id, r.name AS room_name, a.booking_id, \
    a.place, a.organiser, a.organisation_id, a.participants, a.cancelled, a.updated_at, \
    a.revision FROM activities a JOIN divisions d ON d.code = a.community_code \
    LEFT JOIN rooms r ON r.id = a.room_id";

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ActivityInput {
    pub kind: String,
    pub title: String,
    pub description: String,
    pub date: String,
    pub starts: String,
    pub ends: String,
    pub room_id: String,
    pub place: String,
    pub organiser: String,
    pub organisation_id: String,
    pub participants: String,
}

/// Activities of communities (a list of codes, or every one in scope), in a time window,
/// optionally of one kind.
pub async fn activities(
    db: &Db,
    cond: (String, Vec<Value>),
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    kind: Option<&str>,
    limit: u64,
) -> Result<Vec<Activity>> {
    let (c, mut v) = cond;
    v.push(from.into());
    v.push(to.into());
    let kind_cond = match kind {
        Some(k) => {
            v.push(k.into());
            "AND a.kind = ?"
        }
        None => "",
    };
    db::all(
        &db.conn,
        &format!(
            "{ACTIVITY_SELECT} WHERE {c} AND a.starts_at >= ? AND a.starts_at < ? {kind_cond} \
             ORDER BY a.starts_at, a.id LIMIT {limit}"
        ),
        v,
    )
    .await
}

/// An activity of a community in the caller's scope (404 outside it).
pub async fn activity(
    db: &Db,
    district: &DivisionCode,
    scope: &Scope,
    id: i64,
) -> Result<Activity> {
    let (cond, mut v) = code_scope(scope, district, "a.community_code");
    v.push(id.into());
    db::one(
        &db.conn,
        &format!("{ACTIVITY_SELECT} WHERE {cond} AND a.id = ?"),
        v,
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// Create an activity; held in a room, it books the room in the same transaction.
pub async fn create_activity(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    i: &ActivityInput,
) -> Result<i64> {
    check_writer(u, code)?;
    let (code, _) = live_community(db, district, code).await?;
    let mut check = Parse::default();
    if !ACTIVITY_KINDS.contains(&i.kind.as_str()) {
        check
            .errs
            .push(FieldError::new("kind", "selfgov.bad_choice"));
    }
    let participants = match i.participants.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) if (0..=100_000).contains(&n) => Some(n),
            _ => {
                check
                    .errs
                    .push(FieldError::new("participants", "common.bad_count"));
                None
            }
        },
    };
    let room_id = match i.room_id.trim() {
        "" => None,
        s => s.parse::<i64>().ok().or_else(|| {
            check
                .errs
                .push(FieldError::new("room_id", "selfgov.bad_choice"));
            None
        }),
    };
    let plan = plan_booking(&BookingInput {
        title: i.title.clone(),
        organiser: i.organiser.clone(),
        organisation_id: i.organisation_id.clone(),
        date: i.date.clone(),
        starts: i.starts.clone(),
        ends: i.ends.clone(),
        until: String::new(),
        interval: String::new(),
    });
    let plan = match plan {
        Ok(p) => Some(p),
        Err(AppError::Invalid(e)) => {
            check.errs.extend(e);
            None
        }
        Err(e) => return Err(e),
    };
    if room_id.is_none() && i.place.trim().is_empty() {
        check
            .errs
            .push(FieldError::new("place", "selfgov.place_required"));
    }
    let room = match room_id {
        Some(r) => match room(db, district, &u.scope, r).await {
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
    let Some(plan) = plan.filter(|_| check.errs.is_empty()) else {
        return Err(AppError::Invalid(check.errs));
    };
    let span = plan.spans[0];
    let tx = db.write_tx().await?;
    let booking_id = match &room {
        Some(r) => book_in(&tx, r, &plan, &u.username).await?.first().copied(),
        None => None,
    };
    let now = db.clock().now();
    let id = db::scalar(
        &tx,
        "INSERT INTO activities (community_code, kind, title, description, starts_at, ends_at, \
         room_id, booking_id, place, organiser, organisation_id, participants, cancelled, \
         updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, FALSE, ?) RETURNING id",
        vals![
            code.clone(),
            i.kind.clone(),
            plan.title.clone(),
            i.description.trim(),
            utc(span.start),
            utc(span.end),
            room_id,
            booking_id,
            i.place.trim(),
            plan.organiser.clone(),
            plan.organisation_id,
            participants,
            now
        ],
    )
    .await?
    .unwrap_or(0);
    audit::commit(
        tx,
        &u.actor(),
        "create",
        "activity",
        &id.to_string(),
        None::<&()>,
        Some(i),
    )
    .await?;
    Ok(id)
}

/// Record how many came, or cancel (its booking with it).
pub async fn update_activity(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    participants: &str,
    cancel: bool,
    revision: &str,
) -> Result<()> {
    let base = revision::base(revision)?;
    let a = activity(db, district, &u.scope, id).await?;
    seen_community(db, district, u, &a.community_code).await?;
    check_writer(u, &a.community_code)?;
    let participants = match participants.trim() {
        "" => a.participants,
        s => match s.parse::<i64>() {
            Ok(n) if (0..=100_000).contains(&n) => Some(n),
            _ => return Err(AppError::invalid("participants", "common.bad_count")),
        },
    };
    if a.cancelled && cancel {
        return Err(AppError::invalid(
            "participants",
            "selfgov.already_cancelled",
        ));
    }
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    revision::update(
        &tx,
        "activities",
        "activity",
        id,
        base,
        "participants = ?, cancelled = ?, updated_at = ?",
        vals![participants, a.cancelled || cancel, now],
    )
    .await?;
    if cancel && let Some(b) = a.booking_id {
        db::exec(
            &tx,
            "UPDATE bookings SET cancelled_at = ?, cancel_reason = ? WHERE id = ? AND cancelled_at IS NULL",
            vals![now, None::<String>, b],
        )
        .await?;
    }
    audit::commit(
        tx,
        &u.actor(),
        if cancel { "cancel" } else { "update" },
        "activity",
        &id.to_string(),
        Some(&a),
        Some(
            &serde_json::json!({"participants": participants, "cancelled": a.cancelled || cancel}),
        ),
    )
    .await?;
    Ok(())
}
