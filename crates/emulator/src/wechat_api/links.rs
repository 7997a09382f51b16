//! `POST /wxa/generate_urllink` and `POST /wxa/generatescheme`: links that open the
//! mini-program, kept so `GET /__emulator/links/{id}` resolves them.
//! Docs: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/url-link/generateUrlLink.html>,
//! <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/url-scheme/generateScheme.html>

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde_json::{json, Map, Value};

use super::caller::{post_with_token, CallerApp};
use super::reply::{self, WxError};
use super::request::json_object;
use crate::state::links::{Link, LinkKind};
use crate::state::EmulatorState;

/// The longest life of a link, in days.
const MAX_DAYS: u64 = 30;
/// The longest query, in characters.
const MAX_QUERY_CHARS: usize = 1024;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/wxa/generate_urllink", any(generate_urllink))
        .route("/wxa/generatescheme", any(generate_scheme))
}

async fn generate_urllink(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    post_with_token(&method, caller, |appid| {
        let request = json_object(&body)?;
        let id = keep(&state, appid, LinkKind::UrlLink, &request, &request)?;
        Ok(json!({"errcode": 0, "errmsg": "ok", "url_link": LinkKind::UrlLink.url(&id)}))
    })
}

/// The page sits inside `jump_wxa` (a body with `env_version` outside it is 47001, as WeChat
/// answers).
async fn generate_scheme(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    post_with_token(&method, caller, |appid| {
        let request = json_object(&body)?;
        if request.contains_key("env_version") {
            return Err(reply::DATA_FORMAT_ERROR);
        }
        let empty = Map::new();
        let jump = match request.get("jump_wxa") {
            Some(Value::Object(jump)) => jump,
            None => &empty,
            Some(_) => return Err(reply::DATA_FORMAT_ERROR),
        };
        let id = keep(&state, appid, LinkKind::Scheme, jump, &request)?;
        Ok(json!({"errcode": 0, "errmsg": "ok", "openlink": LinkKind::Scheme.url(&id)}))
    })
}

/// Checks the page (`page` and `expiry`) and keeps the link; its id.
fn keep(
    state: &EmulatorState,
    appid: &str,
    kind: LinkKind,
    page: &Map<String, Value>,
    expiry: &Map<String, Value>,
) -> Result<String, WxError> {
    let text = |name: &str| page.get(name).and_then(Value::as_str).unwrap_or("");
    let path = text("path");
    let query = text("query");
    if path.starts_with('/') || path.contains('?') || query.chars().count() > MAX_QUERY_CHARS {
        return Err(reply::INVALID_ARGS);
    }
    let env_version = match text("env_version") {
        "" => "release",
        env @ ("release" | "trial" | "develop") => env,
        _ => return Err(reply::INVALID_ARGS),
    };
    let now = state.clock.now();
    let expires_at = match expiry
        .get("expire_type")
        .and_then(Value::as_i64)
        .unwrap_or(0)
    {
        1 => {
            let days = expiry
                .get("expire_interval")
                .and_then(Value::as_u64)
                .filter(|days| (1..=MAX_DAYS).contains(days))
                .ok_or(reply::EXPIRY_OUT_OF_RANGE)?;
            now + Duration::from_secs(days * 86_400)
        }
        _ => {
            let at = expiry
                .get("expire_time")
                .and_then(Value::as_u64)
                .map(Duration::from_secs)
                .filter(|at| *at > now && *at <= now + Duration::from_secs(MAX_DAYS * 86_400))
                .ok_or(reply::EXPIRY_OUT_OF_RANGE)?;
            at
        }
    };
    let link = Link {
        kind,
        appid: appid.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        env_version: env_version.to_owned(),
        expires_at,
    };
    Ok(state.tables().links.add(link))
}
