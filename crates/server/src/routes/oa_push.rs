//! The official account's push endpoint (default `/oa/message`): `GET` answers the URL check,
//! `POST` records follow and unfollow events before acknowledging. Same signature and crypto
//! machinery as the mini-program's endpoint ([`super::push`]); other messages and events are
//! acknowledged and not kept.
//! Doc: <https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html>

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use wxbase_wechat::push::{FollowEvent, PushQuery};

use super::push::{check_url, not_configured, open, plain, push_route};
use crate::app::{AppState, PushEndpoint};

/// The official account's push routes at `path`, with their own body limit.
pub fn router(path: &str, max_body_bytes: usize) -> Router<AppState> {
    push_route(path, max_body_bytes, verify_url, receive)
}

fn endpoint(state: &AppState) -> Option<&PushEndpoint> {
    state.official_account.as_ref()?.push.as_ref()
}

async fn verify_url(State(state): State<AppState>, Query(query): Query<PushQuery>) -> Response {
    check_url(endpoint(&state), &query)
}

/// `POST`: check, open, and record a follow event; `success` once it is stored (500 when it
/// cannot be, so WeChat retries).
async fn receive(
    State(state): State<AppState>,
    Query(query): Query<PushQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let (Some(oa), Some(push)) = (state.official_account.as_ref(), endpoint(&state)) else {
        return not_configured();
    };
    let opened = match open(push, &query, body) {
        Ok(opened) => opened,
        Err(refused) => return refused.into_response(),
    };
    let event = match FollowEvent::from_document(&opened.document) {
        Ok(Some(event)) => event,
        Ok(None) => {
            tracing::info!(
                msg_type = opened.document.get("MsgType").unwrap_or_default(),
                event = opened.document.get("Event").unwrap_or_default(),
                "official-account push that is not a follow event: acknowledged, not kept"
            );
            return plain(StatusCode::OK, "success");
        }
        Err(error) => {
            tracing::warn!(reason = %error, "official-account push refused");
            return plain(StatusCode::BAD_REQUEST, "malformed push");
        }
    };
    match oa.service.receive(&event).await {
        Ok(_) => plain(StatusCode::OK, "success"),
        Err(error) => {
            tracing::error!(%error, "follow event not fully recorded; WeChat will retry it");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "not recorded")
        }
    }
}
