//! The public side of a community's life, without signing in: its titles, announced meeting
//! topics, the two boards with the funding statement, the activity calendar, room
//! availability and answered proposals; an iCalendar feed per community and per kind of
//! activity, and an Atom feed of the boards and announcements.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::Deserialize;

use crate::platform::auth::Scope;
use crate::platform::auth::guard::Public;
use crate::platform::error::{AppError, Result};
use crate::platform::http::ctx::Ctx;
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::time::to_local as local;
use crate::platform::time::{day_start_utc, parse_date};
use crate::selfgov::boards::store::NoticeRow;
use crate::selfgov::feeds::{self, Entry, FeedEvent};
use crate::selfgov::meetings::store::Meeting;
use crate::selfgov::meetings::store::Topic;
use crate::selfgov::proposals::store::Proposal;
use crate::selfgov::rooms::activities::Activity;
use crate::selfgov::rooms::store::Room;
use crate::selfgov::rooms::web::{Week, WeekQuery, by_day};
use crate::selfgov::store::live_community;
use crate::vals;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/p", index_page)
        .get("/p/{code}/calendar", calendar_page)
        .get("/p/{code}/calendar.ics", calendar_ics)
        .get("/p/{code}/boards", boards_page)
        .get("/p/{code}/feed.atom", feed_atom)
        .get("/p/{code}/rooms", rooms_page)
        .get("/p/{code}/proposals", proposals_page)
        .get("/calendar/{kind}", kind_ics)
}

fn one(col: &str, code: &str) -> (String, Vec<sea_orm::Value>) {
    (format!("{col} = ?"), vals![code])
}

/// What a community's public page shows of its self-government.
pub struct PublicLife {
    pub tags: Vec<String>,
    /// upcoming meetings with topics announced
    pub announced: Vec<(Meeting, Vec<Topic>)>,
    pub notices: Vec<NoticeRow>,
    pub activities: Vec<Activity>,
    pub rooms: Vec<Room>,
}

/// The public page's part: five small reads on indexed columns.
pub async fn life(s: &AppState, code: &str) -> Result<PublicLife> {
    let meetings = crate::selfgov::meetings::store::meetings(
        &s.db,
        one("m.community_code", code),
        Some(s.db.clock().now()),
        10,
    )
    .await?;
    let mut announced = vec![];
    for m in meetings.into_iter().filter(|m| m.topics > 0) {
        let t = crate::selfgov::meetings::store::topics(&s.db, &m).await?;
        announced.push((m, t));
    }
    let now = s.db.clock().now();
    Ok(PublicLife {
        tags: crate::geo::store::tags_of(&s.db, code).await?,
        announced,
        notices: crate::selfgov::boards::store::notices(&s.db, code, None, true, 8).await?,
        activities: crate::selfgov::rooms::activities::activities(
            &s.db,
            one("a.community_code", code),
            now,
            now + Duration::days(60),
            None,
            8,
        )
        .await?,
        rooms: crate::selfgov::rooms::store::rooms(&s.db, code, true).await?,
    })
}

// ------------------------------------------------------------------ index

#[derive(Deserialize, Default)]
#[serde(default)]
struct TagQuery {
    tag: Option<String>,
}

#[derive(Template)]
#[template(path = "public/communities.html")]
struct IndexPage {
    chrome: Chrome,
    tag: String,
    rows: Vec<(String, String, String, Vec<String>)>,
}

impl IndexPage {
    fn tag_is(&self, t: &str) -> bool {
        self.tag == t
    }
}

