//! `POST /wxa/business/getuserphonenumber?access_token=`: a phone-number code for the number.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-info/phone-number/getPhoneNumber.html>

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
use crate::state::people;
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route(
        "/wxa/business/getuserphonenumber",
        any(get_user_phone_number),
    )
}

/// Checks the token first, then the body `{"code", "openid"?}`. The code is single-use, valid
/// for the configured TTL (5 minutes) and only for the app it was issued in; any other code is
/// 40029. A missing code is 41008 (WeChat's answer there is undocumented). When `openid` is
/// given it must be the code's person, or the code is 40029 (and stays unused).
async fn get_user_phone_number(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    post_with_token(&method, caller, |appid| exchange(&state, appid, &body))
}

fn exchange(state: &EmulatorState, appid: &str, body: &[u8]) -> Result<Value, WxError> {
    let request = json_object(body)?;
    let code = request
        .get("code")
        .and_then(Value::as_str)
        .filter(|code| !code.is_empty())
        .ok_or(reply::CODE_MISSING)?;
    let openid = request.get("openid").and_then(Value::as_str);
    let now = state.clock.now();
    let person = {
        let mut tables = state.tables();
        let entry = tables
            .phone_codes
            .get_mut(code)
            .filter(|entry| !entry.used && entry.fresh_for(appid, now, state.config.phone_code_ttl))
            .ok_or(reply::INVALID_CODE)?;
        if openid.is_some_and(|openid| openid != people::openid_for(appid, &entry.person)) {
            return Err(reply::INVALID_CODE);
        }
        entry.used = true;
        entry.person.clone()
    };
    let phone = people::phone_for(&person);
    Ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "phone_info": {
            "phoneNumber": phone,
            "purePhoneNumber": phone,
            "countryCode": "86",
            "watermark": { "timestamp": now.as_secs(), "appid": appid },
        },
    }))
}
