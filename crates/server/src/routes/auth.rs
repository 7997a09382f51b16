//! `POST /api/auth/login` and `POST /api/auth/logout`.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::{ApiJson, BearerToken};
use wxbase_core::telemetry;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(logout))
}

#[derive(Deserialize, ToSchema)]
struct LoginRequest {
    /// The code from `wx.login`.
    #[serde(default)]
    code: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct LoginResponse {
    token: String,
    expires_at: String,
    user: LoginUser,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct LoginUser {
    openid: String,
    unionid: Option<String>,
    is_new: bool,
}

/// Exchanges the `wx.login` code for a session token.
#[utoipa::path(post, path = "/api/auth/login", tag = "auth", operation_id = "login",
    request_body = LoginRequest, responses((status = 200, body = LoginResponse)))]
async fn login(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<LoginRequest>,
) -> ApiResult<LoginResponse> {
    let outcome = state.auth.login(&request.code).await.inspect_err(|_| {
        state.count(telemetry::LOGINS, &[("outcome", "failed")]);
    })?;
    let counted = if outcome.is_new { "new" } else { "existing" };
    state.count(telemetry::LOGINS, &[("outcome", counted)]);
    Ok(Success(LoginResponse {
        token: outcome.token.expose().to_owned(),
        expires_at: outcome.expires_at.to_rfc3339(),
        user: LoginUser {
            openid: outcome.user.openid.to_string(),
            unionid: outcome.user.unionid.map(|u| u.to_string()),
            is_new: outcome.is_new,
        },
    }))
}

/// Ends the session of the bearer token.
#[utoipa::path(post, path = "/api/auth/logout", tag = "auth", operation_id = "logout",
    security(("user" = [])), responses((status = 200)))]
async fn logout(State(state): State<AppState>, BearerToken(token): BearerToken) -> ApiResult<()> {
    state.auth.logout(&token).await?;
    Ok(Success(()))
}
