//! A community's volunteers: the register, service records and their verification.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use serde::Deserialize;

use crate::platform::auth::guard::{Require, Staff};
use crate::platform::auth::{CurrentUser, Role};
use crate::platform::error::Result;
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, render_form};
use crate::platform::http::form::{redirect_or_show, sent_values};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::selfgov::SelfgovReaders;
use crate::selfgov::form::{F, Fields};
use crate::selfgov::organisations::store::Organisation;
use crate::selfgov::store::{self};
use crate::selfgov::volunteers::store::ServiceRecord;
use crate::selfgov::volunteers::store::Volunteer;
use crate::selfgov::web::opts;

/// Its routes with their access.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .post("/selfgov/records/{id}/verify", post_verify)
        .get("/selfgov/c/{code}/volunteers", volunteers_page)
}

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
        crate::selfgov::volunteers::store::tenths(
            self.volunteers.iter().map(|v| v.verified_tenths).sum(),
        )
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
    let mut records = crate::selfgov::volunteers::store::records(&s.db, &code, 200).await?;
    if party_only {
        records.retain(|r| r.party_member);
    }
    let page = VolunteersPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        volunteers: crate::selfgov::volunteers::store::volunteers(&s.db, &code, party_only).await?,
        records,
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

pub(crate) async fn volunteers_result(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    code: &str,
    name: &'static str,
    r: Result<i64>,
    pairs: &[(String, String)],
) -> Result<Response> {
    let result = r.map(|_| format!("/selfgov/c/{code}/volunteers#{name}s"));
    redirect_or_show(result, name, &ctx.tr, sent_values(pairs), |f| {
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
    let code = crate::selfgov::volunteers::store::verify_record(&s.db, &s.district, &u, id).await?;
    Ok(crate::platform::http::redirect(&format!(
        "/selfgov/c/{code}/volunteers#records"
    )))
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
