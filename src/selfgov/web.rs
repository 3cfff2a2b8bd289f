//! Staff pages of self-government: the overview of a territory, a community's workspace
//! (meetings, proposals, boards, rooms, activities, representatives, titles), a meeting from
//! announcement to follow-up, a proposal's answer, a room's week, civil organisations and
//! volunteers. Every form shown again with field errors on a mistake; every write audited.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::platform::auth::guard::{Admin, AdminAndStaff, Officials, Require, RoleSet, Staff};
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::error::{AppError, Result};
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, field, render_form};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::time::{day_start_utc, parse_date};
use crate::role_set;
use crate::selfgov::civic::{
    self, Meeting, NoticeRow, Organisation, Proposal, ProposalStats, Representative, Resolution,
    ServiceRecord, Task, Topic, Volunteer,
};
use crate::selfgov::rules::{MeetingKind, NoticeRule};
use crate::selfgov::store::{self, Activity, Booking, Room, code_scope};

role_set!(
    /// Who reads a community's self-government: the district, assessors, towns and the
    /// community's staff (each within scope). Departments see only the joint meetings.
    pub SelfgovReaders = [DistrictAdmin, Assessor, TownOfficer, CommunityStaff]
);
/// Who reads meetings: the readers, and departments (the district's joint meetings).
pub type MeetingReaders = Officials;
/// Who writes a community's records: its own staff, and the district admin (the stores
/// check the community is the writer's own).
pub type SelfgovWriters = AdminAndStaff;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/selfgov", overview_page)
        .post("/selfgov", post_rule)
        .post("/selfgov/joint", post_joint)
        .get("/selfgov/orgs", orgs_page)
        .post("/selfgov/orgs", post_new_org)
        .get("/selfgov/orgs.xlsx", orgs_xlsx)
        .get("/selfgov/orgs/{id}", org_page)
        .post("/selfgov/orgs/{id}", post_org)
        .post("/selfgov/orgs/{id}/review", post_review)
        .get("/selfgov/meetings/{id}", meeting_page)
        .post("/selfgov/meetings/{id}/{action}", post_meeting_action)
        .post("/selfgov/tasks/{id}/done", post_task_done)
        .post("/selfgov/notices/{id}/withdraw", post_withdraw)
        .get("/selfgov/proposals/{id}", proposal_page)
        .post("/selfgov/proposals/{id}", post_proposal_step)
        .get("/selfgov/rooms/{id}", room_page)
        .post("/selfgov/rooms/{id}", post_room)
        .post("/selfgov/rooms/{id}/book", post_book)
        .post("/selfgov/bookings/{id}/cancel", post_cancel_booking)
        .post("/selfgov/activities/{id}", post_activity)
        .post("/selfgov/records/{id}/verify", post_verify)
        .post("/selfgov/representatives/{id}", post_representative)
        .get("/selfgov/c/{code}", community_page)
        .post("/selfgov/c/{code}/tags", post_tags)
        .post("/selfgov/c/{code}/{form}", post_community_form)
        .get("/selfgov/c/{code}/volunteers", volunteers_page)
        .get("/api/v1/selfgov/meetings", api_meetings)
        .get("/api/v1/selfgov/activities", api_activities)
        .get("/api/v1/selfgov/proposals/stats", api_proposal_stats)
        .get("/api/v1/selfgov/organisations", api_organisations)
        .get("/api/v1/selfgov/rooms/{id}/bookings", api_bookings)
}

/// A form's values as sent, for showing it again (a repeated field's values joined by commas).
fn values(pairs: &[(String, String)]) -> Vec<(&str, String)> {
    let mut out: Vec<(&str, String)> = vec![];
    for (k, v) in pairs {
        match out.iter_mut().find(|(n, _)| *n == k.as_str()) {
            Some((_, joined)) => {
                joined.push(',');
                joined.push_str(v);
            }
            None => out.push((k.as_str(), v.clone())),
        }
    }
    out
}

/// After a form's POST: on success go to the address given; on field errors show the page
/// again (`show`) with the form as sent and its errors; any other error goes to the error page.
async fn redirect_or_show<Fut>(
    result: Result<String>,
    form: &'static str,
    ctx: &Ctx,
    pairs: &[(String, String)],
    show: impl FnOnce(FormState) -> Fut,
) -> Result<Response>
where
    Fut: std::future::Future<Output = Result<Response>>,
{
    match result {
        Ok(to) => Ok(crate::platform::http::redirect(&to)),
        Err(AppError::Invalid(errs)) => {
            show(FormState::from_error(form, &ctx.tr, &errs, values(pairs))).await
        }
        Err(e) => Err(e),
    }
}

/// Pairs as a struct through serde (forms' structs all default their fields).
fn parse<T: for<'de> Deserialize<'de> + Default>(pairs: &[(String, String)]) -> T {
    let single: Vec<(String, String)> = {
        let mut seen = std::collections::HashSet::new();
        pairs
            .iter()
            .filter(|(k, _)| seen.insert(k.clone()))
            .cloned()
            .collect()
    };
    serde_urlencoded::to_string(&single)
        .ok()
        .and_then(|s| serde_urlencoded::from_str(&s).ok())
        .unwrap_or_default()
}

fn ids_of(pairs: &[(String, String)], k: &str) -> Vec<i64> {
    pairs
        .iter()
        .filter(|(n, _)| n == k)
        .filter_map(|(_, v)| v.parse().ok())
        .collect()
}

// ------------------------------------------------------------------ overview

#[derive(Deserialize, Default)]
#[serde(default)]
struct OverviewQuery {
    year: Option<i32>,
    tag: Option<String>,
}

#[derive(Template)]
#[template(path = "selfgov/overview.html")]
struct OverviewPage {
    chrome: Chrome,
    year: i32,
    tag: String,
    tagged: Vec<(String, String, Vec<String>)>,
    stats: Vec<ProposalStats>,
    hours: Vec<civic::HoursRow>,
    org_hours: Vec<civic::HoursRow>,
    registered: i64,
    filed: i64,
    /// (kind, days, enforcement)
    rules: Vec<(&'static str, u32, &'static str)>,
    is_admin: bool,
    form: FormState,
    upcoming: Vec<Meeting>,
    /// verified volunteer hours, the 15 communities with most
    hours_chart: String,
}

