//! Login, `/api/me` and logout, end to end, on both backends.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::Method;
use serde_json::Value;
use wxbase_core::{NewLogin, SessionToken, Timestamp};
use wxbase_wechat::{AppId, OpenId, Secret};

use crate::helpers::{assert_failure, TestApp};

async fn a_new_user_logs_in_reads_me_and_logs_out(app: TestApp) {
    let code = app.login_code("alice").await;
    let answer = app.login(&code).await;
    assert_eq!(answer["code"], 1, "{answer}");
    assert_eq!(answer["message"], "ok");
    let emulated = app.emulator_user("alice").await;
    let user = &answer["data"]["user"];
    assert_eq!(user["openid"], emulated["openid"]);
    assert_eq!(user["unionid"], emulated["unionid"]);
    assert_eq!(user["isNew"], true);
    let expires_at = answer["data"]["expiresAt"].as_str().expect("expiresAt");
    assert!(
        expires_at.ends_with('Z') && expires_at.contains('T'),
        "{expires_at} is RFC 3339"
    );
    let token = answer["data"]["token"].as_str().expect("token").to_owned();
    assert_eq!(token.len(), 43, "256 bits in base64url");

    let me = app.with_token(Method::GET, "/api/me", &token).await;
    assert_eq!(me["code"], 1, "{me}");
    assert_eq!(me["data"]["openid"], emulated["openid"]);

    let out = app
        .with_token(Method::POST, "/api/auth/logout", &token)
        .await;
    assert_eq!(out["code"], 1, "{out}");
    let after = app.with_token(Method::GET, "/api/me", &token).await;
    assert_failure(&after, "unauthorized");
}

async fn a_second_login_finds_the_same_user(app: TestApp) {
    let first = app.login(&app.login_code("bob").await).await;
    let second = app.login(&app.login_code("bob").await).await;
    assert_eq!(first["data"]["user"]["isNew"], true);
    assert_eq!(second["data"]["user"]["isNew"], false);
    assert_eq!(
        second["data"]["user"]["openid"],
        first["data"]["user"]["openid"]
    );
    assert_ne!(second["data"]["token"], first["data"]["token"]);
    assert_eq!(app.user_count().await, 1);
}

async fn the_session_key_never_reaches_the_client(app: TestApp) {
    let answer = app.login(&app.login_code("carol").await).await;
    let token = answer["data"]["token"].as_str().expect("token").to_owned();
    let me = app.with_token(Method::GET, "/api/me", &token).await;
    let session_key = app.emulator_user("carol").await["sessionKey"]
        .as_str()
        .expect("the emulator issued a session key")
        .to_owned();
    for body in [answer.to_string(), me.to_string()] {
        assert!(!body.contains(&session_key), "session_key leaked in {body}");
        assert!(!body.to_lowercase().contains("session_key") && !body.contains("sessionKey"));
    }
}

async fn a_used_code_is_refused_and_adds_no_user(app: TestApp) {
    let code = app.login_code("dave").await;
    assert_eq!(app.login(&code).await["code"], 1);
    let again = app.login(&code).await;
    assert_failure(&again, "invalid_code");
    assert!(
        again["message"]
            .as_str()
            .is_some_and(|m| m.contains("40163")),
        "{again}"
    );
    assert_eq!(app.user_count().await, 1);
}

async fn an_expired_code_is_refused_and_writes_no_user(app: TestApp) {
    let code = app.login_code("erin").await;
    app.advance_emulator_clock(301).await;
    assert_failure(&app.login(&code).await, "invalid_code");
    assert_eq!(app.user_count().await, 0);
}

async fn an_unknown_code_is_refused(app: TestApp) {
    assert_failure(
        &app.login("0123456789abcdef0123456789abcdef").await,
        "invalid_code",
    );
    assert_eq!(app.user_count().await, 0);
}

async fn an_empty_or_missing_code_is_a_bad_request(app: TestApp) {
    assert_failure(&app.login("").await, "bad_request");
    assert_failure(
        &app.post("/api/auth/login", serde_json::json!({})).await,
        "bad_request",
    );
    assert_failure(
        &app.post("/api/auth/login", serde_json::json!({ "code": 42 }))
            .await,
        "bad_request",
    );
    assert_eq!(app.user_count().await, 0);
}

