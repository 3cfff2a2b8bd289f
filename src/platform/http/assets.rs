//! Stylesheet, icons and the OpenAPI viewer, compiled into the binary (no CDN).

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::platform::auth::guard::Public;
use crate::platform::error::AppError;
use crate::platform::http::routes::Routes;
use crate::platform::http::state::AppState;

struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "style.css",
        mime: "text/css; charset=utf-8",
        body: include_bytes!("../../../assets/style.css"),
    },
    Asset {
        name: "favicon.svg",
        mime: "image/svg+xml",
        body: include_bytes!("../../../assets/favicon.svg"),
    },
    Asset {
        name: "api-docs.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../assets/api-docs.js"),
    },
    Asset {
        name: "print.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../assets/print.js"),
    },
    Asset {
        name: "swagger-ui.css",
        mime: "text/css; charset=utf-8",
        body: include_bytes!("../../../assets/vendor/swagger-ui/swagger-ui.css"),
    },
    Asset {
        name: "swagger-ui-bundle.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../../../assets/vendor/swagger-ui/swagger-ui-bundle.js"),
    },
];

pub fn router() -> Routes<AppState> {
    Routes::new().get("/assets/{name}", asset)
}

async fn asset(_: Public, Path(name): Path<String>) -> Result<Response, AppError> {
    let a = ASSETS
        .iter()
        .find(|a| a.name == name)
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, a.mime),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        a.body,
    )
        .into_response())
}
