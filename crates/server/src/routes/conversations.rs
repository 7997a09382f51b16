//! `GET /admin/api/conversations/{openid}` (a user's messages both ways, newest first, paged)
//! and `POST /admin/api/messages` (a manual reply through the outbox), admin token required.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::messages::{ReplyAction, StoredMessage};
use wxbase_wechat::OpenId;

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{Admin, ApiJson};
use crate::routes::message_page::{Page, PageQuery, PageRequest};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(conversation))
        .routes(routes!(send))
}

fn openid(text: String) -> Result<OpenId, ApiError> {
    OpenId::parse(text).map_err(|e| ApiError::bad_request(format!("openid: {e}")))
}

/// One page of the user's conversation (`?before=ID&limit=N`, default 50).
#[utoipa::path(get, path = "/admin/api/conversations/{openid}", tag = "messages",
    operation_id = "conversation", security(("admin" = [])),
    params(("openid" = String, Path, description = "The user's openid"), PageQuery),
    responses((status = 200, body = Page)))]
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

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct ManualReply {
    /// The user.
    openid: String,
    /// What to send.
    reply: ReplyAction,
}

/// Queues `{openid, reply: {type, …}}` (any reply type but a transfer) in the outbox.
#[utoipa::path(post, path = "/admin/api/messages", tag = "messages", operation_id = "send_message",
    security(("admin" = [])), request_body = ManualReply, responses((status = 200, body = StoredMessage)))]
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
