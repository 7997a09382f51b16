//! The console's static files, embedded in the binary: a vendored htmx (from the npm package
//! `htmx.org`, committed as published) and the stylesheet. Nothing is fetched at run time.

use axum::extract::Path;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

/// htmx, minified, as published.
const HTMX: &str = include_str!("assets/htmx.min.js");
/// The console's stylesheet.
const CSS: &str = include_str!("assets/console.css");
/// The console's own script: wires what the CSP forbids inline (htmx's CSRF header).
const SCRIPT: &str = include_str!("assets/console.js");

/// `GET /admin/assets/{name}`.
pub async fn serve(Path(name): Path<String>) -> Response {
    let (body, content_type) = match name.as_str() {
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "console.js" => (SCRIPT, "text/javascript; charset=utf-8"),
        "console.css" => (CSS, "text/css; charset=utf-8"),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}
