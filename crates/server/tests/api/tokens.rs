//! The central access_token under stress: expiry across two instances, invalidation mid-flight,
//! a busy WeChat, exhausted quotas.

use std::sync::Arc;

use serde_json::{json, Value};
use wxbase_core::{TokenMode, TokenSettings};
use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, Options, TestApp};

const STABLE_TOKEN: &str = "/cgi-bin/stable_token";
const PHONE: &str = "/wxa/business/getuserphonenumber";

impl TestApp {
    async fn phone_code(&self, user: &str) -> Value {
        self.emulator("/__emulator/phone-code", json!({ "user": user }))
            .await["code"]
            .clone()
    }

    async fn phone_via(&self, base: &str, token: &str, user: &str) -> Value {
        let code = self.phone_code(user).await;
        self.post_as(base, "/api/me/phone", token, json!({ "code": code }))
            .await
    }

    async fn fault(&self, endpoint: &str, times: Option<u64>, errcode: i64) {
        let mut body = json!({ "endpoint": endpoint, "errcode": errcode });
        if let Some(times) = times {
            body["times"] = json!(times);
        }
        self.emulator("/__emulator/faults", body).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_refresh_an_expired_token_exactly_once_for_200_concurrent_requests() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    let second = app.second_instance().await;
    let token = app.login_as("alice").await;
    let warm_up = app.phone_via(&app.base_url, &token, "alice").await;
    assert_eq!(warm_up["code"], 1, "{warm_up}");
    assert_eq!(app.emulator_calls(STABLE_TOKEN).await, 1);

    // Past the token's lifetime at WeChat: every instance's stored token now gets 42001.
    app.advance_emulator_clock(7300).await;
    let mut codes = Vec::new();
    for _ in 0..200 {
        codes.push(app.phone_code("alice").await);
    }
    let app = Arc::new(app);
    let requests: Vec<_> = codes
        .into_iter()
        .enumerate()
        .map(|(i, code)| {
            let app = app.clone();
            let base = if i % 2 == 0 {
                app.base_url.clone()
            } else {
                second.clone()
            };
            let token = token.clone();
            tokio::spawn(async move {
                app.post_as(&base, "/api/me/phone", &token, json!({ "code": code }))
                    .await
            })
        })
        .collect();
    for request in requests {
        let answer = request.await.expect("task ran");
        assert_eq!(answer["code"], 1, "{answer}");
    }
    assert_eq!(
        app.emulator_calls(STABLE_TOKEN).await,
        2,
        "exactly one refresh for both instances"
    );
}

#[tokio::test]
async fn a_token_invalidated_mid_flight_is_replaced_and_the_call_retried_once() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let token = app.login_as("bob").await;
    assert_eq!(app.phone_via(&app.base_url, &token, "bob").await["code"], 1);
    let phone_calls = app.emulator_calls(PHONE).await;
    let token_calls = app.emulator_calls(STABLE_TOKEN).await;

    app.emulator("/__emulator/tokens/invalidate", json!({}))
        .await;
    let answer = app.phone_via(&app.base_url, &token, "bob").await;
    assert_eq!(answer["code"], 1, "{answer}");
    assert_eq!(
        app.emulator_calls(PHONE).await - phone_calls,
        2,
        "one 40001, one retry"
    );
    let refreshes = app.emulator_calls(STABLE_TOKEN).await - token_calls;
    assert!(
        (1..=2).contains(&refreshes),
        "one refresh (plus a force refresh if WeChat repeats the token): {refreshes}"
    );
}

#[tokio::test]
async fn a_busy_wechat_is_retried_and_the_call_succeeds() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let token = app.login_as("carol").await;
    app.fault(PHONE, Some(2), -1).await;
    let answer = app.phone_via(&app.base_url, &token, "carol").await;
    assert_eq!(answer["code"], 1, "{answer}");
    assert_eq!(app.emulator_calls(PHONE).await, 3);
}

#[tokio::test]
async fn a_wechat_busy_forever_gives_upstream_error_after_bounded_retries() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let token = app.login_as("dave").await;
    app.fault(PHONE, None, -1).await;
    let answer = app.phone_via(&app.base_url, &token, "dave").await;
    assert_failure(&answer, "upstream_error");
    assert!(
        answer["message"].as_str().is_some_and(|m| m.contains("-1")),
        "{answer}"
    );
    let retries = u64::from(TokenSettings::default().busy_retries);
    assert_eq!(app.emulator_calls(PHONE).await, 1 + retries);
    assert!(app.me_phone_is_empty(&token).await);
}

#[tokio::test]
async fn an_exhausted_token_quota_is_a_clear_error_without_a_retry_loop() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let token = app.login_as("erin").await;
    app.fault(STABLE_TOKEN, None, 45009).await;
    let answer = app.phone_via(&app.base_url, &token, "erin").await;
    assert_failure(&answer, "upstream_error");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("45009")),
        "{answer}"
    );
    assert_eq!(app.emulator_calls(STABLE_TOKEN).await, 1, "no retry loop");
    assert_eq!(app.emulator_calls(PHONE).await, 0);
}

#[tokio::test]
async fn the_legacy_token_endpoint_works_when_configured() {
    let options = Options {
        token_settings: TokenSettings {
            mode: TokenMode::Legacy,
            ..Options::default().token_settings
        },
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite");
    let token = app.login_as("frank").await;
    assert_eq!(
        app.phone_via(&app.base_url, &token, "frank").await["code"],
        1
    );
    assert_eq!(
        app.phone_via(&app.base_url, &token, "frank").await["code"],
        1
    );
    assert_eq!(
        app.emulator_calls("/cgi-bin/token").await,
        1,
        "the token is reused"
    );
    assert_eq!(app.emulator_calls(STABLE_TOKEN).await, 0);
}

impl TestApp {
    async fn me_phone_is_empty(&self, token: &str) -> bool {
        self.with_token(reqwest::Method::GET, "/api/me", token)
            .await["data"]["phone"]
            .is_null()
    }
}
