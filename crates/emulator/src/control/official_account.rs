//! The official account's control routes: a test person follows or leaves (and WeChat pushes
//! the event to the server, as XML), the follower list, and where its pushes go.
//! Doc: <https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html>

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use wxbase_wechat::push::{FollowEvent, FollowKind};
use wxbase_wechat::OpenId;

use super::push::{change_target, render};
use super::{check_user, parse_body, refuse, ControlResult, Refusal};
use crate::config::EmulatedOfficialAccount;
use crate::push::{original_id, Outgoing, PushTarget};
use crate::state::people;
use crate::state::{EmulatorState, Tables};

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .route("/__emulator/oa/follow", post(follow))
        .route("/__emulator/oa/unfollow", post(unfollow))
        .route("/__emulator/oa/followers", get(followers))
        .route(
            "/__emulator/oa/push-config",
            post(change_config).get(config),
        )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowRequest {
    user: String,
    /// Whether WeChat pushes the event (default true); `false` for someone who followed
    /// before the server existed, or while it was away.
    #[serde(default = "yes")]
    push: bool,
}

fn yes() -> bool {
    true
}

fn the_official_account(state: &EmulatorState) -> Result<EmulatedOfficialAccount, Refusal> {
    state
        .config
        .official_account
        .clone()
        .ok_or_else(|| refuse("the emulator has no official account"))
}

/// `{"user", "push"?}`: the person follows the official account.
async fn follow(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    change(&state, &body, FollowKind::Subscribe).await
}

/// `{"user", "push"?}`: the person stops following the official account.
async fn unfollow(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    change(&state, &body, FollowKind::Unsubscribe).await
}

/// Changes the follow state, then (unless `push` is false) pushes the event the way WeChat
/// does and reports the delivery. Nothing changes when the push cannot be built.
async fn change(state: &EmulatorState, body: &Bytes, kind: FollowKind) -> ControlResult {
    let request: FollowRequest = parse_body(body)?;
    check_user(&request.user)?;
    let oa = the_official_account(state)?;
    let openid = people::openid_for(&oa.appid, &request.user);
    let now = state.clock.now().as_secs();
    let event = FollowEvent {
        to_user_name: original_id(&oa.appid),
        openid: OpenId::parse(openid.clone()).map_err(|e| refuse(e.to_string()))?,
        create_time: i64::try_from(now).unwrap_or(i64::MAX),
        kind,
    };
    let outgoing = if request.push {
        let target = state.tables().oa_push.clone();
        let document = event.to_document();
        Some(
            Outgoing::prepare(&target, &oa.appid, &openid, &document, now)?
                .with_query("openid", &openid),
        )
    } else {
        None
    };
    let changed = {
        let mut tables = state.tables();
        match kind {
            FollowKind::Subscribe => tables.followers.follow(&openid, &request.user, now),
            FollowKind::Unsubscribe => tables.followers.unfollow(&openid),
        }
    };
    if !changed {
        let state_now = if kind == FollowKind::Subscribe {
            "already follows"
        } else {
            "does not follow"
        };
        return Err(refuse(format!(
            "{} {state_now} the official account",
            request.user
        )));
    }
    let push = match outgoing {
        Some(outgoing) => outgoing.deliver(&state.push_client).await,
        None => Value::Null,
    };
    Ok(Json(json!({
        "user": request.user,
        "openid": openid,
        "unionid": oa.unionid_bound.then(|| people::unionid_for(&request.user)),
        "following": kind == FollowKind::Subscribe,
        "at": now,
        "push": push,
    })))
}

/// Everyone who ever followed, in list order, with their state.
async fn followers(State(state): State<Arc<EmulatorState>>) -> ControlResult {
    let oa = the_official_account(&state)?;
    let tables = state.tables();
    let followers: Vec<Value> = tables
        .followers
        .everyone()
        .into_iter()
        .map(|(openid, entry)| {
            json!({
                "user": entry.person,
                "openid": openid,
                "following": entry.following,
                "subscribeTime": entry.subscribe_time,
            })
        })
        .collect();
    Ok(Json(json!({ "appid": oa.appid, "followers": followers })))
}

fn official_account_push(tables: &mut Tables) -> &mut PushTarget {
    &mut tables.oa_push
}

/// Changes where and how the official account pushes (XML only).
async fn change_config(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    change_target(&state, &body, official_account_push, true)
}

async fn config(State(state): State<Arc<EmulatorState>>) -> ControlResult {
    Ok(render(official_account_push(&mut state.tables())))
}
