//! The construction ledger and its spreadsheet.

use super::*;

#[derive(Template)]
#[template(path = "centres/ledger.html")]
pub(super) struct LedgerPage {
    pub(super) chrome: Chrome,
    pub(super) rows: Vec<LedgerRow>,
    pub(super) towns: Vec<crate::geo::store::TownOption>,
    pub(super) filter: LedgerFilter,
    pub(super) pager: Pager,
    pub(super) query: String,
}

impl LedgerPage {
    fn status_selected(&self, key: &str) -> bool {
        self.filter.status.as_deref() == Some(key)
    }
    fn statuses(&self) -> Vec<&'static str> {
        Status::ALL.iter().map(|s| s.key()).collect()
    }
}

pub(super) fn ledger_query(f: &LedgerFilter) -> String {
    query_without_page(&[
        ("town", f.town.as_deref().unwrap_or("")),
        ("status", f.status.as_deref().unwrap_or("")),
        ("q", f.q.as_deref().unwrap_or("")),
    ])
}

pub(super) async fn ledger_page(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<LedgerFilter>,
) -> Result<Response> {
    let per = store::LEDGER_PAGE_SIZE;
    let page = crate::platform::http::pagination::page_number(f.page);
    let (mut rows, total) = store::ledger(
        &s.db,
        &s.district,
        &u.scope,
        &f,
        Some((per, (page - 1).saturating_mul(per))),
    )
    .await?;
    let query = ledger_query(&f);
    let pager = Pager::new(page, total, per, query.clone());
    if pager.page != page {
        rows = store::ledger(
            &s.db,
            &s.district,
            &u.scope,
            &f,
            Some((per, pager.offset())),
        )
        .await?
        .0;
    }
    let towns = crate::geo::web::town_options(&s, &u.scope).await?;
    render(&LedgerPage {
        chrome: Chrome::build(&ctx, "/centres"),
        rows,
        towns,
        filter: f,
        pager,
        query: if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        },
    })
}

pub(super) async fn ledger_all(
    s: &AppState,
    u: &CurrentUser,
    f: &LedgerFilter,
) -> Result<Vec<LedgerRow>> {
    Ok(store::ledger(&s.db, &s.district, &u.scope, f, None)
        .await?
        .0)
}

pub(super) async fn ledger_xlsx(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<LedgerFilter>,
) -> Result<Response> {
    let rows = ledger_all(&s, &u, &f).await?;
    let standards = store::standards(&s.db.conn).await?;
    let body = export::ledger_xlsx(&ctx.tr, &rows, &standards, s.db.clock().today().year())?;
    Ok(crate::platform::sheet::xlsx_response(body, "centres.xlsx"))
}

pub(super) async fn ledger_csv(
    u: Require<Officials>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(f): Query<LedgerFilter>,
) -> Result<Response> {
    let rows = ledger_all(&s, &u, &f).await?;
    let standards = store::standards(&s.db.conn).await?;
    let body = export::ledger_csv(&ctx.tr, &rows, &standards, s.db.clock().today().year())?;
    Ok(crate::platform::sheet::csv_response(body, "centres.csv"))
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct LedgerPageJson {
    pub items: Vec<LedgerRow>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// Communities in scope with their centres (the ledger), filtered, 50 a page.
#[utoipa::path(get, path = "/api/v1/centres", tag = "centres", security(("bearer" = [])),
    params(LedgerFilter), responses((status = 200, body = LedgerPageJson), (status = 403), (status = 422)))]
pub async fn api_centres(
    u: Require<Officials>,
    State(s): State<AppState>,
    Query(f): Query<LedgerFilter>,
) -> Result<Json<LedgerPageJson>> {
    let per = store::LEDGER_PAGE_SIZE;
    let page = crate::platform::http::pagination::page_number(f.page);
    let (items, total) = store::ledger(
        &s.db,
        &s.district,
        &u.scope,
        &f,
        Some((per, (page - 1).saturating_mul(per))),
    )
    .await?;
    Ok(Json(LedgerPageJson {
        items,
        total,
        page,
        per_page: per,
    }))
}
