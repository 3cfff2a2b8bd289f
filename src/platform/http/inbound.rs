//! The door every request comes through before any handler sees it (the context layer
//! calls [`normalise`] first): text is made what the product can store and show
//! ([`crate::platform::text::clean`]) in the query string, in urlencoded forms and in JSON
//! bodies, and bounded per field; a path that names a control
//! character names nothing (404). Handlers and extractors downstream — ours and axum's — only
//! ever read cleaned text, so no handler has to remember it.

use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{Uri, header};

use crate::platform::error::{AppError, FieldError};
use crate::platform::text::{MAX_FIELD_CHARS, clean, too_long};

/// The largest request body the server reads (uploads included).
pub const MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

fn field_too_long(field: &str) -> AppError {
    AppError::Invalid(vec![
        FieldError::new(field, "form.field_too_long").with(MAX_FIELD_CHARS),
    ])
}

/// Cleaned `key=value` pairs of a query string or form body; `None` when nothing changes.
fn clean_pairs(raw: &[u8]) -> Result<Option<String>, AppError> {
    let mut changed = false;
    let mut pairs = Vec::new();
    for (k, v) in form_urlencoded::parse(raw) {
        if too_long(&v) || too_long(&k) {
            return Err(field_too_long(&clean(&k)));
        }
        let (ck, cv) = (clean(&k), clean(&v));
        changed |= ck != k || cv != v;
        pairs.push((ck.into_owned(), cv.into_owned()));
    }
    // form_urlencoded decodes invalid UTF-8 as U+FFFD: the raw text differs from what was read
    changed |= std::str::from_utf8(raw).is_err();
    if !changed {
        return Ok(None);
    }
    Ok(Some(
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish(),
    ))
}

/// Clean every string of a JSON document in place; whether anything changed.
fn clean_json(v: &mut serde_json::Value) -> Result<bool, AppError> {
    use serde_json::Value;
    Ok(match v {
        Value::String(s) => {
            if too_long(s) {
                return Err(field_too_long("_body"));
            }
            match clean(s) {
                std::borrow::Cow::Borrowed(_) => false,
                std::borrow::Cow::Owned(c) => {
                    *s = c;
                    true
                }
            }
        }
        Value::Array(a) => {
            let mut changed = false;
            for x in a {
                changed |= clean_json(x)?;
            }
            changed
        }
        Value::Object(o) => {
            let mut changed = false;
            let keys: Vec<String> = o.keys().cloned().collect();
            for k in keys {
                let ck = clean(&k).into_owned();
                if ck != k {
                    if let Some(x) = o.remove(&k) {
                        o.insert(ck.clone(), x);
                    }
                    changed = true;
                }
                if let Some(x) = o.get_mut(&ck) {
                    changed |= clean_json(x)?;
                }
            }
            changed
        }
        _ => false,
    })
}

/// The request with its query string, form or JSON body cleaned; an error for what cannot be.
pub async fn normalise(req: Request) -> Result<Request, AppError> {
    let (mut parts, body) = req.into_parts();
    // A URI is ASCII without controls: a control character, or text that is not NFC, can only
    // arrive percent-encoded. Without a `%` there is nothing to clean (almost every request).
    let path = parts.uri.path();
    if path.contains('%')
        && percent_encoding::percent_decode_str(path)
            .decode_utf8_lossy()
            .chars()
            .any(char::is_control)
    {
        return Err(AppError::NotFound);
    }
    // a body announced larger than the server takes is refused before a byte of it is read
    let announced = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(AppError::TooLarge);
    }
    if let Some(q) = parts.uri.query().filter(|q| q.contains('%') || too_long(q))
        && let Some(cleaned) = clean_pairs(q.as_bytes())?
    {
        let mut uri = parts.uri.clone().into_parts();
        let pq = if cleaned.is_empty() {
            parts.uri.path().to_string()
        } else {
            format!("{}?{cleaned}", parts.uri.path())
        };
        uri.path_and_query = Some(pq.parse().map_err(|_| AppError::BadRequest)?);
        parts.uri = Uri::from_parts(uri).map_err(|_| AppError::BadRequest)?;
    }
    let kind = media_type(&parts.headers);
    // a cleaned body replaces the sent one; any other body (uploads) streams on untouched
    let cleaned: Vec<u8> = match kind.as_str() {
        "application/x-www-form-urlencoded" => {
            let bytes = read(body).await?;
            match clean_pairs(&bytes)? {
                Some(c) => c.into_bytes(),
                None => return Ok(Request::from_parts(parts, Body::from(bytes))),
            }
        }
        k if is_json(k) => {
            let bytes = read(body).await?;
            // not JSON: the handler's extractor says so in its own words
            let Ok(mut v) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                return Ok(Request::from_parts(parts, Body::from(bytes)));
            };
            if !clean_json(&mut v)? {
                return Ok(Request::from_parts(parts, Body::from(bytes)));
            }
            serde_json::to_vec(&v).map_err(|e| AppError::Internal(e.into()))?
        }
        _ => return Ok(Request::from_parts(parts, body)),
    };
    // the body changed length: the new one says its own
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Request::from_parts(parts, Body::from(cleaned)))
}

/// A request's media type (`application/json`, without parameters, lower case); empty when
/// none is given.
pub fn media_type(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// Whether a media type is JSON (`application/json`, `application/…+json`).
pub fn is_json(kind: &str) -> bool {
    kind == "application/json" || kind.ends_with("+json")
}

/// The whole body; past the server's limit it is 413.
async fn read(body: Body) -> Result<Bytes, AppError> {
    axum::body::to_bytes(body, MAX_BODY_BYTES)
        .await
        .map_err(|_| AppError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_cleaned_only_when_needed() {
        assert_eq!(clean_pairs(b"q=%E5%8D%8E&page=2").unwrap(), None);
        assert_eq!(
            clean_pairs(b"q=a%00b&n=%0D%0Ax").unwrap().as_deref(),
            Some("q=ab&n=%0Ax")
        );
        let long = format!("q={}", "x".repeat(MAX_FIELD_CHARS + 1));
        assert!(matches!(
            clean_pairs(long.as_bytes()),
            Err(AppError::Invalid(_))
        ));
    }

    #[test]
    fn json_strings_are_cleaned() {
        let mut v = serde_json::json!({"a": "x\u{0}y", "b": ["\u{7}"], "c\u{1}": 1});
        assert!(clean_json(&mut v).unwrap());
        assert_eq!(v, serde_json::json!({"a": "xy", "b": [""], "c": 1}));
    }
}