/// The district's communities, by town, with their titles; filter by one title.
async fn index_page(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TagQuery>,
) -> Result<Response> {
    #[derive(sea_orm::FromQueryResult)]
    struct R {
        code: String,
        name: String,
        town: String,
        tags: Option<String>,
    }
    let tag = q.tag.unwrap_or_default();
    let (lo, hi) = s.district.descendant_range();
    let mut v = vals![lo, hi];
    let filter = if crate::geo::store::TAGS.contains(&tag.as_str()) {
        v.push(tag.clone().into());
        "AND c.code IN (SELECT community_code FROM community_tags WHERE tag = ?)"
    } else {
        ""
    };
    let agg = crate::platform::db::comma_list(s.db.backend(), "g.tag");
    let rows: Vec<R> = crate::platform::db::all(
        &s.db.conn,
        &format!(
            "SELECT c.code, c.name, t.name AS town, {agg} AS tags FROM divisions c \
             JOIN divisions t ON t.code = substr(c.code, 1, 9) || '000' \
             LEFT JOIN community_tags g ON g.community_code = c.code \
             WHERE c.level = 5 AND c.merged_into IS NULL AND c.code BETWEEN ? AND ? {filter} \
             GROUP BY c.code, c.name, t.name ORDER BY c.code"
        ),
        v,
    )
    .await?;
    render(&IndexPage {
        chrome: Chrome::build(&ctx, ""),
        tag,
        rows: rows
            .into_iter()
            .map(|r| {
                let mut tags: Vec<String> = r
                    .tags
                    .unwrap_or_default()
                    .split(',')
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect();
                tags.sort_by_key(|t| crate::geo::store::TAGS.iter().position(|x| x == t));
                (r.code, r.name, r.town, tags)
            })
            .collect(),
    })
}

// ------------------------------------------------------------------ calendar

#[derive(Deserialize, Default)]
#[serde(default)]
struct CalendarQuery {
    /// `2026-12`
    month: Option<String>,
    kind: Option<String>,
}

impl CalendarQuery {
    /// The month's first day; a month that is not one (`2026-13`) is a 400 naming it.
    fn first_day(&self, today: NaiveDate) -> Result<NaiveDate> {
        match self
            .month
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            None => Ok(today.with_day(1).unwrap_or(today)),
            Some(m) => parse_date(&format!("{m}-01"))
                .filter(|_| m.len() <= 7)
                .ok_or_else(|| AppError::bad_param("month")),
        }
    }
    fn kind(&self) -> Option<&str> {
        self.kind
            .as_deref()
            .filter(|k| crate::selfgov::rooms::activities::ACTIVITY_KINDS.contains(k))
    }
}

fn next_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

fn prev_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 1 {
        (d.year() - 1, 12)
    } else {
        (d.year(), d.month() - 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d)
}

/// One day cell of the month grid: its date (None outside the month) and what happens.
pub struct Day {
    pub date: Option<NaiveDate>,
    pub items: Vec<CalItem>,
    pub today: bool,
}

pub struct CalItem {
    pub hm: String,
    pub title: String,
    pub kind_key: String,
    pub meeting: bool,
    pub cancelled: bool,
    pub place: String,
}

