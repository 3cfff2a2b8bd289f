//! Pages and API of guidelines, assessment rounds and score sheets.

use std::collections::HashMap;

use askama::Template;
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Datelike;

use crate::assessment::rules::{self, IndicatorInput, Title};
use crate::assessment::store::{
    self, Guideline, GuidelineInput, GuidelineRow, ResultRow, Round, ScoreInput, Sheet,
};
use crate::platform::auth::guard::{
    Admin, AdminAndDepartments, AdminAndTowns, Officials, Require, Staff,
};
use crate::platform::auth::{CurrentUser, Role, Scope};
use crate::platform::error::{AppError, FieldError, Result};
use crate::platform::http::ctx::{CsrfForm, Ctx};
use crate::platform::http::form::{FormState, Parse, field, render_form, rows_of};
use crate::platform::http::layout::Chrome;
use crate::platform::http::routes::Routes;
use crate::platform::http::{AppState, render};
use crate::platform::sheet::{self, Cell};
use crate::platform::types::Fen;
use crate::role_set;

pub fn router() -> Routes<AppState> {
    Routes::new()
        .get("/assessment", rounds_page)
        .post("/assessment", post_round)
        .get("/assessment/rounds/{id}", round_page)
        .get("/assessment/rounds/{id}/export.xlsx", round_xlsx)
        .post("/assessment/rounds/{id}/sign-off", post_sign_off)
        .post("/assessment/rounds/{id}/pay/{guideline}", post_pay)
        .get("/assessment/rounds/{id}/sheets/{code}", sheet_page)
        .get(
            "/assessment/rounds/{id}/sheets/{code}/export.xlsx",
            sheet_xlsx,
        )
        .post("/assessment/rounds/{id}/sheets/{code}/self", post_self)
        .post(
            "/assessment/rounds/{id}/sheets/{code}/review",
            post_town_review,
        )
        .post("/assessment/rounds/{id}/sheets/{code}/score", post_score)
        .post_upload(
            "/assessment/rounds/{id}/sheets/{code}/attachments",
            post_attachment,
            store::MAX_ATTACHMENT + 64 * 1024,
        )
        .get(
            "/assessment/rounds/{id}/sheets/{code}/attachments/{aid}",
            get_attachment,
        )
        .post(
            "/assessment/rounds/{id}/sheets/{code}/attachments/{aid}/delete",
            post_delete_attachment,
        )
        .get("/assessment/guidelines", guidelines_page)
        .post("/assessment/guidelines", post_new_guideline)
        .get("/assessment/guidelines/new", new_guideline_page)
        .get("/assessment/guidelines/{id}", guideline_page)
        .post("/assessment/guidelines/{id}", post_guideline)
        .post("/assessment/guidelines/{id}/{step}", post_guideline_step)
        .get("/api/v1/assessment/guidelines", api_guidelines)
        .get("/api/v1/assessment/guidelines/{id}", api_guideline)
        .get("/api/v1/assessment/rounds", api_rounds)
        .get("/api/v1/assessment/rounds/{id}", api_round)
        .get("/api/v1/assessment/rounds/{id}/sheets/{code}", api_sheet)
}

/// Who reviews a sheet for the town.
pub type Reviewers = AdminAndTowns;
role_set!(
    /// Who scores indicators: departments their guidelines', assessors the templates'.
    pub Scorers = [DistrictAdmin, DepartmentOfficer, Assessor]
);
/// Who writes guidelines: departments their own, the admin the district's templates.
pub type GuidelineWriters = AdminAndDepartments;

pub fn pts(x10: impl std::borrow::Borrow<i64>) -> String {
    rules::points_text(*x10.borrow())
}

pub fn opt_pts(x10: impl std::borrow::Borrow<Option<i64>>) -> String {
    x10.borrow()
        .map(rules::points_text)
        .unwrap_or_else(|| "—".into())
}

pub fn pct(eff: impl std::borrow::Borrow<i64>, max: impl std::borrow::Borrow<i64>) -> String {
    rules::pct_text(*eff.borrow(), *max.borrow())
}

// ------------------------------------------------------------------ rounds

#[derive(Template)]
#[template(path = "assessment/rounds.html")]
struct RoundsPage {
    chrome: Chrome,
    rounds: Vec<Round>,
    published: Vec<GuidelineRow>,
    can_make: bool,
    form: FormState,
    this_year: i32,
}

async fn show_rounds(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    form: FormState,
) -> Result<Response> {
    let published = store::guidelines(&s.db.conn, u)
        .await?
        .into_iter()
        .filter(|g| g.status == "published")
        .collect();
    let page = RoundsPage {
        chrome: Chrome::build(ctx, "/assessment"),
        rounds: store::rounds(&s.db.conn).await?,
        published,
        can_make: u.is_admin(),
        form,
        this_year: s.db.clock().today().year(),
    };
    render_form(&page, &page.form)
}

