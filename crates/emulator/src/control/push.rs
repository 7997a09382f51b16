//! The push sender's control routes: `POST /__emulator/push` (a user writes in the
//! customer-service chat: the push is built, recorded and delivered) and
//! `GET|POST /__emulator/push-config` (where and how pushes go). The official account's
//! push-config shares [`change_target`] and [`render`].

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;
use wxbase_wechat::crypto::EncodingAesKey;

use super::{app_or_default, check_user, parse_body, refuse, ControlResult};
use crate::push::build::{message_document, UserAction};
use crate::push::{Outgoing, PushFormat, PushMode, PushTarget};
use crate::state::conversations::Entry;
use crate::state::people;
use crate::state::{EmulatorState, Tables};

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/__emulator/push", post(push))
        .route("/__emulator/push-config", post(change_config).get(config))
}

/// The user does `action`: the push is built, recorded in the user's chat (opening a new
/// 48-hour window of 5 replies), and delivered. The answer reports every attempt.
async fn push(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let action: UserAction = parse_body(&body)?;
    check_user(&action.user)?;
    let app = app_or_default(&state, action.appid.as_deref())?.clone();
    let target = state.tables().push.clone();
    let openid = people::openid_for(&app.appid, &action.user);
    let now = state.clock.now();
    let document = message_document(&action, &app.appid, &openid, now.as_secs())?;
    let outgoing = Outgoing::prepare(&target, &app.appid, &openid, &document, now.as_secs())?;
    let mut content: serde_json::Map<String, serde_json::Value> = document
        .fields()
        .filter(|(name, _)| !["ToUserName", "FromUserName", "CreateTime", "MsgType"].contains(name))
        .map(|(name, field)| (name.to_owned(), json!(field.value)))
        .collect();
    content.remove("MsgId");
    let entry = Entry {
        from: "user",
        msg_type: action.msg_type.clone(),
        content: serde_json::Value::Object(content),
        at: now.as_secs(),
    };
    state
        .tables()
        .conversations
        .user_sent(&app.appid, &openid, entry, now);
    let mut report = outgoing.deliver(&state.push_client).await;
    report["openid"] = json!(openid);
    report["msgId"] = json!(document.get("MsgId"));
    Ok(Json(report))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigRequest {
    url: Option<String>,
    mode: Option<PushMode>,
    format: Option<PushFormat>,
    token: Option<String>,
    encoding_aes_key: Option<String>,
    timeout_ms: Option<u64>,
    deliveries: Option<u32>,
}

/// Which push settings a config route reads and changes.
pub type TargetOf = fn(&mut Tables) -> &mut PushTarget;

fn customer_service(tables: &mut Tables) -> &mut PushTarget {
    &mut tables.push
}

/// Changes the given push settings; answers all of them (the key only as `hasEncodingAesKey`).
async fn change_config(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    change_target(&state, &body, customer_service, false)
}

async fn config(State(state): State<Arc<EmulatorState>>) -> ControlResult {
    Ok(render(customer_service(&mut state.tables())))
}

/// Applies a push-config body to the settings `target_of` picks; with `xml_only` (an official
/// account) a format other than XML is refused.
pub fn change_target(
    state: &EmulatorState,
    body: &Bytes,
    target_of: TargetOf,
    xml_only: bool,
) -> ControlResult {
    let request: ConfigRequest = parse_body(body)?;
    if let Some(key) = &request.encoding_aes_key {
        EncodingAesKey::parse(key).map_err(|e| refuse(format!("encodingAesKey: {e}")))?;
    }
    if request
        .url
        .as_deref()
        .is_some_and(|u| !u.starts_with("http"))
    {
        return Err(refuse("url must be an http(s) URL"));
    }
    if request.timeout_ms.is_some_and(|ms| ms == 0 || ms > 60_000) {
        return Err(refuse("timeoutMs must be between 1 and 60000"));
    }
    if request.deliveries.is_some_and(|n| n == 0 || n > 10) {
        return Err(refuse("deliveries must be between 1 and 10"));
    }
    if xml_only && request.format.is_some_and(|f| f != PushFormat::Xml) {
        return Err(refuse("an official account pushes XML only"));
    }
    let mut tables = state.tables();
    let target = target_of(&mut tables);
    if let Some(url) = request.url {
        target.url = Some(url);
    }
    if let Some(mode) = request.mode {
        target.mode = mode;
    }
    if let Some(format) = request.format {
        target.format = format;
    }
    if let Some(token) = request.token {
        target.token = token;
    }
    if let Some(key) = request.encoding_aes_key {
        target.encoding_aes_key = Some(key);
    }
    if let Some(ms) = request.timeout_ms {
        target.timeout = Duration::from_millis(ms);
    }
    if let Some(deliveries) = request.deliveries {
        target.deliveries = deliveries;
    }
    Ok(render(target))
}

/// The push settings as the config routes answer them.
pub fn render(target: &PushTarget) -> Json<serde_json::Value> {
    Json(json!({
        "url": target.url,
        "mode": target.mode,
        "format": target.format,
        "hasToken": !target.token.is_empty(),
        "hasEncodingAesKey": target.encoding_aes_key.is_some(),
        "timeoutMs": u64::try_from(target.timeout.as_millis()).unwrap_or(u64::MAX),
        "deliveries": target.deliveries,
    }))
}
