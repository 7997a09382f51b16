//! Customer-service messages: `POST /cgi-bin/message/custom/send` (and the
//! `/custom/business/send` variant) and `POST /cgi-bin/message/custom/business/typing`.
//!
//! Checks in order: POST, the token, the JSON body (44002, 47001), the message shape (40008
//! type, 40007 media_id, 45002 length, 47001 missing fields), the user (40003 for an openid
//! that never wrote), the 48-hour window (45015) and 5 replies per user message (45047).
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/kf-mgnt/kf-message/sendCustomMessage.html>
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/kf-mgnt/kf-message/setTyping.html>

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde_json::{json, Map, Value};

use super::caller::{post_with_token, CallerApp};
use super::reply::{self, WxError};
use super::request::json_object;
use crate::state::conversations::Entry;
use crate::state::EmulatorState;

/// Longest text content accepted, in bytes (the emulator's choice; WeChat documents none).
const MAX_TEXT_BYTES: usize = 2048;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/cgi-bin/message/custom/send", any(send))
        .route("/cgi-bin/message/custom/business/send", any(send))
        .route("/cgi-bin/message/custom/business/typing", any(typing))
}

/// The answer of a POST-only endpoint whose success is `{"errcode":0,"errmsg":"ok"}`.
fn post_only(
    method: &Method,
    caller: Result<CallerApp, WxError>,
    handle: impl FnOnce(&str) -> Result<(), WxError>,
) -> Response {
    post_with_token(method, caller, |appid| {
        handle(appid).map(|()| json!({ "errcode": 0, "errmsg": "ok" }))
    })
}

async fn send(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    post_only(&method, caller, |appid| deliver(&state, appid, &body))
}

fn deliver(state: &EmulatorState, appid: &str, body: &[u8]) -> Result<(), WxError> {
    let request = json_object(body)?;
    let touser = text_field(&request, "touser").ok_or(reply::INVALID_OPENID)?;
    let msg_type = text_field(&request, "msgtype").ok_or(reply::INVALID_MESSAGE_TYPE)?;
    let content = check_message(&request, msg_type)?;
    let now = state.clock.now();
    let entry = Entry {
        from: "app",
        msg_type: msg_type.to_owned(),
        content,
        at: now.as_secs(),
    };
    let mut tables = state.tables();
    if !tables.limits.custom_send_checks {
        return Ok(());
    }
    tables.conversations.app_sent(appid, touser, entry, now)
}

fn text_field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    object.get(name).and_then(Value::as_str)
}

/// The message body named by `msgtype`, checked; returned as it will be shown.
fn check_message(request: &Map<String, Value>, msg_type: &str) -> Result<Value, WxError> {
    let body = match msg_type {
        "text" | "image" | "link" | "miniprogrampage" => request
            .get(msg_type)
            .and_then(Value::as_object)
            .ok_or(reply::DATA_FORMAT_ERROR)?,
        _ => return Err(reply::INVALID_MESSAGE_TYPE),
    };
    let required = |name: &str| text_field(body, name).ok_or(reply::DATA_FORMAT_ERROR);
    match msg_type {
        "text" => {
            let content = required("content")?;
            if content.is_empty() {
                return Err(reply::DATA_FORMAT_ERROR);
            }
            if content.len() > MAX_TEXT_BYTES {
                return Err(reply::CONTENT_TOO_LONG);
            }
        }
        "image" => {
            if required("media_id").unwrap_or_default().is_empty() {
                return Err(reply::INVALID_MEDIA_ID);
            }
        }
        "link" => {
            for name in ["title", "description", "url", "thumb_url"] {
                required(name)?;
            }
        }
        _ => {
            required("title")?;
            required("pagepath")?;
            if required("thumb_media_id").unwrap_or_default().is_empty() {
                return Err(reply::INVALID_MEDIA_ID);
            }
        }
    }
    Ok(Value::Object(body.clone()))
}

async fn typing(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    post_only(&method, caller, |appid| {
        let request = json_object(&body)?;
        let touser = text_field(&request, "touser").ok_or(reply::INVALID_OPENID)?;
        let typing = match text_field(&request, "command") {
            Some("Typing") => true,
            Some("CancelTyping") => false,
            _ => return Err(reply::INVALID_COMMAND),
        };
        let now = state.clock.now();
        let mut tables = state.tables();
        if !tables.limits.custom_send_checks {
            return Ok(());
        }
        tables.conversations.typing(appid, touser, typing, now)
    })
}
