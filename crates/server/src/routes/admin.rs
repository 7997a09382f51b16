//! `GET /admin/api/status`: the app and its access_token, for operators (admin token required).

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::Admin;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(status))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct Status {
    access_token: Option<TokenStatus>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct TokenStatus {
    source: &'static str,
    fetched_at: String,
    expires_at: String,
}

/// What `wxbase token show` prints, never the token itself.
#[utoipa::path(get, path = "/admin/api/status", tag = "admin", operation_id = "status",
    security(("admin" = [])), responses((status = 200, body = Status)))]
async fn status(_: Admin, State(state): State<AppState>) -> ApiResult<Status> {
    let stored = state.tokens.stored().await?;
    Ok(Success(Status {
        access_token: stored.map(|token| TokenStatus {
            source: token.source.as_str(),
            fetched_at: token.fetched_at.to_rfc3339(),
            expires_at: token.expires_at.to_rfc3339(),
        }),
    }))
}
