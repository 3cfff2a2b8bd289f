//! Pages of a meeting: the announcement, topics, attendance and quorum, minutes,
//! resolutions and tasks; the representatives' register; the meetings API.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::platform::auth::CurrentUser;
use crate::platform::auth::guard::Require;
use crate::platform::error::{AppError, Result};
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, field, render_form};
use crate::platform::http::form::{from_pairs, ids_of, redirect_or_show, sent_values};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::selfgov::form::{F, Fields};
use crate::selfgov::meetings::outcomes::Resolution;
use crate::selfgov::meetings::outcomes::Task;
use crate::selfgov::meetings::representatives::Representative;
use crate::selfgov::meetings::rules::NoticeRule;
use crate::selfgov::meetings::store::Meeting;
use crate::selfgov::meetings::store::Topic;
use crate::selfgov::proposals::store::Proposal;
use crate::selfgov::store::{self, code_scope};
use crate::selfgov::web::opts;
use crate::selfgov::{MeetingReaders, SelfgovWriters};

/// Its routes with their access.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/selfgov/meetings/{id}", meeting_page)
        .post("/selfgov/meetings/{id}/{action}", post_meeting_action)
        .post("/selfgov/tasks/{id}/done", post_task_done)
        .post("/selfgov/representatives/{id}", post_representative)
        .get("/api/v1/selfgov/meetings", api_meetings)
}

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
    let m = crate::selfgov::meetings::store::meeting(&s.db, &s.district, &u.scope, id).await?;
    let rule = crate::selfgov::meetings::representatives::notice_rule(&s.db, m.kind()).await?;
    let can_write = if m.community_code == s.district.as_str() {
        u.is_admin()
    } else {
        store::check_writer(u, &m.community_code).is_ok()
    };
    let reps = if m.kind().has_quorum() {
        crate::selfgov::meetings::representatives::representatives(&s.db, &m.community_code).await?
    } else {
        vec![]
    };
    let page = MeetingPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        topics: crate::selfgov::meetings::store::topics(&s.db, &m).await?,
        present: crate::selfgov::meetings::store::attendance(&s.db, &m).await?,
        resolutions: crate::selfgov::meetings::outcomes::resolutions(&s.db, &m).await?,
        tasks: crate::selfgov::meetings::outcomes::tasks(&s.db, &m).await?,
        proposals: crate::selfgov::proposals::store::proposals(
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
        publish_by: crate::selfgov::meetings::rules::publish_by(
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
            crate::selfgov::meetings::store::publish_topic(
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
                crate::selfgov::meetings::rules::Notice::Late { short } => {
                    format!("{back}?late={short}#topics")
                }
                crate::selfgov::meetings::rules::Notice::InTime => format!("{back}#topics"),
            }),
        ),
        "attendance" => (
            "attendance",
            crate::selfgov::meetings::store::record_attendance(
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
            crate::selfgov::meetings::outcomes::record_resolution(
                db,
                d,
                &u,
                id,
                &from_pairs(&pairs),
            )
            .await
            .map(|_| format!("{back}#resolutions")),
        ),
        "task" => (
            "task",
            crate::selfgov::meetings::outcomes::add_task(db, d, &u, id, &from_pairs(&pairs))
                .await
                .map(|_| format!("{back}#tasks")),
        ),
        "cancel" => (
            "cancel",
            crate::selfgov::meetings::store::cancel_meeting(
                db,
                d,
                &u,
                id,
                &field(&pairs, "reason"),
            )
            .await
            .map(|_| back.clone()),
        ),
        "minutes" => (
            "minutes",
            crate::selfgov::meetings::store::save_minutes(
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
    redirect_or_show(result, name, &ctx.tr, sent_values(&pairs), |f| {
        meeting_view(&s, &ctx, &u, id, f, None)
    })
    .await
}

async fn post_task_done(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let m = crate::selfgov::meetings::outcomes::finish_task(&s.db, &s.district, &u, id).await?;
    Ok(crate::platform::http::redirect(&format!(
        "/selfgov/meetings/{m}#tasks"
    )))
}

async fn post_representative(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let code = crate::selfgov::meetings::representatives::set_representative_active(
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
    Ok(Json(
        crate::selfgov::meetings::store::meetings(&s.db, (c, v), from, 500).await?,
    ))
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
