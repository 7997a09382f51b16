//! Extractors that turn requests into typed input or an [`ApiError`], never a bare rejection.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use axum::http::{header, Method, StatusCode};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;
use wxbase_core::collections::Caller;
use wxbase_core::console::TokenScope;
use wxbase_core::{KeyedUser, User};

use crate::app::AppState;
use crate::envelope::{ApiError, ErrorCode};

/// A JSON body. Content-Type is not required (`wx.request` sets it, curl users often forget);
/// an empty, oversized or malformed body becomes an envelope error.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        let body = Bytes::from_request(request, state)
            .await
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(ErrorCode::PayloadTooLarge, "the request body is too large")
                } else {
                    ApiError::bad_request(format!(
                        "could not read the request body: {}",
                        rejection.body_text()
                    ))
                }
            })?;
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "the request body is empty: send a JSON object",
            ));
        }
        serde_json::from_slice(&body).map(ApiJson).map_err(|e| {
            if e.to_string().starts_with("recursion limit exceeded") {
                ApiError::new(
                    ErrorCode::TooDeep,
                    "the JSON body nests deeper than 128 levels",
                )
            } else {
                ApiError::bad_request(format!("the request body is not the expected JSON: {e}"))
            }
        })
    }
}

/// A query string. A malformed one (a number out of range, a missing value) becomes
/// `bad_request` in the envelope, never axum's plain-text rejection.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(query)| Self(query))
            .map_err(|rejection| ApiError::bad_request(rejection.body_text()))
    }
}

/// The bearer token of the request, unchecked.
pub struct BearerToken(pub String);

impl<S: Send + Sync> FromRequestParts<S> for BearerToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let missing = || {
            ApiError::new(
                ErrorCode::Unauthorized,
                "missing header Authorization: Bearer <token> (the token from /api/auth/login)",
            )
        };
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(missing)?;
        let value = value.to_str().map_err(|_| missing())?;
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .ok_or_else(missing)?;
        Ok(Self(token.trim().to_owned()))
    }
}

/// A caller holding the admin token (`Authorization: Bearer <admin.token>`) or an admin API
/// token created in the console: a full one for any request, a read-only one for `GET` and
/// `HEAD` only.
pub struct Admin;

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let BearerToken(given) = BearerToken::from_request_parts(parts, state).await?;
        if let Some(expected) = &state.admin_token {
            if bool::from(given.as_bytes().ct_eq(expected.expose().as_bytes())) {
                return Ok(Self);
            }
        }
        let scope = state
            .console
            .service
            .api_token_scope(&given)
            .await
            .map_err(|e| {
                tracing::error!(error = %e, "cannot check an admin API token");
                ApiError::new(ErrorCode::Internal, "cannot check the admin token")
            })?;
        match scope {
            Some(TokenScope::Full) => Ok(Self),
            Some(TokenScope::ReadOnly) if matches!(parts.method, Method::GET | Method::HEAD) => {
                Ok(Self)
            }
            Some(TokenScope::ReadOnly) => Err(ApiError::new(
                ErrorCode::Forbidden,
                "this admin API token is read only: it may only GET",
            )),
            None if state.admin_token.is_none() => Err(ApiError::new(
                ErrorCode::Unauthorized,
                "wrong admin token: set admin.token (WXBASE_ADMIN_TOKEN) or create an admin API \
                 token in the console (/admin/tokens)",
            )),
            None => Err(ApiError::new(ErrorCode::Unauthorized, "wrong admin token")),
        }
    }
}

/// Who a collections call acts for: a logged-in user, or an admin who bypasses every mode.
pub trait AsCaller {
    /// The caller.
    fn into_caller(self) -> Caller;
}

impl AsCaller for CurrentUser {
    fn into_caller(self) -> Caller {
        Caller::User(self.0.openid)
    }
}

impl AsCaller for Admin {
    fn into_caller(self) -> Caller {
        Caller::Admin
    }
}

/// The logged-in user, from a live session.
pub struct CurrentUser(pub User);

/// The logged-in user with their session_key, read together: for the routes that open what
/// the user shares. The key stays on the server.
pub struct CurrentUserWithKey(pub KeyedUser);

impl FromRequestParts<AppState> for CurrentUserWithKey {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let BearerToken(token) = BearerToken::from_request_parts(parts, state).await?;
        let signed_in = state.auth.authenticate_with_key(&token).await?;
        Ok(Self(signed_in))
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let BearerToken(token) = BearerToken::from_request_parts(parts, state).await?;
        let user = state.auth.authenticate(&token).await?;
        Ok(Self(user))
    }
}