async fn a_non_json_body_is_a_bad_request(app: TestApp) {
    assert_failure(
        &app.post_raw("/api/auth/login", "code=abc").await,
        "bad_request",
    );
    assert_failure(&app.post_raw("/api/auth/login", "").await, "bad_request");
    assert_failure(
        &app.post_raw("/api/auth/login", "{\"code\":").await,
        "bad_request",
    );
    assert_eq!(app.user_count().await, 0);
}

async fn fifty_concurrent_logins_of_one_new_user_make_one_user(app: TestApp) {
    let mut codes = Vec::new();
    for _ in 0..50 {
        codes.push(app.login_code("frank").await);
    }
    let app = std::sync::Arc::new(app);
    let logins: Vec<_> = codes
        .into_iter()
        .map(|code| {
            let app = app.clone();
            tokio::spawn(async move { app.login(&code).await })
        })
        .collect();
    let mut answers: Vec<Value> = Vec::new();
    for login in logins {
        answers.push(login.await.expect("task ran"));
    }
    assert!(
        answers.iter().all(|a| a["code"] == 1),
        "every login succeeds"
    );
    let new_ones = answers
        .iter()
        .filter(|a| a["data"]["user"]["isNew"] == true)
        .count();
    assert_eq!(new_ones, 1, "exactly one login creates the user");
    assert_eq!(app.user_count().await, 1);
}

async fn a_missing_or_forged_token_is_unauthorized(app: TestApp) {
    let response = app
        .http
        .get(format!("{}/api/me", app.base_url))
        .send()
        .await
        .expect("answers");
    assert_failure(&crate::helpers::envelope_of(response).await, "unauthorized");
    let forged = "A".repeat(43);
    assert_failure(
        &app.with_token(Method::GET, "/api/me", &forged).await,
        "unauthorized",
    );
    assert_failure(
        &app.with_token(Method::GET, "/api/me", "short").await,
        "unauthorized",
    );
}

/// wxbase used to store a session under the plain SHA-256 of a fully random token; sessions
/// stored so before an upgrade must keep working until they expire.
async fn a_session_stored_under_the_legacy_key_still_works_and_logs_out(app: TestApp) {
    let legacy = URL_SAFE_NO_PAD.encode([0x5A_u8; 32]);
    let token = SessionToken::parse(&legacy).expect("a legacy token is well formed");
    let now = Timestamp::now();
    app.db
        .store
        .record_login(&NewLogin {
            app_id: AppId::parse(app.app_id).expect("appid"),
            openid: OpenId::parse("o-legacy-user").expect("openid"),
            unionid: None,
            session_key: Secret::new("c2Vzc2lvbmtleTEyMzQ1Ng=="),
            token_hash: token.legacy_hash(),
            at: now,
            expires_at: now.plus(Duration::from_secs(3600)),
        })
        .await
        .expect("an older wxbase recorded the session");

    let me = app.with_token(Method::GET, "/api/me", &legacy).await;
    assert_eq!(me["code"], 1, "{me}");
    assert_eq!(me["data"]["openid"], "o-legacy-user");

    let out = app
        .with_token(Method::POST, "/api/auth/logout", &legacy)
        .await;
    assert_eq!(out["code"], 1, "{out}");
    assert_failure(
        &app.with_token(Method::GET, "/api/me", &legacy).await,
        "unauthorized",
    );
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    a_session_stored_under_the_legacy_key_still_works_and_logs_out,
    a_new_user_logs_in_reads_me_and_logs_out,
    a_second_login_finds_the_same_user,
    the_session_key_never_reaches_the_client,
    a_used_code_is_refused_and_adds_no_user,
    an_expired_code_is_refused_and_writes_no_user,
    an_unknown_code_is_refused,
    an_empty_or_missing_code_is_a_bad_request,
    a_non_json_body_is_a_bad_request,
    fifty_concurrent_logins_of_one_new_user_make_one_user,
    a_missing_or_forged_token_is_unauthorized,
);
