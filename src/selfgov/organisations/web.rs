//! Civil organisations: the list and its spreadsheet, an organisation's page, the town's
//! review, the organisations API.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use chrono::Datelike;

use crate::platform::auth::guard::Require;
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::error::Result;
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, field, render_form};
use crate::platform::http::form::{from_pairs, redirect_or_show, sent_values};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::selfgov::form::{F, Fields};
use crate::selfgov::organisations::store::Organisation;
use crate::selfgov::store::{self};
use crate::selfgov::{SelfgovReaders, SelfgovWriters};

/// Its routes with their access.
pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/selfgov/orgs", orgs_page)
        .post("/selfgov/orgs", post_new_org)
        .get("/selfgov/orgs.xlsx", orgs_xlsx)
        .get("/selfgov/orgs/{id}", org_page)
        .post("/selfgov/orgs/{id}", post_org)
        .post("/selfgov/orgs/{id}/review", post_review)
        .get("/api/v1/selfgov/organisations", api_organisations)
}

#[derive(Template)]
#[template(path = "selfgov/orgs.html")]
struct OrgsPage {
    chrome: Chrome,
    orgs: Vec<Organisation>,
    q: crate::selfgov::organisations::store::OrgQuery,
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
    q: crate::selfgov::organisations::store::OrgQuery,
    form: FormState,
) -> Result<Response> {
    let orgs =
        crate::selfgov::organisations::store::organisations(&s.db, &s.district, &u.scope, &q)
            .await?;
    let page = OrgsPage {
        chrome: Chrome::build(ctx, "/selfgov"),
        registered: orgs.iter().filter(|o| o.standing == "registered").count(),
        filed: orgs.iter().filter(|o| o.standing == "filed").count(),
        orgs,
        q,
        kinds: crate::selfgov::organisations::store::ORG_KINDS,
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
    Query(q): Query<crate::selfgov::organisations::store::OrgQuery>,
) -> Result<Response> {
    orgs_view(&s, &ctx, &u, q, FormState::default()).await
}

async fn post_new_org(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let result = crate::selfgov::organisations::store::save_org(
        &s.db,
        &s.district,
        &u,
        None,
        &from_pairs(&pairs),
    )
    .await
    .map(|id| format!("/selfgov/orgs/{id}"));
    redirect_or_show(result, "org", &ctx.tr, sent_values(&pairs), |f| {
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
    let o = crate::selfgov::organisations::store::organisation(&s.db, &s.district, &u.scope, id)
        .await?;
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
    let o = crate::selfgov::organisations::store::organisation(&s.db, &s.district, &u.scope, id)
        .await?;
    let mut input: crate::selfgov::organisations::store::OrgInput = from_pairs(&pairs);
    input.community = o.community_code.clone();
    let result =
        crate::selfgov::organisations::store::save_org(&s.db, &s.district, &u, Some(id), &input)
            .await
            .map(|_| format!("/selfgov/orgs/{id}"));
    redirect_or_show(result, "org", &ctx.tr, sent_values(&pairs), |f| {
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
    let result = crate::selfgov::organisations::store::review_org(
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
    redirect_or_show(result, "review", &ctx.tr, sent_values(&pairs), |f| {
        org_view(&s, &ctx, &u, id, f)
    })
    .await
}

/// The register of civil organisations as a spreadsheet, as filtered.
async fn orgs_xlsx(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<crate::selfgov::organisations::store::OrgQuery>,
) -> Result<Response> {
    let orgs =
        crate::selfgov::organisations::store::organisations(&s.db, &s.district, &u.scope, &q)
            .await?;
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

/// Civil organisations in the caller's scope.
#[utoipa::path(get, path = "/api/v1/selfgov/organisations", tag = "selfgov",
    params(crate::selfgov::organisations::store::OrgQuery), responses((status = 200, body = [Organisation])))]
pub async fn api_organisations(
    u: Require<SelfgovReaders>,
    State(s): State<AppState>,
    Query(q): Query<crate::selfgov::organisations::store::OrgQuery>,
) -> Result<Json<Vec<Organisation>>> {
    Ok(Json(
        crate::selfgov::organisations::store::organisations(&s.db, &s.district, &u.scope, &q)
            .await?,
    ))
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
        .keys(
            "kind",
            &v("kind"),
            "selfgov.org_kind",
            &crate::selfgov::organisations::store::ORG_KINDS,
        )
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
