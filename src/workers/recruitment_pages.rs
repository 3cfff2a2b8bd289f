//! Recruitment's pages and API: the district's alone (applicants' data is seen by nobody
//! else), so every handler takes `Require<Admin>`.

use askama::Template;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::platform::auth::guard::{Admin, Require};
use crate::platform::error::{AppError, Result};
use crate::platform::http::AppState;
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, field, redirect_or_show, render_form, sent_values};
use crate::platform::http::layout::Chrome;
use crate::workers::recruitment::{
    self, ApplicantInput, PostInput, PostRow, Ranked, Round, RoundInput,
};
use crate::workers::rules::{Education, Post};
use crate::workers::web::label_options;

#[derive(Template)]
#[template(path = "workers/rounds.html")]
struct RoundsPage {
    chrome: Chrome,
    rounds: Vec<Round>,
    form: FormState,
}

async fn show_rounds(s: &AppState, ctx: &Ctx, form: FormState) -> Result<Response> {
    let page = RoundsPage {
        chrome: Chrome::build(ctx, "/workers"),
        rounds: recruitment::rounds(&s.db).await?,
        form,
    };
    render_form(&page, &page.form)
}

async fn rounds_page(_: Require<Admin>, State(s): State<AppState>, ctx: Ctx) -> Result<Response> {
    show_rounds(&s, &ctx, FormState::default()).await
}

async fn create_round(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(i): CsrfForm<RoundInput>,
) -> Result<Response> {
    let result = recruitment::create_round(&s.db, &u, &i)
        .await
        .map(|id| format!("/workers/recruitment/{id}?saved=round"));
    let values = vec![
        ("title", i.title.clone()),
        ("closes_on", i.closes_on.clone()),
        ("written_pct", i.written_pct.clone()),
    ];
    redirect_or_show(result, "round", &ctx.tr, values, |form| {
        show_rounds(&s, &ctx, form)
    })
    .await
}

/// A post of the round with its applicants ranked.
pub struct PostView {
    pub post: PostRow,
    pub ranked: Vec<Ranked>,
}

#[derive(Template)]
#[template(path = "workers/round.html")]
struct RoundPage {
    chrome: Chrome,
    round: Round,
    posts: Vec<PostView>,
    units: Vec<(String, String)>,
    post_options: Vec<(String, String)>,
    educations: Vec<(String, String)>,
    form: FormState,
    saved: Option<String>,
}