async fn rounds_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    show_rounds(&s, &ctx, &u, FormState::default()).await
}

async fn post_round(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let ids: Vec<i64> = pairs
        .iter()
        .filter_map(|(k, _)| k.strip_prefix("g_").and_then(|i| i.parse().ok()))
        .collect();
    let year = field(&pairs, "year").trim().parse::<i64>().unwrap_or(0);
    match store::create_round(&s.db, &s.district, &u, year, &field(&pairs, "name"), &ids).await {
        Ok(id) => Ok(crate::platform::http::redirect(&format!(
            "/assessment/rounds/{id}"
        ))),
        Err(AppError::Invalid(errs)) => {
            let form = FormState::from_error(
                "round",
                &ctx.tr,
                &errs,
                vec![
                    ("year", field(&pairs, "year")),
                    ("name", field(&pairs, "name")),
                ],
            );
            show_rounds(&s, &ctx, &u, form).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "assessment/round.html")]
struct RoundPage {
    chrome: Chrome,
    r: Round,
    guidelines: Vec<Guideline>,
    rows: Vec<ResultRow>,
    is_admin: bool,
    form: FormState,
    /// guidelines of the round whose subsidy batch exists
    batched: Vec<i64>,
}

impl RoundPage {
    fn payable(&self) -> Vec<&Guideline> {
        self.guidelines
            .iter()
            .filter(|g| g.row.subsidy_basis != "none" && !self.batched.contains(&g.row.id))
            .collect()
    }
}

async fn show_round(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    form: FormState,
) -> Result<Response> {
    let (r, guidelines, rows) = store::results(&s.db, &s.district, &u.scope, id).await?;
    let page = RoundPage {
        chrome: Chrome::build(ctx, "/assessment"),
        r,
        guidelines,
        rows,
        is_admin: u.is_admin(),
        form,
        batched: crate::funding::store::subsidy_batches(&s.db, id).await?,
    };
    render_form(&page, &page.form)
}

async fn round_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    show_round(&s, &ctx, &u, id, FormState::default()).await
}

