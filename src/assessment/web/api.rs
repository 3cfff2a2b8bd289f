//! The assessment API: guidelines, rounds, sheets.

use super::*;

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