impl RoundPage {
    fn v(&self, form: &str, name: &str) -> String {
        if self.form.form == form {
            self.form.value(form, name)
        } else {
            String::new()
        }
    }
    fn err(&self, form: &str, name: &str) -> String {
        self.form.error(form, name)
    }
    fn score(&self, r: &Ranked, which: &str) -> String {
        let name = format!("{which}_{}", r.applicant.id);
        if self.form.form == "scores" {
            return self.form.value("scores", &name);
        }
        let x = if which == "written" {
            r.applicant.written_x10
        } else {
            r.applicant.interview_x10
        };
        x.map(|t| format!("{}.{}", t / 10, t % 10))
            .unwrap_or_default()
    }
    fn total(&self, r: &Ranked) -> String {
        r.total_x100
            .map(|t| format!("{}.{:02}", t / 100, t % 100))
            .unwrap_or_default()
    }
    fn label(&self, group: &str, key: &str) -> String {
        self.chrome.tk(group, key).to_string()
    }
    /// The condition an applicant misses, in words (its key names an error message).
    fn ineligible(&self, key: &str) -> String {
        self.chrome.t(&format!("errors.{key}")).to_string()
    }
    fn summary(&self) -> String {
        self.chrome.tr.f(
            "workers.recruitment.summary",
            &[&self.round.closes_on, &self.round.written_pct],
        )
    }
    fn conditions(&self, pv: &PostView) -> String {
        self.chrome.tr.f(
            "workers.recruitment.conditions",
            &[
                &self.label("workers.education", &pv.post.min_education),
                &pv.post.max_age,
            ],
        )
    }
    fn saved_message(&self) -> String {
        let s = self.saved.as_deref().unwrap_or("");
        match s.split_once(':') {
            Some((k, n)) => self
                .chrome
                .tr
                .f1(&format!("workers.recruitment.saved_{k}"), n),
            None => self
                .chrome
                .t(&format!("workers.recruitment.saved_{s}"))
                .to_string(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SavedQuery {
    saved: Option<String>,
}

async fn show_round(
    s: &AppState,
    ctx: &Ctx,
    u: &crate::platform::auth::CurrentUser,
    id: i64,
    form: FormState,
    saved: Option<String>,
) -> Result<Response> {
    let round = recruitment::round(&s.db, id).await?;
    let applicants = recruitment::applicants(&s.db, id)
        .await?
        .into_iter()
        .map(|mut a| {
            // the district sees applicants in full
            a.id_number = a.id_number.reveal(true);
            a
        })
        .collect::<Vec<_>>();
    let posts = recruitment::posts(&s.db, id)
        .await?
        .into_iter()
        .map(|p| PostView {
            ranked: recruitment::rank(&p, &round, &applicants),
            post: p,
        })
        .collect();
    let page = RoundPage {
        chrome: Chrome::build(ctx, "/workers"),
        units: crate::workers::store::writable_units(&s.db, &s.district, u).await?,
        post_options: label_options(&ctx.tr, "workers.post", Post::ALL, Post::key),
        educations: label_options(&ctx.tr, "workers.education", Education::ALL, Education::key),
        round,
        posts,
        form,
        saved: saved.filter(|x| x.len() < 40),
    };
    render_form(&page, &page.form)
}

async fn round_page(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    show_round(&s, &ctx, &u, id, FormState::default(), q.saved).await
}

async fn add_post(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let i: PostInput = crate::platform::http::form::from_pairs(&pairs);
    let result = recruitment::add_post(&s.db, &s.district, &u, id, &i)
        .await
        .map(|_| format!("/workers/recruitment/{id}?saved=post"));
    redirect_or_show(result, "post", &ctx.tr, sent_values(&pairs), |form| {
        show_round(&s, &ctx, &u, id, form, None)
    })
    .await
}

async fn add_applicant(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let i: ApplicantInput = crate::platform::http::form::from_pairs(&pairs);
    let result = recruitment::add_applicant(&s.db, &u, id, &i)
        .await
        .map(|_| format!("/workers/recruitment/{id}?saved=applicant"));
    redirect_or_show(result, "applicant", &ctx.tr, sent_values(&pairs), |form| {
        show_round(&s, &ctx, &u, id, form, None)
    })
    .await
}

async fn record_scores(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let ids: std::collections::BTreeSet<i64> = pairs
        .iter()
        .filter_map(|(k, _)| {
            k.strip_prefix("written_")
                .or_else(|| k.strip_prefix("interview_"))
                .and_then(|x| x.parse().ok())
        })
        .collect();
    let scores: Vec<(i64, String, String)> = ids
        .into_iter()
        .map(|a| {
            (
                a,
                field(&pairs, &format!("written_{a}")),
                field(&pairs, &format!("interview_{a}")),
            )
        })
        .collect();
    let result = recruitment::record_scores(&s.db, &u, id, &scores)
        .await
        .map(|n| format!("/workers/recruitment/{id}?saved=scores:{n}"));
    redirect_or_show(result, "scores", &ctx.tr, sent_values(&pairs), |form| {
        show_round(&s, &ctx, &u, id, form, None)
    })
    .await
}

async fn hire(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let applicant: i64 = field(&pairs, "applicant")
        .trim()
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let result = recruitment::hire(
        &s.db,
        &s.district,
        &u,
        id,
        applicant,
        &field(&pairs, "start_on"),
    )
    .await
    .map(|w| format!("/workers/{w}?saved=hired"));
    redirect_or_show(result, "hire", &ctx.tr, sent_values(&pairs), |form| {
        show_round(&s, &ctx, &u, id, form, None)
    })
    .await
}

/// A recruitment round: its posts and each post's applicants ranked.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoundRecord {
    pub round: Round,
    pub posts: Vec<PostRow>,
    pub ranked: Vec<Ranked>,
}

/// A recruitment round with its applicants ranked (the district only).
#[utoipa::path(get, path = "/api/v1/workers/recruitment/{id}", tag = "workers",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The round's id")),
    responses((status = 200, body = RoundRecord), (status = 401), (status = 403), (status = 404)))]
pub async fn api_round(
    _: Require<Admin>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RoundRecord>> {
    let round = recruitment::round(&s.db, id).await?;
    let posts = recruitment::posts(&s.db, id).await?;
    let applicants: Vec<_> = recruitment::applicants(&s.db, id)
        .await?
        .into_iter()
        .map(|mut a| {
            a.id_number = a.id_number.reveal(true);
            a
        })
        .collect();
    let ranked = posts
        .iter()
        .flat_map(|p| recruitment::rank(p, &round, &applicants))
        .collect();
    Ok(Json(RoundRecord {
        round,
        posts,
        ranked,
    }))
}

pub fn routes() -> crate::platform::http::routes::Routes<AppState> {
    crate::platform::http::routes::Routes::new()
        .get("/workers/recruitment", rounds_page)
        .post("/workers/recruitment", create_round)
        .get("/workers/recruitment/{id}", round_page)
        .post("/workers/recruitment/{id}/posts", add_post)
        .post("/workers/recruitment/{id}/applicants", add_applicant)
        .post("/workers/recruitment/{id}/scores", record_scores)
        .post("/workers/recruitment/{id}/hire", hire)
        .get("/api/v1/workers/recruitment/{id}", api_round)
}
