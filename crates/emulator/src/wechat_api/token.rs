//! The access-token endpoints: `GET /cgi-bin/token` and `POST /cgi-bin/stable_token`.
//!
//! They serve the mini-programs and the official account alike. Both check parameters in
//! WeChat's order (grant_type, missing appid, missing secret, unknown appid, wrong secret),
//! then the app's daily quota, then issue from [`crate::state::tokens`]. Only calls with valid
//! credentials count against the quota, and a call refused with 45009 does not.
//! A wrong secret gives 40125 on both, although real WeChat has been seen answering 40001 on
//! `/cgi-bin/token` (docs/wechat-protocol.md, "Access tokens"); clients should treat both as "check the secret".

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::reply::{self, WxError};
use super::request::json_object;
use crate::state::clock::quota_day;
use crate::state::tokens::Grant;
use crate::state::EmulatorState;

/// The legacy token endpoint, as counted in quotas and stats.
pub const TOKEN_ENDPOINT: &str = "/cgi-bin/token";
/// The stable token endpoint, as counted in quotas and stats.
pub const STABLE_TOKEN_ENDPOINT: &str = "/cgi-bin/stable_token";

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route(TOKEN_ENDPOINT, get(token))
        .route(STABLE_TOKEN_ENDPOINT, any(stable_token))
}

/// `GET /cgi-bin/token?grant_type=client_credential&appid=&secret=`: a new token on every call;
/// the previous one keeps working for 5 minutes.
/// Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html>
async fn token(
    State(state): State<Arc<EmulatorState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let param = |name: &str| query.get(name).map(String::as_str);
    let issued = authenticate(&state, param("grant_type"), param("appid"), param("secret"))
        .and_then(|appid| {
            let now = state.clock.now();
            let mut tables = state.tables();
            let limits = tables.limits;
            let day = quota_day(now);
            tables
                .quotas
                .take(appid, TOKEN_ENDPOINT, day, limits.token_daily_quota)?;
            Ok(tables
                .tokens
                .issue_legacy(appid, now, limits.token_lifetime))
        });
    answer(issued)
}

/// `POST /cgi-bin/stable_token` with a JSON body `{grant_type, appid, secret, force_refresh?}`:
/// the current token and its remaining lifetime, or with `force_refresh` a new one.
/// Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html>
async fn stable_token(
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    if method != Method::POST {
        return reply::REQUIRE_POST.into_response();
    }
    let issued = json_object(&body).and_then(|request| {
        let text = |name: &str| request.get(name).and_then(Value::as_str);
        let force_refresh = match request.get("force_refresh") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(force)) => *force,
            Some(_) => return Err(reply::DATA_FORMAT_ERROR),
        };
        let appid = authenticate(&state, text("grant_type"), text("appid"), text("secret"))?;
        let now = state.clock.now();
        let day = quota_day(now);
        let mut tables = state.tables();
        let limits = tables.limits;
        tables.quotas.take(
            appid,
            STABLE_TOKEN_ENDPOINT,
            day,
            limits.stable_token_daily_quota,
        )?;
        tables
            .tokens
            .issue_stable(appid, now, limits.token_lifetime, force_refresh, day)
    });
    answer(issued)
}

/// Checks the credential parameters in WeChat's order; returns the app's (known) appid.
fn authenticate<'a>(
    state: &'a EmulatorState,
    grant_type: Option<&str>,
    appid: Option<&str>,
    secret: Option<&str>,
) -> Result<&'a str, WxError> {
    if grant_type != Some("client_credential") {
        return Err(reply::INVALID_GRANT_TYPE);
    }
    let appid = appid
        .filter(|a| !a.is_empty())
        .ok_or(reply::APPID_MISSING)?;
    let secret = secret
        .filter(|s| !s.is_empty())
        .ok_or(reply::APPSECRET_MISSING)?;
    let app = state.token_holder(appid).ok_or(reply::INVALID_APPID)?;
    if app.secret != secret {
        return Err(reply::INVALID_APPSECRET);
    }
    Ok(&app.appid)
}

/// The token answer carries only `access_token` and `expires_in`, like WeChat's.
fn answer(issued: Result<Grant, WxError>) -> Response {
    match issued {
        Ok(grant) => Json(json!({
            "access_token": grant.access_token,
            "expires_in": grant.expires_in,
        }))
        .into_response(),
        Err(error) => error.into_response(),
    }
}
