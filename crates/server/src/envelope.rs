//! The response envelope of every `/api` route: HTTP 200 with `{code, data, message}`, and on
//! failure a stable `error` code from the closed list [`ErrorCode`].

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use wxbase_core::codes::CodeError;
use wxbase_core::messages::MessageError;
use wxbase_core::security::TextCheckError;
use wxbase_core::subscriptions::SubscriptionError;
use wxbase_core::{
    AuthError, CollectionError, FileError, OfficialAccountError, OpenDataError, TokenError,
    WebhookError,
};
use wxbase_wechat::WechatError;

/// The closed list of error codes a client may see in `error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
    /// The request body is larger than `server.body_limit_bytes`, or an uploaded file larger
    /// than its bucket's or `files.max_upload_bytes` limit.
    PayloadTooLarge,
    /// `encryptedData` or `iv` is not valid base64 of the right length.
    InvalidEncryptedData,
    /// The encrypted data does not decrypt with the user's latest session_key (made before the
    /// latest `wx.login`): log in again, then get the encrypted data again.
    StaleSessionKey,
    /// The data's watermark names another app.
    AppidMismatch,
    /// WeChat refused the phone code (expired or used): ask the user to tap the button again.
    InvalidPhoneCode,
    /// `signature` does not match `sha1(rawData + session_key)`.
    InvalidSignature,
    /// The user's unionid is unknown, so the official account's followers cannot be matched:
    /// bind both apps to one open-platform account, or send decrypted user info.
    UnionidUnknown,
    /// WeChat answered with an error.
    UpstreamError,
    /// WeChat could not be reached in time.
    UpstreamUnavailable,
    /// No collection has this name.
    UnknownCollection,
    /// The collection's permission mode denies this call to the caller.
    Forbidden,
    /// The document does not match the collection's JSON Schema; the message names the field.
    SchemaViolation,
    /// The query cannot be run; the message says what is wrong.
    BadQuery,
    /// The document is larger than `collections.max_document_bytes`.
    DocumentTooLarge,
    /// The document nests deeper than `collections.max_depth`.
    TooDeep,
    /// No bucket has this name.
    UnknownBucket,
    /// The bucket does not accept files of this type (read from the file's bytes).
    UnsupportedType,
    /// The thing to create exists, or concurrent writers kept changing the document.
    Conflict,
    /// WeChat's content check found the text unfit to publish; the message names the field.
    ContentRisky,
    /// WeChat does not know the page of a code or link (not in the published version).
    InvalidPage,
    /// The caller asked too often (`wxacode.user_per_minute`).
    RateLimited,
    /// WeChat's quota for the API is used up (errcode 45009).
    QuotaExceeded,
    /// Something failed inside wxbase; the log has the details under the request id.
    Internal,
}

impl ErrorCode {
    /// Every code, in the order docs/api.md lists them (a test holds the two together).
    pub const ALL: [ErrorCode; 27] = [
        Self::BadRequest,
        Self::InvalidCode,
        Self::Unauthorized,
        Self::NotFound,
        Self::PayloadTooLarge,
        Self::InvalidEncryptedData,
        Self::StaleSessionKey,
        Self::AppidMismatch,
        Self::InvalidPhoneCode,
        Self::InvalidSignature,
        Self::UnionidUnknown,
        Self::UpstreamError,
        Self::UpstreamUnavailable,
        Self::UnknownCollection,
        Self::Forbidden,
        Self::SchemaViolation,
        Self::BadQuery,
        Self::DocumentTooLarge,
        Self::TooDeep,
        Self::UnknownBucket,
        Self::UnsupportedType,
        Self::Conflict,
        Self::ContentRisky,
        Self::InvalidPage,
        Self::RateLimited,
        Self::QuotaExceeded,
        Self::Internal,
    ];

    /// The code as it appears in the envelope.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::InvalidCode => "invalid_code",
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::PayloadTooLarge => "payload_too_large",
            Self::InvalidEncryptedData => "invalid_encrypted_data",
            Self::StaleSessionKey => "stale_session_key",
            Self::AppidMismatch => "appid_mismatch",
            Self::InvalidPhoneCode => "invalid_phone_code",
            Self::InvalidSignature => "invalid_signature",
            Self::UnionidUnknown => "unionid_unknown",
            Self::UpstreamError => "upstream_error",
            Self::UpstreamUnavailable => "upstream_unavailable",
            Self::UnknownCollection => "unknown_collection",
            Self::Forbidden => "forbidden",
            Self::SchemaViolation => "schema_violation",
            Self::BadQuery => "bad_query",
            Self::DocumentTooLarge => "document_too_large",
            Self::TooDeep => "too_deep",
            Self::UnknownBucket => "unknown_bucket",
            Self::UnsupportedType => "unsupported_type",
            Self::Conflict => "conflict",
            Self::ContentRisky => "content_risky",
            Self::InvalidPage => "invalid_page",
            Self::RateLimited => "rate_limited",
            Self::QuotaExceeded => "quota_exceeded",
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
        Json(Envelope {
            code: 0,
            data: (),
            message: &self.message,
            error: Some(self.code.as_str()),
        })
        .into_response()
    }
}

