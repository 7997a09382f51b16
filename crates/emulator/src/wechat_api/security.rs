//! `POST /wxa/msg_sec_check?access_token=` (version 2): the text check, answering `risky` or
//! `review` for texts holding a word set by `POST /__emulator/security/risky-words`.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/sec-center/sec-check/msgSecCheck.html>
//!
//! `POST /wxa/media_check_async?access_token=` (version 2): answers a `trace_id`, then, after
//! the delay set by `POST /__emulator/security/media-verdicts` (500 ms by default), downloads
//! `media_url` as WeChat does and pushes `wxa_media_check` to the app's push URL in its mode and
//! format, with the verdict the rules give the URL, or `status_code` -1008 (and `risky`) when
//! the download fails.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/sec-center/sec-check/mediaCheckAsync.html>

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde_json::{json, Value};

use super::caller::{post_with_token, CallerApp};
use super::reply::{self, rid, WxError};
use super::request::json_object;
use crate::push::build::media_check_document;
use crate::push::Outgoing;
use crate::state::security::REVIEW_LABEL;
use crate::state::EmulatorState;

/// How long the emulator waits for the media it downloads.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest media WeChat checks.
const MAX_MEDIA_BYTES: usize = 10 * 1024 * 1024;

/// The longest content WeChat checks, in characters.
const MAX_CONTENT_CHARS: usize = 2500;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/wxa/msg_sec_check", any(msg_sec_check))
        .route("/wxa/media_check_async", any(media_check_async))
}

/// Checks the token, then `version` (2), `openid`, `scene` (1-4, else 40129) and `content`
/// (present, at most 2,500 characters), then answers the verdict.
async fn msg_sec_check(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    post_with_token(&method, caller, |_| check(&state, &body))
}

fn check(state: &EmulatorState, body: &[u8]) -> Result<Value, WxError> {
    let request = json_object(body)?;
    checked_openid(&request)?;
    let content = request
        .get("content")
        .and_then(Value::as_str)
        .ok_or(reply::DATA_FORMAT_ERROR)?;
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(reply::CONTENT_TOO_LONG);
    }
    let (suggest, label) = state.tables().text_rules.verdict(content);
    Ok(json!({
        "errcode": 0,
        "errmsg": "ok",
        "trace_id": rid(),
        "result": { "suggest": suggest, "label": label },
        "detail": [
            { "strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90 },
        ],
    }))
}

/// Checks the token, then `version` (2), `openid`, `scene` (1-4), `media_type` (1 or 2) and
/// `media_url`; answers a `trace_id` and pushes the verdict later.
async fn media_check_async(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    post_with_token(&method, caller, |appid| {
        let (openid, url) = media_request(&body)?;
        let trace_id = rid();
        let pushing = state.clone();
        let appid = appid.to_owned();
        let answer = json!({ "errcode": 0, "errmsg": "ok", "trace_id": trace_id });
        tokio::spawn(async move {
            push_media_verdict(&pushing, &appid, &openid, &url, &trace_id).await;
        });
        Ok(answer)
    })
}

/// What both content checks require of a request: `version` 2, an `openid` (answered) and
/// a `scene` from 1 to 4.
fn checked_openid(request: &serde_json::Map<String, Value>) -> Result<&str, WxError> {
    if request.get("version").and_then(Value::as_i64) != Some(2) {
        return Err(reply::DATA_FORMAT_ERROR);
    }
    let openid = request
        .get("openid")
        .and_then(Value::as_str)
        .filter(|openid| !openid.is_empty())
        .ok_or(reply::INVALID_OPENID)?;
    let scene = request.get("scene").and_then(Value::as_i64);
    if !scene.is_some_and(|scene| (1..=4).contains(&scene)) {
        return Err(reply::INVALID_SCENE);
    }
    Ok(openid)
}

/// The checked request's openid and media URL.
fn media_request(body: &[u8]) -> Result<(String, String), WxError> {
    let request = json_object(body)?;
    let openid = checked_openid(&request)?;
    let media_type = request.get("media_type").and_then(Value::as_i64);
    if !matches!(media_type, Some(1 | 2)) {
        return Err(reply::INVALID_ARGS);
    }
    let url = request
        .get("media_url")
        .and_then(Value::as_str)
        .filter(|url| url.starts_with("http://") || url.starts_with("https://"))
        .ok_or(reply::INVALID_ARGS)?;
    Ok((openid.to_owned(), url.to_owned()))
}

/// After the configured delay: downloads the media, judges its URL by the rules in force then,
/// and pushes the verdict.
async fn push_media_verdict(
    state: &EmulatorState,
    appid: &str,
    openid: &str,
    url: &str,
    trace_id: &str,
) {
    let delay = state.tables().media_rules.delay;
    tokio::time::sleep(delay).await;
    let fetched = fetch(&state.push_client, url).await;
    // The rules and the push settings in force when the verdict is given.
    let (rules, target) = {
        let tables = state.tables();
        (tables.media_rules.clone(), tables.push.clone())
    };
    let verdict = if fetched {
        rules.verdict(url)
    } else {
        ("risky", REVIEW_LABEL)
    };
    let now = state.clock.now().as_secs();
    let document = media_check_document(appid, openid, trace_id, verdict, fetched, now);
    if let Ok(outgoing) = Outgoing::prepare(&target, appid, openid, &document, now) {
        outgoing.deliver(&state.push_client).await;
    }
}

/// Whether the media at `url` downloads: a 2xx answer of at most 10 MB.
async fn fetch(client: &reqwest::Client, url: &str) -> bool {
    let Ok(response) = client.get(url).timeout(FETCH_TIMEOUT).send().await else {
        return false;
    };
    if !response.status().is_success() {
        return false;
    }
    response
        .bytes()
        .await
        .is_ok_and(|bytes| !bytes.is_empty() && bytes.len() <= MAX_MEDIA_BYTES)
}