#[derive(Template)]
#[template(path = "public/calendar.html")]
struct CalendarPage {
    chrome: Chrome,
    code: String,
    community: String,
    month: NaiveDate,
    weeks: Vec<Vec<Day>>,
    kind: String,
    kinds: [&'static str; 9],
    list: Vec<Activity>,
}

impl CalendarPage {
    fn prev(&self) -> String {
        prev_month(self.month).format("%Y-%m").to_string()
    }
    fn next(&self) -> String {
        next_month(self.month).format("%Y-%m").to_string()
    }
    fn kind_is(&self, k: &str) -> bool {
        self.kind == k
    }
    fn kind_q(&self) -> String {
        if self.kind.is_empty() {
            String::new()
        } else {
            format!("&kind={}", self.kind)
        }
    }
}

async fn calendar_page(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<CalendarQuery>,
) -> Result<Response> {
    let (code, community) = live_community(&s.db, &s.district, &code).await?;
    let first = q.first_day(s.db.clock().today())?;
    let end = next_month(first);
    let (from, to) = (day_start_utc(first), day_start_utc(end));
    let acts = crate::selfgov::rooms::activities::activities(
        &s.db,
        one("a.community_code", &code),
        from,
        to,
        q.kind(),
        2000,
    )
    .await?;
    let meetings: Vec<Meeting> = if q.kind().is_none() {
        crate::selfgov::meetings::store::meetings(
            &s.db,
            one("m.community_code", &code),
            Some(from),
            200,
        )
        .await?
        .into_iter()
        .filter(|m| m.starts_at < to)
        .collect()
    } else {
        vec![]
    };
    let mut items: Vec<(NaiveDate, CalItem)> = acts
        .iter()
        .map(|a| {
            (
                a.date(),
                CalItem {
                    hm: local(a.starts_at).format("%H:%M").to_string(),
                    title: a.title.clone(),
                    kind_key: format!("selfgov.activity_kind.{}", a.kind),
                    meeting: false,
                    cancelled: a.cancelled,
                    place: a.where_(),
                },
            )
        })
        .collect();
    items.extend(meetings.iter().map(|m| {
        (
            local(m.starts_at).date(),
            CalItem {
                hm: local(m.starts_at).format("%H:%M").to_string(),
                title: m.title.clone(),
                kind_key: format!("selfgov.meeting_kind.{}", m.kind),
                meeting: true,
                cancelled: m.cancelled(),
                place: m.where_(),
            },
        )
    }));
    items.sort_by(|a, b| (a.0, &a.1.hm).cmp(&(b.0, &b.1.hm)));
    // the grid: Monday-first weeks covering the month
    let start = crate::selfgov::rooms::store::monday(first);
    let t = s.db.clock().today();
    let mut weeks = vec![];
    let mut d = start;
    let mut it = items.into_iter().peekable();
    while d < end {
        let mut week = vec![];
        for _ in 0..7 {
            let mut day_items = vec![];
            while let Some((date, _)) = it.peek() {
                if *date == d {
                    if let Some((_, x)) = it.next() {
                        day_items.push(x);
                    }
                } else {
                    break;
                }
            }
            week.push(Day {
                date: (d >= first && d < end).then_some(d),
                items: day_items,
                today: d == t,
            });
            d += Duration::days(1);
        }
        weeks.push(week);
    }
    render(&CalendarPage {
        chrome: Chrome::build(&ctx, ""),
        code,
        community,
        month: first,
        weeks,
        kind: q.kind().unwrap_or("").to_string(),
        kinds: crate::selfgov::rooms::activities::ACTIVITY_KINDS,
        list: acts,
    })
}

fn activity_event(s: &AppState, a: &Activity, kind_label: &str) -> FeedEvent {
    FeedEvent {
        uid: format!("activity-{}@{}.shequ", a.id, a.community_code),
        summary: a.title.clone(),
        description: a.description.clone(),
        location: format!("{} {}", a.community_name, a.where_()),
        start: a.starts_at,
        end: a.ends_at,
        updated: a.updated_at,
        categories: vec![kind_label.to_string()],
        url: Some(crate::platform::http::public_url(
            s,
            &format!("/p/{}/calendar", a.community_code),
        )),
        cancelled: a.cancelled,
    }
}

fn ics_response(body: String, name: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "public, max-age=300".to_string()),
        ],
        body,
    )
        .into_response()
}

/// Events from 90 days back to a year ahead: enough for a phone's calendar.
fn feed_window(t: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        day_start_utc(t - Duration::days(90)),
        day_start_utc(t + Duration::days(366)),
    )
}

async fn calendar_ics(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<CalendarQuery>,
) -> Result<Response> {
    let (code, community) = live_community(&s.db, &s.district, &code).await?;
    if q.kind.as_deref().is_some_and(|k| !k.is_empty()) && q.kind().is_none() {
        return Err(AppError::NotFound);
    }
    let (from, to) = feed_window(s.db.clock().today());
    let acts = crate::selfgov::rooms::activities::activities(
        &s.db,
        one("a.community_code", &code),
        from,
        to,
        q.kind(),
        5000,
    )
    .await?;
    let mut events: Vec<FeedEvent> = acts
        .iter()
        .map(|a| {
            activity_event(
                &s,
                a,
                ctx.tr.t(&format!("selfgov.activity_kind.{}", a.kind)),
            )
        })
        .collect();
    if q.kind().is_none() {
        for m in crate::selfgov::meetings::store::meetings(
            &s.db,
            one("m.community_code", &code),
            Some(from),
            1000,
        )
        .await?
        {
            if m.starts_at >= to {
                continue;
            }
            let topics = crate::selfgov::meetings::store::topics(&s.db, &m).await?;
            events.push(FeedEvent {
                uid: format!("meeting-{}@{}.shequ", m.id, m.community_code),
                summary: m.title.clone(),
                description: topics
                    .iter()
                    .map(|t| format!("• {}", t.title))
                    .collect::<Vec<_>>()
                    .join("\n"),
                location: format!("{} {}", m.community_name, m.where_()),
                start: m.starts_at,
                end: m.ends_at,
                updated: m.updated_at,
                categories: vec![
                    ctx.tr
                        .t(&format!("selfgov.meeting_kind.{}", m.kind))
                        .to_string(),
                ],
                url: Some(crate::platform::http::public_url(&s, &format!("/p/{code}"))),
                cancelled: m.cancelled(),
            });
        }
    }
    let name = match q.kind() {
        Some(k) => format!(
            "{community} · {}",
            ctx.tr.t(&format!("selfgov.activity_kind.{k}"))
        ),
        None => format!("{community} · {}", ctx.tr.t("selfgov.calendar.title")),
    };
    Ok(ics_response(
        feeds::ical(&name, &events),
        &format!("{code}.ics"),
    ))
}

