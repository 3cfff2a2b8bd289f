//! Assessment rounds: opening one, its sheets by community, signing it off.

use super::*;
use crate::platform::http::form::redirect_or_show;

#[derive(Template)]
#[template(path = "assessment/rounds.html")]
pub(super) struct RoundsPage {
    pub(super) chrome: Chrome,
    pub(super) rounds: Vec<Round>,
    pub(super) published: Vec<GuidelineRow>,
    pub(super) can_make: bool,
    pub(super) form: FormState,
    pub(super) this_year: i32,
}

pub(super) async fn show_rounds(
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

pub(super) async fn rounds_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
) -> Result<Response> {
    show_rounds(&s, &ctx, &u, FormState::default()).await
}

pub(super) async fn post_round(
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
    let result = store::create_round(&s.db, &s.district, &u, year, &field(&pairs, "name"), &ids)
        .await
        .map(|id| format!("/assessment/rounds/{id}"));
    redirect_or_show(
        result,
        "round",
        &ctx.tr,
        vec![
            ("year", field(&pairs, "year")),
            ("name", field(&pairs, "name")),
        ],
        |form| show_rounds(&s, &ctx, &u, form),
    )
    .await
}

#[derive(Template)]
#[template(path = "assessment/round.html")]
pub(super) struct RoundPage {
    pub(super) chrome: Chrome,
    pub(super) r: Round,
    pub(super) guidelines: Vec<Guideline>,
    pub(super) rows: Vec<ResultRow>,
    pub(super) is_admin: bool,
    pub(super) form: FormState,
    /// guidelines of the round whose subsidy batch exists
    pub(super) batched: Vec<i64>,
}

impl RoundPage {
    fn payable(&self) -> Vec<&Guideline> {
        self.guidelines
            .iter()
            .filter(|g| g.row.subsidy_basis != "none" && !self.batched.contains(&g.row.id))
            .collect()
    }
}

pub(super) async fn show_round(
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

pub(super) async fn round_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    show_round(&s, &ctx, &u, id, FormState::default()).await
}

pub(super) async fn post_sign_off(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let result = store::sign_off(&s.db, &u, id)
        .await
        .map(|()| format!("/assessment/rounds/{id}"));
    redirect_or_show(result, "round", &ctx.tr, vec![], |form| {
        show_round(&s, &ctx, &u, id, form)
    })
    .await
}

pub(super) async fn post_pay(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path((id, guideline)): Path<(i64, i64)>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let result = store::create_guideline_batch(&s.db, &s.district, &u.actor(), id, guideline)
        .await
        .map(|batch| format!("/funding/batches/{batch}"));
    redirect_or_show(result, "round", &ctx.tr, vec![], |form| {
        show_round(&s, &ctx, &u, id, form)
    })
    .await
}

pub(super) async fn round_xlsx(
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
