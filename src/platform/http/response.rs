//! The responses every handler builds: a rendered page, a 303 to a path of this site, and the
//! one check of where a `next=` may send the browser.

use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};

use crate::platform::error::AppError;

/// A 303 to a path of this site. A target that cannot be a header value (it never should:
/// targets are built from checked codes and numbers) goes to the home page instead of
/// panicking.
pub fn redirect(to: &str) -> Response {
    let location = Some(to)
        .filter(|t| t.starts_with('/'))
        .and_then(|t| HeaderValue::from_str(t).ok())
        .unwrap_or(HeaderValue::from_static("/"));
    (
        axum::http::StatusCode::SEE_OTHER,
        [(header::LOCATION, location)],
    )
        .into_response()
}

/// Where a `next=` may send the browser: only a path of this site. The value is read as a
/// browser would read it (the WHATWG URL rules: tabs and newlines dropped, backslashes as
/// slashes) against a placeholder origin, and anything that would leave that origin — or
/// that holds a control character at all — goes to `/`. The path comes back as the parser
/// wrote it, percent-encoded, so it is always a valid header value.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next.map(str::trim) else {
        return "/".into();
    };
    if !n.starts_with('/') || n.contains('\\') || n.chars().any(char::is_control) {
        return "/".into();
    }
    let Ok(base) = url::Url::parse("http://shequ.invalid/") else {
        return "/".into();
    };
    match base.join(n) {
        Ok(u) if u.origin() == base.origin() => u[url::Position::BeforePath..].to_string(),
        _ => "/".into(),
    }
}

/// Render an askama template into an HTML response.
pub fn render<T: askama::Template>(t: &T) -> Result<Response, AppError> {
    let html = t
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("template: {e}")))?;
    Ok(Html(html).into_response())
}
