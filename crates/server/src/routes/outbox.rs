//! The outbox for operators, admin token required: `GET /admin/api/outbox` (what it holds),
//! `GET /admin/api/outbox/failed` (failed replies, newest first, paged),
//! `POST /admin/api/outbox/{id}/retry` and `DELETE /admin/api/outbox/{id}` (cancel).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::routing::{delete, get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use wxbase_core::messages::{MessageId, OutboxStats, StoredMessage};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::Admin;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api/outbox", get(stats))
        .route("/admin/api/outbox/failed", get(failed))
        .route("/admin/api/outbox/{id}/retry", post(retry))
        .route("/admin/api/outbox/{id}", delete(cancel))
}

/// What the outbox holds now.
async fn stats(_: Admin, State(state): State<AppState>) -> ApiResult<OutboxStats> {
    Ok(Success(state.messages.outbox_stats().await?))
}

#[derive(Deserialize)]
struct PageQuery {
    before: Option<i64>,
    limit: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    messages: Vec<StoredMessage>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    next_before: Option<MessageId>,
}

/// Failed replies, newest first (`?before=ID&limit=N`, default 50).
async fn failed(
    _: Admin,
    State(state): State<AppState>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Page> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(50);
    let messages = state
        .messages
        .failed_replies(query.before.map(MessageId), limit)
        .await?;
    let full = u32::try_from(messages.len()).is_ok_and(|n| n == limit);
    let next_before = messages.last().filter(|_| full).map(|m| m.id);
    Ok(Success(Page {
        messages,
        next_before,
    }))
}

fn reply_id(id: Result<Path<i64>, PathRejection>) -> Result<MessageId, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_request(format!("id: {}", e.body_text())))?;
    Ok(MessageId(id))
}

/// Puts a failed reply back in the outbox (attempts counted afresh), or sends a reply that
/// waits for a retry without waiting further. `conflict` for a reply sent, cancelled or being
/// sent; `not_found` for an id that is no reply.
async fn retry(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<()> {
    state.messages.retry_reply(reply_id(id)?).await?;
    Ok(Success(()))
}

/// Cancels a pending or failed reply: it is never sent. `conflict` for a reply sent, cancelled
/// already or being sent; `not_found` for an id that is no reply.
async fn cancel(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<()> {
    state.messages.cancel_reply(reply_id(id)?).await?;
    Ok(Success(()))
}
