//! The control API under `/__emulator/`: what the mini-program and the test harness do.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;

use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/__emulator/login-code", post(login_code))
        .route("/__emulator/users/{user}", get(user))
        .route("/__emulator/stats", get(stats))
        .route("/__emulator/clock/advance", post(advance_clock))
}

/// A control-API failure: HTTP 400 with `{"error": "..."}`.
fn refuse(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": message.into() })),
    )
        .into_response()
}

/// Reads a JSON body whatever its Content-Type, so `curl -d '{...}'` works.
fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("expected a JSON body: {e}"))
}

#[derive(Deserialize)]
struct LoginCodeRequest {
    user: String,
    #[serde(default)]
    appid: Option<String>,
}

/// What `wx.login` gives a mini-program: a fresh single-use code for test person `user`.
async fn login_code(State(state): State<Arc<EmulatorState>>, body: Bytes) -> Response {
    let request: LoginCodeRequest = match parse_body(&body) {
        Ok(request) => request,
        Err(message) => return refuse(message),
    };
    if request.user.trim().is_empty() || request.user.len() > 64 {
        return refuse("user must be a name of 1 to 64 characters");
    }
    let app = match &request.appid {
        Some(appid) => state.app(appid),
        None => state.default_app(),
    };
    let Some(app) = app else {
        return refuse("unknown appid");
    };
    let code = state.issue_login_code(&app.appid, &request.user);
    Json(json!({ "code": code })).into_response()
}

/// Test person `user`'s identity in the default app, with the latest session_key (the
/// emulator knows it, as WeChat does; tests use it to check wxbase never leaks it).
async fn user(State(state): State<Arc<EmulatorState>>, Path(user): Path<String>) -> Response {
    let Some(app) = state.default_app() else {
        return refuse("the emulator has no app");
    };
    let (openid, unionid) = EmulatorState::identity(app, &user);
    let session_key = state
        .tables()
        .session_keys
        .get(&(app.appid.clone(), user.clone()))
        .cloned();
    Json(json!({
        "user": user,
        "appid": app.appid,
        "openid": openid,
        "unionid": unionid,
        "sessionKey": session_key,
    }))
    .into_response()
}

/// Calls per WeChat endpoint since start.
async fn stats(State(state): State<Arc<EmulatorState>>) -> Response {
    let calls = state.tables().calls.clone();
    Json(json!({ "calls": calls })).into_response()
}

#[derive(Deserialize)]
struct AdvanceRequest {
    seconds: u64,
}

/// Moves the emulator's clock forward, so tests can expire codes and tokens without waiting.
async fn advance_clock(State(state): State<Arc<EmulatorState>>, body: Bytes) -> Response {
    let request: AdvanceRequest = match parse_body(&body) {
        Ok(request) => request,
        Err(message) => return refuse(message),
    };
    state.clock.advance(Duration::from_secs(request.seconds));
    Json(json!({ "advancedSeconds": request.seconds })).into_response()
}
