//! Bulk material for load tests: `POST /__emulator/login-codes` (many single-use login codes,
//! what thousands of `wx.login` calls would give) and `POST /__emulator/push-requests` (many
//! distinct, signed pushes built for the configured push target, not delivered).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{app_or_default, parse_body, refuse, ControlResult, Refusal};
use crate::push::build::{message_document, push_request, UserAction};
use crate::state::people;
use crate::state::EmulatorState;

/// Most codes one call may ask for.
const MAX_CODES: usize = 2_000_000;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/__emulator/login-codes", post(login_codes))
        .route("/__emulator/push-requests", post(push_requests))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BulkRequest {
    /// Test people are named `{prefix}{n}`.
    prefix: String,
    /// How many codes.
    count: usize,
    /// Cycle through this many people (default: one person per code).
    #[serde(default)]
    distinct_users: Option<usize>,
    #[serde(default)]
    appid: Option<String>,
}

/// `{"codes": [...]}`: code `i` belongs to person `{prefix}{i % distinctUsers}`.
async fn login_codes(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: BulkRequest = parse_body(&body)?;
    if request.count == 0 || request.count > MAX_CODES {
        return Err(refuse(format!("count must be between 1 and {MAX_CODES}")));
    }
    if request.prefix.is_empty() || request.prefix.len() > 32 {
        return Err(refuse("prefix must be 1 to 32 characters"));
    }
    let people = match request.distinct_users {
        Some(0) => return Err(refuse("distinctUsers must be at least 1")),
        Some(n) => n,
        None => request.count,
    };
    let app = app_or_default(&state, request.appid.as_deref())?;
    state.reserve_logins(request.count, people);
    let codes: Vec<String> = (0..request.count)
        .map(|i| state.issue_login_code(&app.appid, &format!("{}{}", request.prefix, i % people)))
        .collect();
    Ok(Json(json!({ "codes": codes })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PushBulkRequest {
    /// Senders are test people `{prefix}{n}`.
    prefix: String,
    /// How many pushes.
    count: usize,
    /// Cycle through this many senders (default 1000).
    #[serde(default)]
    distinct_users: Option<usize>,
    /// The text every push carries.
    content: String,
}

/// One push per line, `PATH?QUERY<TAB>BODY`, each a text message with its own `MsgId`, built
/// and signed exactly as `POST /__emulator/push` would send it to the configured URL.
async fn push_requests(
    State(state): State<Arc<EmulatorState>>,
    body: Bytes,
) -> Result<String, Refusal> {
    let request: PushBulkRequest = parse_body(&body)?;
    if request.count == 0 || request.count > MAX_CODES {
        return Err(refuse(format!("count must be between 1 and {MAX_CODES}")));
    }
    if request.content.contains(['\t', '\n']) || request.content.is_empty() {
        return Err(refuse("content must be one line of text"));
    }
    let senders = request.distinct_users.unwrap_or(1000).max(1);
    let app = app_or_default(&state, None)?.clone();
    let target = state.tables().push.clone();
    let url = target
        .url
        .clone()
        .ok_or_else(|| refuse("no push URL: set one with POST /__emulator/push-config"))?;
    let path = url
        .splitn(4, '/')
        .nth(3)
        .map(|rest| format!("/{rest}"))
        .unwrap_or_else(|| "/".to_owned());
    let now = state.clock.now().as_secs();
    let mut lines = String::new();
    for i in 0..request.count {
        let action = UserAction {
            user: format!("{}{}", request.prefix, i % senders),
            appid: None,
            msg_type: "text".to_owned(),
            content: Some(request.content.clone()),
            media_id: None,
            title: None,
            page_path: None,
            session_from: None,
        };
        let openid = people::openid_for(&app.appid, &action.user);
        let document = message_document(&action, &app.appid, &openid, now)?;
        let push = push_request(&target, &app.appid, &openid, &document, now)?;
        let query: Vec<String> = push.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        lines.push_str(&format!(
            "{path}?{}\t{}\n",
            query.join("&"),
            push.body.replace('\n', "")
        ));
    }
    Ok(lines)
}
