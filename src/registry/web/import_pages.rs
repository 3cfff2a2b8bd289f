//! The import's pages: the template and the upload; the preview - the columns as understood
//! (the person may correct them), what would be new, changed, unchanged or refused, and every
//! refused row with its row, column and reason; the confirmation that writes all or nothing.

use axum::http::StatusCode;

use super::*;
use crate::platform::error::{AppError, FieldError};
use crate::platform::types::{DivisionCode, Level};
use crate::registry::import::check::{self, Checked};
use crate::registry::import::{self, FIELDS, staged, write};

/// Problems listed on the preview (the count says how many more there are).
const LISTED: usize = 500;

pub(super) fn routes() -> Routes<AppState> {
    Routes::new()
        .get("/registry/import", import_page)
        .post_upload(
            "/registry/import",
            post_import,
            crate::platform::http::MAX_BODY_BYTES,
        )
        .get("/registry/import/template.xlsx", template)
        .get("/registry/import/{token}", preview_page)
        .post("/registry/import/{token}/mapping", post_mapping)
        .post("/registry/import/{token}/confirm", post_confirm)
}

/// A problem as the page lists it.
struct Problem {
    row: usize,
    column: String,
    message: String,
}

#[derive(Template)]
#[template(path = "registry/import.html")]
struct ImportPage {
    chrome: Chrome,
    fixed_community: Option<(String, String)>,
    community: String,
    problems: Vec<Problem>,
}

async fn import_page(u: Require<Keepers>, ctx: Ctx) -> Result<Response> {
    render(&ImportPage {
        chrome: Chrome::build(&ctx, "/registry/households"),
        fixed_community: fixed_community(&u),
        community: String::new(),
        problems: vec![],
    })
}

async fn template(_u: Require<Keepers>, ctx: Ctx) -> Result<Response> {
    Ok(crate::platform::sheet::xlsx_response(
        import::template(&ctx.tr)?,
        "registry-template.xlsx",
    ))
}

/// The upload: the file kept for its sender, then the preview.
async fn post_import(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    form: std::result::Result<
        axum::extract::Multipart,
        axum::extract::multipart::MultipartRejection,
    >,
) -> Result<Response> {
    let mut form = form.map_err(|_| AppError::invalid("file", "form.malformed"))?;
    let (mut csrf, mut community, mut name, mut bytes, mut too_large) = (
        String::new(),
        String::new(),
        String::new(),
        Vec::new(),
        false,
    );
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
            Some("community") => community = field.text().await.unwrap_or_default(),
            Some("file") => {
                name = field.file_name().unwrap_or("").to_string();
                match field.bytes().await {
                    Ok(b) => bytes = b.to_vec(),
                    Err(_) => {
                        too_large = true;
                        break;
                    }
                }
            }
            _ => {}
        }
    }
    if !too_large
        && (ctx.csrf.is_empty() || !crate::platform::auth::constant_time_eq(&csrf, &ctx.csrf))
    {
        return Err(AppError::Csrf);
    }
    if let Scope::Community(c) = &u.scope {
        community = c.as_str().to_string();
    }
    let mut errs = vec![];
    let code = DivisionCode::parse_level(community.trim(), Level::Community);
    if code.is_err() {
        errs.push(FieldError::new("community", "hall.bad_community"));
    }
    if too_large {
        errs.push(FieldError::new("file", "registry.import.too_large"));
    } else if bytes.is_empty() {
        errs.push(FieldError::new("file", "registry.import.no_file"));
    }
    if let (Ok(code), true) = (&code, errs.is_empty()) {
        match households::writable(&s.db, &s.district, &u, code.as_str()).await {
            Ok(()) => {
                let token = staged::stage(&s.db, &u, code.as_str(), &name, &bytes).await?;
                return Ok(redirect(&format!("/registry/import/{token}")));
            }
            Err(AppError::Invalid(e)) => errs.extend(e),
            Err(e) => return Err(e),
        }
    }
    let page = ImportPage {
        chrome: Chrome::build(&ctx, "/registry/households"),
        fixed_community: fixed_community(&u),
        community,
        problems: errs
            .iter()
            .map(|e| Problem {
                row: 0,
                column: ctx.tr.t(&field_label_key(&e.field)).to_string(),
                message: ctx.tr.field_error(e),
            })
            .collect(),
    };
    let mut r = render(&page)?;
    *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    Ok(r)
}

fn field_label_key(field: &str) -> String {
    match field {
        "file" => "registry.import.file".into(),
        "community" => "hall.col.community".into(),
        f => format!("registry.import.field.{f}"),
    }
}

