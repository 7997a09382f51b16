//! `GET /api/me/official-account`: whether the logged-in user follows the linked official
//! account, joined on their unionid. Admin: `GET /admin/api/official-account` (counts and the
//! sync's state) and `POST /admin/api/official-account/sync` (a full sync now).

use std::sync::Arc;

use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::official_account::{FollowStatus, FollowerCounts, SyncOutcome, SyncStatus};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, ErrorCode, Success};
use crate::extract::{Admin, CurrentUser};
use crate::OfficialAccount;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(status))
        .routes(routes!(sync))
}

fn configured(state: &AppState) -> Result<&Arc<OfficialAccount>, ApiError> {
    state.official_account.as_ref().ok_or_else(|| {
        ApiError::new(
            ErrorCode::NotFound,
            "no official account is configured: set [official_account] app_id and app_secret",
        )
    })
}

/// `{"following": bool, "since": RFC 3339 | null}`.
#[utoipa::path(get, path = "/api/me/official-account", tag = "official account",
    operation_id = "follow_status", security(("user" = [])), responses((status = 200, body = FollowStatus)))]
async fn me(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
) -> ApiResult<FollowStatus> {
    let oa = configured(&state)?;
    Ok(Success(oa.service.status_of(&user).await?))
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OfficialAccountStatus)]
struct Status {
    appid: String,
    push_path: Option<String>,
    sync_interval_seconds: Option<u64>,
    followers: FollowerCounts,
    sync: Option<SyncStatus>,
}

/// The official account's followers and its sync.
#[utoipa::path(get, path = "/admin/api/official-account", tag = "official account",
    operation_id = "official_account_status", security(("admin" = [])),
    responses((status = 200, body = Status)))]
async fn status(_: Admin, State(state): State<AppState>) -> ApiResult<Status> {
    let oa = configured(&state)?;
    Ok(Success(Status {
        appid: oa.service.app_id().to_string(),
        push_path: oa.push.as_ref().map(|push| push.path.clone()),
        sync_interval_seconds: oa.service.settings().interval.map(|i| i.as_secs()),
        followers: oa.service.counts().await?,
        sync: oa.service.sync_status().await?,
    }))
}

#[utoipa::path(post, path = "/admin/api/official-account/sync", tag = "official account",
    operation_id = "sync_followers", security(("admin" = [])), responses((status = 200, body = SyncOutcome)))]
/// Runs a full sync and answers its report (`{"outcome": "completed", ...}`, or
/// `{"outcome": "skipped"}` when another instance is syncing). The sync runs in its own task,
/// so a client that stops waiting does not interrupt it.
async fn sync(_: Admin, State(state): State<AppState>) -> ApiResult<SyncOutcome> {
    let service = configured(&state)?.service.clone();
    let outcome = tokio::spawn(async move { service.sync_now().await })
        .await
        .map_err(|e| ApiError::internal(&e))??;
    Ok(Success(outcome))
}
