//! A person's rights: one record in full (the showing logged), who saw it, everything held on
//! them for them, and a town's reveal of a household member with its reason.

use super::*;
use crate::platform::auth::guard::Admin;
use crate::registry::access::{self, Entry};
use crate::registry::residents::Resident;

pub(super) fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/api/v1/residents/{id}", api_resident)
        .get("/registry/residents/{id}/access", access_page)
        .get("/registry/residents/{id}/export.json", subject_export)
        .post("/registry/households/{id}/reveal", post_reveal)
}

/// One resident: in full to the district and the person's own community (the showing is
/// logged in the access log), masked to a town.
#[utoipa::path(get, path = "/api/v1/residents/{id}", tag = "registry",
    params(("id" = i64, Path)), responses((status = 200, body = Resident)))]
pub async fn api_resident(
    u: Require<Readers>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Json<Resident>> {
    Ok(Json(access::view(&s.db, &s.district, &u, id).await?))
}

#[derive(Template)]
#[template(path = "registry/access.html")]
struct AccessPage {
    chrome: Chrome,
    person: Resident,
    entries: Vec<Entry>,
}

impl AccessPage {
    fn fields(&self, f: &str) -> String {
        f.split(',')
            .map(|k| self.chrome.tk("registry.access.field", k))
            .collect::<Vec<_>>()
            .join("、")
    }
    fn at(&self, e: &Entry) -> String {
        crate::platform::time::to_local(e.at)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

async fn access_page(
    u: Require<Admin>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response> {
    let entries = access::log_of(&s.db, &s.district, &u, id).await?;
    let person = crate::registry::residents::load(&s.db, &s.district, &u, id).await?;
    render(&AccessPage {
        chrome: Chrome::build(&ctx, "/registry/households"),
        person,
        entries,
    })
}

async fn subject_export(
    u: Require<Admin>,
    State(s): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    use axum::response::IntoResponse;
    let data = access::subject_export(&s.db, &s.district, &u, id).await?;
    let body = serde_json::to_vec_pretty(&data)
        .map_err(|e| crate::platform::error::AppError::Internal(e.into()))?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/json; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"person-{id}.json\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RevealForm {
    resident: String,
    reason: String,
}

/// A household member shown in full to someone who gave a reason (logged with it).
async fn post_reveal(
    u: Require<Readers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<RevealForm>,
) -> Result<Response> {
    let mut rec = households::load(&s.db, &s.district, &u, id).await?;
    let Some(rid) = f
        .resident
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|r| rec.members.iter().any(|m| m.id == *r))
    else {
        return Err(crate::platform::error::AppError::invalid(
            "resident",
            "hall.choose_one",
        ));
    };
    let values = vec![
        ("resident", f.resident.clone()),
        ("reason", f.reason.clone()),
    ];
    match access::reveal(&s.db, &s.district, &u, rid, &f.reason).await {
        Ok(full) => {
            for m in rec.members.iter_mut().filter(|m| m.id == rid) {
                *m = full.clone();
            }
            show_household(&ctx, &u, rec, FormState::default(), Some("revealed".into()))
        }
        Err(crate::platform::error::AppError::Invalid(errs)) => {
            let form = FormState::from_error("reveal", &ctx.tr, &errs, values);
            show_household(&ctx, &u, rec, form, None)
        }
        Err(e) => Err(e),
    }
}
