//! Rooms and their bookings. Bookings never overlap: each takes its room's row lock first
//! (`UPDATE rooms SET version = version + 1`), so two requests for one slot queue on every
//! backend and the second sees the first's booking.

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
use crate::selfgov::rooms::rules;
use crate::selfgov::rooms::rules::Span;
use crate::selfgov::rooms::rules::Weekly;
use crate::selfgov::store::check_writer;
use crate::selfgov::store::code_scope;
use crate::selfgov::store::live_community;
use crate::selfgov::store::seen_community;
use crate::vals;
use chrono::DateTime;
use chrono::Duration;
use chrono::NaiveDate;
use chrono::NaiveTime;
use chrono::Utc;
use sea_orm::FromQueryResult;
use serde::Deserialize;
use serde::Serialize;

// ------------------------------------------------------------------ rooms

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Room {
    pub id: i64,
    pub community_code: String,
    pub name: String,
    pub kind: String,
    pub checklist_item_id: Option<i64>,
    pub capacity: i64,
    pub opens: String,
    pub closes: String,
    pub barrier_free: bool,
    pub active: bool,
    /// Raised by each save of the room's details (platform::revision).
    pub revision: i64,
}

const ROOM_COLUMNS: &str = "id, community_code, name, kind, checklist_item_id, capacity, opens, \
    closes, barrier_free, active, revision";

pub const ROOM_KINDS: [&str; 4] = ["room", "field", "hall", "school"];

impl Room {
    pub fn hours(&self) -> (NaiveTime, NaiveTime) {
        (
            hm(&self.opens).unwrap_or(NaiveTime::MIN),
            hm(&self.closes).unwrap_or(NaiveTime::MIN),
        )
    }
}

/// `08:30` → a time.
pub use crate::platform::time::parse_hm as hm;

pub async fn rooms(db: &Db, code: &str, active_only: bool) -> Result<Vec<Room>> {
    db::all(
        &db.conn,
        &format!(
            "SELECT {ROOM_COLUMNS} FROM rooms WHERE community_code = ? {} ORDER BY kind, name, id",
            if active_only { "AND active" } else { "" }
        ),
        vals![code],
    )
    .await
}