async fn overview(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    q: &OverviewQuery,
    form: FormState,
) -> Result<Response> {
    let year = q
        .year
        .filter(|y| (2000..=2200).contains(y))
        .unwrap_or(s.db.clock().today().year());
    let upcoming = civic::meetings(
        &s.db,
        code_scope(&u.scope, &s.district, "m.community_code"),
        Some(s.db.clock().now()),
        30,
    )
    .await?;
    let reads = SelfgovReaders::ROLES.contains(&u.role);
    let tag = q.tag.clone().unwrap_or_default();
    let (tagged, stats, hours, org_hours, orgs) = if reads {
        (
            tagged_communities(s, u, &tag).await?,
            civic::proposal_stats(
                &s.db,
                code_scope(&u.scope, &s.district, "p.community_code"),
                year,
            )
            .await?,
            civic::hours_by_community(&s.db, &s.district, &u.scope).await?,
            civic::hours_by_organisation(&s.db, &s.district, &u.scope).await?,
            civic::standing_counts(&s.db, &s.district, &u.scope).await?,
        )
    } else {
        Default::default()
    };
    let rules = civic::notice_rules(&s.db)
        .await?
        .into_iter()
        .map(|(k, r)| (k.key(), r.days, r.enforcement.key()))
        .collect();
    let bars: Vec<crate::platform::charts::Bar> = hours
        .iter()
        .filter(|h| h.verified_tenths > 0)
        .take(15)
        .map(|h| crate::platform::charts::Bar {
            label: h.name.clone(),
            value: h.verified_tenths / 10,
            href: Some(format!("/selfgov/c/{}/volunteers", h.code)),
        })
        .collect();
    let hours_chart =
        crate::platform::charts::bar_chart(ctx.tr.t("selfgov.volunteers.chart"), &bars);
    let page = OverviewPage {
        hours_chart,
        chrome: Chrome::build(ctx, "/selfgov"),
        year,
        tag,
        tagged,
        stats,
        hours,
        org_hours: org_hours.into_iter().take(20).collect(),
        registered: orgs.0,
        filed: orgs.1,
        rules,
        is_admin: u.is_admin(),
        form,
        upcoming,
    };
    render_form(&page, &page.form)
}

impl OverviewPage {
    fn joint_fields(&self) -> Vec<F> {
        Fields::new(&self.form, "joint", self.chrome.tr)
            .text("title", "")
            .req()
            .date("date", "")
            .req()
            .time("starts", "09:00")
            .time("ends", "11:00")
            .text("place", "")
            .req()
            .done()
    }
    fn tag_is(&self, t: &str) -> bool {
        self.tag == t
    }
}

/// Communities in scope with their titles, optionally only those with one title.
async fn tagged_communities(
    s: &AppState,
    u: &CurrentUser,
    tag: &str,
) -> Result<Vec<(String, String, Vec<String>)>> {
    #[derive(sea_orm::FromQueryResult)]
    struct T {
        code: String,
        name: String,
        tag: String,
    }
    let (c, mut v) = code_scope(&u.scope, &s.district, "t.community_code");
    let filter = if store::TAGS.contains(&tag) {
        v.push(tag.into());
        "AND t.community_code IN (SELECT community_code FROM community_tags WHERE tag = ?)"
    } else {
        ""
    };
    let rows: Vec<T> = crate::platform::db::all(
        &s.db.conn,
        &format!(
            "SELECT t.community_code AS code, d.name, t.tag FROM community_tags t \
             JOIN divisions d ON d.code = t.community_code WHERE {c} {filter} \
             ORDER BY t.community_code, t.tag"
        ),
        v,
    )
    .await?;
    let mut out: Vec<(String, String, Vec<String>)> = vec![];
    for r in rows {
        match out.last_mut() {
            Some(l) if l.0 == r.code => l.2.push(r.tag),
            _ => out.push((r.code, r.name, vec![r.tag])),
        }
    }
    Ok(out)
}

async fn overview_page(
    u: Require<MeetingReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OverviewQuery>,
) -> Result<Response> {
    if let Scope::Community(c) = &u.scope {
        return Ok(crate::platform::http::redirect(&format!(
            "/selfgov/c/{}",
            c.as_str()
        )));
    }
    overview(&s, &ctx, &u, &q, FormState::default()).await
}

/// A joint meeting of the departments and the guidance committee (the district's).
async fn post_joint(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let mut input: civic::MeetingInput = parse(&pairs);
    input.kind = MeetingKind::JointMeeting.key().to_string();
    input.room_id = String::new();
    let result = civic::create_meeting(&s.db, &s.district, &u, s.district.as_str(), &input)
        .await
        .map(|id| format!("/selfgov/meetings/{id}"));
    let q = OverviewQuery::default();
    redirect_or_show(result, "joint", &ctx, &pairs, |f| {
        overview(&s, &ctx, &u, &q, f)
    })
    .await
}

async fn post_rule(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let result = civic::set_notice_rule(
        &s.db,
        &u,
        &field(&pairs, "kind"),
        &field(&pairs, "days"),
        &field(&pairs, "enforcement"),
    )
    .await
    .map(|_| "/selfgov#rules".to_string());
    let q = OverviewQuery::default();
    redirect_or_show(result, "rule", &ctx, &pairs, |f| {
        overview(&s, &ctx, &u, &q, f)
    })
    .await
}

// ------------------------------------------------------------------ community

