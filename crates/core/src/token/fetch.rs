//! One token fetch from WeChat, with bounded retries while WeChat is busy and log lines that
//! say what to do when retrying cannot help.

use std::time::Duration;

use wxbase_wechat::api::token::AccessTokenGrant;
use wxbase_wechat::{ErrCode, WechatClient, WechatError};

use super::TokenMode;
use crate::AppCredentials;

/// Fetches a token, retrying `-1` (busy) up to `busy_retries` times with doubling backoff.
pub async fn fetch_grant(
    wechat: &WechatClient,
    app: &AppCredentials,
    mode: TokenMode,
    force_refresh: bool,
    busy_retries: u32,
    backoff: Duration,
) -> Result<AccessTokenGrant, WechatError> {
    let mut attempt = 0;
    loop {
        let result = match mode {
            TokenMode::Stable => {
                wechat
                    .get_stable_access_token(&app.app_id, &app.app_secret, force_refresh)
                    .await
            }
            TokenMode::Legacy => wechat.get_access_token(&app.app_id, &app.app_secret).await,
        };
        match result {
            Err(error) if error.errcode() == Some(ErrCode::BUSY) && attempt < busy_retries => {
                attempt += 1;
                tokio::time::sleep(backoff * 2u32.saturating_pow(attempt - 1)).await;
            }
            Err(error) => {
                explain_token_failure(&app.app_id.to_string(), mode, &error);
                return Err(error);
            }
            Ok(grant) => return Ok(grant),
        }
    }
}

/// Logs, once per failure, what an operator should do about a token error.
fn explain_token_failure(app_id: &str, mode: TokenMode, error: &WechatError) {
    let advice = match error.errcode().map(ErrCode::value) {
        Some(45009) => "the daily quota of token calls is used up: wait until midnight (Beijing time) or reset it with /cgi-bin/clear_quota in the WeChat admin console; wxbase will not retry in a loop",
        Some(40013) => "the AppID is not valid: check wechat.app_id",
        Some(40125) | Some(41004) => "the AppSecret is wrong: check wechat.app_secret (reset it in the WeChat admin console if unsure)",
        Some(40001) if mode == TokenMode::Legacy => "WeChat rejected the AppSecret: check wechat.app_secret",
        Some(40164) => "this server's IP is not in the app's API IP whitelist: add it in the WeChat admin console",
        Some(89501) | Some(89503) | Some(89506) | Some(89507) => "WeChat's risky-IP check holds this server's IP: an admin must confirm it in the WeChat admin console",
        Some(-1) => "WeChat stayed busy through every retry: it will be tried again on the next call",
        _ => "see the errcode in WeChat's documentation",
    };
    tracing::error!(%app_id, endpoint = mode.as_str(), %error, advice, "could not get an access_token");
}