/// A room of a community in the caller's scope (404 outside it).
pub async fn room(db: &Db, district: &DivisionCode, scope: &Scope, id: i64) -> Result<Room> {
    let (cond, mut v) = code_scope(scope, district, "community_code");
    v.push(id.into());
    db::one(
        &db.conn,
        &format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE {cond} AND id = ?"),
        v,
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// A room's form, as typed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct RoomInput {
    pub name: String,
    pub kind: String,
    pub capacity: String,
    pub opens: String,
    pub closes: String,
    pub barrier_free: Option<String>,
    pub active: Option<String>,
    /// The revision the form was opened at.
    pub revision: String,
}

#[derive(Clone, Debug, Serialize)]
struct RoomSave {
    name: String,
    kind: String,
    capacity: i64,
    opens: String,
    closes: String,
    barrier_free: bool,
    active: bool,
}

fn check_room(i: &RoomInput) -> Result<RoomSave> {
    let mut check = Parse::default();
    let name = i.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 60 {
        check
            .errs
            .push(FieldError::new("name", "selfgov.name_required"));
    }
    if !ROOM_KINDS.contains(&i.kind.as_str()) {
        check
            .errs
            .push(FieldError::new("kind", "selfgov.bad_choice"));
    }
    let capacity = match i.capacity.trim().parse::<i64>() {
        Ok(n) if (1..=10_000).contains(&n) => n,
        _ => {
            check
                .errs
                .push(FieldError::new("capacity", "selfgov.bad_capacity"));
            0
        }
    };
    let (o, c) = (hm(&i.opens), hm(&i.closes));
    if o.is_none() {
        check
            .errs
            .push(FieldError::new("opens", "selfgov.bad_time"));
    }
    if c.is_none() {
        check
            .errs
            .push(FieldError::new("closes", "selfgov.bad_time"));
    }
    if let (Some(o), Some(c)) = (o, c)
        && c <= o
    {
        check
            .errs
            .push(FieldError::new("closes", "selfgov.closes_before_opens"));
    }
    check.finish()?;
    Ok(RoomSave {
        name,
        kind: i.kind.clone(),
        capacity,
        opens: o.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
        closes: c.map(|t| t.format("%H:%M").to_string()).unwrap_or_default(),
        barrier_free: i.barrier_free.is_some(),
        active: i.active.is_some(),
    })
}

pub async fn save_room(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
    id: Option<i64>,
    i: &RoomInput,
) -> Result<i64> {
    check_writer(u, code)?;
    let (code, _) = live_community(db, district, code).await?;
    let s = check_room(i)?;
    let before = match id {
        Some(id) => {
            let r = room(db, district, &u.scope, id).await?;
            if r.community_code != code {
                return Err(AppError::NotFound);
            }
            Some(r)
        }
        None => None,
    };
    let tx = db.write_tx().await?;
    let v = vals![
        s.name.clone(),
        s.kind.clone(),
        s.capacity,
        s.opens.clone(),
        s.closes.clone(),
        s.barrier_free,
        s.active
    ];
    let rid = match id {
        None => {
            let mut v = v;
            v.push(code.clone().into());
            db::scalar(
                &tx,
                "INSERT INTO rooms (name, kind, capacity, opens, closes, barrier_free, active, \
                 community_code) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                v,
            )
            .await
            .map(|x| x.unwrap_or(0))
        }
        Some(id) => revision::update(
            &tx,
            "rooms",
            "room",
            id,
            revision::base(&i.revision)?,
            "name = ?, kind = ?, capacity = ?, opens = ?, closes = ?, barrier_free = ?, active = ?",
            v,
        )
        .await
        .map(|_| id),
    }
    .map_err(|e| {
        e.on_constraint(&[crate::platform::error::Constraint::unique(
            "rooms",
            &["community_code", "name"],
            "name",
            "selfgov.duplicate_name",
        )])
    })?;
    audit::commit(
        tx,
        &u.actor(),
        if id.is_some() { "update" } else { "create" },
        "room",
        &rid.to_string(),
        before.as_ref(),
        Some(&s),
    )
    .await?;
    Ok(rid)
}

/// Make the rooms a centre's checklist has (rooms, the residents' school, the outdoor field)
/// for one community or, for the demo, every live one; names already present are skipped.
/// About 2 m² a person within 8–500 (30, the field 200, without an area); open 08:30–21:00,
/// the field from 06:00; barrier-free when the checklist has the barrier-free facilities.
/// Returns how many were made.
pub async fn insert_checklist_rooms<C: sea_orm::ConnectionTrait>(
    c: &C,
    community: Option<&str>,
) -> Result<u64> {
    let (one, v) = match community {
        Some(code) => ("AND p.community_code = ?", vals![code]),
        None => ("", vals![]),
    };
    db::exec(
        c,
        &format!(
            "INSERT INTO rooms (community_code, name, kind, checklist_item_id, capacity, opens, \
             closes, barrier_free, active) \
             SELECT p.community_code, i.name, \
               CASE i.category WHEN 'field' THEN 'field' WHEN 'school' THEN 'school' ELSE 'room' END, \
               i.id, \
               CASE WHEN l.area_dm2 IS NULL THEN (CASE i.category WHEN 'field' THEN 200 ELSE 30 END) \
                    WHEN l.area_dm2 / 200 < 8 THEN 8 WHEN l.area_dm2 / 200 > 500 THEN 500 \
                    ELSE l.area_dm2 / 200 END, \
               CASE i.category WHEN 'field' THEN '06:00' ELSE '08:30' END, '21:00', \
               EXISTS (SELECT 1 FROM centre_checklist b \
                       JOIN centre_standard_items bi ON bi.id = b.item_id \
                       WHERE b.project_id = p.id AND b.present AND bi.category = 'barrier_free'), \
               TRUE \
             FROM centre_projects p JOIN centre_checklist l ON l.project_id = p.id \
             JOIN centre_standard_items i ON i.id = l.item_id \
             JOIN divisions d ON d.code = p.community_code AND d.merged_into IS NULL \
             WHERE l.present AND i.category IN ('room', 'school', 'field') {one} \
               AND NOT EXISTS (SELECT 1 FROM rooms x \
                               WHERE x.community_code = p.community_code AND x.name = i.name)"
        ),
        v,
    )
    .await
}

/// The rooms of a community's accepted checklist, made by its staff ([`insert_checklist_rooms`]).
pub async fn rooms_from_checklist(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    code: &str,
) -> Result<u64> {
    check_writer(u, code)?;
    let (code, _) = live_community(db, district, code).await?;
    let tx = db.write_tx().await?;
    let made = insert_checklist_rooms(&tx, Some(&code)).await?;
    if made > 0 {
        audit::record(
            &tx,
            &u.actor(),
            "import",
            "room",
            &code,
            None::<&()>,
            Some(&serde_json::json!({"from_checklist": made})),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(made)
}

// ------------------------------------------------------------------ bookings

#[derive(Clone, Debug, FromQueryResult, Serialize, utoipa::ToSchema)]
pub struct Booking {
    pub id: i64,
    pub room_id: i64,
    pub series_id: Option<i64>,
    pub title: String,
    pub organiser: String,
    pub organisation_id: Option<i64>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
}

impl Booking {
    pub fn when(&self) -> String {
        format!(
            "{}–{}",
            show(&self.starts_at),
            local(self.ends_at).format("%H:%M")
        )
    }
    pub fn date(&self) -> NaiveDate {
        local(self.starts_at).date()
    }
    pub fn start_hm(&self) -> String {
        local(self.starts_at).format("%H:%M").to_string()
    }
    pub fn end_hm(&self) -> String {
        local(self.ends_at).format("%H:%M").to_string()
    }
}

const BOOKING_COLUMNS: &str = "id, room_id, series_id, title, organiser, organisation_id, \
    starts_at, ends_at, cancelled_at, cancel_reason";

/// A booking request as typed: one date, or weekly until a date.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct BookingInput {
    pub title: String,
    pub organiser: String,
    pub organisation_id: String,
    pub date: String,
    pub starts: String,
    pub ends: String,
    /// empty: once; else weekly until this date
    pub until: String,
    pub interval: String,
}

/// What a booking holds once checked.
#[derive(Clone, Debug, Serialize)]
pub struct BookingPlan {
    pub title: String,
    pub organiser: String,
    pub organisation_id: Option<i64>,
    pub spans: Vec<Span>,
    /// (first, until, interval) of a weekly series
    pub series: Option<(NaiveDate, NaiveDate, u32)>,
}

pub fn plan_booking(i: &BookingInput) -> Result<BookingPlan> {
    let mut check = Parse::default();
    let title = i.title.trim().to_string();
    if title.is_empty() || title.chars().count() > 100 {
        check
            .errs
            .push(FieldError::new("title", "selfgov.title_required"));
    }
    let organiser = i.organiser.trim().to_string();
    if organiser.is_empty() || organiser.chars().count() > 100 {
        check
            .errs
            .push(FieldError::new("organiser", "selfgov.organiser_required"));
    }
    let organisation_id = match i.organisation_id.trim() {
        "" => None,
        s => match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                check
                    .errs
                    .push(FieldError::new("organisation_id", "selfgov.bad_choice"));
                None
            }
        },
    };
    let date = crate::platform::time::parse_date(&i.date);
    if date.is_none() {
        check.errs.push(FieldError::new("date", "selfgov.bad_date"));
    }
    let (s, e) = (hm(&i.starts), hm(&i.ends));
    if s.is_none() {
        check
            .errs
            .push(FieldError::new("starts", "selfgov.bad_time"));
    }
    if e.is_none() {
        check.errs.push(FieldError::new("ends", "selfgov.bad_time"));
    }
    let mut spans = vec![];
    let mut series = None;
    if let (Some(d), Some(s), Some(e)) = (date, s, e) {
        if i.until.trim().is_empty() {
            match Span::new(d.and_time(s), d.and_time(e)) {
                Ok(sp) => spans.push(sp),
                Err(k) => check.errs.push(FieldError::new("ends", k)),
            }
        } else {
            let until = crate::platform::time::parse_date(&i.until);
            let interval = i.interval.trim().parse::<u32>().unwrap_or(1);
            match until {
                None => check
                    .errs
                    .push(FieldError::new("until", "selfgov.bad_date")),
                Some(until) => {
                    let w = Weekly {
                        first: d,
                        until,
                        starts: s,
                        ends: e,
                        interval,
                        cancelled: vec![],
                    };
                    match w.occurrences() {
                        Ok(v) => {
                            spans = v;
                            series = Some((d, until, interval));
                        }
                        Err(k) => {
                            let field =
                                if k == "selfgov.ends_before_start" || k == "selfgov.too_long" {
                                    "ends"
                                } else if k == "selfgov.bad_interval" {
                                    "interval"
                                } else {
                                    "until"
                                };
                            check.errs.push(FieldError::new(field, k));
                        }
                    }
                }
            }
        }
    }
    check.finish()?;
    Ok(BookingPlan {
        title,
        organiser,
        organisation_id,
        spans,
        series,
    })
}

