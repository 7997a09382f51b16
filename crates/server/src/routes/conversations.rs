//! `GET /admin/api/conversations/{openid}` (a user's messages both ways, newest first, paged)
//! and `POST /admin/api/messages` (a manual reply through the outbox), admin token required.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use wxbase_core::messages::{ReplyAction, StoredMessage};
use wxbase_wechat::OpenId;

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{Admin, ApiJson};
use crate::routes::message_page::{Page, PageQuery, PageRequest};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api/conversations/{openid}", get(conversation))
        .route("/admin/api/messages", post(send))
}

fn openid(text: String) -> Result<OpenId, ApiError> {
    OpenId::parse(text).map_err(|e| ApiError::bad_request(format!("openid: {e}")))
}

/// One page of the user's conversation (`?before=ID&limit=N`, default 50).
async fn conversation(
    _: Admin,
    State(state): State<AppState>,
    Path(user): Path<String>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<Page> {
    let page = PageRequest::from_query(query)?;
    let messages = state
        .messages
        .conversation(&openid(user)?, page.before, page.limit)
        .await?;
    Ok(Success(Page::of(messages, &page)))
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
