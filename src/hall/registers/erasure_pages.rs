//! Erasing a resident (the data subject's right): a confirmation with the numbers, then the erasure.

use super::*;

#[derive(Template)]
#[template(path = "hall/erase.html")]
pub(super) struct ErasePage {
    pub(super) chrome: Chrome,
    pub(super) id: i64,
    pub(super) e: crate::registry::erasure::Erasure,
    pub(super) error: String,
}

impl ErasePage {
    fn heading(&self) -> String {
        self.chrome.tr.f(
            "hall.erase.heading",
            &[&self.e.name, &self.e.community_name],
        )
    }
}

/// The confirmation, with what would go.
pub(super) async fn erase_page(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let e = crate::registry::erasure::erasure_preview(&s.db, &s.district, &u, id).await?;
    render(&ErasePage {
        chrome: Chrome::build(&ctx, "/hall/residents"),
        id,
        e,
        error: String::new(),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct EraseForm {
    pub(super) confirm: String,
}

/// Erase a person's data at their request; the district admin, after the confirmation.
pub(super) async fn post_erase(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<EraseForm>,
) -> Result<Response> {
    if f.confirm != "1" {
        let e = crate::registry::erasure::erasure_preview(&s.db, &s.district, &u, id).await?;
        let mut r = render(&ErasePage {
            chrome: Chrome::build(&ctx, "/hall/residents"),
            id,
            e,
            error: ctx.tr.t("hall.erase.must_confirm").to_string(),
        })?;
        *r.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(r);
    }
    let e = crate::registry::erasure::erase(&s.db, &s.district, &u, id).await?;
    Ok(crate::platform::http::redirect(&format!(
        "/hall/residents?erased={}.{}.{}",
        e.cases, e.volunteers, e.proposals
    )))
}