/// Every community's activities of one kind (`/calendar/chess_cards.ics`).
async fn kind_ics(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(file): Path<String>,
) -> Result<Response> {
    let kind = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    if !crate::selfgov::rooms::activities::ACTIVITY_KINDS.contains(&kind) {
        return Err(AppError::NotFound);
    }
    let (from, to) = feed_window(s.db.clock().today());
    let (lo, hi) = s.district.descendant_range();
    let acts = crate::selfgov::rooms::activities::activities(
        &s.db,
        ("a.community_code BETWEEN ? AND ?".into(), vals![lo, hi]),
        from,
        to,
        Some(kind),
        5000,
    )
    .await?;
    let label = ctx
        .tr
        .t(&format!("selfgov.activity_kind.{kind}"))
        .to_string();
    let events: Vec<FeedEvent> = acts.iter().map(|a| activity_event(&s, a, &label)).collect();
    Ok(ics_response(
        feeds::ical(&label, &events),
        &format!("{kind}.ics"),
    ))
}

// ------------------------------------------------------------------ boards

/// The community's funding this year as the openness board shows it: (source, category,
/// fen) paid, and the total; None when nothing was paid or received.
pub struct FundingView {
    pub year: i32,
    /// (source, category, yuan)
    pub totals: Vec<(String, String, String)>,
    pub total_fen: i64,
    pub total: String,
    pub latest: Option<DateTime<Utc>>,
}

fn yuan(fen: i64) -> String {
    crate::platform::types::Fen(fen).yuan_string()
}

async fn funding_view(s: &AppState, code: &str) -> Result<Option<FundingView>> {
    // this year's statement, or last year's while nothing is paid yet this year
    let this = s.db.clock().today().year();
    let mut found = None;
    for year in [this, this - 1] {
        let st = crate::funding::store::statement(&s.db, &s.district, &Scope::District, code, year)
            .await?;
        if !st.totals.is_empty() {
            found = Some((year, st));
            break;
        }
    }
    let Some((year, st)) = found else {
        return Ok(None);
    };
    let latest = st.paid.iter().filter_map(|l| l.paid_at).max();
    Ok(Some(FundingView {
        year,
        totals: st
            .totals
            .into_iter()
            .map(|(a, b, f)| (a, b, yuan(f)))
            .collect(),
        total_fen: st.total_fen,
        total: yuan(st.total_fen),
        latest,
    }))
}

#[derive(Template)]
#[template(path = "public/boards.html")]
struct BoardsPage {
    chrome: Chrome,
    code: String,
    community: String,
    openness: Vec<NoticeRow>,
    publicity: Vec<NoticeRow>,
    funding: Option<FundingView>,
}

