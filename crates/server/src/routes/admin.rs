//! `GET /admin/api/status`: the app and its access_token, for operators (admin token required).

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use serde::Serialize;

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::Admin;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/api/status", get(status))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    access_token: Option<TokenStatus>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TokenStatus {
    source: &'static str,
    fetched_at: String,
    expires_at: String,
}

/// What `wxbase token show` prints, never the token itself.
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
