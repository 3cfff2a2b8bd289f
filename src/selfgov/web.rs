//! Self-government's staff pages that span its parts: the overview of a territory and a
//! community's workspace (meetings, proposals, boards, rooms, activities, representatives,
//! titles), whose forms post here and reach each part's store; and the helpers every part's
//! pages share (a form's values, redirect-or-show). Each part's own pages are in its `web`.

use crate::selfgov::form::{F, Fields};
use crate::selfgov::rooms::web::room_fields;
use crate::selfgov::volunteers::web::volunteers_result;
use crate::selfgov::{MeetingReaders, SelfgovReaders, SelfgovWriters};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::{Datelike, Duration};
use serde::Deserialize;

use crate::platform::auth::guard::{Admin, Require, RoleSet};
use crate::platform::auth::{CurrentUser, Scope};
use crate::platform::error::{AppError, Result};
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{
    FormState, field, from_pairs, redirect_or_show, render_form, sent_values,
};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::time::day_start_utc;

use crate::selfgov::boards::store::NoticeRow;
use crate::selfgov::meetings::representatives::Representative;
use crate::selfgov::meetings::rules::MeetingKind;
use crate::selfgov::meetings::store::Meeting;
use crate::selfgov::organisations::store::Organisation;
use crate::selfgov::proposals::store::Proposal;
use crate::selfgov::proposals::store::ProposalStats;
use crate::selfgov::rooms::activities::Activity;
use crate::selfgov::rooms::store::Room;
use crate::selfgov::store::{self, code_scope};

