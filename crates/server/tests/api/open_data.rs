//! unionId, phone numbers and profiles, end to end, on both backends.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_failure, TestApp};

impl TestApp {
    async fn encrypted(&self, user: &str, kind: &str) -> Value {
        self.emulator(
            "/__emulator/encrypted-data",
            json!({ "user": user, "kind": kind }),
        )
        .await
    }

    async fn me(&self, token: &str) -> Value {
        self.with_token(Method::GET, "/api/me", token).await
    }

    async fn call(&self, path: &str, token: &str, body: Value) -> Value {
        self.post_as(&self.base_url, path, token, body).await
    }
}

async fn decrypting_user_info_returns_it_and_records_the_unionid(app: TestApp) {
    let token = app.login_as("alice").await;
    let data = app.encrypted("alice", "userinfo").await;
    let answer = app.call("/api/me/decrypt", &token, data).await;
    assert_eq!(answer["code"], 1, "{answer}");
    let emulated = app.emulator_user("alice").await;
    assert_eq!(answer["data"]["openId"], emulated["openid"]);
    assert_eq!(answer["data"]["unionId"], emulated["unionid"]);
    assert_eq!(answer["data"]["watermark"]["appid"], crate::helpers::APP_ID);
    assert_eq!(app.me(&token).await["data"]["unionid"], emulated["unionid"]);
}

async fn a_phone_code_gives_the_number_once(app: TestApp) {
    let token = app.login_as("bob").await;
    let code = app
        .emulator("/__emulator/phone-code", json!({ "user": "bob" }))
        .await["code"]
        .clone();
    let answer = app
        .call("/api/me/phone", &token, json!({ "code": code }))
        .await;
    assert_eq!(answer["code"], 1, "{answer}");
    let phone = answer["data"].clone();
    assert!(
        phone["purePhoneNumber"]
            .as_str()
            .is_some_and(|n| n.len() >= 11),
        "{phone}"
    );
    assert_eq!(phone["countryCode"], "86");
    assert_eq!(app.me(&token).await["data"]["phone"], phone);

    let again = app
        .call("/api/me/phone", &token, json!({ "code": code }))
        .await;
    assert_failure(&again, "invalid_phone_code");
}

async fn encrypted_phone_data_gives_the_same_number_as_a_phone_code(app: TestApp) {
    let token = app.login_as("carol").await;
    let data = app.encrypted("carol", "phone").await;
    let by_data = app.call("/api/me/phone", &token, data).await;
    assert_eq!(by_data["code"], 1, "{by_data}");
    let code = app
        .emulator("/__emulator/phone-code", json!({ "user": "carol" }))
        .await["code"]
        .clone();
    let by_code = app
        .call("/api/me/phone", &token, json!({ "code": code }))
        .await;
    assert_eq!(by_code["data"], by_data["data"]);
}

async fn a_signed_profile_is_stored_and_a_tampered_one_is_refused(app: TestApp) {
    let token = app.login_as("dave").await;
    let signed = app
        .emulator("/__emulator/user-profile", json!({ "user": "dave" }))
        .await;
    let tampered = json!({
        "rawData": signed["rawData"].as_str().expect("rawData").replace("\"gender\"", "\"Gender\""),
        "signature": signed["signature"],
    });
    assert_failure(
        &app.call("/api/me/profile", &token, tampered).await,
        "invalid_signature",
    );
    assert!(
        app.me(&token).await["data"]["nickname"].is_null(),
        "nothing stored on failure"
    );

    let answer = app.call("/api/me/profile", &token, signed.clone()).await;
    assert_eq!(answer["code"], 1, "{answer}");
    let raw: Value =
        serde_json::from_str(signed["rawData"].as_str().expect("rawData")).expect("JSON");
    assert_eq!(answer["data"]["nickname"], raw["nickName"]);
    assert_eq!(app.me(&token).await["data"]["avatarUrl"], raw["avatarUrl"]);
}

async fn data_made_before_the_latest_login_fails_as_stale_then_fresh_data_works(app: TestApp) {
    let first = app.login_as("erin").await;
    let old = app.encrypted("erin", "phone").await;
    let _second = app.login_as("erin").await;
    let stale = app.call("/api/me/phone", &first, old).await;
    assert_failure(&stale, "stale_session_key");
    assert!(
        stale["message"]
            .as_str()
            .is_some_and(|m| m.contains("wx.login")),
        "{stale}"
    );
    assert!(
        app.me(&first).await["data"]["phone"].is_null(),
        "nothing stored on failure"
    );

    let fresh = app.encrypted("erin", "phone").await;
    assert_eq!(app.call("/api/me/phone", &first, fresh).await["code"], 1);
}

async fn data_for_another_app_is_refused(app: TestApp) {
    let token = app.login_as("frank").await;
    let foreign = app
        .emulator(
            "/__emulator/encrypted-data",
            json!({ "user": "frank", "kind": "phone", "watermarkAppid": "wxf0000000000000ff" }),
        )
        .await;
    assert_failure(
        &app.call("/api/me/phone", &token, foreign).await,
        "appid_mismatch",
    );
    assert!(app.me(&token).await["data"]["phone"].is_null());
}

async fn malformed_encrypted_data_is_refused_clearly(app: TestApp) {
    let token = app.login_as("grace").await;
    let good = app.encrypted("grace", "userinfo").await;
    let bad_base64 = json!({ "encryptedData": "not base64!", "iv": good["iv"] });
    assert_failure(
        &app.call("/api/me/decrypt", &token, bad_base64).await,
        "invalid_encrypted_data",
    );
    let short_iv = json!({ "encryptedData": good["encryptedData"], "iv": "AAAA" });
    assert_failure(
        &app.call("/api/me/decrypt", &token, short_iv).await,
        "invalid_encrypted_data",
    );
    assert_failure(
        &app.call("/api/me/decrypt", &token, json!({})).await,
        "bad_request",
    );
    assert_failure(
        &app.call("/api/me/phone", &token, json!({})).await,
        "bad_request",
    );
    assert_failure(
        &app.call("/api/me/phone", &token, json!({ "code": "" }))
            .await,
        "bad_request",
    );
}

async fn shared_data_needs_a_session(app: TestApp) {
    let response = app
        .http
        .post(format!("{}/api/me/decrypt", app.base_url))
        .json(&json!({ "encryptedData": "x", "iv": "y" }))
        .send()
        .await
        .expect("answers");
    assert_failure(&crate::helpers::envelope_of(response).await, "unauthorized");
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    decrypting_user_info_returns_it_and_records_the_unionid,
    a_phone_code_gives_the_number_once,
    encrypted_phone_data_gives_the_same_number_as_a_phone_code,
    a_signed_profile_is_stored_and_a_tampered_one_is_refused,
    data_made_before_the_latest_login_fails_as_stale_then_fresh_data_works,
    data_for_another_app_is_refused,
    malformed_encrypted_data_is_refused_clearly,
    shared_data_needs_a_session,
);