/// Book inside a write transaction: lock the room, check hours and clashes, insert. The
/// caller commits and records the audit entry.
pub async fn book_in(
    tx: &crate::platform::db::WriteTx,
    room: &Room,
    plan: &BookingPlan,
    by: &str,
) -> Result<Vec<i64>> {
    if !room.active {
        return Err(AppError::invalid("room_id", "selfgov.room_closed"));
    }
    // the row lock: every booking of this room queues here until the previous commits
    let locked = db::exec(
        tx,
        "UPDATE rooms SET version = version + 1 WHERE id = ? AND active",
        vals![room.id],
    )
    .await?;
    if locked == 0 {
        return Err(AppError::invalid("room_id", "selfgov.room_closed"));
    }
    let (opens, closes) = room.hours();
    for sp in &plan.spans {
        if !rules::within_hours(sp, opens, closes) {
            return Err(AppError::Invalid(vec![
                FieldError::new("starts", "selfgov.outside_hours")
                    .with(&room.opens)
                    .with(&room.closes),
            ]));
        }
    }
    let (Some(first), Some(last)) = (plan.spans.first(), plan.spans.last()) else {
        return Err(AppError::invalid("date", "selfgov.no_occurrences"));
    };
    if let Some(org) = plan.organisation_id {
        let ok = db::scalar(
            tx,
            "SELECT id FROM organisations WHERE id = ? AND community_code = ?",
            vals![org, room.community_code.clone()],
        )
        .await?;
        if ok.is_none() {
            return Err(AppError::invalid("organisation_id", "selfgov.bad_choice"));
        }
    }
    #[derive(FromQueryResult)]
    struct B {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    }
    let booked: Vec<B> = db::all(
        tx,
        "SELECT starts_at, ends_at FROM bookings WHERE room_id = ? AND cancelled_at IS NULL \
         AND starts_at < ? AND ends_at > ?",
        vals![room.id, utc(last.end), utc(first.start)],
    )
    .await?;
    let booked: Vec<Span> = booked
        .into_iter()
        .map(|b| Span {
            start: local(b.starts_at),
            end: local(b.ends_at),
        })
        .collect();
    if let Some((_, other)) = rules::first_clash(&plan.spans, &booked) {
        return Err(AppError::Invalid(vec![
            FieldError::new("starts", "selfgov.clash").with(format!(
                "{}–{}",
                other.start.format("%Y-%m-%d %H:%M"),
                other.end.format("%H:%M")
            )),
        ]));
    }
    let now = tx.clock().now();
    let series_id = match plan.series {
        Some((first, until, interval)) => db::scalar(
            tx,
            "INSERT INTO booking_series (room_id, first_on, until_on, interval_weeks, created_at) \
             VALUES (?, ?, ?, ?, ?) RETURNING id",
            vals![room.id, first, until, interval as i32, now],
        )
        .await?,
        None => None,
    };
    let mut ids = vec![];
    for sp in &plan.spans {
        let id = db::scalar(
            tx,
            "INSERT INTO bookings (room_id, series_id, title, organiser, organisation_id, \
             starts_at, ends_at, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) \
             RETURNING id",
            vals![
                room.id,
                series_id,
                plan.title.clone(),
                plan.organiser.clone(),
                plan.organisation_id,
                utc(sp.start),
                utc(sp.end),
                by,
                now
            ],
        )
        .await?
        .unwrap_or(0);
        ids.push(id);
    }
    Ok(ids)
}

