//! Likely duplicates, and merging two records after a confirmation that shows both and counts
//! what moves.

use super::*;
use crate::registry::duplicates::{self, Pair};
use crate::registry::residents::Resident;

pub(super) fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/registry/duplicates", duplicates_page)
        .get("/registry/duplicates/merge", merge_page)
        .post("/registry/duplicates/merge", post_merge)
}

#[derive(Template)]
#[template(path = "registry/duplicates.html")]
struct DuplicatesPage {
    chrome: Chrome,
    pairs: Vec<Pair>,
    merged: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MergedFlag {
    merged: Option<String>,
}

async fn duplicates_page(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<MergedFlag>,
) -> Result<Response> {
    render(&DuplicatesPage {
        chrome: Chrome::build(&ctx, "/registry/households"),
        pairs: duplicates::likely(&s.db, &s.district, &u).await?,
        merged: f.merged.is_some(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MergeForm {
    keep: String,
    other: String,
    confirm: String,
}

impl MergeForm {
    fn ids(&self) -> Result<(i64, i64)> {
        match (self.keep.trim().parse(), self.other.trim().parse()) {
            (Ok(k), Ok(o)) => Ok((k, o)),
            _ => Err(crate::platform::error::AppError::invalid(
                "other",
                "hall.choose_one",
            )),
        }
    }
}

#[derive(Template)]
#[template(path = "registry/merge.html")]
struct MergePage {
    chrome: Chrome,
    keep: Resident,
    other: Resident,
    moving: i64,
    error: String,
}

async fn show_merge(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    f: &MergeForm,
    error: String,
) -> Result<Response> {
    let (k, o) = f.ids()?;
    let (keep, other, moving) = duplicates::preview(&s.db, &s.district, u, k, o).await?;
    let failed = !error.is_empty();
    let mut r = render(&MergePage {
        chrome: Chrome::build(ctx, "/registry/households"),
        keep,
        other,
        moving,
        error,
    })?;
    if failed {
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn merge_page(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<MergeForm>,
) -> Result<Response> {
    show_merge(&s, &ctx, &u, &f, String::new()).await
}

async fn post_merge(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<MergeForm>,
) -> Result<Response> {
    if f.confirm != "1" {
        let e = ctx.tr.t("registry.duplicates.must_confirm").to_string();
        return show_merge(&s, &ctx, &u, &f, e).await;
    }
    let (k, o) = f.ids()?;
    duplicates::merge(&s.db, &s.district, &u, k, o).await?;
    Ok(redirect("/registry/duplicates?merged=1"))
}