impl From<AuthError> for ApiError {
    fn from(error: AuthError) -> Self {
        match &error {
            AuthError::BadRequest(_) => Self::bad_request(error.to_string()),
            AuthError::InvalidCode(_) => Self::new(ErrorCode::InvalidCode, error.to_string()),
            AuthError::Unauthorized => Self::new(ErrorCode::Unauthorized, error.to_string()),
            AuthError::Upstream(cause) | AuthError::UpstreamUnavailable(cause) => {
                Self::from_wechat(cause)
            }
            AuthError::Store(cause) => Self::internal(cause),
        }
    }
}

impl From<TokenError> for ApiError {
    fn from(error: TokenError) -> Self {
        Self::from_token_error(&error)
    }
}

impl From<OpenDataError> for ApiError {
    fn from(error: OpenDataError) -> Self {
        let code = match &error {
            OpenDataError::BadRequest(_) => ErrorCode::BadRequest,
            OpenDataError::InvalidEncryptedData(_) => ErrorCode::InvalidEncryptedData,
            OpenDataError::StaleSessionKey => ErrorCode::StaleSessionKey,
            OpenDataError::AppIdMismatch { .. } => ErrorCode::AppidMismatch,
            OpenDataError::InvalidPhoneCode(_) => ErrorCode::InvalidPhoneCode,
            OpenDataError::InvalidSignature => ErrorCode::InvalidSignature,
            OpenDataError::Upstream(cause) => return Self::from_token_error(cause),
            OpenDataError::Store(cause) => return Self::internal(cause),
        };
        Self::new(code, error.to_string())
    }
}

impl From<MessageError> for ApiError {
    fn from(error: MessageError) -> Self {
        match &error {
            MessageError::BadRequest(_) => Self::bad_request(error.to_string()),
            MessageError::RuleNotFound(_) | MessageError::ReplyNotFound(_) => {
                Self::new(ErrorCode::NotFound, error.to_string())
            }
            MessageError::ReplyConflict(_) => Self::new(ErrorCode::Conflict, error.to_string()),
            MessageError::Store(cause) => Self::internal(cause),
        }
    }
}

impl From<SubscriptionError> for ApiError {
    fn from(error: SubscriptionError) -> Self {
        match &error {
            SubscriptionError::BadRequest(_) => Self::bad_request(error.to_string()),
            SubscriptionError::NoGrant { .. } => Self::new(ErrorCode::Forbidden, error.to_string()),
            SubscriptionError::CampaignNotFound(_) => {
                Self::new(ErrorCode::NotFound, error.to_string())
            }
            SubscriptionError::Upstream(cause) => Self::from_token_error(cause),
            SubscriptionError::Store(cause) => Self::internal(cause),
        }
    }
}

impl From<CollectionError> for ApiError {
    fn from(error: CollectionError) -> Self {
        let code = match &error {
            CollectionError::UnknownCollection(_) => ErrorCode::UnknownCollection,
            CollectionError::CollectionExists(_) | CollectionError::Contended => {
                ErrorCode::Conflict
            }
            CollectionError::Forbidden(_) => ErrorCode::Forbidden,
            CollectionError::NotFound(_) => ErrorCode::NotFound,
            CollectionError::SchemaViolation { .. } => ErrorCode::SchemaViolation,
            CollectionError::BadQuery(_) => ErrorCode::BadQuery,
            CollectionError::BadRequest(_) => ErrorCode::BadRequest,
            CollectionError::DocumentTooLarge { .. } => ErrorCode::DocumentTooLarge,
            CollectionError::TooDeep { .. } => ErrorCode::TooDeep,
            CollectionError::ContentRisky { .. } => ErrorCode::ContentRisky,
            CollectionError::ModerationUnavailable { .. } => ErrorCode::UpstreamUnavailable,
            CollectionError::Store(cause) => return Self::internal(cause),
        };
        Self::new(code, error.to_string())
    }
}

impl From<WebhookError> for ApiError {
    fn from(error: WebhookError) -> Self {
        let code = match &error {
            WebhookError::BadRequest(_) => ErrorCode::BadRequest,
            WebhookError::NotFound(_) => ErrorCode::NotFound,
            WebhookError::Conflict(_) => ErrorCode::Conflict,
            WebhookError::Store(cause) => return Self::internal(cause),
        };
        Self::new(code, error.to_string())
    }
}

impl From<FileError> for ApiError {
    fn from(error: FileError) -> Self {
        let code = match &error {
            FileError::UnknownBucket(_) => ErrorCode::UnknownBucket,
            FileError::BucketExists(_) => ErrorCode::Conflict,
            FileError::Forbidden(_) | FileError::BadSignature => ErrorCode::Forbidden,
            FileError::NotFound(_) => ErrorCode::NotFound,
            FileError::BadRequest(_) => ErrorCode::BadRequest,
            FileError::TooLarge { .. } => ErrorCode::PayloadTooLarge,
            FileError::UnsupportedType { .. } => ErrorCode::UnsupportedType,
            FileError::Storage(_) => return Self::internal(&error),
            FileError::Store(cause) => return Self::internal(cause),
        };
        Self::new(code, error.to_string())
    }
}