async fn boards_page(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response> {
    let (code, community) = live_community(&s.db, &s.district, &code).await?;
    render(&BoardsPage {
        chrome: Chrome::build(&ctx, ""),
        openness: crate::selfgov::boards::store::notices(&s.db, &code, Some("openness"), true, 100)
            .await?,
        publicity: crate::selfgov::boards::store::notices(
            &s.db,
            &code,
            Some("publicity"),
            true,
            100,
        )
        .await?,
        funding: funding_view(&s, &code).await?,
        code,
        community,
    })
}

/// Notices, announced topics and the funding statement, newest first.
async fn feed_atom(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response> {
    let (code, community) = live_community(&s.db, &s.district, &code).await?;
    let page = crate::platform::http::public_url(&s, &format!("/p/{code}/boards"));
    let mut entries: Vec<Entry> =
        crate::selfgov::boards::store::notices(&s.db, &code, None, true, 50)
            .await?
            .into_iter()
            .map(|n| Entry {
                id: format!("tag:shequ,2026:notice/{}", n.id),
                title: format!(
                    "【{}】{}",
                    ctx.tr.t(&format!("selfgov.board.{}", n.board)),
                    n.title
                ),
                link: format!("{page}#notice-{}", n.id),
                published: day_start_utc(n.publish_on).max(n.created_at),
                updated: n.updated_at.max(day_start_utc(n.publish_on)),
                summary: n.body.clone(),
                author: community.clone(),
            })
            .collect();
    for m in crate::selfgov::meetings::store::meetings(
        &s.db,
        one("m.community_code", &code),
        Some(s.db.clock().now()),
        20,
    )
    .await?
    {
        for t in crate::selfgov::meetings::store::topics(&s.db, &m).await? {
            entries.push(Entry {
                id: format!("tag:shequ,2026:topic/{}", t.id),
                title: format!(
                    "【{}】{}",
                    ctx.tr.t(&format!("selfgov.meeting_kind.{}", m.kind)),
                    t.title
                ),
                link: crate::platform::http::public_url(&s, &format!("/p/{code}#meeting-{}", m.id)),
                published: t.published_at,
                updated: m.cancelled_at.unwrap_or(t.published_at),
                summary: match &m.cancel_reason {
                    Some(r) => format!(
                        "{} · {} · {r}",
                        m.when(),
                        ctx.tr.t("selfgov.meetings.cancelled")
                    ),
                    None => format!("{} · {} · {}", m.when(), m.where_(), t.body),
                },
                author: community.clone(),
            });
        }
    }
    if let Some(f) = funding_view(&s, &code).await?
        && let Some(latest) = f.latest
    {
        entries.push(Entry {
            id: format!("tag:shequ,2026:funding/{code}/{}", f.year),
            title: ctx.tr.f("selfgov.boards.funding_entry", &[&f.year]),
            link: format!("{page}#funding"),
            published: latest,
            updated: latest,
            summary: format!("{} {}", ctx.tr.t("selfgov.boards.funding_total"), f.total),
            author: community.clone(),
        });
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.updated));
    let body = feeds::atom(
        &format!("tag:shequ,2026:community/{code}"),
        &format!("{community} · {}", ctx.tr.t("selfgov.boards.title")),
        &crate::platform::http::public_url(&s, &format!("/p/{code}/feed.atom")),
        &page,
        &entries,
        s.db.clock().now(),
    );
    Ok((
        [
            (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=300"),
        ],
        body,
    )
        .into_response())
}

// ------------------------------------------------------------------ rooms

#[derive(Template)]
#[template(path = "public/rooms.html")]
struct RoomsPage {
    chrome: Chrome,
    code: String,
    community: String,
    week: NaiveDate,
    rooms: Vec<(Room, Week)>,
}

impl RoomsPage {
    fn prev(&self) -> NaiveDate {
        self.week - Duration::days(7)
    }
    fn next(&self) -> NaiveDate {
        self.week + Duration::days(7)
    }
}

/// When each room is taken this week (times only: who booked is not public).
async fn rooms_page(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<WeekQuery>,
) -> Result<Response> {
    let (code, community) = live_community(&s.db, &s.district, &code).await?;
    let week = q.monday(s.db.clock().today())?;
    let mut rooms = vec![];
    for r in crate::selfgov::rooms::store::rooms(&s.db, &code, true).await? {
        let b = crate::selfgov::rooms::store::room_bookings(
            &s.db,
            &r,
            week,
            week + Duration::days(7),
            false,
        )
        .await?;
        rooms.push((r, by_day(week, b)));
    }
    render(&RoomsPage {
        chrome: Chrome::build(&ctx, ""),
        code,
        community,
        week,
        rooms,
    })
}

// ------------------------------------------------------------------ proposals

#[derive(Template)]
#[template(path = "public/proposals.html")]
struct ProposalsPage {
    chrome: Chrome,
    code: String,
    community: String,
    proposals: Vec<Proposal>,
}

/// Proposals and their public answers; authors' names masked.
async fn proposals_page(
    _: Public,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response> {
    let (code, community) = live_community(&s.db, &s.district, &code).await?;
    render(&ProposalsPage {
        chrome: Chrome::build(&ctx, ""),
        proposals: crate::selfgov::proposals::store::proposals(
            &s.db,
            one("p.community_code", &code),
            None,
            200,
        )
        .await?,
        code,
        community,
    })
}
