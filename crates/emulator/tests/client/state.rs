//! The emulator's own state: settings, invalidation, stats, and which servers share state.

use reqwest::StatusCode;
use serde_json::json;
use wxbase_emulator::Emulator;

use crate::helpers::*;

#[tokio::test]
async fn invalidating_an_apps_tokens_makes_their_next_use_fail_with_40001() {
    let emu = Emu::start().await;
    let legacy = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    let stable = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    let answer = emu.post("/__emulator/tokens/invalidate", json!({})).await;
    assert_eq!(answer["invalidated"], 2);
    assert_eq!(errcode(emu.use_token(&legacy.access_token).await), 40001);
    assert_eq!(errcode(emu.use_token(&stable.access_token).await), 40001);
    let fresh = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    assert_ne!(fresh.access_token, stable.access_token);
    emu.use_token(&fresh.access_token)
        .await
        .expect("a new token works");
}

#[tokio::test]
async fn invalidating_one_app_spares_the_others() {
    let emu = Emu::start().await;
    let token = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    let answer = emu
        .post(
            "/__emulator/tokens/invalidate",
            json!({ "appid": OTHER_APPID }),
        )
        .await;
    assert_eq!(answer["invalidated"], 0);
    emu.use_token(&token.access_token)
        .await
        .expect("still valid");
    let (status, _) = emu
        .control(
            "POST",
            "/__emulator/tokens/invalidate",
            json!({ "appid": "wxunknown" }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn settings_change_only_what_is_given_and_refuse_nonsense() {
    let emu = Emu::start().await;
    let settings = emu.settings(json!({ "tokenDailyQuota": 5 })).await;
    assert_eq!(
        settings,
        json!({ "tokenLifetimeSeconds": 7200, "tokenDailyQuota": 5, "stableTokenDailyQuota": 500000,
                "followerPageSize": 10000, "followerListDailyQuota": 500,
                "customSendChecks": true })
    );
    for bad in [
        json!({ "tokenLifetimeSeconds": 0 }),
        json!({ "followerPageSize": 0 }),
        json!({ "tokenLifetime": 60 }),
    ] {
        let (status, _) = emu
            .control("POST", "/__emulator/settings", bad.clone())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn stats_count_calls_per_endpoint() {
    let emu = Emu::start().await;
    emu.client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    emu.client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    let token = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    let code = emu.phone_code("alice").await;
    emu.client
        .get_user_phone_number(&token.access_token, &code)
        .await
        .expect("a number");
    emu.client
        .get_user_phone_number(&token.access_token, &code)
        .await
        .expect_err("used");
    assert_eq!(emu.calls("/cgi-bin/token").await, 2);
    assert_eq!(emu.calls("/cgi-bin/stable_token").await, 1);
    assert_eq!(emu.calls("/wxa/business/getuserphonenumber").await, 2);
    assert_eq!(
        emu.calls("/__emulator/phone-code").await,
        0,
        "the control API is not counted"
    );
}

#[tokio::test]
async fn two_emulators_share_nothing() {
    let first = Emu::start().await;
    let second = Emu::start().await;
    let token = first
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    assert_eq!(errcode(second.use_token(&token.access_token).await), 40001);
    second
        .fault(json!({ "endpoint": "/cgi-bin/token", "errcode": -1 }))
        .await;
    first
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("no fault here");
    second.advance(7200).await;
    first
        .use_token(&token.access_token)
        .await
        .expect("its own clock did not move");
}

#[tokio::test]
async fn servers_spawned_from_clones_of_one_emulator_share_its_state() {
    let emulator = Emulator::new(two_apps());
    let first = Emu::serve(&emulator).await;
    let second = Emu::serve(&emulator.clone()).await;
    let token = first
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    second
        .use_token(&token.access_token)
        .await
        .expect("the same tokens");
    let again = second
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    assert_eq!(again.access_token, token.access_token);
}

#[tokio::test]
async fn unbinding_and_binding_the_open_platform_decides_whether_logins_carry_a_unionid() {
    let emu = Emu::start().await;
    let bound = emu.login("alice").await;
    let unionid = bound.unionid.expect("the default app is bound");

    let answer = emu
        .post("/__emulator/open-platform", json!({ "bound": false }))
        .await;
    assert_eq!(answer["bound"], false);
    assert_eq!(emu.login("alice").await.unionid, None);
    assert!(emu.user("alice").await["unionid"].is_null());

    emu.post("/__emulator/open-platform", json!({ "bound": true }))
        .await;
    assert_eq!(emu.login("alice").await.unionid, Some(unionid));
}
