//! A proposal's page and its answer; the proposal figures API.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;

use crate::platform::auth::CurrentUser;
use crate::platform::auth::guard::Require;
use crate::platform::error::Result;
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, render_form};
use crate::platform::http::form::{from_pairs, redirect_or_show, sent_values};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::selfgov::form::{F, Fields};
use crate::selfgov::meetings::store::Meeting;
use crate::selfgov::proposals::store::Proposal;
use crate::selfgov::proposals::store::ProposalStats;
use crate::selfgov::store::{self, code_scope};
use crate::selfgov::web::opts;
use crate::selfgov::{SelfgovReaders, SelfgovWriters};

/// Its routes with their access.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/selfgov/proposals/{id}", proposal_page)
        .post("/selfgov/proposals/{id}", post_proposal_step)
        .get("/api/v1/selfgov/proposals/stats", api_proposal_stats)
}

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
    let p = crate::selfgov::proposals::store::proposal(&s.db, &s.district, &u.scope, id).await?;
    let page = ProposalPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        meetings: crate::selfgov::meetings::store::meetings(
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
    let result = crate::selfgov::proposals::store::step_proposal(
        &s.db,
        &s.district,
        &u,
        id,
        &from_pairs(&pairs),
    )
    .await
    .map(|_| format!("/selfgov/proposals/{id}"));
    redirect_or_show(result, "step", &ctx.tr, sent_values(&pairs), |f| {
        proposal_view(&s, &ctx, &u, id, f)
    })
    .await
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
        crate::selfgov::proposals::store::proposal_stats(
            &s.db,
            code_scope(&u.scope, &s.district, "p.community_code"),
            year,
        )
        .await?,
    ))
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