impl From<CodeError> for ApiError {
    fn from(error: CodeError) -> Self {
        let code = match &error {
            CodeError::BadRequest(_) | CodeError::InvalidParameters { .. } => ErrorCode::BadRequest,
            CodeError::Forbidden => ErrorCode::Forbidden,
            CodeError::RateLimited { .. } => ErrorCode::RateLimited,
            CodeError::UnknownScene(_) => ErrorCode::NotFound,
            CodeError::InvalidPage { .. } => ErrorCode::InvalidPage,
            CodeError::Quota { .. } => ErrorCode::QuotaExceeded,
            CodeError::Upstream(cause) => return Self::from_token_error(cause),
            CodeError::Files(_) => return Self::internal(&error),
            CodeError::Store(cause) => return Self::internal(cause),
        };
        Self::new(code, error.to_string())
    }
}

impl From<TextCheckError> for ApiError {
    fn from(error: TextCheckError) -> Self {
        match &error {
            TextCheckError::Empty => Self::bad_request(error.to_string()),
            TextCheckError::Upstream(cause) => Self::from_token_error(cause),
        }
    }
}

impl From<OfficialAccountError> for ApiError {
    fn from(error: OfficialAccountError) -> Self {
        match &error {
            OfficialAccountError::UnionIdUnknown => {
                Self::new(ErrorCode::UnionidUnknown, error.to_string())
            }
            OfficialAccountError::BadListing(_) => {
                tracing::warn!(%error, "follower sync failed");
                Self::new(ErrorCode::UpstreamError, error.to_string())
            }
            OfficialAccountError::Upstream(cause) => Self::from_token_error(cause),
            OfficialAccountError::LeaseLost => Self::internal(&error),
            OfficialAccountError::Store(cause) => Self::internal(cause),
        }
    }
}

impl ApiError {
    /// A WeChat failure: `upstream_unavailable` when it could not be reached, otherwise
    /// `upstream_error` naming the errcode.
    fn from_wechat(cause: &WechatError) -> Self {
        tracing::warn!(error = %error_chain(cause), "WeChat call failed");
        match cause {
            WechatError::Unavailable { .. } => Self::new(
                ErrorCode::UpstreamUnavailable,
                "WeChat could not be reached in time: try again shortly",
            ),
            other => Self::new(
                ErrorCode::UpstreamError,
                format!("WeChat refused the call: {other}"),
            ),
        }
    }

    /// No token, or WeChat failed a call made with one.
    fn from_token_error(error: &TokenError) -> Self {
        match error {
            TokenError::Wechat(cause) => Self::from_wechat(cause),
            TokenError::Store(cause) => Self::internal(cause),
            TokenError::LeaseTimeout(_) => {
                tracing::warn!(%error, "no access_token");
                Self::new(ErrorCode::UpstreamUnavailable, error.to_string())
            }
            TokenError::ForceRefreshLimited => {
                tracing::error!(%error, "no access_token");
                Self::new(ErrorCode::UpstreamError, error.to_string())
            }
        }
    }
}

/// A successful `/api` answer: `{"code":1,"data":...,"message":"ok"}`.
pub struct Success<T>(pub T);

impl<T: Serialize> IntoResponse for Success<T> {
    fn into_response(self) -> Response {
        Json(Envelope {
            code: 1,
            data: self.0,
            message: "ok",
            error: None,
        })
        .into_response()
    }
}

/// The envelope as written: serialized straight from these fields, with no intermediate JSON
/// tree. `data` is `()` (JSON `null`) on failure.
#[derive(Serialize)]
struct Envelope<'a, T> {
    code: u8,
    data: T,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
}

/// What every handler returns.
pub type ApiResult<T> = Result<Success<T>, ApiError>;

#[cfg(test)]
mod tests {
    use super::ErrorCode;

    /// The `error` column of docs/api.md's "Error codes" table, in order.
    fn documented_codes() -> Vec<&'static str> {
        let page = include_str!("../../../docs/api.md");
        let table = page
            .split("## Error codes")
            .nth(1)
            .expect("docs/api.md has an Error codes section");
        table
            .lines()
            .skip_while(|line| !line.starts_with("| `error`"))
            .skip(2)
            .take_while(|line| line.starts_with("| `"))
            .filter_map(|line| line.split('`').nth(1))
            .collect()
    }

    #[test]
    fn docs_api_lists_every_error_code_once_in_the_enum_order() {
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|code| code.as_str()).collect();
        assert_eq!(
            documented_codes(),
            codes,
            "docs/api.md's error table and ErrorCode::ALL differ"
        );
    }

    #[test]
    fn each_code_serializes_as_its_documented_name() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_value(code).expect("serializes");
            assert_eq!(json, code.as_str());
        }
    }
}
