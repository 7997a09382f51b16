//! `POST /admin/api/backups` (make one now) and `GET /admin/api/backups` (those in
//! `<data_dir>/backups`, newest first), admin token required. SQLite deployments only; on
//! PostgreSQL both say to use `pg_dump`.

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::backup::{BackupError, BackupInfo};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, ErrorCode, Success};
use crate::extract::Admin;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, create))
}

/// A backup archive made now (SQLite; `bad_request` pointing to `pg_dump` on PostgreSQL).
#[utoipa::path(post, path = "/admin/api/backups", tag = "operations", operation_id = "create_backup",
    security(("admin" = [])), responses((status = 200, body = BackupInfo)))]
async fn create(_: Admin, State(state): State<AppState>) -> ApiResult<BackupInfo> {
    Ok(Success(state.backups.create().await.map_err(refusal)?))
}

/// The archives in `<data_dir>/backups`, newest first.
#[utoipa::path(get, path = "/admin/api/backups", tag = "operations", operation_id = "list_backups",
    security(("admin" = [])), responses((status = 200, body = Vec<BackupInfo>)))]
async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Vec<BackupInfo>> {
    Ok(Success(state.backups.list().map_err(refusal)?))
}

fn refusal(error: BackupError) -> ApiError {
    match error {
        BackupError::Unsupported => ApiError::new(ErrorCode::BadRequest, error.to_string()),
        other => {
            tracing::error!(error = %other, source = ?std::error::Error::source(&other), "backup failed");
            ApiError::new(ErrorCode::Internal, format!("backup failed: {other}"))
        }
    }
}