/// Book a room (once or weekly). Returns the bookings made.
pub async fn book(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    room_id: i64,
    i: &BookingInput,
) -> Result<Vec<i64>> {
    let r = room(db, district, &u.scope, room_id).await?;
    seen_community(db, district, u, &r.community_code).await?;
    check_writer(u, &r.community_code)?;
    let plan = plan_booking(i)?;
    let tx = db.write_tx().await?;
    let ids = book_in(&tx, &r, &plan, &u.username).await?;
    audit::commit(
        tx,
        &u.actor(),
        "book",
        "booking",
        &ids.first().copied().unwrap_or(0).to_string(),
        None::<&()>,
        Some(&serde_json::json!({"room": r.id, "bookings": ids, "plan": plan})),
    )
    .await?;
    Ok(ids)
}

/// A booking of a room in the caller's scope (404 outside it).
pub async fn booking(db: &Db, district: &DivisionCode, scope: &Scope, id: i64) -> Result<Booking> {
    let (cond, mut v) = code_scope(scope, district, "community_code");
    v.push(id.into());
    db::one(
        &db.conn,
        &format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE room_id IN \
             (SELECT id FROM rooms WHERE {cond}) AND id = ?"
        ),
        v,
    )
    .await?
    .ok_or(AppError::NotFound)
}

