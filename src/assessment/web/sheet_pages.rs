//! A community's sheet: self-assessment, the town's review, the departments' scores, evidence.

use super::*;
use crate::platform::http::form::{redirect_or_show, sent_values};

#[derive(Template)]
#[template(path = "assessment/sheet.html")]
pub(super) struct SheetPage {
    pub(super) chrome: Chrome,
    pub(super) sh: Sheet,
    pub(super) form: FormState,
    pub(super) done: Option<String>,
    pub(super) can_self: bool,
    pub(super) can_review: bool,
    pub(super) scorable: Vec<i64>,
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
    fn measured_text(&self, m: &crate::workers::measures::Measured) -> String {
        let args: Vec<&dyn std::fmt::Display> =
            m.args.iter().map(|a| a as &dyn std::fmt::Display).collect();
        self.chrome.tr.f(&m.key, &args)
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

pub(super) async fn show_sheet(
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
pub(super) struct DoneQuery {
    pub(super) saved: Option<String>,
}

pub(super) async fn sheet_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, code)): Path<(i64, String)>,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<Response> {
    show_sheet(&s, &ctx, &u, id, &code, FormState::default(), q.saved).await
}

pub(super) fn score_inputs(
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
pub(super) async fn post_self(
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
pub(super) async fn post_town_review(
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
pub(super) async fn post_score(
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
pub(super) async fn after_sheet_post(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    id: i64,
    code: &str,
    form: &'static str,
    result: Result<()>,
    pairs: &[(String, String)],
) -> Result<Response> {
    let result = result.map(|()| format!("/assessment/rounds/{id}/sheets/{code}?saved={form}"));
    redirect_or_show(result, form, &ctx.tr, sent_values(pairs), |fs| {
        show_sheet(s, ctx, u, id, code, fs, None)
    })
    .await
}

pub(super) async fn sheet_xlsx(
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
pub(super) async fn post_attachment(
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
    let result = result.map(|()| format!("/assessment/rounds/{id}/sheets/{code}?saved=file"));
    redirect_or_show(result, "file", &ctx.tr, vec![], |form| {
        show_sheet(&s, &ctx, &u, id, &code, form, None)
    })
    .await
}

pub(super) async fn get_attachment(
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

pub(super) async fn post_delete_attachment(
    u: Require<Staff>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, code, aid)): Path<(i64, String, i64)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    crate::geo::store::load_community(&s.db, &s.district, &u.scope, &code).await?;
    let result = store::delete_attachment(&s.db, &s.district, &u, id, &code, aid)
        .await
        .map(|()| format!("/assessment/rounds/{id}/sheets/{code}?saved=file"));
    redirect_or_show(result, "file", &ctx.tr, vec![], |form| {
        show_sheet(&s, &ctx, &u, id, &code, form, None)
    })
    .await
}
