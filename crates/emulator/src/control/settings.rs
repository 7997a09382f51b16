//! Control routes for limits (token lifetime, daily quotas, the follower page size, the checks
//! of `custom/send`), revoking
//! an app's tokens, and binding an app to an open-platform account.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use super::{app_or_default, parse_body, refuse, ControlResult};
use crate::config::Limits;
use crate::state::EmulatorState;

/// The longest token lifetime the settings accept: WeChat's own 7200 s is the norm.
const MAX_LIFETIME_SECS: u64 = 366 * 86_400;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/__emulator/settings", post(change_settings).get(settings))
        .route("/__emulator/tokens/invalidate", post(invalidate_tokens))
        .route("/__emulator/open-platform", post(bind_open_platform))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SettingsRequest {
    token_lifetime_seconds: Option<u64>,
    token_daily_quota: Option<u64>,
    stable_token_daily_quota: Option<u64>,
    follower_page_size: Option<usize>,
    follower_list_daily_quota: Option<u64>,
    custom_send_checks: Option<bool>,
}

/// Changes the given settings and answers all of them. A new lifetime applies to tokens issued
/// from then on; a new quota applies at once to the current quota day's count.
async fn change_settings(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: SettingsRequest = parse_body(&body)?;
    if request
        .token_lifetime_seconds
        .is_some_and(|secs| secs == 0 || secs > MAX_LIFETIME_SECS)
    {
        return Err(refuse(format!(
            "tokenLifetimeSeconds must be between 1 and {MAX_LIFETIME_SECS}"
        )));
    }
    if request
        .follower_page_size
        .is_some_and(|size| size == 0 || size > 10_000)
    {
        return Err(refuse("followerPageSize must be between 1 and 10000"));
    }
    let limits = {
        let mut tables = state.tables();
        let limits = &mut tables.limits;
        if let Some(secs) = request.token_lifetime_seconds {
            limits.token_lifetime = Duration::from_secs(secs);
        }
        if let Some(quota) = request.token_daily_quota {
            limits.token_daily_quota = quota;
        }
        if let Some(quota) = request.stable_token_daily_quota {
            limits.stable_token_daily_quota = quota;
        }
        if let Some(size) = request.follower_page_size {
            limits.follower_page_size = size;
        }
        if let Some(quota) = request.follower_list_daily_quota {
            limits.follower_list_daily_quota = quota;
        }
        if let Some(checks) = request.custom_send_checks {
            limits.custom_send_checks = checks;
        }
        *limits
    };
    Ok(render(limits))
}

/// The current settings.
async fn settings(State(state): State<Arc<EmulatorState>>) -> ControlResult {
    let limits = state.tables().limits;
    Ok(render(limits))
}

fn render(limits: Limits) -> Json<serde_json::Value> {
    Json(json!({
        "tokenLifetimeSeconds": limits.token_lifetime.as_secs(),
        "tokenDailyQuota": limits.token_daily_quota,
        "stableTokenDailyQuota": limits.stable_token_daily_quota,
        "followerPageSize": limits.follower_page_size,
        "followerListDailyQuota": limits.follower_list_daily_quota,
        "customSendChecks": limits.custom_send_checks,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InvalidateRequest {
    #[serde(default)]
    appid: Option<String>,
}

/// Revokes every working token (legacy and stable) of the app, default app unless `appid` is
/// given: their next use gives 40001, as when a token is reset behind the server's back.
async fn invalidate_tokens(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: InvalidateRequest = if body.iter().all(u8::is_ascii_whitespace) {
        InvalidateRequest { appid: None }
    } else {
        parse_body(&body)?
    };
    let app = app_or_default(&state, request.appid.as_deref())?;
    let now = state.clock.now();
    let invalidated = state.tables().tokens.invalidate_app(&app.appid, now);
    Ok(Json(
        json!({ "appid": app.appid, "invalidated": invalidated }),
    ))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BindingRequest {
    #[serde(default)]
    appid: Option<String>,
    bound: bool,
}

/// Binds the app (default: the first) to an open-platform account, or unbinds it. From then
/// on logins and encrypted user info carry the person's unionid, or do not: what a team sees
/// when it binds its mini-program after users have logged in.
async fn bind_open_platform(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let request: BindingRequest = parse_body(&body)?;
    let app = app_or_default(&state, request.appid.as_deref())?;
    state.set_unionid_bound(&app.appid, request.bound);
    Ok(Json(json!({ "appid": app.appid, "bound": request.bound })))
}
