//! The yearly coverage targets, district-wide and by town.

use super::*;
use crate::platform::http::form::redirect_or_show;

#[derive(Template)]
#[template(path = "centres/targets.html")]
pub(super) struct TargetsPage {
    pub(super) chrome: Chrome,
    pub(super) targets: Vec<Target>,
    pub(super) towns: Vec<crate::geo::store::TownOption>,
    pub(super) form: FormState,
    pub(super) saved: bool,
    pub(super) next_year: i32,
}

pub(super) async fn show_targets(
    s: &AppState,
    ctx: &Ctx,
    form: FormState,
    saved: bool,
) -> Result<Response> {
    let targets = store::targets(&s.db).await?;
    let towns = crate::geo::web::town_options(s, &Scope::District).await?;
    let page = TargetsPage {
        chrome: Chrome::build(ctx, "/centres"),
        next_year: s.db.clock().today().year(),
        targets,
        towns,
        form,
        saved,
    };
    render_form(&page, &page.form)
}

pub(super) async fn targets_page(
    _: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<SavedQuery>,
) -> Result<Response> {
    show_targets(&s, &ctx, FormState::default(), q.saved.is_some()).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct TargetForm {
    pub(super) year: String,
    pub(super) town: String,
    pub(super) target_pct: String,
}

pub(super) async fn post_target(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<TargetForm>,
) -> Result<Response> {
    let mut p = Parse::default();
    let year = p.int("year", &f.year);
    let pct = p.int(
        "target_pct",
        f.target_pct.trim().trim_end_matches(['%', '％']),
    );
    for (field, v) in [("year", year), ("target_pct", pct)] {
        if v.is_none() && !p.errs.iter().any(|e| e.field == field) {
            p.errs.push(FieldError::new(field, "common.required"));
        }
    }
    let result = match (year, pct) {
        (Some(y), Some(pc)) if p.errs.is_empty() => {
            store::set_target(&s.db, &s.district, &u.actor(), y, &f.town, pc).await
        }
        _ => Err(AppError::Invalid(p.errs)),
    };
    let result = result.map(|()| "/centres/targets?saved=1".to_string());
    redirect_or_show(
        result,
        "target",
        &ctx.tr,
        vec![
            ("year", f.year),
            ("town", f.town),
            ("target_pct", f.target_pct),
        ],
        |form| show_targets(&s, &ctx, form, false),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DeleteTargetForm {
    pub(super) year: i64,
    pub(super) town: String,
}

pub(super) async fn post_delete_target(
    u: Require<Admin>,
    State(s): State<AppState>,
    CsrfForm(f): CsrfForm<DeleteTargetForm>,
) -> Result<Response> {
    store::delete_target(&s.db, &u.actor(), f.year, &f.town).await?;
    Ok(crate::platform::http::redirect("/centres/targets?saved=1"))
}

/// The coverage targets by year, for the district (`town_code` empty) and per town.
#[utoipa::path(get, path = "/api/v1/coverage-targets", tag = "centres", security(("bearer" = [])),
    responses((status = 200, body = Vec<Target>), (status = 403)))]
pub async fn api_targets(
    _: Require<Officials>,
    State(s): State<AppState>,
) -> Result<Json<Vec<Target>>> {
    Ok(Json(store::targets(&s.db).await?))
}

/// Label of a status key for templates and exports.
pub fn status_label(tr: &Tr, status: &str) -> String {
    tr.t(&format!("centres.status.{status}")).to_string()
}

pub fn mode_label(tr: &Tr, mode: &str) -> String {
    tr.t(&format!("centres.mode.{mode}")).to_string()
}
