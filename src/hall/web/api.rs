//! The hall's API: cases, registering, one case, measures.

use super::*;

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseList {
    pub total: u64,
    pub page: u64,
    pub cases: Vec<CaseRow>,
}

/// Cases in the caller's scope (personal data masked for roles that need none).
#[utoipa::path(get, path = "/api/v1/cases", tag = "hall", params(CaseQuery),
    responses((status = 200, body = CaseList)))]
pub async fn api_cases(
    u: Require<Hall>,
    State(s): State<AppState>,
    Query(q): Query<CaseQuery>,
) -> Result<Json<CaseList>> {
    let (cases, total, page) =
        cases::list(&s.db, &s.district, &u, &q, s.db.clock().today()).await?;
    Ok(Json(CaseList { total, page, cases }))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CaseWithTimeline {
    #[serde(flatten)]
    pub case: CaseFull,
    pub events: Vec<Event>,
}

/// One case with its timeline.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "hall",
    responses((status = 200, body = CaseWithTimeline), (status = 404)))]
pub async fn api_case(
    u: Require<Hall>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<CaseWithTimeline>> {
    let case = cases::load(&s.db, &s.district, &u, id).await?;
    let events = cases::events(&s.db, &case).await?;
    Ok(Json(CaseWithTimeline { case, events }))
}

/// The hall's measures for the caller's scope.
#[utoipa::path(get, path = "/api/v1/hall/measures", tag = "hall", params(MeasuresQuery),
    responses((status = 200, body = Measures)))]
pub async fn api_measures(
    u: Require<MeasureReaders>,
    State(s): State<AppState>,
    Query(q): Query<MeasuresQuery>,
) -> Result<Json<Measures>> {
    Ok(Json(build_measures(&s, &u, &q, false).await?))
}
