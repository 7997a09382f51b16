//! `POST /api/me/decrypt`, `/api/me/phone` and `/api/me/profile`: data the user shares,
//! checked with the server-side session_key.

use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::{Phone, Profile};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{ApiJson, CurrentUserWithKey};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(decrypt))
        .routes(routes!(phone))
        .routes(routes!(profile))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct EncryptedRequest {
    #[serde(default)]
    encrypted_data: String,
    #[serde(default)]
    iv: String,
}

/// Decrypts `encryptedData` (e.g. from `wx.getUserInfo`) and returns its JSON.
#[utoipa::path(post, path = "/api/me/decrypt", tag = "me", operation_id = "decrypt",
    security(("user" = [])), request_body = EncryptedRequest,
    responses((status = 200, body = crate::openapi::schemas::Decrypted)))]
async fn decrypt(
    State(state): State<AppState>,
    CurrentUserWithKey(signed_in): CurrentUserWithKey,
    ApiJson(request): ApiJson<EncryptedRequest>,
) -> ApiResult<Value> {
    let value = state
        .open_data
        .decrypt(&signed_in, &request.encrypted_data, &request.iv)
        .await?;
    Ok(Success(value))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct PhoneRequest {
    code: Option<String>,
    encrypted_data: Option<String>,
    iv: Option<String>,
}

/// The user's phone number, from a `getPhoneNumber` code or from encrypted data.
#[utoipa::path(post, path = "/api/me/phone", tag = "me", operation_id = "phone",
    security(("user" = [])), request_body = PhoneRequest, responses((status = 200, body = Phone)))]
async fn phone(
    State(state): State<AppState>,
    CurrentUserWithKey(signed_in): CurrentUserWithKey,
    ApiJson(request): ApiJson<PhoneRequest>,
) -> ApiResult<Phone> {
    let phone =
        match (request.code, request.encrypted_data) {
            (Some(code), _) => {
                state
                    .open_data
                    .phone_from_code(&signed_in.user, &code)
                    .await?
            }
            (None, Some(data)) => {
                let iv = request.iv.unwrap_or_default();
                state
                    .open_data
                    .phone_from_encrypted(&signed_in, &data, &iv)
                    .await?
            }
            (None, None) => return Err(ApiError::bad_request(
                "send {\"code\"} from the getPhoneNumber button, or {\"encryptedData\", \"iv\"}",
            )),
        };
    Ok(Success(phone))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct ProfileRequest {
    #[serde(default)]
    raw_data: String,
    #[serde(default)]
    signature: String,
}

/// Checks the profile's signature and stores the nickname and avatar.
#[utoipa::path(post, path = "/api/me/profile", tag = "me", operation_id = "profile",
    security(("user" = [])), request_body = ProfileRequest, responses((status = 200, body = Profile)))]
async fn profile(
    State(state): State<AppState>,
    CurrentUserWithKey(signed_in): CurrentUserWithKey,
    ApiJson(request): ApiJson<ProfileRequest>,
) -> ApiResult<Profile> {
    let profile = state
        .open_data
        .profile(&signed_in, &request.raw_data, &request.signature)
        .await?;
    Ok(Success(profile))
}
