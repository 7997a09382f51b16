//! Subscribe messages: `POST /cgi-bin/message/subscribe/send`, then, as WeChat does, a
//! `subscribe_msg_sent_event` pushed to the app's server with the result.
//!
//! Checks in order: POST, the token, the JSON body (44002, 47001), `touser` (40003), the
//! template (40037), the data against its keywords (47003), the user's grant (43101; a one-time
//! grant is used).
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html>

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};

use super::caller::{post_with_token, CallerApp};
use super::reply::{self, WxError};
use super::request::json_object;
use crate::push::build::subscribe_event_document;
use crate::push::Outgoing;
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route("/cgi-bin/message/subscribe/send", any(send))
}

async fn send(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    post_with_token(&method, caller, |appid| {
        let (openid, template_id, msg_id) = deliver(&state, appid, &body)?;
        let pushing = state.clone();
        let appid = appid.to_owned();
        tokio::spawn(async move {
            push_sent_event(&pushing, &appid, &openid, &template_id, msg_id).await;
        });
        Ok(json!({ "errcode": 0, "errmsg": "ok", "msgid": msg_id }))
    })
}

/// Checks and records the send; the user, the template and the message id.
fn deliver(
    state: &EmulatorState,
    appid: &str,
    body: &[u8],
) -> Result<(String, String, u64), WxError> {
    let request = json_object(body)?;
    let touser = request
        .get("touser")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or(reply::INVALID_OPENID)?
        .to_owned();
    let now = state.clock.now().as_secs();
    let msg_id = state
        .tables()
        .subscriptions
        .send(appid, &touser, &request, now)?;
    let template_id = request
        .get("template_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok((touser, template_id, msg_id))
}

/// Pushes `subscribe_msg_sent_event` for a delivered message, if a push URL is set.
async fn push_sent_event(
    state: &EmulatorState,
    appid: &str,
    openid: &str,
    template_id: &str,
    msg_id: u64,
) {
    let target = state.tables().push.clone();
    let now = state.clock.now().as_secs();
    let item = json!({
        "TemplateId": template_id,
        "MsgID": msg_id.to_string(),
        "ErrorCode": "0",
        "ErrorStatus": "success",
    });
    let document = subscribe_event_document(
        appid,
        openid,
        "subscribe_msg_sent_event",
        "SubscribeMsgSentEvent",
        vec![item],
        now,
    );
    if let Ok(outgoing) = Outgoing::prepare(&target, appid, openid, &document, now) {
        outgoing.deliver(&state.push_client).await;
    }
}