#[derive(Template)]
#[template(path = "selfgov/community.html")]
struct CommunityPage {
    chrome: Chrome,
    code: String,
    name: String,
    tags: Vec<String>,
    all_tags: [&'static str; 4],
    meetings: Vec<Meeting>,
    proposals: Vec<Proposal>,
    notices: Vec<NoticeRow>,
    rooms: Vec<Room>,
    activities: Vec<Activity>,
    representatives: Vec<Representative>,
    orgs: Vec<Organisation>,
    can_write: bool,
    is_admin: bool,
    form: FormState,
}

impl CommunityPage {
    fn v(&self, form: &str, f: &str) -> String {
        self.form.value(form, f)
    }
    fn e(&self, form: &str, f: &str) -> String {
        self.form.error(form, f)
    }
    fn has_tag(&self, t: &str) -> bool {
        self.tags.iter().any(|x| x == t)
    }
    fn kinds(&self) -> Vec<&'static str> {
        MeetingKind::ALL
            .iter()
            .filter(|k| **k != MeetingKind::JointMeeting)
            .map(|k| k.key())
            .collect()
    }
}

async fn community(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    code: &str,
    form: FormState,
) -> Result<Response> {
    let (code, name) = store::seen_community(&s.db, &s.district, u, code).await?;
    let one = |col: &str| (format!("{col} = ?"), crate::vals![code.clone()]);
    let from = day_start_utc(s.db.clock().today() - Duration::days(30));
    let page = CommunityPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        tags: store::tags_of(&s.db, &code).await?,
        all_tags: store::TAGS,
        meetings: civic::meetings(&s.db, one("m.community_code"), None, 50).await?,
        proposals: civic::proposals(&s.db, one("p.community_code"), None, 50).await?,
        notices: civic::notices(&s.db, &code, None, false, 50).await?,
        rooms: store::rooms(&s.db, &code, false).await?,
        activities: store::activities(
            &s.db,
            one("a.community_code"),
            from,
            from + Duration::days(150),
            None,
            60,
        )
        .await?,
        representatives: civic::representatives(&s.db, &code).await?,
        orgs: civic::organisations(
            &s.db,
            &s.district,
            &u.scope,
            &civic::OrgQuery {
                community: Some(code.clone()),
                ..Default::default()
            },
        )
        .await?,
        can_write: store::check_writer(u, &code).is_ok(),
        is_admin: u.is_admin(),
        form,
        code,
        name,
    };
    render_form(&page, &page.form)
}

