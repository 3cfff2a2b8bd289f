//! The forms on a worker's record beyond the record itself: secondments and their reports,
//! and the login account (made from the register, or linked) - each back to the record.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::platform::auth::guard::{Admin, Require};
use crate::platform::error::Result;
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, redirect_or_show, saved_or_show};
use crate::platform::i18n::Tr;
use crate::workers::accounts;
use crate::workers::secondments::{self, SecondmentInput};
use crate::workers::store;
use crate::workers::web::{Field, Keepers, show_worker, worker_page_of};

pub(crate) fn secondment_fields(tr: &Tr, form: &FormState) -> Vec<Field> {
    ["host", "starts_on", "ends_on", "purpose"]
        .into_iter()
        .map(|name| Field {
            name,
            label: tr.t(&format!("workers.secondment.{name}")).to_string(),
            kind: if name.ends_with("_on") {
                "date"
            } else {
                "text"
            },
            value: form.value("secondment", name),
            options: vec![],
            error: form.error("secondment", name),
            hint: String::new(),
        })
        .collect()
}

async fn add_secondment(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(i): CsrfForm<SecondmentInput>,
) -> Result<Response> {
    let result = secondments::add(&s.db, &s.district, &u, id, &i)
        .await
        .map(|_| format!("/workers/{id}?saved=secondment#secondments"));
    let values = vec![
        ("host", i.host.clone()),
        ("starts_on", i.starts_on.clone()),
        ("ends_on", i.ends_on.clone()),
        ("purpose", i.purpose.clone()),
    ];
    redirect_or_show(result, "secondment", &ctx.tr, values, |form| {
        show_worker(&s, &ctx, &u, Some(id), form, None)
    })
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct ReportForm {
    secondment: String,
    report: String,
}

async fn secondment_report(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(i): CsrfForm<ReportForm>,
) -> Result<Response> {
    let sid: i64 = i
        .secondment
        .trim()
        .parse()
        .map_err(|_| crate::platform::error::AppError::NotFound)?;
    let result = secondments::report(&s.db, &s.district, &u, id, sid, &i.report)
        .await
        .map(|_| format!("/workers/{id}?saved=report#secondments"));
    let values = vec![
        ("report", i.report.clone()),
        ("secondment", i.secondment.clone()),
    ];
    redirect_or_show(result, "report", &ctx.tr, values, |form| {
        show_worker(&s, &ctx, &u, Some(id), form, None)
    })
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct AccountForm {
    username: String,
}

/// Make the worker's account and link it (the district): the page shows the username and
/// the first password this once, to be handed to the person.
async fn create_account(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(i): CsrfForm<AccountForm>,
) -> Result<Response> {
    let w = store::load(&s.db, &s.district, &u, id, ctx.clock.today()).await?;
    let result = accounts::create(&s.db, &s.district, &u.actor(), &w, &i.username).await;
    let shown = |made: (String, String)| {
        let (s, ctx, u) = (&s, &ctx, &u);
        async move {
            let mut page = worker_page_of(s, ctx, u, Some(id), FormState::default(), None).await?;
            page.new_account = Some(made);
            crate::platform::http::render(&page)
        }
    };
    saved_or_show(
        result,
        shown,
        "account",
        &ctx.tr,
        vec![("username", i.username.clone())],
        |form| show_worker(&s, &ctx, &u, Some(id), form, None),
    )
    .await
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
struct LinkForm {
    user: String,
}

/// Link an account of the worker's unit to the record, or unlink (`user` empty).
async fn link_account(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(i): CsrfForm<LinkForm>,
) -> Result<Response> {
    let w = store::load(&s.db, &s.district, &u, id, ctx.clock.today()).await?;
    let user = match i.user.trim() {
        "" => Ok(None),
        x => x
            .parse::<i64>()
            .map(Some)
            .map_err(|_| crate::platform::error::AppError::invalid("user", "common.bad_choice")),
    };
    let result = match user {
        Ok(user) => accounts::link(&s.db, &u.actor(), &w, user)
            .await
            .map(|_| format!("/workers/{id}?saved=account#account")),
        Err(e) => Err(e),
    };
    redirect_or_show(
        result,
        "link",
        &ctx.tr,
        vec![("user", i.user.clone())],
        |form| show_worker(&s, &ctx, &u, Some(id), form, None),
    )
    .await
}

pub fn routes() -> crate::platform::http::routes::Routes<AppState> {
    crate::platform::http::routes::Routes::new()
        .post("/workers/{id}/account", link_account)
        .post("/workers/{id}/account/new", create_account)
        .post("/workers/{id}/secondments", add_secondment)
        .post("/workers/{id}/secondments/report", secondment_report)
}
