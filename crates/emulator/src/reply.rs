//! WeChat-style answers: always HTTP 200, errors as `errcode` + `errmsg` ending in a `rid:`.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A WeChat API error answer.
#[derive(Debug, Clone, Copy)]
pub struct WxError {
    /// The errcode.
    pub code: i64,
    /// The errmsg, before the rid suffix.
    pub message: &'static str,
}

impl WxError {
    /// An error with `code` and `message`.
    pub const fn new(code: i64, message: &'static str) -> Self {
        Self { code, message }
    }
}

/// A request id in WeChat's format: three groups of 8 hex digits.
pub fn rid() -> String {
    format!(
        "{:08x}-{:08x}-{:08x}",
        rand::random::<u32>(),
        rand::random::<u32>(),
        rand::random::<u32>()
    )
}

impl IntoResponse for WxError {
    fn into_response(self) -> Response {
        Json(json!({
            "errcode": self.code,
            "errmsg": format!("{} rid: {}", self.message, rid()),
        }))
        .into_response()
    }
}
