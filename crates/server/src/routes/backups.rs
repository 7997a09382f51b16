//! `POST /admin/api/backups` (make one now) and `GET /admin/api/backups` (those in
//! `<data_dir>/backups`, newest first), admin token required. SQLite deployments only; on
//! PostgreSQL both say to use `pg_dump`.

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use wxbase_core::backup::{BackupError, BackupInfo};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, ErrorCode, Success};
use crate::extract::Admin;

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/api/backups", get(list).post(create))
}

async fn create(_: Admin, State(state): State<AppState>) -> ApiResult<BackupInfo> {
    Ok(Success(state.backups.create().await.map_err(refusal)?))
}

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
