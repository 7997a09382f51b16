//! The outbox for operators, admin token required: `GET /admin/api/outbox` (what it holds),
//! `GET /admin/api/outbox/failed` (failed replies, newest first, paged),
//! `POST /admin/api/outbox/{id}/retry` and `DELETE /admin/api/outbox/{id}` (cancel).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::messages::{MessageId, OutboxStats};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::Admin;
use crate::routes::message_page::{Page, PageQuery, PageRequest};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(stats))
        .routes(routes!(failed))
        .routes(routes!(retry))
        .routes(routes!(cancel))
}

/// What the outbox holds now.
#[utoipa::path(get, path = "/admin/api/outbox", tag = "messages", operation_id = "outbox_stats",
    security(("admin" = [])), responses((status = 200, body = OutboxStats)))]
async fn stats(_: Admin, State(state): State<AppState>) -> ApiResult<OutboxStats> {
    Ok(Success(state.messages.outbox_stats().await?))
}

/// Failed replies, newest first (`?before=ID&limit=N`, default 50).
#[utoipa::path(get, path = "/admin/api/outbox/failed", tag = "messages", operation_id = "failed_replies",
    security(("admin" = [])), params(PageQuery), responses((status = 200, body = Page)))]
async fn failed(
    _: Admin,
    State(state): State<AppState>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Page> {
    let page = PageRequest::from_query(query)?;
    let messages = state
        .messages
        .failed_replies(page.before, page.limit)
        .await?;
    Ok(Success(Page::of(messages, &page)))
}

fn reply_id(id: Result<Path<i64>, PathRejection>) -> Result<MessageId, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_request(format!("id: {}", e.body_text())))?;
    Ok(MessageId(id))
}

#[utoipa::path(post, path = "/admin/api/outbox/{id}/retry", tag = "messages", operation_id = "retry_reply",
    security(("admin" = [])), params(("id" = i64, Path, description = "The reply's id")),
    responses((status = 200)))]
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

#[utoipa::path(delete, path = "/admin/api/outbox/{id}", tag = "messages", operation_id = "cancel_reply",
    security(("admin" = [])), params(("id" = i64, Path, description = "The reply's id")),
    responses((status = 200)))]
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