#[derive(Template)]
#[template(path = "registry/preview.html")]
struct PreviewPage {
    chrome: Chrome,
    token: String,
    file_name: String,
    community_name: String,
    checked: Checked,
    problems: Vec<Problem>,
    more: usize,
    /// The status a confirmation was refused with (the file changed underneath), if any.
    refused: bool,
}

impl PreviewPage {
    fn fields(&self) -> Vec<(&'static str, String)> {
        FIELDS
            .iter()
            .map(|f| (*f, self.chrome.tk("registry.import.field", f)))
            .collect()
    }
    fn mapped(&self, col: &usize, f: &str) -> bool {
        self.checked.mapping.get(*col).copied().flatten() == Some(f)
    }
    fn sample(&self, col: &usize) -> String {
        // the header only: rows hold people's data, shown only as problems
        self.checked.headers.get(*col).cloned().unwrap_or_default()
    }
    fn counts_text(&self) -> String {
        let c = &self.checked.counts;
        self.chrome.tr.f(
            "registry.import.counts",
            &[
                &c.rows,
                &c.new,
                &c.changed,
                &c.unchanged,
                &c.refused,
                &c.households_new,
            ],
        )
    }
    fn of_file(&self) -> String {
        self.chrome.tr.f(
            "registry.import.of_file",
            &[&self.file_name, &self.community_name],
        )
    }
    fn can_confirm(&self) -> bool {
        let c = &self.checked.counts;
        self.checked.is_clean()
            && (c.new + c.changed + c.households_new > 0
                || self.checked.households.iter().any(|h| h.changed))
    }
    fn nothing_to_do(&self) -> bool {
        self.checked.is_clean() && !self.can_confirm()
    }
    fn column_count(&self) -> Vec<usize> {
        (0..self.checked.headers.len()).collect()
    }
}

async fn checked_page(
    s: &AppState,
    ctx: &Ctx,
    u: &CurrentUser,
    token: &str,
    refused: bool,
) -> Result<Response> {
    let st = staged::load(&s.db, u, token).await?;
    let checked = check::check(
        &s.db,
        &st.community_code,
        &st.content,
        st.mapping(),
        &indicatif::ProgressBar::hidden(),
    )
    .await?;
    let tr = &ctx.tr;
    let problems: Vec<Problem> = checked
        .errors
        .iter()
        .take(LISTED)
        .map(|e| Problem {
            row: e.row,
            column: tr.t(&field_label_key(&e.field)).to_string(),
            message: tr.field_error(&e.error),
        })
        .collect();
    let page = PreviewPage {
        chrome: Chrome::build(ctx, "/registry/households"),
        token: st.token,
        file_name: st.file_name,
        community_name: st.community_name,
        more: checked.errors.len().saturating_sub(LISTED),
        problems,
        checked,
        refused,
    };
    let mut r = render(&page)?;
    if !page.checked.is_clean() || refused {
        *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(r)
}

async fn preview_page(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Result<Response> {
    checked_page(&s, &ctx, &u, &token, false).await
}

async fn post_mapping(
    u: Require<Keepers>,
    State(s): State<AppState>,
    Path(token): Path<String>,
    CsrfForm(pairs): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    staged::load(&s.db, &u, &token).await?;
    // col0=name, col1=… : one field per column, in order
    let mut cols: Vec<(usize, String)> = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("col")
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n <= 200)
                .map(|n| (n, v.clone()))
        })
        .collect();
    cols.sort_by_key(|(n, _)| *n);
    let mut keys = vec![String::new(); cols.last().map_or(0, |(n, _)| n + 1)];
    for (n, v) in cols {
        keys[n] = v;
    }
    staged::set_mapping(&s.db, &u, &token, &import::mapping_from(&keys)).await?;
    Ok(redirect(&format!("/registry/import/{token}")))
}

async fn post_confirm(
    u: Require<Keepers>,
    State(s): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    CsrfForm(_): CsrfForm<Vec<(String, String)>>,
) -> Result<Response> {
    let st = staged::load(&s.db, &u, &token).await?;
    households::writable(&s.db, &s.district, &u, &st.community_code).await?;
    let hidden = indicatif::ProgressBar::hidden();
    let checked = check::check(
        &s.db,
        &st.community_code,
        &st.content,
        st.mapping(),
        &hidden,
    )
    .await?;
    if !checked.is_clean() {
        return checked_page(&s, &ctx, &u, &token, true).await;
    }
    let counts = write::write(
        &s.db,
        &u.actor(),
        &st.community_code,
        checked,
        &st.file_name,
        &st.sha256,
        &hidden,
    )
    .await?;
    staged::remove(&s.db, &u, &token).await?;
    Ok(redirect(&format!(
        "/registry/households?community={}&imported={}.{}.{}",
        st.community_code, counts.new, counts.changed, counts.unchanged
    )))
}
