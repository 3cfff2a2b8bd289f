//! A room's week: its bookings, booking and cancelling, its settings; activities; the
//! activities and bookings API.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::platform::auth::CurrentUser;
use crate::platform::auth::guard::Require;
use crate::platform::error::{AppError, Result};
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, field, render_form};
use crate::platform::http::form::{from_pairs, redirect_or_show, sent_values};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::time::{day_start_utc, parse_date};
use crate::selfgov::form::{F, Fields};
use crate::selfgov::organisations::store::Organisation;
use crate::selfgov::rooms::activities::Activity;
use crate::selfgov::rooms::store::Booking;
use crate::selfgov::rooms::store::Room;
use crate::selfgov::store::{self, code_scope};
use crate::selfgov::web::opts;
use crate::selfgov::{SelfgovReaders, SelfgovWriters};

/// Its routes with their access.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/selfgov/rooms/{id}", room_page)
        .post("/selfgov/rooms/{id}", post_room)
        .post("/selfgov/rooms/{id}/book", post_book)
        .post("/selfgov/bookings/{id}/cancel", post_cancel_booking)
        .post("/selfgov/activities/{id}", post_activity)
        .get("/api/v1/selfgov/activities", api_activities)
        .get("/api/v1/selfgov/rooms/{id}/bookings", api_bookings)
}

#[derive(Template)]
#[template(path = "selfgov/room.html")]
struct RoomPage {
    chrome: Chrome,
    room: Room,
    community_name: String,
    week: NaiveDate,
    days: Week,
    orgs: Vec<Organisation>,
    can_write: bool,
    form: FormState,
}

impl RoomPage {
    fn prev(&self) -> NaiveDate {
        self.week - Duration::days(7)
    }
    fn next(&self) -> NaiveDate {
        self.week + Duration::days(7)
    }
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct WeekQuery {
    /// Any day of the week to show (default: this week).
    pub week: Option<String>,
}

impl WeekQuery {
    /// The week's Monday (this week's without `week`); a day that is not one is a 400.
    pub fn monday(&self, today: NaiveDate) -> Result<NaiveDate> {
        let day = match self
            .week
            .as_deref()
            .map(str::trim)
            .filter(|w| !w.is_empty())
        {
            None => today,
            Some(w) => parse_date(w).ok_or_else(|| AppError::bad_param("week"))?,
        };
        Ok(crate::selfgov::rooms::store::monday(day))
    }
}

/// A week of a room: each day with its bookings.
pub type Week = Vec<(NaiveDate, Vec<Booking>)>;

/// The days of a week with their bookings.
pub fn by_day(week: NaiveDate, bookings: Vec<Booking>) -> Week {
    (0..7)
        .map(|i| {
            let d = week + Duration::days(i);
            (
                d,
                bookings.iter().filter(|b| b.date() == d).cloned().collect(),
            )
        })
        .collect()
}

async fn room_view(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    week: NaiveDate,
    form: FormState,
) -> Result<Response> {
    let room = crate::selfgov::rooms::store::room(&s.db, &s.district, &u.scope, id).await?;
    let (_, community_name) =
        store::seen_community(&s.db, &s.district, u, &room.community_code).await?;
    let bookings = crate::selfgov::rooms::store::room_bookings(
        &s.db,
        &room,
        week,
        week + Duration::days(7),
        true,
    )
    .await?;
    let page = RoomPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        community_name,
        week,
        days: by_day(week, bookings),
        orgs: crate::selfgov::organisations::store::organisations(
            &s.db,
            &s.district,
            &u.scope,
            &crate::selfgov::organisations::store::OrgQuery {
                community: Some(room.community_code.clone()),
                ..Default::default()
            },
        )
        .await?,
        can_write: store::check_writer(u, &room.community_code).is_ok(),
        room,
        form,
    };
    render_form(&page, &page.form)
}

async fn room_page(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<WeekQuery>,
) -> Result<Response> {
    room_view(
        &s,
        &ctx,
        &u,
        id,
        q.monday(s.db.clock().today())?,
        FormState::default(),
    )
    .await
}

async fn post_room(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let room = crate::selfgov::rooms::store::room(&s.db, &s.district, &u.scope, id).await?;
    let result = crate::selfgov::rooms::store::save_room(
        &s.db,
        &s.district,
        &u,
        &room.community_code,
        Some(id),
        &from_pairs(&pairs),
    )
    .await
    .map(|_| format!("/selfgov/rooms/{id}"));
    redirect_or_show(result, "room", &ctx.tr, sent_values(&pairs), |f| {
        room_view(
            &s,
            &ctx,
            &u,
            id,
            crate::selfgov::rooms::store::monday(s.db.clock().today()),
            f,
        )
    })
    .await
}

async fn post_book(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let input: crate::selfgov::rooms::store::BookingInput = from_pairs(&pairs);
    let day = parse_date(&input.date).unwrap_or_else(|| s.db.clock().today());
    let result = crate::selfgov::rooms::store::book(&s.db, &s.district, &u, id, &input)
        .await
        .map(|_| format!("/selfgov/rooms/{id}?week={day}#week"));
    let week = crate::selfgov::rooms::store::monday(day);
    redirect_or_show(result, "book", &ctx.tr, sent_values(&pairs), |f| {
        room_view(&s, &ctx, &u, id, week, f)
    })
    .await
}