/// Cancel a booking, or it and the later ones of its series. An activity or meeting held in
/// it keeps its record; cancelling an activity cancels its booking.
pub async fn cancel_booking(
    db: &Db,
    district: &DivisionCode,
    u: &CurrentUser,
    id: i64,
    reason: &str,
    rest_of_series: bool,
) -> Result<u64> {
    let b = booking(db, district, &u.scope, id).await?;
    let r = room(db, district, &u.scope, b.room_id).await?;
    seen_community(db, district, u, &r.community_code).await?;
    check_writer(u, &r.community_code)?;
    // the reason is optional: shown beside the freed slot when given
    let reason = Some(reason.trim()).filter(|r| !r.is_empty());
    if b.cancelled_at.is_some() {
        return Err(AppError::invalid("reason", "selfgov.already_cancelled"));
    }
    // an activity's or a meeting's room is freed with it, not behind its back
    let held = db::scalar(
        &db.conn,
        "SELECT COUNT(*) FROM activities WHERE booking_id = ? AND NOT cancelled",
        vals![id],
    )
    .await?
    .unwrap_or(0)
        + db::scalar(
            &db.conn,
            "SELECT COUNT(*) FROM meetings WHERE booking_id = ?",
            vals![id],
        )
        .await?
        .unwrap_or(0);
    if held > 0 {
        return Err(AppError::invalid("reason", "selfgov.booking_held"));
    }
    let tx = db.write_tx().await?;
    let now = db.clock().now();
    let n = match (rest_of_series, b.series_id) {
        (true, Some(s)) => {
            db::exec(
                &tx,
                "UPDATE bookings SET cancelled_at = ?, cancel_reason = ? WHERE series_id = ? \
                 AND starts_at >= ? AND cancelled_at IS NULL",
                vals![now, reason, s, b.starts_at],
            )
            .await?
        }
        _ => {
            db::exec(
                &tx,
                "UPDATE bookings SET cancelled_at = ?, cancel_reason = ? WHERE id = ? \
                 AND cancelled_at IS NULL",
                vals![now, reason, id],
            )
            .await?
        }
    };
    audit::commit(
        tx,
        &u.actor(),
        "cancel",
        "booking",
        &id.to_string(),
        Some(&b),
        Some(&serde_json::json!({"reason": reason, "cancelled": n, "rest_of_series": rest_of_series})),
    )
    .await?;
    Ok(n)
}

/// Bookings of a room (loaded in scope, or shown to the public) between two days (district
/// time), cancelled ones too if asked.
pub async fn room_bookings(
    db: &Db,
    room: &Room,
    from: NaiveDate,
    to: NaiveDate,
    with_cancelled: bool,
) -> Result<Vec<Booking>> {
    db::all(
        &db.conn,
        &format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings WHERE room_id = ? AND starts_at >= ? \
             AND starts_at < ? {} ORDER BY starts_at, id",
            if with_cancelled {
                ""
            } else {
                "AND cancelled_at IS NULL"
            }
        ),
        vals![
            room.id,
            utc(from.and_time(NaiveTime::MIN)),
            utc(to.and_time(NaiveTime::MIN))
        ],
    )
    .await
}

/// The Monday of a date's week.
pub fn monday(d: NaiveDate) -> NaiveDate {
    d - Duration::days(i64::from(rules::iso_weekday(d)) - 1)
}