async fn community_page(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Result<Response> {
    community(&s, &ctx, &u, &code, FormState::default()).await
}

async fn post_community_form(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((code, form)): Path<(String, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let (code, _) = store::seen_community(&s.db, &s.district, &u, &code).await?;
    let (db, d) = (&s.db, &s.district);
    let (name, result): (&'static str, Result<String>) = match form.as_str() {
        "meeting" => (
            "meeting",
            civic::create_meeting(db, d, &u, &code, &parse(&pairs))
                .await
                .map(|id| format!("/selfgov/meetings/{id}")),
        ),
        "proposal" => (
            "proposal",
            civic::create_proposal(db, d, &u, &code, &parse(&pairs))
                .await
                .map(|id| format!("/selfgov/proposals/{id}")),
        ),
        "notice" => (
            "notice",
            civic::post_notice(db, d, &u, &code, &parse(&pairs))
                .await
                .map(|_| format!("/selfgov/c/{code}#notices")),
        ),
        "room" => (
            "room",
            store::save_room(db, d, &u, &code, None, &parse(&pairs))
                .await
                .map(|id| format!("/selfgov/rooms/{id}")),
        ),
        "rooms_from_checklist" => (
            "room",
            store::rooms_from_checklist(db, d, &u, &code)
                .await
                .map(|_| format!("/selfgov/c/{code}#rooms")),
        ),
        "activity" => (
            "activity",
            store::create_activity(db, d, &u, &code, &parse(&pairs))
                .await
                .map(|_| format!("/selfgov/c/{code}#activities")),
        ),
        "representatives" => (
            "representatives",
            civic::add_representatives(db, d, &u, &code, &field(&pairs, "names"))
                .await
                .map(|_| format!("/selfgov/c/{code}#representatives")),
        ),
        "volunteer" => {
            let r = civic::add_volunteer(db, d, &u, &code, &parse(&pairs)).await;
            return volunteers_result(&s, &ctx, &u, &code, "volunteer", r, &pairs).await;
        }
        "record" => {
            let r = civic::add_record(db, d, &u, &code, &parse(&pairs)).await;
            return volunteers_result(&s, &ctx, &u, &code, "record", r, &pairs).await;
        }
        _ => return Err(AppError::NotFound),
    };
    redirect_or_show(result, name, &ctx, &pairs, |f| {
        community(&s, &ctx, &u, &code, f)
    })
    .await
}

/// The district awards characteristic-community titles.
async fn post_tags(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let (code, _) = store::seen_community(&s.db, &s.district, &u, &code).await?;
    let tags: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "tags")
        .map(|(_, v)| v.clone())
        .collect();
    let result = store::set_tags(&s.db, &s.district, &u, &code, &tags, s.db.clock().today())
        .await
        .map(|_| format!("/selfgov/c/{code}"));
    redirect_or_show(result, "tags", &ctx, &pairs, |f| {
        community(&s, &ctx, &u, &code, f)
    })
    .await
}

// ------------------------------------------------------------------ meeting

#[derive(Template)]
#[template(path = "selfgov/meeting.html")]
struct MeetingPage {
    chrome: Chrome,
    m: Meeting,
    topics: Vec<Topic>,
    representatives: Vec<Representative>,
    present: Vec<i64>,
    resolutions: Vec<Resolution>,
    tasks: Vec<Task>,
    proposals: Vec<Proposal>,
    rule: NoticeRule,
    publish_by: NaiveDate,
    can_write: bool,
    form: FormState,
    late: Option<i64>,
}

impl MeetingPage {
    fn v(&self, form: &str, f: &str) -> String {
        self.form.value(form, f)
    }
    fn e(&self, form: &str, f: &str) -> String {
        self.form.error(form, f)
    }
    fn was_present(&self, id: impl std::borrow::Borrow<i64>) -> bool {
        self.present.contains(id.borrow())
    }
    fn has_quorum(&self) -> bool {
        self.m.kind().has_quorum()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct LateFlag {
    late: Option<i64>,
}

async fn meeting_view(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    form: FormState,
    late: Option<i64>,
) -> Result<Response> {
    let m = civic::meeting(&s.db, &s.district, &u.scope, id).await?;
    let rule = civic::notice_rule(&s.db, m.kind()).await?;
    let can_write = if m.community_code == s.district.as_str() {
        u.is_admin()
    } else {
        store::check_writer(u, &m.community_code).is_ok()
    };
    let reps = if m.kind().has_quorum() {
        civic::representatives(&s.db, &m.community_code).await?
    } else {
        vec![]
    };
    let page = MeetingPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        topics: civic::topics(&s.db, &m).await?,
        present: civic::attendance(&s.db, &m).await?,
        resolutions: civic::resolutions(&s.db, &m).await?,
        tasks: civic::tasks(&s.db, &m).await?,
        proposals: civic::proposals(
            &s.db,
            (
                "p.community_code = ?".into(),
                crate::vals![m.community_code.clone()],
            ),
            None,
            200,
        )
        .await?
        .into_iter()
        .filter(|p| !p.status().answered() || p.meeting_id == Some(id))
        .collect(),
        publish_by: crate::selfgov::rules::publish_by(
            rule,
            crate::platform::time::to_local(m.starts_at).date(),
        ),
        rule,
        representatives: reps,
        can_write,
        form,
        late,
        m,
    };
    render_form(&page, &page.form)
}

async fn meeting_page(
    u: Require<MeetingReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(f): Query<LateFlag>,
) -> Result<Response> {
    meeting_view(&s, &ctx, &u, id, FormState::default(), f.late).await
}

async fn post_meeting_action(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let (db, d) = (&s.db, &s.district);
    let back = format!("/selfgov/meetings/{id}");
    let (name, result): (&'static str, Result<String>) = match action.as_str() {
        "topic" => (
            "topic",
            civic::publish_topic(
                db,
                d,
                &u,
                id,
                &field(&pairs, "title"),
                &field(&pairs, "body"),
                &field(&pairs, "proposal_id"),
            )
            .await
            .map(|(_, n)| match n {
                crate::selfgov::rules::Notice::Late { short } => {
                    format!("{back}?late={short}#topics")
                }
                crate::selfgov::rules::Notice::InTime => format!("{back}#topics"),
            }),
        ),
        "attendance" => (
            "attendance",
            civic::record_attendance(
                db,
                d,
                &u,
                id,
                &ids_of(&pairs, "present"),
                &field(&pairs, "head_count"),
                &field(&pairs, "names"),
                &field(&pairs, "revision"),
            )
            .await
            .map(|_| format!("{back}#attendance")),
        ),
        "resolution" => (
            "resolution",
            civic::record_resolution(db, d, &u, id, &parse(&pairs))
                .await
                .map(|_| format!("{back}#resolutions")),
        ),
        "task" => (
            "task",
            civic::add_task(db, d, &u, id, &parse(&pairs))
                .await
                .map(|_| format!("{back}#tasks")),
        ),
        "cancel" => (
            "cancel",
            civic::cancel_meeting(db, d, &u, id, &field(&pairs, "reason"))
                .await
                .map(|_| back.clone()),
        ),
        "minutes" => (
            "minutes",
            civic::save_minutes(
                db,
                d,
                &u,
                id,
                &field(&pairs, "minutes"),
                &field(&pairs, "revision"),
            )
            .await
            .map(|_| format!("{back}#minutes")),
        ),
        _ => return Err(AppError::NotFound),
    };
    redirect_or_show(result, name, &ctx, &pairs, |f| {
        meeting_view(&s, &ctx, &u, id, f, None)
    })
    .await
}

async fn post_withdraw(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let code = civic::withdraw_notice(&s.db, &s.district, &u, id).await?;
    Ok(crate::platform::http::redirect(&format!(
        "/selfgov/c/{code}#notices"
    )))
}

async fn post_task_done(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let m = civic::finish_task(&s.db, &s.district, &u, id).await?;
    Ok(crate::platform::http::redirect(&format!(
        "/selfgov/meetings/{m}#tasks"
    )))
}

// ------------------------------------------------------------------ proposal

#[derive(Template)]
#[template(path = "selfgov/proposal.html")]
struct ProposalPage {
    chrome: Chrome,
    p: Proposal,
    meetings: Vec<Meeting>,
    can_write: bool,
    form: FormState,
}

async fn proposal_view(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    form: FormState,
) -> Result<Response> {
    let p = civic::proposal(&s.db, &s.district, &u.scope, id).await?;
    let page = ProposalPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        meetings: civic::meetings(
            &s.db,
            (
                "m.community_code = ?".into(),
                crate::vals![p.community_code.clone()],
            ),
            None,
            50,
        )
        .await?,
        can_write: store::check_writer(u, &p.community_code).is_ok(),
        p,
        form,
    };
    render_form(&page, &page.form)
}

async fn proposal_page(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    proposal_view(&s, &ctx, &u, id, FormState::default()).await
}

async fn post_proposal_step(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let result = civic::step_proposal(&s.db, &s.district, &u, id, &parse(&pairs))
        .await
        .map(|_| format!("/selfgov/proposals/{id}"));
    redirect_or_show(result, "step", &ctx, &pairs, |f| {
        proposal_view(&s, &ctx, &u, id, f)
    })
    .await
}

// ------------------------------------------------------------------ rooms

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
        Ok(store::monday(day))
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
    let room = store::room(&s.db, &s.district, &u.scope, id).await?;
    let (_, community_name) =
        store::seen_community(&s.db, &s.district, u, &room.community_code).await?;
    let bookings = store::room_bookings(&s.db, &room, week, week + Duration::days(7), true).await?;
    let page = RoomPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        community_name,
        week,
        days: by_day(week, bookings),
        orgs: civic::organisations(
            &s.db,
            &s.district,
            &u.scope,
            &civic::OrgQuery {
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
    let room = store::room(&s.db, &s.district, &u.scope, id).await?;
    let result = store::save_room(
        &s.db,
        &s.district,
        &u,
        &room.community_code,
        Some(id),
        &parse(&pairs),
    )
    .await
    .map(|_| format!("/selfgov/rooms/{id}"));
    redirect_or_show(result, "room", &ctx, &pairs, |f| {
        room_view(&s, &ctx, &u, id, store::monday(s.db.clock().today()), f)
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
    let input: store::BookingInput = parse(&pairs);
    let day = parse_date(&input.date).unwrap_or_else(|| s.db.clock().today());
    let result = store::book(&s.db, &s.district, &u, id, &input)
        .await
        .map(|_| format!("/selfgov/rooms/{id}?week={day}#week"));
    let week = store::monday(day);
    redirect_or_show(result, "book", &ctx, &pairs, |f| {
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
    let b = store::booking(&s.db, &s.district, &u.scope, id).await?;
    let reason = field(&pairs, "reason");
    store::cancel_booking(
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
    let a = store::activity(&s.db, &s.district, &u.scope, id).await?;
    store::update_activity(
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

async fn post_representative(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let code = civic::set_representative_active(
        &s.db,
        &s.district,
        &u,
        id,
        field(&pairs, "active") == "1",
    )
    .await?;
    Ok(crate::platform::http::redirect(&format!(
        "/selfgov/c/{code}#representatives"
    )))
}

// ------------------------------------------------------------------ volunteers

#[derive(Template)]
#[template(path = "selfgov/volunteers.html")]
struct VolunteersPage {
    chrome: Chrome,
    code: String,
    name: String,
    volunteers: Vec<Volunteer>,
    records: Vec<ServiceRecord>,
    orgs: Vec<Organisation>,
    party_only: bool,
    can_write: bool,
    can_verify: bool,
    form: FormState,
}

impl VolunteersPage {
    fn total_hours(&self) -> String {
        civic::tenths(self.volunteers.iter().map(|v| v.verified_tenths).sum())
    }
    fn total_points(&self) -> i64 {
        self.volunteers.iter().map(|v| v.points()).sum()
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PartyQuery {
    party: Option<String>,
}

async fn volunteers_view(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    code: &str,
    party_only: bool,
    form: FormState,
) -> Result<Response> {
    let (code, name) = store::seen_community(&s.db, &s.district, u, code).await?;
    let mut records = civic::records(&s.db, &code, 200).await?;
    if party_only {
        records.retain(|r| r.party_member);
    }
    let page = VolunteersPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        volunteers: civic::volunteers(&s.db, &code, party_only).await?,
        records,
        orgs: civic::organisations(
            &s.db,
            &s.district,
            &u.scope,
            &civic::OrgQuery {
                community: Some(code.clone()),
                ..Default::default()
            },
        )
        .await?,
        party_only,
        can_write: store::check_writer(u, &code).is_ok(),
        can_verify: u.role == Role::CommunityStaff && store::check_writer(u, &code).is_ok(),
        form,
        code,
        name,
    };
    render_form(&page, &page.form)
}

async fn volunteers_page(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    Query(q): Query<PartyQuery>,
) -> Result<Response> {
    volunteers_view(&s, &ctx, &u, &code, q.party.is_some(), FormState::default()).await
}

async fn volunteers_result(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    code: &str,
    name: &'static str,
    r: Result<i64>,
    pairs: &[(String, String)],
) -> Result<Response> {
    let result = r.map(|_| format!("/selfgov/c/{code}/volunteers#{name}s"));
    redirect_or_show(result, name, ctx, pairs, |f| {
        volunteers_view(s, ctx, u, code, false, f)
    })
    .await
}

async fn post_verify(
    u: Require<Staff>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let code = civic::verify_record(&s.db, &s.district, &u, id).await?;
    Ok(crate::platform::http::redirect(&format!(
        "/selfgov/c/{code}/volunteers#records"
    )))
}

// ------------------------------------------------------------------ organisations

#[derive(Template)]
#[template(path = "selfgov/orgs.html")]
struct OrgsPage {
    chrome: Chrome,
    orgs: Vec<Organisation>,
    q: civic::OrgQuery,
    kinds: [&'static str; 7],
    registered: usize,
    filed: usize,
    fixed_community: Option<String>,
    can_create: bool,
    form: FormState,
}

impl OrgsPage {
    fn q_is(&self, which: &str, v: &str) -> bool {
        let x = match which {
            "kind" => &self.q.kind,
            "standing" => &self.q.standing,
            _ => &self.q.status,
        };
        x.as_deref() == Some(v)
    }
    fn query(&self) -> String {
        crate::platform::http::pagination::query_without_page(&[
            ("community", self.q.community.as_deref().unwrap_or("")),
            ("kind", self.q.kind.as_deref().unwrap_or("")),
            ("standing", self.q.standing.as_deref().unwrap_or("")),
            ("status", self.q.status.as_deref().unwrap_or("")),
        ])
    }
}

async fn orgs_view(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    q: civic::OrgQuery,
    form: FormState,
) -> Result<Response> {
    let orgs = civic::organisations(&s.db, &s.district, &u.scope, &q).await?;
    let page = OrgsPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        registered: orgs.iter().filter(|o| o.standing == "registered").count(),
        filed: orgs.iter().filter(|o| o.standing == "filed").count(),
        orgs,
        q,
        kinds: civic::ORG_KINDS,
        fixed_community: match &u.scope {
            Scope::Community(c) => Some(c.as_str().to_string()),
            _ => None,
        },
        can_create: u.is_admin() || u.role == Role::CommunityStaff,
        form,
    };
    render_form(&page, &page.form)
}

async fn orgs_page(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<civic::OrgQuery>,
) -> Result<Response> {
    orgs_view(&s, &ctx, &u, q, FormState::default()).await
}

async fn post_new_org(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let result = civic::save_org(&s.db, &s.district, &u, None, &parse(&pairs))
        .await
        .map(|id| format!("/selfgov/orgs/{id}"));
    redirect_or_show(result, "org", &ctx, &pairs, |f| {
        orgs_view(&s, &ctx, &u, Default::default(), f)
    })
    .await
}

#[derive(Template)]
#[template(path = "selfgov/org.html")]
struct OrgPage {
    chrome: Chrome,
    o: Organisation,
    can_write: bool,
    form: FormState,
    this_year: i32,
}

impl OrgPage {
    fn v(&self, form: &str, f: &str) -> String {
        if self.form.form == form {
            return self.form.value(form, f);
        }
        let o = &self.o;
        match (form, f) {
            ("org", "name") => o.name.clone(),
            ("org", "kind") => o.kind.clone(),
            ("org", "standing") => o.standing.clone(),
            ("org", "credit_code") => o.credit_code.clone().unwrap_or_default(),
            ("org", "certificate_no") => o.certificate_no.clone().unwrap_or_default(),
            ("org", "founded_on") => o.founded_on.to_string(),
            ("org", "leader") => o.leader.clone(),
            ("org", "members") => o.members.to_string(),
            ("org", "status") => o.status.clone(),
            ("review", "year") => (self.this_year - 1).to_string(),
            _ => String::new(),
        }
    }
}

async fn org_view(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    form: FormState,
) -> Result<Response> {
    let o = civic::organisation(&s.db, &s.district, &u.scope, id).await?;
    let page = OrgPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        can_write: store::check_writer(u, &o.community_code).is_ok(),
        o,
        form,
        this_year: s.db.clock().today().year(),
    };
    render_form(&page, &page.form)
}

async fn org_page(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    org_view(&s, &ctx, &u, id, FormState::default()).await
}

async fn post_org(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let o = civic::organisation(&s.db, &s.district, &u.scope, id).await?;
    let mut input: civic::OrgInput = parse(&pairs);
    input.community = o.community_code.clone();
    let result = civic::save_org(&s.db, &s.district, &u, Some(id), &input)
        .await
        .map(|_| format!("/selfgov/orgs/{id}"));
    redirect_or_show(result, "org", &ctx, &pairs, |f| {
        org_view(&s, &ctx, &u, id, f)
    })
    .await
}

async fn post_review(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let result = civic::review_org(
        &s.db,
        &s.district,
        &u,
        id,
        &field(&pairs, "year"),
        &field(&pairs, "result"),
        &field(&pairs, "note"),
    )
    .await
    .map(|_| format!("/selfgov/orgs/{id}"));
    redirect_or_show(result, "review", &ctx, &pairs, |f| {
        org_view(&s, &ctx, &u, id, f)
    })
    .await
}

/// The register of civil organisations as a spreadsheet, as filtered.
async fn orgs_xlsx(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<civic::OrgQuery>,
) -> Result<Response> {
    let orgs = civic::organisations(&s.db, &s.district, &u.scope, &q).await?;
    let tr = &ctx.tr;
    let h = |k: &str| tr.t(&format!("selfgov.org.{k}")).to_string();
    let headers = [
        h("community"),
        h("name"),
        h("kind"),
        h("standing"),
        h("credit_code"),
        h("certificate_no"),
        h("founded_on"),
        h("leader"),
        h("members"),
        h("status"),
        h("last_review"),
        h("volunteers"),
    ];
    use crate::platform::sheet::{self, Cell};
    let t = |k: String| Cell::text(tr.t(&k).to_string());
    let rows: Vec<Vec<Cell>> = orgs
        .iter()
        .map(|o| {
            vec![
                Cell::text(o.community_name.clone()),
                Cell::text(o.name.clone()),
                t(format!("selfgov.org_kind.{}", o.kind)),
                t(format!("selfgov.standing.{}", o.standing)),
                Cell::text(o.credit_code.clone().unwrap_or_default()),
                Cell::text(o.certificate_no.clone().unwrap_or_default()),
                Cell::Date(o.founded_on),
                Cell::text(o.leader.clone()),
                Cell::Int(o.members),
                t(format!("selfgov.org_status.{}", o.status)),
                Cell::text(match (&o.last_review_year, &o.last_review) {
                    (Some(y), Some(r)) => format!("{y} {}", tr.t(&format!("selfgov.review.{r}"))),
                    _ => String::new(),
                }),
                Cell::Int(o.volunteers),
            ]
        })
        .collect();
    let bytes = sheet::xlsx(
        &h("register"),
        &headers,
        &rows,
        &[
            14.0, 28.0, 14.0, 8.0, 22.0, 16.0, 12.0, 10.0, 8.0, 8.0, 12.0, 8.0,
        ],
        2,
    )?;
    Ok(sheet::xlsx_response(bytes, "organisations.xlsx"))
}

// ------------------------------------------------------------------ API

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct MeetingQuery {
    /// One community (default: every one in scope).
    pub community: Option<String>,
    /// Only meetings from now on.
    pub upcoming: Option<bool>,
}

/// Meetings in the caller's scope, newest first (upcoming: soonest first).
#[utoipa::path(get, path = "/api/v1/selfgov/meetings", tag = "selfgov", params(MeetingQuery),
    responses((status = 200, body = [Meeting])))]
pub async fn api_meetings(
    u: Require<MeetingReaders>,
    State(s): State<AppState>,
    Query(q): Query<MeetingQuery>,
) -> Result<Json<Vec<Meeting>>> {
    let (mut c, mut v) = code_scope(&u.scope, &s.district, "m.community_code");
    if let Some(x) = q.community.filter(|x| !x.is_empty()) {
        c.push_str(" AND m.community_code = ?");
        v.push(x.into());
    }
    let from = q.upcoming.unwrap_or(false).then(|| s.db.clock().now());
    Ok(Json(civic::meetings(&s.db, (c, v), from, 500).await?))
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
    if kind.is_some_and(|k| !store::ACTIVITY_KINDS.contains(&k)) {
        return Err(AppError::invalid("kind", "selfgov.bad_choice"));
    }
    let (mut c, mut v) = code_scope(&u.scope, &s.district, "a.community_code");
    if let Some(x) = q.community.filter(|x| !x.is_empty()) {
        c.push_str(" AND a.community_code = ?");
        v.push(x.into());
    }
    Ok(Json(
        store::activities(
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

#[derive(Deserialize, Default, utoipa::IntoParams)]
#[serde(default)]
pub struct StatsQuery {
    /// Year of receipt (default: this year).
    pub year: Option<i32>,
}

/// Proposals per community: counts by outcome and response times (receipt to answer).
#[utoipa::path(get, path = "/api/v1/selfgov/proposals/stats", tag = "selfgov", params(StatsQuery),
    responses((status = 200, body = [ProposalStats])))]
pub async fn api_proposal_stats(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    Query(q): Query<StatsQuery>,
) -> Result<Json<Vec<ProposalStats>>> {
    let year = q
        .year
        .filter(|y| (2000..=2200).contains(y))
        .unwrap_or(s.db.clock().today().year());
    Ok(Json(
        civic::proposal_stats(
            &s.db,
            code_scope(&u.scope, &s.district, "p.community_code"),
            year,
        )
        .await?,
    ))
}

/// Civil organisations in the caller's scope.
#[utoipa::path(get, path = "/api/v1/selfgov/organisations", tag = "selfgov",
    params(civic::OrgQuery), responses((status = 200, body = [Organisation])))]
pub async fn api_organisations(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    Query(q): Query<civic::OrgQuery>,
) -> Result<Json<Vec<Organisation>>> {
    Ok(Json(
        civic::organisations(&s.db, &s.district, &u.scope, &q).await?,
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
    let room = store::room(&s.db, &s.district, &u.scope, id).await?;
    let week = q.monday(s.db.clock().today())?;
    let bookings = store::room_bookings(&s.db, &room, week, week + Duration::days(7), true).await?;
    Ok(Json(RoomWeek {
        room,
        week,
        bookings,
    }))
}

// ------------------------------------------------------------------ form fields

use crate::selfgov::form::{F, Fields};

fn opts(none: &str, items: impl IntoIterator<Item = (String, String)>) -> Vec<(String, String)> {
    let mut v = vec![(String::new(), none.to_string())];
    v.extend(items);
    v
}

impl CommunityPage {
    fn rooms_opts(&self) -> Vec<(String, String)> {
        opts(
            self.chrome.t("selfgov.no_room"),
            self.rooms.iter().filter(|r| r.active).map(|r| {
                (
                    r.id.to_string(),
                    format!("{} ({}–{})", r.name, r.opens, r.closes),
                )
            }),
        )
    }
    fn meeting_fields(&self) -> Vec<F> {
        let kinds = self.kinds();
        Fields::new(&self.form, "meeting", self.chrome.tr)
            .keys("kind", "villager_forum", "selfgov.meeting_kind", &kinds)
            .text("title", "")
            .req()
            .date("date", "")
            .req()
            .time("starts", "19:00")
            .time("ends", "21:00")
            .select("room_id", "", self.rooms_opts())
            .text("place", "")
            .done()
    }
    fn proposal_fields(&self) -> Vec<F> {
        let reps = opts(
            self.chrome.t("selfgov.none_chosen"),
            self.representatives
                .iter()
                .filter(|r| r.active)
                .map(|r| (r.id.to_string(), r.name.clone())),
        );
        Fields::new(&self.form, "proposal", self.chrome.tr)
            .keys(
                "source",
                "resident",
                "selfgov.source",
                &["resident", "representative", "topic"],
            )
            .text("author", "")
            .req()
            .select("representative_id", "", reps)
            .text("title", "")
            .req()
            .textarea("body", "")
            .date("received_on", &self.chrome.today.to_string())
            .done()
    }
    fn notice_fields(&self) -> Vec<F> {
        Fields::new(&self.form, "notice", self.chrome.tr)
            .keys("board", "openness", "selfgov.board", &civic::BOARDS)
            .keys(
                "category",
                "affairs",
                "selfgov.notice_category",
                &civic::NOTICE_CATEGORIES,
            )
            .text("title", "")
            .req()
            .textarea("body", "")
            .req()
            .date("publish_on", &self.chrome.today.to_string())
            .date("expire_on", "")
            .done()
    }
    fn room_fields(&self) -> Vec<F> {
        room_fields(&self.form, self.chrome.tr, None)
    }
    fn activity_fields(&self) -> Vec<F> {
        let orgs = opts(
            self.chrome.t("selfgov.none_chosen"),
            self.orgs.iter().map(|o| (o.id.to_string(), o.name.clone())),
        );
        Fields::new(&self.form, "activity", self.chrome.tr)
            .keys(
                "kind",
                "performance",
                "selfgov.activity_kind",
                &store::ACTIVITY_KINDS,
            )
            .text("title", "")
            .req()
            .textarea("description", "")
            .date("date", "")
            .req()
            .time("starts", "19:00")
            .time("ends", "21:00")
            .select("room_id", "", self.rooms_opts())
            .text("place", "")
            .text("organiser", "")
            .req()
            .select("organisation_id", "", orgs)
            .number("participants", "")
            .done()
    }
}

fn room_fields(form: &FormState, tr: crate::platform::i18n::Tr, r: Option<&Room>) -> Vec<F> {
    let d = |f: fn(&Room) -> String, dflt: &str| r.map(f).unwrap_or_else(|| dflt.to_string());
    Fields::new(form, "room", tr)
        .text("name", &d(|r| r.name.clone(), ""))
        .req()
        .keys(
            "kind",
            &d(|r| r.kind.clone(), "room"),
            "selfgov.room_kind",
            &store::ROOM_KINDS,
        )
        .number("capacity", &d(|r| r.capacity.to_string(), "30"))
        .time("opens", &d(|r| r.opens.clone(), "08:30"))
        .time("closes", &d(|r| r.closes.clone(), "21:00"))
        .check("barrier_free", r.is_some_and(|r| r.barrier_free))
        .check("active", r.is_none_or(|r| r.active))
        .done()
}

impl MeetingPage {
    fn enforcement_key(&self) -> &'static str {
        self.rule.enforcement.key()
    }
    fn topic_fields(&self) -> Vec<F> {
        let props = opts(
            self.chrome.t("selfgov.none_chosen"),
            self.proposals
                .iter()
                .map(|p| (p.id.to_string(), p.title.clone())),
        );
        Fields::new(&self.form, "topic", self.chrome.tr)
            .text("title", "")
            .req()
            .textarea("body", "")
            .select("proposal_id", "", props)
            .done()
    }
    fn headcount_fields(&self) -> Vec<F> {
        Fields::new(&self.form, "attendance", self.chrome.tr)
            .number(
                "head_count",
                &self.m.present.map(|p| p.to_string()).unwrap_or_default(),
            )
            .textarea("names", &self.m.attendee_names)
            .done()
    }
    fn resolution_fields(&self) -> Vec<F> {
        let topics = opts(
            self.chrome.t("selfgov.none_chosen"),
            self.topics
                .iter()
                .map(|t| (t.id.to_string(), t.title.clone())),
        );
        Fields::new(&self.form, "resolution", self.chrome.tr)
            .select("topic_id", "", topics)
            .textarea("text", "")
            .req()
            .number("votes_for", "")
            .number("votes_against", "0")
            .number("abstentions", "0")
            .select(
                "outcome",
                "",
                vec![
                    (
                        String::new(),
                        self.chrome.t("selfgov.outcome.by_votes").to_string(),
                    ),
                    (
                        "passed".into(),
                        self.chrome.t("selfgov.outcome.passed").to_string(),
                    ),
                    (
                        "failed".into(),
                        self.chrome.t("selfgov.outcome.failed").to_string(),
                    ),
                ],
            )
            .done()
    }
    fn task_fields(&self) -> Vec<F> {
        let res = opts(
            self.chrome.t("selfgov.none_chosen"),
            self.resolutions.iter().map(|r| {
                (
                    r.id.to_string(),
                    format!("#{} {}", r.id, r.text.chars().take(30).collect::<String>()),
                )
            }),
        );
        Fields::new(&self.form, "task", self.chrome.tr)
            .text("description", "")
            .req()
            .text("owner", "")
            .req()
            .date("due_on", "")
            .req()
            .select("resolution_id", "", res)
            .done()
    }
}

impl ProposalPage {
    fn step_fields(&self) -> Vec<F> {
        let steps: Vec<&str> = self.p.next_steps();
        let meetings = opts(
            self.chrome.t("selfgov.none_chosen"),
            self.meetings
                .iter()
                .map(|m| (m.id.to_string(), format!("{} {}", m.when(), m.title))),
        );
        Fields::new(&self.form, "step", self.chrome.tr)
            .keys(
                "to",
                steps.first().copied().unwrap_or(""),
                "selfgov.proposal_status",
                &steps,
            )
            .textarea("answer", "")
            .textarea("reason", "")
            .select(
                "meeting_id",
                &self.p.meeting_id.map(|m| m.to_string()).unwrap_or_default(),
                meetings,
            )
            .done()
    }
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

impl VolunteersPage {
    fn org_opts(&self) -> Vec<(String, String)> {
        opts(
            self.chrome.t("selfgov.none_chosen"),
            self.orgs.iter().map(|o| (o.id.to_string(), o.name.clone())),
        )
    }
    fn volunteer_fields(&self) -> Vec<F> {
        Fields::new(&self.form, "volunteer", self.chrome.tr)
            .text("name", "")
            .req()
            .text("phone", "")
            .text("skills", "")
            .check("party_member", false)
            .select("organisation_id", "", self.org_opts())
            .date("joined_on", &self.chrome.today.to_string())
            .done()
    }
    fn record_fields(&self) -> Vec<F> {
        let vs = opts(
            self.chrome.t("selfgov.none_chosen"),
            self.volunteers
                .iter()
                .filter(|v| v.active)
                .map(|v| (v.id.to_string(), v.name.clone())),
        );
        Fields::new(&self.form, "record", self.chrome.tr)
            .select("volunteer_id", "", vs)
            .req()
            .date("served_on", &self.chrome.today.to_string())
            .text("description", "")
            .req()
            .text("hours", "")
            .req()
            .done()
    }
}

fn org_fields(
    form: &FormState,
    tr: crate::platform::i18n::Tr,
    with_community: bool,
    v: impl Fn(&str) -> String,
) -> Vec<F> {
    let mut f = Fields::new(form, "org", tr);
    if with_community {
        f = f.text("community", &v("community")).req();
    }
    f.text("name", &v("name"))
        .req()
        .keys("kind", &v("kind"), "selfgov.org_kind", &civic::ORG_KINDS)
        .keys(
            "standing",
            &v("standing"),
            "selfgov.standing",
            &["filed", "registered"],
        )
        .text("credit_code", &v("credit_code"))
        .text("certificate_no", &v("certificate_no"))
        .date("founded_on", &v("founded_on"))
        .req()
        .text("leader", &v("leader"))
        .req()
        .number("members", &v("members"))
        .req()
        .keys(
            "status",
            &v("status"),
            "selfgov.org_status",
            &["active", "dormant", "dissolved"],
        )
        .done()
}

impl OrgsPage {
    fn org_fields(&self) -> Vec<F> {
        org_fields(
            &self.form,
            self.chrome.tr,
            self.fixed_community.is_none(),
            |_| String::new(),
        )
    }
}

impl OrgPage {
    fn org_fields(&self) -> Vec<F> {
        org_fields(&self.form, self.chrome.tr, false, |f| self.v("org", f))
    }
    fn review_fields(&self) -> Vec<F> {
        Fields::new(&self.form, "review", self.chrome.tr)
            .number("year", &self.v("review", "year"))
            .keys(
                "result",
                "pass",
                "selfgov.review",
                &["pass", "basic", "fail"],
            )
            .textarea("note", "")
            .done()
    }
}
