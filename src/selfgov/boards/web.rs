//! The notice boards' writes from a community's workspace: withdrawing a notice.

use axum::extract::{Path, State};
use axum::response::Response;

use crate::platform::auth::guard::Require;
use crate::platform::error::Result;
use crate::platform::http::AppState;
use crate::platform::http::ctx::CsrfForm;
use crate::platform::http::routes::Routes;
use crate::selfgov::SelfgovWriters;

/// Its routes with their access.
pub fn router() -> Routes<AppState> {
    Routes::new().post("/selfgov/notices/{id}/withdraw", post_withdraw)
}

async fn post_withdraw(
    u: Require<SelfgovWriters>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let code = crate::selfgov::boards::store::withdraw_notice(&s.db, &s.district, &u, id).await?;
    Ok(crate::platform::http::redirect(&format!(
        "/selfgov/c/{code}#notices"
    )))
}
