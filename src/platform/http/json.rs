//! The API's JSON bodies: read in one place, so that every way a body can be wrong is a 422
//! naming the field (`item` holds a number where text belongs, `community` is missing) in the
//! one error shape of the API, rather than a framework's plain-text message.

use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

use crate::platform::error::{AppError, FieldError};
use crate::platform::http::inbound;

/// A JSON request body of `T`.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        if !inbound::is_json(&inbound::media_type(req.headers())) {
            return Err(AppError::Unsupported);
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::TooLarge)?;
        parse(&bytes).map(ApiJson)
    }
}

/// `bytes` as a `T`, or the field at fault.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        use serde_json::error::Category;
        let f = match inner.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                FieldError::new("_body", "api.not_json")
                    .with(inner.line())
                    .with(inner.column())
            }
            Category::Data => {
                let msg = inner.to_string();
                match missing_field(&msg) {
                    Some(name) => FieldError::new(&join(&path, name), "common.required"),
                    None if msg.starts_with("unknown field") => {
                        // the path already ends at the unknown field
                        FieldError::new(
                            &if path == "." {
                                quoted(&msg)
                            } else {
                                path.clone()
                            },
                            "api.unknown_field",
                        )
                    }
                    None => FieldError::new(
                        if path == "." { "_body" } else { &path },
                        &format!("api.expected_{}", expected(&msg)),
                    ),
                }
            }
        };
        AppError::Invalid(vec![f])
    })
}

fn missing_field(msg: &str) -> Option<&str> {
    msg.strip_prefix("missing field `")?.split('`').next()
}

fn quoted(msg: &str) -> String {
    msg.split('`').nth(1).unwrap_or("").to_string()
}

fn join(path: &str, name: &str) -> String {
    if path == "." || path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

/// What serde expected (`a string`, `i64` …), as one of the kinds the locales name.
fn expected(msg: &str) -> &'static str {
    let e = msg
        .split(", expected ")
        .nth(1)
        .and_then(|r| r.split(" at line").next())
        .unwrap_or("");
    match e {
        x if x.contains("string") || x.contains("char") => "string",
        x if ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"]
            .iter()
            .any(|t| x.contains(t)) =>
        {
            "integer"
        }
        x if x.contains("f64") || x.contains("f32") => "number",
        x if x.contains("bool") => "boolean",
        x if x.contains("sequence") => "array",
        x if x.contains("struct") || x.contains("map") => "object",
        _ => "value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        community: String,
        item: String,
        lat: Option<f64>,
    }

    fn field(json: &str) -> (String, String, Vec<String>) {
        match parse::<Body>(json.as_bytes()) {
            Err(AppError::Invalid(f)) => (f[0].field.clone(), f[0].key.clone(), f[0].args.clone()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_wrong_body_names_its_field() {
        assert_eq!(
            field(r#"{"community":"1","item":25}"#),
            ("item".into(), "api.expected_string".into(), vec![])
        );
        assert_eq!(
            field(r#"{"item":"25"}"#),
            ("community".into(), "common.required".into(), vec![])
        );
        assert_eq!(
            field(r#"{"community":"1","item":"2","lat":"north"}"#),
            ("lat".into(), "api.expected_number".into(), vec![])
        );
        assert_eq!(
            field(r#"{"community":"1","item":"2","extra":1}"#).0,
            "extra"
        );
        assert_eq!(field(r#"{"community":"1","#).1, "api.not_json");
        assert_eq!(
            field(r#""x""#),
            ("_body".into(), "api.expected_object".into(), vec![])
        );
    }
}
