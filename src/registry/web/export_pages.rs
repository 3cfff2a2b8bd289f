//! The registry's export, as Excel or CSV.

use super::*;
use crate::registry::export;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ExportQuery {
    /// A town or community in the caller's territory.
    community: Option<String>,
}

pub(super) fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/registry/export.xlsx", export_xlsx)
        .get("/registry/export.csv", export_csv)
}

async fn export_xlsx(
    u: Require<Readers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    let (header, rows) =
        export::rows(&s.db, &s.district, &u, &ctx.tr, q.community.as_deref()).await?;
    let body = crate::platform::sheet::xlsx(
        ctx.tr.t("registry.export.sheet"),
        &header,
        &rows,
        &[16.0, 8.0, 10.0, 12.0, 8.0, 10.0, 10.0, 22.0, 6.0, 12.0],
        2,
    )?;
    Ok(crate::platform::sheet::xlsx_response(body, "registry.xlsx"))
}

async fn export_csv(
    u: Require<Readers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    let (header, rows) =
        export::rows(&s.db, &s.district, &u, &ctx.tr, q.community.as_deref()).await?;
    let body = crate::platform::sheet::csv(&header, &rows)?;
    Ok(crate::platform::sheet::csv_response(body, "registry.csv"))
}
