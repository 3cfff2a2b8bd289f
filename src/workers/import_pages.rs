//! The import's page: the template to download, the file to send, and what came of it - the
//! rows added, or every problem by row and column with nothing written.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::platform::auth::guard::Require;
use crate::platform::error::{AppError, Result};
use crate::platform::http::AppState;
use crate::platform::http::ctx::Ctx;
use crate::platform::http::layout::Chrome;
use crate::workers::import::{self, Imported, Refused};
use crate::workers::web::Keepers;

/// A problem as the page lists it.
pub struct Problem {
    pub row: usize,
    pub column: String,
    pub message: String,
}

#[derive(Template)]
#[template(path = "workers/import.html")]
struct ImportPage {
    chrome: Chrome,
    problems: Vec<Problem>,
    done: Option<Imported>,
    max_rows: usize,
}

impl ImportPage {
    fn done_message(&self) -> String {
        match &self.done {
            Some(d) => self
                .chrome
                .tr
                .f("workers.import.done", &[&d.added, &d.unchanged]),
            None => String::new(),
        }
    }
}

async fn ensure_keeper(s: &AppState, u: &crate::platform::auth::CurrentUser) -> Result<()> {
    if crate::workers::store::writable_units(&s.db, &s.district, u)
        .await?
        .is_empty()
    {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

async fn import_page(u: Require<Keepers>, State(s): State<AppState>, ctx: Ctx) -> Result<Response> {
    ensure_keeper(&s, &u).await?;
    crate::platform::http::render(&ImportPage {
        chrome: Chrome::build(&ctx, "/workers"),
        problems: vec![],
        done: None,
        max_rows: import::MAX_ROWS,
    })
}

async fn template(u: Require<Keepers>, State(s): State<AppState>, ctx: Ctx) -> Result<Response> {
    let units = crate::workers::store::writable_units(&s.db, &s.district, &u).await?;
    let example = units
        .iter()
        .find(|(c, _)| !c.ends_with("000"))
        .or(units.first())
        .map(|(_, n)| n.clone())
        .ok_or(AppError::Forbidden)?;
    let bytes = import::template(&ctx.tr, &example)?;
    Ok(crate::platform::sheet::xlsx_response(
        bytes,
        "workers-template.xlsx",
    ))
}

/// The file from a multipart form (`file`), its `_csrf` checked like every form's.
async fn post_import(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    form: std::result::Result<
        axum::extract::Multipart,
        axum::extract::multipart::MultipartRejection,
    >,
) -> Result<Response> {
    ensure_keeper(&s, &u).await?;
    let mut form = form.map_err(|_| AppError::invalid("file", "form.malformed"))?;
    let (mut csrf, mut bytes, mut too_large) = (String::new(), Vec::new(), false);
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                too_large = true;
                break;
            }
            Err(_) => return Err(AppError::invalid("file", "form.malformed")),
        };
        match field.name() {
            Some("_csrf") => csrf = field.text().await.unwrap_or_default(),
            Some("file") => match field.bytes().await {
                Ok(b) => bytes = b.to_vec(),
                Err(_) => {
                    too_large = true;
                    break;
                }
            },
            _ => {}
        }
    }
    if !too_large
        && (ctx.csrf.is_empty() || !crate::platform::auth::constant_time_eq(&csrf, &ctx.csrf))
    {
        return Err(AppError::Csrf);
    }
    let outcome = if too_large {
        Err(Refused::Rows(vec![import::RowError {
            row: 0,
            field: "file".into(),
            error: crate::platform::error::FieldError::new("file", "workers.import.too_large"),
        }]))
    } else {
        import::import(&s.db, &s.district, &u, &bytes).await
    };
    let tr = &ctx.tr;
    let (status, problems, done) = match outcome {
        Ok(d) => (StatusCode::OK, vec![], Some(d)),
        Err(Refused::Other(e)) => return Err(e),
        Err(Refused::Rows(rows)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            rows.into_iter()
                .map(|r| Problem {
                    row: r.row,
                    column: if r.field == "file" {
                        String::new()
                    } else {
                        tr.t(&format!("workers.field.{}", r.field)).to_string()
                    },
                    message: tr.field_error(&r.error),
                })
                .collect(),
            None,
        ),
    };
    let page = ImportPage {
        chrome: Chrome::build(&ctx, "/workers"),
        problems,
        done,
        max_rows: import::MAX_ROWS,
    };
    let mut resp = crate::platform::http::render(&page)?.into_response();
    *resp.status_mut() = status;
    Ok(resp)
}

pub fn routes() -> crate::platform::http::routes::Routes<AppState> {
    crate::platform::http::routes::Routes::new()
        .get("/workers/import", import_page)
        .post("/workers/import", post_import)
        .get("/workers/import/template.xlsx", template)
}