async fn post_cancel_booking(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let b = crate::selfgov::rooms::store::booking(&s.db, &s.district, &u.scope, id).await?;
    let reason = field(&pairs, "reason");
    crate::selfgov::rooms::store::cancel_booking(
        &s.db,
        &s.district,
        &u,
        id,
        &reason,
        field(&pairs, "series") == "rest",
    )
    .await?;
    Ok(crate::platform::http::redirect(&format!(
        "/selfgov/rooms/{}?week={}#week",
        b.room_id,
        b.date()
    )))
}

async fn post_activity(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let a = crate::selfgov::rooms::activities::activity(&s.db, &s.district, &u.scope, id).await?;
    crate::selfgov::rooms::activities::update_activity(
        &s.db,
        &s.district,
        &u,
        id,
        &field(&pairs, "participants"),
        field(&pairs, "cancel") == "1",
        &field(&pairs, "revision"),
    )
    .await?;
    Ok(crate::platform::http::redirect(&format!(
        "/selfgov/c/{}#activities",
        a.community_code
    )))
}

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct ActivityQuery {
    /// One community (default: every one in scope).
    pub community: Option<String>,
    /// One kind: calligraphy, performance, fitness_dance, chess_cards, sports, education,
    /// volunteer, party, other.
    pub kind: Option<String>,
    /// First day (default: today).
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (default: 30 days on; at most 366 days after `from`).
    pub to: Option<NaiveDate>,
}

/// Activities in the caller's scope between two days, in order (at most 5,000).
#[utoipa::path(get, path = "/api/v1/selfgov/activities", tag = "selfgov", params(ActivityQuery),
    responses((status = 200, body = [Activity])))]
pub async fn api_activities(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    Query(q): Query<ActivityQuery>,
) -> Result<Json<Vec<Activity>>> {
    let from = q.from.unwrap_or_else(|| s.db.clock().today());
    let to =
        q.to.unwrap_or(from + Duration::days(30))
            .min(from + Duration::days(366));
    if to < from {
        return Err(AppError::invalid("to", "selfgov.bad_date"));
    }
    let kind = q.kind.as_deref().filter(|k| !k.is_empty());
    if kind.is_some_and(|k| !crate::selfgov::rooms::activities::ACTIVITY_KINDS.contains(&k)) {
        return Err(AppError::invalid("kind", "selfgov.bad_choice"));
    }
    let (mut c, mut v) = code_scope(&u.scope, &s.district, "a.community_code");
    if let Some(x) = q.community.filter(|x| !x.is_empty()) {
        c.push_str(" AND a.community_code = ?");
        v.push(x.into());
    }
    Ok(Json(
        crate::selfgov::rooms::activities::activities(
            &s.db,
            (c, v),
            day_start_utc(from),
            day_start_utc(to + Duration::days(1)),
            kind,
            5000,
        )
        .await?,
    ))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RoomWeek {
    pub room: Room,
    pub week: NaiveDate,
    pub bookings: Vec<Booking>,
}

/// A room's bookings in a week (cancelled ones marked).
#[utoipa::path(get, path = "/api/v1/selfgov/rooms/{id}/bookings", tag = "selfgov",
    params(("id" = i64, Path), WeekQuery), responses((status = 200, body = RoomWeek)))]
pub async fn api_bookings(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<WeekQuery>,
) -> Result<Json<RoomWeek>> {
    let room = crate::selfgov::rooms::store::room(&s.db, &s.district, &u.scope, id).await?;
    let week = q.monday(s.db.clock().today())?;
    let bookings = crate::selfgov::rooms::store::room_bookings(
        &s.db,
        &room,
        week,
        week + Duration::days(7),
        true,
    )
    .await?;
    Ok(Json(RoomWeek {
        room,
        week,
        bookings,
    }))
}

pub(crate) fn room_fields(
    form: &FormState,
    tr: crate::platform::i18n::Tr,
    r: Option<&Room>,
) -> Vec<F> {
    let d = |f: fn(&Room) -> String, dflt: &str| r.map(f).unwrap_or_else(|| dflt.to_string());
    Fields::new(form, "room", tr)
        .text("name", &d(|r| r.name.clone(), ""))
        .req()
        .keys(
            "kind",
            &d(|r| r.kind.clone(), "room"),
            "selfgov.room_kind",
            &crate::selfgov::rooms::store::ROOM_KINDS,
        )
        .number("capacity", &d(|r| r.capacity.to_string(), "30"))
        .time("opens", &d(|r| r.opens.clone(), "08:30"))
        .time("closes", &d(|r| r.closes.clone(), "21:00"))
        .check("barrier_free", r.is_some_and(|r| r.barrier_free))
        .check("active", r.is_none_or(|r| r.active))
        .done()
}

impl RoomPage {
    fn book_fields(&self) -> Vec<F> {
        let orgs = opts(
            self.chrome.t("selfgov.none_chosen"),
            self.orgs.iter().map(|o| (o.id.to_string(), o.name.clone())),
        );
        Fields::new(&self.form, "book", self.chrome.tr)
            .text("title", "")
            .req()
            .text("organiser", "")
            .req()
            .select("organisation_id", "", orgs)
            .date("date", "")
            .req()
            .time("starts", "")
            .req()
            .time("ends", "")
            .req()
            .date("until", "")
            .select(
                "interval",
                "1",
                (1..=4)
                    .map(|i| {
                        (
                            i.to_string(),
                            self.chrome.tk("selfgov.interval", i.to_string()),
                        )
                    })
                    .collect(),
            )
            .done()
    }
    fn room_fields(&self) -> Vec<F> {
        room_fields(&self.form, self.chrome.tr, Some(&self.room))
    }
}
