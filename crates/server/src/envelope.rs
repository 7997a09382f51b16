//! The response envelope of every `/api` route: HTTP 200 with `{code, data, message}`, and on
//! failure a stable `error` code from the closed list [`ErrorCode`].

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use serde_json::json;
use wxbase_core::AuthError;

/// The closed list of error codes a client may see in `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request is malformed: not JSON, a missing or invalid field.
    BadRequest,
    /// WeChat refused the login code (expired, already used, unknown): call `wx.login` again.
    InvalidCode,
    /// No valid session token: log in again.
    Unauthorized,
    /// No such route or resource.
    NotFound,
    /// The request body is larger than `server.body_limit_bytes`.
    PayloadTooLarge,
    /// WeChat answered with an error.
    UpstreamError,
    /// WeChat could not be reached in time.
    UpstreamUnavailable,
    /// Something failed inside wxbase; the log has the details under the request id.
    Internal,
}

impl ErrorCode {
    /// The code as it appears in the envelope.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidCode => "invalid_code",
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::PayloadTooLarge => "payload_too_large",
            Self::UpstreamError => "upstream_error",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::Internal => "internal",
        }
    }
}

/// A failed `/api` call: an error code and a message for the developer of the mini-program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The stable code.
    pub code: ErrorCode,
    /// Human-readable text.
    pub message: String,
}

impl ApiError {
    /// An error with `code` and `message`.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A malformed request.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::BadRequest, message)
    }

    /// An internal failure: logs `detail` and shows the client only a generic message.
    pub fn internal(detail: &dyn std::error::Error) -> Self {
        tracing::error!(error = %error_chain(detail), "internal error");
        Self::new(
            ErrorCode::Internal,
            "internal error: see the server log for this request id",
        )
    }
}

/// `error: cause: cause` on one line, for logs.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        Json(json!({
            "code": 0,
            "data": null,
            "message": self.message,
            "error": self.code.as_str(),
        }))
        .into_response()
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match &error {
            AuthError::BadRequest(_) => Self::bad_request(error.to_string()),
            AuthError::InvalidCode(_) => Self::new(ErrorCode::InvalidCode, error.to_string()),
            AuthError::Unauthorized => Self::new(ErrorCode::Unauthorized, error.to_string()),
            AuthError::Upstream(cause) => {
                tracing::warn!(error = %error_chain(cause), "WeChat refused a call");
                Self::new(
                    ErrorCode::UpstreamError,
                    format!("WeChat refused the call: {cause}"),
                )
            }
            AuthError::UpstreamUnavailable(cause) => {
                tracing::warn!(error = %error_chain(cause), "WeChat unreachable");
                Self::new(
                    ErrorCode::UpstreamUnavailable,
                    "WeChat could not be reached in time: try again shortly",
                )
            }
            AuthError::Store(cause) => Self::internal(cause),
        }
    }
}

/// A successful `/api` answer: `{"code":1,"data":...,"message":"ok"}`.
pub struct Success<T>(pub T);

impl<T: Serialize> IntoResponse for Success<T> {
    fn into_response(self) -> Response {
        Json(json!({ "code": 1, "data": self.0, "message": "ok" })).into_response()
    }
}

/// What every handler returns.
pub type ApiResult<T> = Result<Success<T>, ApiError>;
