//! Control routes for logging in and looking around: login codes, a person's identity, call
//! counts and the clock.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{app_or_default, check_user, parse_body, ControlResult};
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/__emulator/login-code", post(login_code))
        .route("/__emulator/users/{user}", get(user))
        .route("/__emulator/stats", get(stats))
        .route("/__emulator/clock/advance", post(advance_clock))
}

#[derive(Deserialize)]
struct LoginCodeRequest {
    user: String,
    #[serde(default)]
    appid: Option<String>,
}

/// What `wx.login` gives a mini-program: a fresh single-use code for test person `user`.
async fn login_code(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: LoginCodeRequest = parse_body(&body)?;
    check_user(&request.user)?;
    let app = app_or_default(&state, request.appid.as_deref())?;
    let code = state.issue_login_code(&app.appid, &request.user);
    Ok(Json(json!({ "code": code })))
}

/// Test person `user`'s identity in the default app (or `?appid=`), with the latest
/// session_key (the emulator knows it, as WeChat does; tests use it to decrypt open data and
/// to check wxbase never leaks it) and phone number.
async fn user(
    State(state): State<Arc<EmulatorState>>,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ControlResult {
    let app = app_or_default(&state, query.get("appid").map(String::as_str))?;
    let (openid, unionid) = state.identity(app, &user);
    let session_key = state.session_key(&app.appid, &user);
    Ok(Json(json!({
        "user": user,
        "appid": app.appid,
        "openid": openid,
        "unionid": unionid,
        "sessionKey": session_key,
        "phoneNumber": crate::state::people::phone_for(&user),
    })))
}

/// Calls per WeChat endpoint since start, faulted calls included.
async fn stats(State(state): State<Arc<EmulatorState>>) -> ControlResult {
    let calls = state.tables().calls.clone();
    Ok(Json(json!({ "calls": calls })))
}

#[derive(Deserialize)]
struct AdvanceRequest {
    seconds: u64,
}

/// Moves the emulator's clock forward, so tests can expire codes and tokens without waiting.
/// Answers the new emulator time as `now` (Unix seconds); `{"seconds": 0}` just reads it.
async fn advance_clock(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: AdvanceRequest = parse_body(&body)?;
    state.clock.advance(Duration::from_secs(request.seconds));
    let now = state.clock.now().as_secs();
    Ok(Json(
        json!({ "advancedSeconds": request.seconds, "now": now }),
    ))
}
