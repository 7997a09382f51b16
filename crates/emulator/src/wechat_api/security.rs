//! `POST /wxa/msg_sec_check?access_token=` (version 2): the text check, answering `risky` or
//! `review` for texts holding a word set by `POST /__emulator/security/risky-words`.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/sec-center/sec-check/msgSecCheck.html>

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};

use super::caller::{post_with_token, CallerApp};
use super::reply::{self, rid, WxError};
use super::request::json_object;
use crate::state::EmulatorState;

/// The longest content WeChat checks, in characters.
const MAX_CONTENT_CHARS: usize = 2500;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route("/wxa/msg_sec_check", any(msg_sec_check))
}

/// Checks the token, then `version` (2), `openid`, `scene` (1-4, else 40129) and `content`
/// (present, at most 2,500 characters), then answers the verdict.
async fn msg_sec_check(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    post_with_token(&method, caller, |_| check(&state, &body))
}

fn check(state: &EmulatorState, body: &[u8]) -> Result<Value, WxError> {
    let request = json_object(body)?;
    if request.get("version").and_then(Value::as_i64) != Some(2) {
        return Err(reply::DATA_FORMAT_ERROR);
    }
    request
        .get("openid")
        .and_then(Value::as_str)
        .filter(|openid| !openid.is_empty())
        .ok_or(reply::INVALID_OPENID)?;
    let scene = request.get("scene").and_then(Value::as_i64);
    if !scene.is_some_and(|scene| (1..=4).contains(&scene)) {
        return Err(reply::INVALID_SCENE);
    }
    let content = request
        .get("content")
        .and_then(Value::as_str)
        .ok_or(reply::DATA_FORMAT_ERROR)?;
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(reply::CONTENT_TOO_LONG);
    }
    let (suggest, label) = state.tables().text_rules.verdict(content);
    Ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "trace_id": rid(),
        "result": { "suggest": suggest, "label": label },
        "detail": [
            { "strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90 },
        ],
    }))
}