/// Self-government's staff pages: the overview and a community's workspace here, and each
/// part's own pages (meetings, proposals, boards, rooms, volunteers, organisations).
pub fn router() -> Routes<AppState> {
    Routes::new()
        .merge(crate::selfgov::meetings::web::router())
        .merge(crate::selfgov::boards::web::router())
        .merge(crate::selfgov::proposals::web::router())
        .merge(crate::selfgov::rooms::web::router())
        .merge(crate::selfgov::volunteers::web::router())
        .merge(crate::selfgov::organisations::web::router())
        .get("/selfgov", overview_page)
        .post("/selfgov", post_rule)
        .post("/selfgov/joint", post_joint)
        .get("/selfgov/c/{code}", community_page)
        .post("/selfgov/c/{code}/tags", post_tags)
        .post("/selfgov/c/{code}/{form}", post_community_form)
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
    hours: Vec<crate::selfgov::volunteers::store::HoursRow>,
    org_hours: Vec<crate::selfgov::volunteers::store::HoursRow>,
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
    let upcoming = crate::selfgov::meetings::store::meetings(
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
            crate::selfgov::proposals::store::proposal_stats(
                &s.db,
                code_scope(&u.scope, &s.district, "p.community_code"),
                year,
            )
            .await?,
            crate::selfgov::volunteers::store::hours_by_community(&s.db, &s.district, &u.scope)
                .await?,
            crate::selfgov::volunteers::store::hours_by_organisation(&s.db, &s.district, &u.scope)
                .await?,
            crate::selfgov::organisations::store::standing_counts(&s.db, &s.district, &u.scope)
                .await?,
        )
    } else {
        Default::default()
    };
    let rules = crate::selfgov::meetings::representatives::notice_rules(&s.db)
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
    let filter = if crate::geo::store::TAGS.contains(&tag) {
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
    let mut input: crate::selfgov::meetings::store::MeetingInput = from_pairs(&pairs);
    input.kind = MeetingKind::JointMeeting.key().to_string();
    input.room_id = String::new();
    let result = crate::selfgov::meetings::store::create_meeting(
        &s.db,
        &s.district,
        &u,
        s.district.as_str(),
        &input,
    )
    .await
    .map(|id| format!("/selfgov/meetings/{id}"));
    let q = OverviewQuery::default();
    redirect_or_show(result, "joint", &ctx.tr, sent_values(&pairs), |f| {
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
    let result = crate::selfgov::meetings::representatives::set_notice_rule(
        &s.db,
        &u,
        &field(&pairs, "kind"),
        &field(&pairs, "days"),
        &field(&pairs, "enforcement"),
    )
    .await
    .map(|_| "/selfgov#rules".to_string());
    let q = OverviewQuery::default();
    redirect_or_show(result, "rule", &ctx.tr, sent_values(&pairs), |f| {
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
        tags: crate::geo::store::tags_of(&s.db, &code).await?,
        all_tags: crate::geo::store::TAGS,
        meetings: crate::selfgov::meetings::store::meetings(
            &s.db,
            one("m.community_code"),
            None,
            50,
        )
        .await?,
        proposals: crate::selfgov::proposals::store::proposals(
            &s.db,
            one("p.community_code"),
            None,
            50,
        )
        .await?,
        notices: crate::selfgov::boards::store::notices(&s.db, &code, None, false, 50).await?,
        rooms: crate::selfgov::rooms::store::rooms(&s.db, &code, false).await?,
        activities: crate::selfgov::rooms::activities::activities(
            &s.db,
            one("a.community_code"),
            from,
            from + Duration::days(150),
            None,
            60,
        )
        .await?,
        representatives: crate::selfgov::meetings::representatives::representatives(&s.db, &code)
            .await?,
        orgs: crate::selfgov::organisations::store::organisations(
            &s.db,
            &s.district,
            &u.scope,
            &crate::selfgov::organisations::store::OrgQuery {
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
            crate::selfgov::meetings::store::create_meeting(db, d, &u, &code, &from_pairs(&pairs))
                .await
                .map(|id| format!("/selfgov/meetings/{id}")),
        ),
        "proposal" => (
            "proposal",
            crate::selfgov::proposals::store::create_proposal(
                db,
                d,
                &u,
                &code,
                &from_pairs(&pairs),
            )
            .await
            .map(|id| format!("/selfgov/proposals/{id}")),
        ),
        "notice" => (
            "notice",
            crate::selfgov::boards::store::post_notice(db, d, &u, &code, &from_pairs(&pairs))
                .await
                .map(|_| format!("/selfgov/c/{code}#notices")),
        ),
        "room" => (
            "room",
            crate::selfgov::rooms::store::save_room(db, d, &u, &code, None, &from_pairs(&pairs))
                .await
                .map(|id| format!("/selfgov/rooms/{id}")),
        ),
        "rooms_from_checklist" => (
            "room",
            crate::selfgov::rooms::store::rooms_from_checklist(db, d, &u, &code)
                .await
                .map(|_| format!("/selfgov/c/{code}#rooms")),
        ),
        "activity" => (
            "activity",
            crate::selfgov::rooms::activities::create_activity(
                db,
                d,
                &u,
                &code,
                &from_pairs(&pairs),
            )
            .await
            .map(|_| format!("/selfgov/c/{code}#activities")),
        ),
        "representatives" => (
            "representatives",
            crate::selfgov::meetings::representatives::add_representatives(
                db,
                d,
                &u,
                &code,
                &field(&pairs, "names"),
            )
            .await
            .map(|_| format!("/selfgov/c/{code}#representatives")),
        ),
        "volunteer" => {
            let r = crate::selfgov::volunteers::store::add_volunteer(
                db,
                d,
                &u,
                &code,
                &from_pairs(&pairs),
            )
            .await;
            return volunteers_result(&s, &ctx, &u, &code, "volunteer", r, &pairs).await;
        }
        "record" => {
            let r = crate::selfgov::volunteers::store::add_record(
                db,
                d,
                &u,
                &code,
                &from_pairs(&pairs),
            )
            .await;
            return volunteers_result(&s, &ctx, &u, &code, "record", r, &pairs).await;
        }
        _ => return Err(AppError::NotFound),
    };
    redirect_or_show(result, name, &ctx.tr, sent_values(&pairs), |f| {
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
    redirect_or_show(result, "tags", &ctx.tr, sent_values(&pairs), |f| {
        community(&s, &ctx, &u, &code, f)
    })
    .await
}

// ------------------------------------------------------------------ meeting

// ------------------------------------------------------------------ proposal

// ------------------------------------------------------------------ rooms

// ------------------------------------------------------------------ volunteers

// ------------------------------------------------------------------ organisations

// ------------------------------------------------------------------ API

// ------------------------------------------------------------------ form fields

pub(crate) fn opts(
    none: &str,
    items: impl IntoIterator<Item = (String, String)>,
) -> Vec<(String, String)> {
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
            .keys(
                "board",
                "openness",
                "selfgov.board",
                &crate::selfgov::boards::store::BOARDS,
            )
            .keys(
                "category",
                "affairs",
                "selfgov.notice_category",
                &crate::selfgov::boards::store::NOTICE_CATEGORIES,
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
                &crate::selfgov::rooms::activities::ACTIVITY_KINDS,
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