async fn post_sign_off(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    match store::sign_off(&s.db, &u, id).await {
        Ok(()) => Ok(crate::platform::http::redirect(&format!(
            "/assessment/rounds/{id}"
        ))),
        Err(AppError::Invalid(errs)) => {
            show_round(
                &s,
                &ctx,
                &u,
                id,
                FormState::from_error("round", &ctx.tr, &errs, vec![]),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn post_pay(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, guideline)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    match store::create_guideline_batch(&s.db, &s.district, &u.actor(), id, guideline).await {
        Ok(batch) => Ok(crate::platform::http::redirect(&format!(
            "/funding/batches/{batch}"
        ))),
        Err(AppError::Invalid(errs)) => {
            show_round(
                &s,
                &ctx,
                &u,
                id,
                FormState::from_error("round", &ctx.tr, &errs, vec![]),
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn round_xlsx(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (r, gs, rows) = store::results(&s.db, &s.district, &u.scope, id).await?;
    let tr = &ctx.tr;
    let mut header: Vec<String> = [
        "assessment.col.code",
        "assessment.col.community",
        "geo.col.town",
    ]
    .iter()
    .map(|k| tr.t(k).to_string())
    .collect();
    header.extend([
        tr.t("assessment.col.points").to_string(),
        tr.t("assessment.col.max").to_string(),
        tr.t("assessment.col.pct").to_string(),
        tr.t("assessment.col.rank_district").to_string(),
        tr.t("assessment.col.rank_town").to_string(),
        tr.t("assessment.col.titles").to_string(),
    ]);
    let cells: Vec<Vec<Cell>> = rows
        .iter()
        .map(|row| {
            vec![
                Cell::text(row.code.clone()),
                Cell::text(row.name.clone()),
                Cell::text(row.town_name.clone()),
                Cell::Tenths(row.effective_x10),
                Cell::Tenths(row.max_x10),
                Cell::text(rules::pct_text(row.effective_x10, row.max_x10)),
                Cell::Int(row.rank_district as i64),
                Cell::Int(row.rank_town as i64),
                Cell::text(row.titles.join("、")),
            ]
        })
        .collect();
    let _ = gs;
    let body = sheet::xlsx(
        tr.t("assessment.export.results_sheet"),
        &header,
        &cells,
        &[14.0, 22.0, 12.0, 10.0, 10.0, 10.0, 10.0, 10.0, 24.0],
        2,
    )?;
    Ok(sheet::xlsx_response(
        body,
        &format!("round-{}-{}.xlsx", r.id, r.year),
    ))
}

// ------------------------------------------------------------------ sheets

#[derive(Template)]
#[template(path = "assessment/sheet.html")]
struct SheetPage {
    chrome: Chrome,
    sh: Sheet,
    form: FormState,
    done: Option<String>,
    can_self: bool,
    can_review: bool,
    scorable: Vec<i64>,
}

impl SheetPage {
    fn can_score(&self, id: &i64) -> bool {
        self.scorable.contains(id)
    }
    fn any_scorable(&self) -> bool {
        !self.scorable.is_empty()
    }
    /// A posted value shown again after an error, else the record's.
    fn self_value(&self, line: &store::SheetLine) -> String {
        if self.form.form == "self" {
            return self.form.value("self", &format!("s{}", line.indicator.id));
        }
        line.score
            .as_ref()
            .and_then(|s| s.self_x10)
            .map(rules::points_text)
            .unwrap_or_default()
    }
    fn evidence_value(&self, line: &store::SheetLine) -> String {
        if self.form.form == "self" {
            return self.form.value("self", &format!("e{}", line.indicator.id));
        }
        line.score
            .as_ref()
            .map(|s| s.evidence.clone())
            .unwrap_or_default()
    }
    fn points_value(&self, line: &store::SheetLine) -> String {
        if self.form.form == "score" {
            return self.form.value("score", &format!("p{}", line.indicator.id));
        }
        line.score
            .as_ref()
            .and_then(|s| s.points_x10)
            .map(rules::points_text)
            .unwrap_or_default()
    }
    fn note_value(&self, line: &store::SheetLine) -> String {
        if self.form.form == "score" {
            return self.form.value("score", &format!("n{}", line.indicator.id));
        }
        line.score
            .as_ref()
            .map(|s| s.note.clone())
            .unwrap_or_default()
    }
    fn err(&self, form: &str, f: String) -> String {
        self.form.error(form, &f)
    }
    fn lost(&self) -> Vec<(&str, &store::SheetLine)> {
        self.sh
            .parts
            .iter()
            .flat_map(|p| p.lines.iter().map(move |l| (p.guideline.title.as_str(), l)))
            .filter(|(_, l)| l.lost_x10.is_some_and(|x| x > 0))
            .collect()
    }
}

async fn show_sheet(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    code: &str,
    form: FormState,
    done: Option<String>,
) -> Result<Response> {
    let sh = store::load_sheet(&s.db, &s.district, &u.scope, id, code).await?;
    let open = sh.round.status == "open";
    let can_self = open
        && sh.sheet.town_at.is_none()
        && matches!(&u.scope, Scope::Community(c) if c.as_str() == sh.community.code);
    let can_review = open
        && sh.sheet.self_at.is_some()
        && matches!(u.role, Role::TownOfficer | Role::DistrictAdmin);
    let scorable = if open && sh.sheet.town_at.is_some() {
        sh.parts
            .iter()
            .filter(|p| store::can_score(u, p.guideline.department_id))
            .flat_map(|p| p.lines.iter().map(|l| l.indicator.id))
            .collect()
    } else {
        vec![]
    };
    let page = SheetPage {
        chrome: Chrome::build(ctx, "/assessment"),
        sh,
        form,
        done,
        can_self,
        can_review,
        scorable,
    };
    render_form(&page, &page.form)
}

#[derive(serde::Deserialize, Default)]
struct DoneQuery {
    saved: Option<String>,
}

async fn sheet_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<Response> {
    show_sheet(&s, &ctx, &u, id, &code, FormState::default(), q.saved).await
}

fn score_inputs(
    pairs: &[(String, String)],
    points: char,
    note: char,
    errs: &mut Vec<FieldError>,
) -> Vec<ScoreInput> {
    let mut ids: Vec<i64> = pairs
        .iter()
        .filter_map(|(k, _)| k.strip_prefix(points).and_then(|i| i.parse().ok()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .map(|id| {
            let raw = field(pairs, &format!("{points}{id}"));
            let p = if raw.trim().is_empty() {
                None
            } else {
                match rules::parse_points(&raw) {
                    Ok(p) => Some(p),
                    Err(k) => {
                        errs.push(FieldError::new(&format!("{points}{id}"), k));
                        None
                    }
                }
            };
            ScoreInput {
                indicator_id: id,
                points_x10: p,
                note: field(pairs, &format!("{note}{id}")),
            }
        })
        .collect()
}

/// The community's staff assess themselves.
async fn post_self(
    u: Require<Staff>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    crate::geo::store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    let mut errs = vec![];
    let entries = score_inputs(&pairs, 's', 'e', &mut errs);
    let result = if errs.is_empty() {
        let assessment = store::SelfAssessment {
            entries: &entries,
            note: &field(&pairs, "self_note"),
            submit: !field(&pairs, "submit").is_empty(),
            revision: crate::platform::revision::base(&field(&pairs, "revision"))?,
        };
        store::save_self(&s.db, &s.district, &u, id, &code, &assessment).await
    } else {
        Err(AppError::Invalid(errs))
    };
    after_sheet_post(&s, &ctx, &u, id, &code, "self", result, &pairs).await
}

/// The town reviews its communities' sheets.
async fn post_town_review(
    u: Require<Reviewers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    crate::geo::store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    let note = field(&pairs, "town_note");
    let result = store::town_review(&s.db, &s.district, &u, id, &code, &note).await;
    after_sheet_post(&s, &ctx, &u, id, &code, "review", result, &pairs).await
}

/// Departments score their guidelines' indicators, assessors the templates'.
async fn post_score(
    u: Require<Scorers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    crate::geo::store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    let mut errs = vec![];
    let entries = score_inputs(&pairs, 'p', 'n', &mut errs);
    let result = if errs.is_empty() {
        store::score(&s.db, &s.district, &u, id, &code, &entries).await
    } else {
        Err(AppError::Invalid(errs))
    };
    after_sheet_post(&s, &ctx, &u, id, &code, "score", result, &pairs).await
}

/// After a form on a sheet: back to the sheet saying what was saved, or the sheet again with
/// the form's errors and what was typed.
#[allow(clippy::too_many_arguments)]
async fn after_sheet_post(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    code: &str,
    form: &'static str,
    result: Result<()>,
    pairs: &[(String, String)],
) -> Result<Response> {
    match result {
        Ok(()) => Ok(crate::platform::http::redirect(&format!(
            "/assessment/rounds/{id}/sheets/{code}?saved={form}"
        ))),
        Err(AppError::Invalid(errs)) => {
            let values: Vec<(&str, String)> = pairs
                .iter()
                .filter(|(k, _)| k != "_csrf")
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect();
            let fs = FormState::from_error(form, &ctx.tr, &errs, values);
            show_sheet(s, ctx, u, id, code, fs, None).await
        }
        Err(e) => Err(e),
    }
}

async fn sheet_xlsx(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
) -> Result<Response> {
    let sh = store::load_sheet(&s.db, &s.district, &u.scope, id, &code).await?;
    let tr = &ctx.tr;
    let header: Vec<String> = [
        "assessment.col.guideline",
        "assessment.col.category",
        "assessment.col.indicator",
        "assessment.col.method",
        "assessment.col.max",
        "assessment.col.self",
        "assessment.col.points",
        "assessment.col.effective",
        "assessment.col.note",
        "assessment.col.scored_by",
    ]
    .iter()
    .map(|k| tr.t(k).to_string())
    .collect();
    let mut rows: Vec<Vec<Cell>> = vec![];
    for p in &sh.parts {
        for l in &p.lines {
            let sc = l.score.as_ref();
            rows.push(vec![
                Cell::text(p.guideline.title.clone()),
                Cell::text(l.indicator.category.clone()),
                Cell::text(if l.indicator.deduction {
                    format!("{}（{}）", l.indicator.name, tr.t("assessment.deduction"))
                } else {
                    l.indicator.name.clone()
                }),
                Cell::text(tr.t(&format!("assessment.method.{}", l.indicator.method))),
                Cell::Tenths(l.indicator.max_x10),
                sc.and_then(|s| s.self_x10)
                    .map(Cell::Tenths)
                    .unwrap_or(Cell::Empty),
                sc.and_then(|s| s.points_x10)
                    .map(Cell::Tenths)
                    .unwrap_or(Cell::Empty),
                l.effective_x10.map(Cell::Tenths).unwrap_or(Cell::Empty),
                Cell::text(sc.map(|s| s.note.clone()).unwrap_or_default()),
                Cell::text(sc.and_then(|s| s.scored_by.clone()).unwrap_or_default()),
            ]);
        }
        rows.push(vec![
            Cell::text(format!("{} · {}", p.guideline.title, tr.t("common.total"))),
            Cell::Empty,
            Cell::text(p.titles.join("、")),
            Cell::Empty,
            Cell::Tenths(p.max_x10),
            Cell::Empty,
            Cell::Empty,
            Cell::Tenths(p.effective_x10),
            Cell::text(format!("{}%", rules::pct_text(p.effective_x10, p.max_x10))),
            p.subsidy_fen.map(Cell::Money).unwrap_or(Cell::Empty),
        ]);
    }
    let body = sheet::xlsx(
        tr.t("assessment.export.sheet_sheet"),
        &header,
        &rows,
        &[26.0, 12.0, 30.0, 10.0, 8.0, 8.0, 8.0, 8.0, 30.0, 14.0],
        0,
    )?;
    Ok(sheet::xlsx_response(
        body,
        &format!("sheet-{id}-{}.xlsx", sh.community.code),
    ))
}

/// An evidence file from a multipart form. The form's `_csrf` field must match, like every
/// other form's; a file above the limit is refused with a field error, not a broken page.
async fn post_attachment(
    u: Require<Staff>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
    form: std::result::Result<
        axum::extract::Multipart,
        axum::extract::multipart::MultipartRejection,
    >,
) -> Result<Response> {
    // outside the caller's scope the community does not exist, whatever was sent
    crate::geo::store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    // Not a multipart body (a script, an old client): our field error, not axum's plain text.
    let mut form = form.map_err(|_| AppError::invalid("file", "form.malformed"))?;
    let mut csrf = String::new();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut too_large = false;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                too_large = true;
                break;
            }
            Err(_) => return Err(AppError::invalid("file", "form.malformed")),
        };
        match field.name() {
            Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => {
                let name = field.file_name().unwrap_or("").to_string();
                match field.bytes().await {
                    Ok(b) => file = Some((name, b.to_vec())),
                    Err(_) => {
                        too_large = true;
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    if !too_large
        && (ctx.csrf.is_empty() || !crate::platform::auth::constant_time_eq(&csrf, &ctx.csrf))
    {
        return Err(AppError::Csrf);
    }
    let result = if too_large {
        Err(AppError::invalid("file", "assessment.file_too_large"))
    } else {
        let (name, bytes) = file.unwrap_or_default();
        store::add_attachment(&s.db, &s.district, &u, id, &code, &name, &bytes)
            .await
            .map(|_| ())
    };
    match result {
        Ok(()) => Ok(crate::platform::http::redirect(&format!(
            "/assessment/rounds/{id}/sheets/{code}?saved=file"
        ))),
        Err(AppError::Invalid(errs)) => {
            let fs = FormState::from_error("file", &ctx.tr, &errs, vec![]);
            show_sheet(&s, &ctx, &u, id, &code, fs, None).await
        }
        Err(e) => Err(e),
    }
}

async fn get_attachment(
    u: Require<Officials>,
    State(s): State<AppState>,
    Path((id, code, aid)): Path<(i64, String, i64)>,
) -> Result<Response> {
    let (a, data) = store::load_attachment(&s.db, &s.district, &u.scope, id, &code, aid).await?;
    // The name as RFC 5987 UTF-8, so Chinese names survive; always a download.
    let encoded: String = a
        .filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, a.content_type.clone()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"evidence-{aid}\"; filename*=UTF-8''{encoded}"),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_string(),
            ),
        ],
        data,
    )
        .into_response())
}

async fn post_delete_attachment(
    u: Require<Staff>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, code, aid)): Path<(i64, String, i64)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    crate::geo::store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    match store::delete_attachment(&s.db, &s.district, &u, id, &code, aid).await {
        Ok(()) => Ok(crate::platform::http::redirect(&format!(
            "/assessment/rounds/{id}/sheets/{code}?saved=file"
        ))),
        Err(AppError::Invalid(errs)) => {
            let fs = FormState::from_error("file", &ctx.tr, &errs, vec![]);
            show_sheet(&s, &ctx, &u, id, &code, fs, None).await
        }
        Err(e) => Err(e),
    }
}

// ------------------------------------------------------------------ guidelines

#[derive(Template)]
#[template(path = "assessment/guidelines.html")]
struct GuidelinesPage {
    chrome: Chrome,
    rows: Vec<GuidelineRow>,
    can_write_any: bool,
}

async fn guidelines_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    let rows = store::guidelines(&s.db.conn, &u).await?;
    render(&GuidelinesPage {
        chrome: Chrome::build(&ctx, "/assessment"),
        rows,
        can_write_any: matches!(u.role, Role::DistrictAdmin | Role::DepartmentOfficer),
    })
}

struct ItemForm {
    title: String,
    requirements: String,
    standard: String,
}

struct IndicatorForm {
    category: String,
    name: String,
    max: String,
    method: String,
    deduction: bool,
}

struct TitleForm {
    title: String,
    category: String,
    min: String,
}

#[derive(Template)]
#[template(path = "assessment/guideline.html")]
struct GuidelinePage {
    chrome: Chrome,
    g: Option<Guideline>,
    editable: bool,
    can_version: bool,
    values: HashMap<String, String>,
    items: Vec<ItemForm>,
    indicators: Vec<IndicatorForm>,
    titles: Vec<TitleForm>,
    departments: Vec<(i64, String)>,
    is_admin: bool,
    form: FormState,
}

impl GuidelinePage {
    fn v(&self, f: &str) -> String {
        self.values.get(f).cloned().unwrap_or_default()
    }
    fn err(&self, f: String) -> String {
        self.form.error("guideline", &f)
    }
    fn methods(&self) -> &'static [&'static str] {
        rules::METHODS
    }
    fn action(&self) -> String {
        match &self.g {
            Some(g) => format!("/assessment/guidelines/{}", g.row.id),
            None => "/assessment/guidelines".into(),
        }
    }
    fn rule_text(&self) -> String {
        match &self.g {
            Some(g) => self
                .chrome
                .tr
                .f("assessment.rule", &[&g.row.full_at, &g.row.zero_below]),
            None => String::new(),
        }
    }
    fn dept_selected(&self, id: &i64) -> bool {
        self.v("department") == id.to_string()
    }
}

const BLANK_ROWS: usize = 4;

fn page_rows(g: Option<&Guideline>) -> (Vec<ItemForm>, Vec<IndicatorForm>, Vec<TitleForm>) {
    let mut items: Vec<ItemForm> = g
        .map(|g| {
            g.items
                .iter()
                .map(|i| ItemForm {
                    title: i.title.clone(),
                    requirements: i.requirements.clone(),
                    standard: i.standard.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let mut inds: Vec<IndicatorForm> = g
        .map(|g| {
            g.indicators
                .iter()
                .map(|i| IndicatorForm {
                    category: i.category.clone(),
                    name: i.name.clone(),
                    max: rules::points_text(i.max_x10),
                    method: i.method.clone(),
                    deduction: i.deduction,
                })
                .collect()
        })
        .unwrap_or_default();
    let mut titles: Vec<TitleForm> = g
        .map(|g| {
            g.titles
                .iter()
                .map(|t| TitleForm {
                    title: t.title.clone(),
                    category: t.category.clone(),
                    min: t.min_pct.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    for _ in 0..BLANK_ROWS {
        items.push(ItemForm {
            title: String::new(),
            requirements: String::new(),
            standard: String::new(),
        });
        inds.push(IndicatorForm {
            category: String::new(),
            name: String::new(),
            max: String::new(),
            method: "material".into(),
            deduction: false,
        });
    }
    titles.push(TitleForm {
        title: String::new(),
        category: String::new(),
        min: String::new(),
    });
    (items, inds, titles)
}

fn values_of(g: &Guideline) -> HashMap<String, String> {
    [
        (
            "department",
            g.row
                .department_id
                .map(|d| d.to_string())
                .unwrap_or_default(),
        ),
        ("revision", g.row.revision.to_string()),
        ("year", g.row.year.to_string()),
        ("title", g.row.title.clone()),
        ("summary", g.row.summary.clone()),
        ("subsidy_basis", g.row.subsidy_basis.clone()),
        (
            "subsidy",
            Fen(g.row.subsidy_fen).yuan_string().replace(',', ""),
        ),
        ("full_at", g.row.full_at.to_string()),
        ("zero_below", g.row.zero_below.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// The departments for the guideline form, named in the reader's language.
async fn departments(s: &AppState, tr: &crate::platform::i18n::Tr) -> Result<Vec<(i64, String)>> {
    #[derive(sea_orm::FromQueryResult)]
    struct D {
        id: i64,
        name: String,
        name_en: String,
    }
    let d: Vec<D> = crate::platform::db::all(
        &s.db.conn,
        "SELECT id, name, name_en FROM departments ORDER BY sort_order, id",
        crate::vals![],
    )
    .await?;
    let en = tr.lang == crate::platform::i18n::Lang::En;
    Ok(d.into_iter()
        .map(|d| {
            let name = if en && !d.name_en.trim().is_empty() {
                d.name_en
            } else {
                d.name
            };
            (d.id, name)
        })
        .collect())
}

async fn new_guideline_page(
    u: Require<GuidelineWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    let (items, indicators, titles) = page_rows(None);
    let mut values: HashMap<String, String> = HashMap::new();
    values.insert("year".into(), s.db.clock().today().year().to_string());
    values.insert("subsidy_basis".into(), "fixed".into());
    values.insert("full_at".into(), "90".into());
    values.insert("zero_below".into(), "60".into());
    if let Scope::Department(d) = &u.scope {
        values.insert("department".into(), d.to_string());
    }
    render(&GuidelinePage {
        chrome: Chrome::build(&ctx, "/assessment"),
        g: None,
        editable: true,
        can_version: false,
        values,
        items,
        indicators,
        titles,
        departments: departments(&s, &ctx.tr).await?,
        is_admin: u.is_admin(),
        form: FormState::default(),
    })
}

async fn guideline_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let g = store::guideline(&s.db.conn, &u, id).await?;
    let writer = store::can_write(&u, g.row.department_id);
    let (items, indicators, titles) = page_rows(Some(&g));
    render(&GuidelinePage {
        chrome: Chrome::build(&ctx, "/assessment"),
        values: values_of(&g),
        editable: writer && g.row.status == "draft",
        can_version: writer && g.row.status == "published",
        g: Some(g),
        items,
        indicators,
        titles,
        departments: departments(&s, &ctx.tr).await?,
        is_admin: u.is_admin(),
        form: FormState::default(),
    })
}

fn parse_guideline(
    pairs: &[(String, String)],
    u: &CurrentUser,
) -> (GuidelineInput, Vec<FieldError>) {
    let mut p = Parse::default();
    let year = field(pairs, "year").trim().parse::<i64>().unwrap_or(0);
    let full_at = p.required_int(
        "full_at",
        field(pairs, "full_at").trim().trim_end_matches('%'),
    );
    let zero_below = p.required_int(
        "zero_below",
        field(pairs, "zero_below").trim().trim_end_matches('%'),
    );
    let subsidy_fen = p.money("subsidy", &field(pairs, "subsidy"));
    let department_id = match &u.scope {
        Scope::Department(d) => Some(*d),
        _ => field(pairs, "department").trim().parse::<i64>().ok(),
    };
    let items = rows_of(pairs, 'i')
        .into_iter()
        .map(|r| {
            (
                field(pairs, &format!("i{r}_title")),
                field(pairs, &format!("i{r}_requirements")),
                field(pairs, &format!("i{r}_standard")),
            )
        })
        .filter(|(t, q, s)| !(t.trim().is_empty() && q.trim().is_empty() && s.trim().is_empty()))
        .collect();
    let mut indicators = vec![];
    for r in rows_of(pairs, 'n') {
        let name = field(pairs, &format!("n{r}_name"));
        let max_raw = field(pairs, &format!("n{r}_max"));
        if name.trim().is_empty() && max_raw.trim().is_empty() {
            continue;
        }
        let max_x10 = if max_raw.trim().is_empty() {
            None
        } else {
            match rules::parse_points(&max_raw) {
                Ok(m) => Some(m),
                Err(k) => {
                    p.errs.push(FieldError::new(&format!("n{r}_max"), k));
                    Some(1)
                }
            }
        };
        indicators.push(IndicatorInput {
            row: r,
            category: field(pairs, &format!("n{r}_category")),
            name,
            max_x10,
            method: field(pairs, &format!("n{r}_method")),
            deduction: !field(pairs, &format!("n{r}_deduction")).is_empty(),
        });
    }
    let titles = rows_of(pairs, 't')
        .into_iter()
        .filter(|r| !field(pairs, &format!("t{r}_title")).trim().is_empty())
        .map(|r| Title {
            title: field(pairs, &format!("t{r}_title")),
            category: field(pairs, &format!("t{r}_category")),
            min_pct: field(pairs, &format!("t{r}_min"))
                .trim()
                .parse()
                .unwrap_or(-1),
        })
        .collect();
    (
        GuidelineInput {
            department_id,
            year,
            title: field(pairs, "title"),
            summary: field(pairs, "summary"),
            subsidy_basis: field(pairs, "subsidy_basis"),
            subsidy_fen,
            full_at,
            zero_below,
            items,
            indicators,
            titles,
            revision: crate::platform::revision::base(&field(pairs, "revision")).unwrap_or_else(
                |_| {
                    p.errs
                        .push(FieldError::new("revision", "common.whole_number"));
                    None
                },
            ),
        },
        p.errs,
    )
}

async fn save_guideline_form(
    s: &AppState,
    ctx: &Ctx,
    u: &Require<GuidelineWriters>,
    id: Option<i64>,
    pairs: Vec<(String, String)>,
) -> Result<Response> {
    let (input, errs) = parse_guideline(&pairs, u);
    let result = if errs.is_empty() {
        store::save_guideline(&s.db, u, id, &input).await
    } else {
        Err(AppError::Invalid(errs))
    };
    match result {
        Ok(gid) => Ok(crate::platform::http::redirect(&format!(
            "/assessment/guidelines/{gid}"
        ))),
        Err(AppError::Invalid(errs)) => {
            let g = match id {
                Some(id) => Some(store::guideline(&s.db.conn, u, id).await?),
                None => None,
            };
            let mut values: HashMap<String, String> = pairs.iter().cloned().collect();
            // after a stale save the form carries the revision saved since
            if let Some(current) = crate::platform::revision::current_of(&errs) {
                values.insert("revision".into(), current.into());
            }
            let items = rows_of(&pairs, 'i')
                .into_iter()
                .map(|r| ItemForm {
                    title: field(&pairs, &format!("i{r}_title")),
                    requirements: field(&pairs, &format!("i{r}_requirements")),
                    standard: field(&pairs, &format!("i{r}_standard")),
                })
                .collect();
            let indicators = rows_of(&pairs, 'n')
                .into_iter()
                .map(|r| IndicatorForm {
                    category: field(&pairs, &format!("n{r}_category")),
                    name: field(&pairs, &format!("n{r}_name")),
                    max: field(&pairs, &format!("n{r}_max")),
                    method: field(&pairs, &format!("n{r}_method")),
                    deduction: !field(&pairs, &format!("n{r}_deduction")).is_empty(),
                })
                .collect();
            let titles = rows_of(&pairs, 't')
                .into_iter()
                .map(|r| TitleForm {
                    title: field(&pairs, &format!("t{r}_title")),
                    category: field(&pairs, &format!("t{r}_category")),
                    min: field(&pairs, &format!("t{r}_min")),
                })
                .collect();
            let page = GuidelinePage {
                chrome: Chrome::build(ctx, "/assessment"),
                g,
                editable: true,
                can_version: false,
                values,
                items,
                indicators,
                titles,
                departments: departments(s, &ctx.tr).await?,
                is_admin: u.is_admin(),
                form: FormState::from_error("guideline", &ctx.tr, &errs, vec![]),
            };
            render_form(&page, &page.form)
        }
        Err(e) => Err(e),
    }
}

async fn post_new_guideline(
    u: Require<GuidelineWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_guideline_form(&s, &ctx, &u, None, pairs).await
}

async fn post_guideline(
    u: Require<GuidelineWriters>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    save_guideline_form(&s, &ctx, &u, Some(id), pairs).await
}

async fn post_guideline_step(
    u: Require<GuidelineWriters>,
    State(s): State<AppState>,
    Path((id, step)): Path<(i64, String)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let target = match step.as_str() {
        "publish" => {
            store::publish(&s.db, &u, id).await?;
            id
        }
        "new-version" => store::new_version(&s.db, &u, id).await?,
        _ => return Err(AppError::NotFound),
    };
    Ok(crate::platform::http::redirect(&format!(
        "/assessment/guidelines/{target}"
    )))
}

// ------------------------------------------------------------------ API

/// Guidelines and templates: every published version, and the drafts you may write.
#[utoipa::path(get, path = "/api/v1/assessment/guidelines", tag = "assessment", security(("bearer" = [])),
    responses((status = 200, body = Vec<GuidelineRow>), (status = 403)))]
pub async fn api_guidelines(
    u: Require<Officials>,
    State(s): State<AppState>,
) -> Result<Json<Vec<GuidelineRow>>> {
    Ok(Json(store::guidelines(&s.db.conn, &u).await?))
}

/// One guideline version with its items, indicators and titles.
#[utoipa::path(get, path = "/api/v1/assessment/guidelines/{id}", tag = "assessment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "guideline version id")),
    responses((status = 200, body = Guideline), (status = 404)))]
pub async fn api_guideline(
    u: Require<Officials>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Guideline>> {
    Ok(Json(store::guideline(&s.db.conn, &u, id).await?))
}

/// Assessment rounds, newest first.
#[utoipa::path(get, path = "/api/v1/assessment/rounds", tag = "assessment", security(("bearer" = [])),
    responses((status = 200, body = Vec<Round>), (status = 403)))]
pub async fn api_rounds(
    _: Require<Officials>,
    State(s): State<AppState>,
) -> Result<Json<Vec<Round>>> {
    Ok(Json(store::rounds(&s.db.conn).await?))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RoundJson {
    pub round: Round,
    pub guidelines: Vec<Guideline>,
    pub results: Vec<ResultRow>,
}

/// A round with its guidelines and the results in your scope: progress, points, ranks, titles.
#[utoipa::path(get, path = "/api/v1/assessment/rounds/{id}", tag = "assessment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "round id")),
    responses((status = 200, body = RoundJson), (status = 404)))]
pub async fn api_round(
    u: Require<Officials>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<RoundJson>> {
    let (round, guidelines, results) = store::results(&s.db, &s.district, &u.scope, id).await?;
    Ok(Json(RoundJson {
        round,
        guidelines,
        results,
    }))
}

/// A community's score sheet in a round: every indicator with the self-assessment, the
/// official points, who gave them and when, what was lost, titles and the subsidy earned.
#[utoipa::path(get, path = "/api/v1/assessment/rounds/{id}/sheets/{code}", tag = "assessment", security(("bearer" = [])),
    params(("id" = i64, Path, description = "round id"), ("code" = String, Path, description = "12-digit community code")),
    responses((status = 200, body = Sheet), (status = 404)))]
pub async fn api_sheet(
    u: Require<Officials>,
    State(s): State<AppState>,
    Path((id, code)): Path<(i64, String)>,
) -> Result<Json<Sheet>> {
    Ok(Json(
        store::load_sheet(&s.db, &s.district, &u.scope, id, &code).await?,
    ))
}
