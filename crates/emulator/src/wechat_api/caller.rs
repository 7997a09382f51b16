//! The `access_token` check every API taking `?access_token=` shares: an extractor that yields
//! the calling app or answers WeChat's token error (41001, 40014, 40001, 42001), and the answer
//! of a POST-only API built on it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use super::reply::{self, WxError};
use crate::state::EmulatorState;

/// The appid whose valid access_token came in the query string. Tokens in the body are ignored,
/// as WeChat ignores them (docs/wechat-protocol.md, "Conventions").
#[derive(Debug, Clone)]
pub struct CallerApp(pub String);

impl FromRequestParts<Arc<EmulatorState>> for CallerApp {
    type Rejection = WxError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<EmulatorState>,
    ) -> Result<Self, Self::Rejection> {
        let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|Query(query)| query)
            .unwrap_or_default();
        let token = query.get("access_token").map(String::as_str);
        state.check_access_token(token).map(CallerApp)
    }
}

/// The answer of a POST-only API taking an access_token: 43002 for another method, then the
/// token's error, then what `handle` answers for the calling app (JSON or a WeChat error).
pub fn post_with_token(
    method: &Method,
    caller: Result<CallerApp, WxError>,
    handle: impl FnOnce(&str) -> Result<Value, WxError>,
) -> Response {
    if method != Method::POST {
        return reply::REQUIRE_POST.into_response();
    }
    match caller.and_then(|CallerApp(appid)| handle(&appid)) {
        Ok(answer) => Json(answer).into_response(),
        Err(error) => error.into_response(),
    }
}
