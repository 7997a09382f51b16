//! `GET /admin/api/conversations/{openid}` (a user's messages both ways, newest first, paged)
//! and `POST /admin/api/messages` (a manual reply through the outbox), admin token required.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::{Deserialize, Serialize};
use wxbase_core::messages::{MessageId, ReplyAction, StoredMessage};
use wxbase_wechat::OpenId;

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{Admin, ApiJson};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api/conversations/{openid}", get(conversation))
        .route("/admin/api/messages", post(send))
}

fn openid(text: String) -> Result<OpenId, ApiError> {
    OpenId::parse(text).map_err(|e| ApiError::bad_request(format!("openid: {e}")))
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

/// One page of the user's conversation (`?before=ID&limit=N`, default 50).
async fn conversation(
    _: Admin,
    State(state): State<AppState>,
    Path(user): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Page> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(50);
    let messages = state
        .messages
        .conversation(&openid(user)?, query.before.map(MessageId), limit)
        .await?;
    let full = u32::try_from(messages.len()).is_ok_and(|n| n == limit);
    let next_before = messages.last().filter(|_| full).map(|m| m.id);
    Ok(Success(Page {
        messages,
        next_before,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ManualReply {
    openid: String,
    reply: ReplyAction,
}

/// Queues `{openid, reply: {type, …}}` (any reply type but a transfer) in the outbox.
async fn send(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<ManualReply>,
) -> ApiResult<StoredMessage> {
    request
        .reply
        .validate()
        .map_err(|e| ApiError::bad_request(e.0))?;
    let message = request.reply.custom_message().ok_or_else(|| {
        ApiError::bad_request("transfer_customer_service is a passive reply to a push; send text, link, image or miniprogrampage")
    })?;
    let stored = state
        .messages
        .send_manual(openid(request.openid)?, message)
        .await?;
    Ok(Success(stored))
}
