//! The official account's user APIs: `GET /cgi-bin/user/info`, `GET /cgi-bin/user/get` and
//! `POST /cgi-bin/user/info/batchget`, with the official account's access_token.
//!
//! Checks in order: the token (41001, 40014, 40001, 42001), the caller is the official account
//! (48001 for a mini-program's token), then the request. An openid that never followed is
//! 40003; one that left gets `subscribe: 0` and no unionid. `user/get` counts against a daily
//! quota (45009) and pages by `next_openid`; batchget takes 1 to 100 openids (40032).
//! Doc: <https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html>
//! Doc: <https://developers.weixin.qq.com/doc/offiaccount/User_Management/Getting_a_User_List.html>

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::Method;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::caller::{post_with_token, CallerApp};
use super::reply::{self, WxError};
use super::request::json_object;
use crate::config::EmulatedOfficialAccount;
use crate::state::clock::quota_day;
use crate::state::followers::FollowerEntry;
use crate::state::people;
use crate::state::EmulatorState;

/// The follower list endpoint, as counted in quotas.
const USER_GET: &str = "/cgi-bin/user/get";
/// Most openids one batchget takes.
const BATCHGET_MAX: usize = 100;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/cgi-bin/user/info", get(info))
        .route(USER_GET, get(list))
        .route("/cgi-bin/user/info/batchget", any(batch))
}

fn answer(result: Result<Value, WxError>) -> Response {
    match result {
        Ok(body) => Json(body).into_response(),
        Err(error) => error.into_response(),
    }
}

/// The official account, if the caller (whose token is valid) is it: 48001 otherwise.
fn official_account<'s>(
    state: &'s EmulatorState,
    appid: &str,
) -> Result<&'s EmulatedOfficialAccount, WxError> {
    state
        .config
        .official_account
        .as_ref()
        .filter(|oa| oa.appid == appid)
        .ok_or(reply::API_UNAUTHORIZED)
}

/// What WeChat says about one openid: the full record while following, a stub after leaving.
fn describe(oa: &EmulatedOfficialAccount, openid: &str, entry: &FollowerEntry) -> Value {
    if !entry.following {
        return json!({ "subscribe": 0, "openid": openid, "tagid_list": [] });
    }
    let mut info = json!({
        "subscribe": 1, "openid": openid, "nickname": "", "sex": 0, "language": "zh_CN",
        "city": "", "province": "", "country": "", "headimgurl": "",
        "subscribe_time": entry.subscribe_time, "remark": "", "groupid": 0, "tagid_list": [],
        "subscribe_scene": "ADD_SCENE_SEARCH", "qr_scene": 0, "qr_scene_str": "",
    });
    if oa.unionid_bound {
        info["unionid"] = json!(people::unionid_for(&entry.person));
    }
    info
}

fn lookup(
    state: &EmulatorState,
    oa: &EmulatedOfficialAccount,
    openid: &str,
) -> Result<Value, WxError> {
    let tables = state.tables();
    let entry = tables.followers.get(openid).ok_or(reply::INVALID_OPENID)?;
    Ok(describe(oa, openid, entry))
}

/// `GET /cgi-bin/user/info?access_token=&openid=&lang=`.
async fn info(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    answer(caller.and_then(|CallerApp(appid)| {
        let oa = official_account(&state, &appid)?;
        let openid = query.get("openid").ok_or(reply::INVALID_OPENID)?;
        lookup(&state, oa, openid)
    }))
}

/// `GET /cgi-bin/user/get?access_token=&next_openid=`: a page of followers in follow order.
async fn list(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    answer(caller.and_then(|CallerApp(appid)| {
        let oa = official_account(&state, &appid)?;
        let day = quota_day(state.clock.now());
        let mut tables = state.tables();
        let limits = tables.limits;
        tables
            .quotas
            .take(&oa.appid, USER_GET, day, limits.follower_list_daily_quota)?;
        let after = query.get("next_openid").filter(|next| !next.is_empty());
        let page = tables
            .followers
            .page(after.map(String::as_str), limits.follower_page_size)
            .ok_or(reply::INVALID_OPENID)?;
        let mut body = json!({
            "total": page.total,
            "count": page.openids.len(),
            "next_openid": page.next_openid.unwrap_or_default(),
        });
        if !page.openids.is_empty() {
            body["data"] = json!({ "openid": page.openids });
        }
        Ok(body)
    }))
}

/// `POST /cgi-bin/user/info/batchget?access_token=` `{"user_list":[{"openid","lang"}]}`.
async fn batch(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
    method: Method,
    body: Bytes,
) -> Response {
    post_with_token(&method, caller, |appid| {
        let oa = official_account(&state, appid)?;
        let request = json_object(&body)?;
        let users = request
            .get("user_list")
            .and_then(Value::as_array)
            .ok_or(reply::DATA_FORMAT_ERROR)?;
        if users.is_empty() || users.len() > BATCHGET_MAX {
            return Err(reply::INVALID_OPENID_LIST);
        }
        let infos = users
            .iter()
            .map(|user| {
                let openid = user
                    .get("openid")
                    .and_then(Value::as_str)
                    .ok_or(reply::DATA_FORMAT_ERROR)?;
                lookup(&state, oa, openid)
            })
            .collect::<Result<Vec<Value>, WxError>>()?;
        Ok(json!({ "user_info_list": infos }))
    })
}
