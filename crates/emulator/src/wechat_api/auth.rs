//! `GET /sns/jscode2session`: the login code exchange.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html>

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::reply::{self, WxError};
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route("/sns/jscode2session", get(jscode2session))
}

/// Checks parameters in WeChat's order (missing, then appid, then secret, then the code).
async fn jscode2session(
    State(state): State<Arc<EmulatorState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match exchange(&state, &query) {
        Ok(answer) => Json(answer).into_response(),
        Err(error) => error.into_response(),
    }
}

fn exchange(
    state: &EmulatorState,
    query: &HashMap<String, String>,
) -> Result<serde_json::Value, WxError> {
    let param = |name: &str| {
        query
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    };
    let appid = param("appid").ok_or(reply::APPID_MISSING)?;
    let secret = param("secret").ok_or(reply::APPSECRET_MISSING)?;
    let code = param("js_code").ok_or(reply::CODE_MISSING)?;
    let app = state.app(appid).ok_or(reply::INVALID_APPID)?;
    if app.secret != secret {
        return Err(reply::INVALID_APPSECRET);
    }
    let invalid = reply::INVALID_CODE;
    let person = {
        let now = state.clock.now();
        let mut tables = state.tables();
        let entry = tables.login_codes.get_mut(code).ok_or(invalid)?;
        if !entry.fresh_for(appid, now, state.config.login_code_ttl) {
            return Err(invalid);
        }
        if entry.used {
            return Err(WxError::new(40163, "code been used"));
        }
        entry.used = true;
        entry.person.clone()
    };
    let session_key = state.rotate_session_key(appid, &person);
    let (openid, unionid) = state.identity(app, &person);
    let mut answer = json!({ "openid": openid, "session_key": session_key });
    if let Some(unionid) = unionid {
        answer["unionid"] = json!(unionid);
    }
    Ok(answer)
}
