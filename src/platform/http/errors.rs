//! Errors as the user sees them: a page in their language (or JSON for the API), with the
//! right status, never a stack trace. Internal causes are logged here, once.

use std::sync::Arc;

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::platform::error::{AppError, FieldError, Outage};
use crate::platform::http::ctx::Ctx;
use crate::platform::http::layout::Chrome;
use crate::platform::text::urlencode;

/// What the context layer needs to render an error; travels in the response extensions.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub status: StatusCode,
    pub code: &'static str,
    pub fields: Vec<FieldError>,
    pub detail_key: Option<String>,
    pub retry_after: Option<u64>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let (code, fields, detail_key, retry_after) = match self {
            AppError::NotFound => ("not_found", vec![], None, None),
            AppError::Forbidden => ("forbidden", vec![], None, None),
            AppError::Unauthorized => ("unauthorized", vec![], None, None),
            AppError::Csrf => ("csrf", vec![], None, None),
            AppError::BadRequest => ("bad_request", vec![], None, None),
            AppError::BadParameter(f) => ("bad_request", vec![f], None, None),
            AppError::MethodNotAllowed => ("method_not_allowed", vec![], None, None),
            AppError::Unsupported => ("unsupported", vec![], None, None),
            AppError::TooLarge => ("too_large", vec![], None, None),
            AppError::Invalid(f) if status == StatusCode::CONFLICT => ("stale", f, None, None),
            AppError::Invalid(f) => ("invalid", f, None, None),
            AppError::Conflict(k) => ("conflict", vec![], Some(k), None),
            AppError::TooManyRequests { retry_after_secs } => {
                ("too_many_requests", vec![], None, Some(retry_after_secs))
            }
            AppError::Unavailable(o) => {
                let (code, secs) = match o {
                    Outage::Storage => ("unavailable_storage", 60),
                    Outage::Connection => ("unavailable_database", 10),
                };
                (code, vec![], None, Some(secs))
            }
            AppError::Internal(e) => {
                tracing::error!("internal error: {e:#}");
                ("internal", vec![], None, None)
            }
        };
        let mut resp = status.into_response();
        resp.extensions_mut().insert(Arc::new(ErrorInfo {
            status,
            code,
            fields,
            detail_key,
            retry_after,
        }));
        resp
    }
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage {
    chrome: Chrome,
    title: String,
    message: String,
    fields: Vec<String>,
    status: u16,
}

#[derive(serde::Serialize)]
struct JsonError<'a> {
    error: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<JsonField>,
}

#[derive(serde::Serialize)]
struct JsonField {
    field: String,
    message: String,
}

pub fn render_error(ctx: &Ctx, info: &ErrorInfo) -> Response {
    let tr = ctx.tr;
    let mut message = tr
        .t(&format!("errors.page.{}.message", info.code))
        .to_string();
    if info.code == "unauthorized" && ctx.session_expired {
        message = tr.t("errors.page.session_expired").to_string();
    }
    if info.code == "unauthorized" && ctx.bad_token {
        message = tr.t("errors.page.bad_token").to_string();
    }
    if let Some(k) = &info.detail_key {
        message = tr.t(&format!("errors.{k}")).to_string();
    }
    if let (Some(secs), "too_many_requests") = (info.retry_after, info.code) {
        message = tr.f1("errors.page.too_many_requests.message", secs.div_ceil(60));
    }
    let mut resp = if ctx.api {
        let body = JsonError {
            error: info.code,
            message,
            fields: info
                .fields
                .iter()
                .map(|f| JsonField {
                    field: f.field.clone(),
                    message: tr.field_error(f),
                })
                .collect(),
        };
        (info.status, axum::Json(body)).into_response()
    } else if info.code == "unauthorized" {
        let mut next = format!("/login?next={}", urlencode(&ctx.path_and_query));
        if ctx.session_expired {
            next.push_str("&expired=1");
        }
        crate::platform::http::response::redirect(&next)
    } else {
        let chrome = Chrome::build(ctx, "");
        let page = ErrorPage {
            chrome,
            title: tr
                .t(&format!("errors.page.{}.title", info.code))
                .to_string(),
            message,
            fields: info.fields.iter().map(|f| tr.field_error(f)).collect(),
            status: info.status.as_u16(),
        };
        match page.render() {
            Ok(html) => (info.status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!("error page failed to render: {e}");
                (
                    info.status,
                    info.status.canonical_reason().unwrap_or("error"),
                )
                    .into_response()
            }
        }
    };
    if let Some(secs) = info.retry_after
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
    resp
}

/// The 404 for routes that do not exist.
pub async fn fallback() -> AppError {
    AppError::NotFound
}
