//! `POST /__emulator/login-codes`: many login codes at once, for load tests that need a fresh
//! single-use code per request (what thousands of `wx.login` calls would give).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{app_or_default, parse_body, refuse, ControlResult};
use crate::state::EmulatorState;

/// Most codes one call may ask for.
const MAX_CODES: usize = 2_000_000;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route("/__emulator/login-codes", post(login_codes))
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
    let codes: Vec<String> = (0..request.count)
        .map(|i| state.issue_login_code(&app.appid, &format!("{}{}", request.prefix, i % people)))
        .collect();
    Ok(Json(json!({ "codes": codes })))
}
