//! Open data as the mini-program receives it: `encryptedData` + `iv` under the current
//! session_key, and `rawData` + `signature`.

use reqwest::StatusCode;
use serde_json::{json, Value};
use wxbase_wechat::crypto::{decrypt_and_check_watermark, verify_raw_data_signature, CryptoError};
use wxbase_wechat::AppId;

use crate::helpers::*;

/// `POST /__emulator/encrypted-data`; the answer's `encryptedData` and `iv`.
async fn encrypted(emu: &Emu, request: Value) -> (String, String) {
    let answer = emu.post("/__emulator/encrypted-data", request).await;
    let field = |name: &str| answer[name].as_str().expect("a string field").to_owned();
    (field("encryptedData"), field("iv"))
}

async fn session_key(emu: &Emu, user: &str) -> String {
    emu.user(user).await["sessionKey"]
        .as_str()
        .expect("a session key")
        .to_owned()
}

#[tokio::test]
async fn user_info_decrypts_with_the_session_key_the_emulator_reports() {
    let emu = Emu::start().await;
    let session = emu.login("alice").await;
    let key = session_key(&emu, "alice").await;
    assert_eq!(key, session.session_key.expose());
    let (data, iv) = encrypted(&emu, json!({ "user": "alice", "kind": "userinfo" })).await;
    let info = decrypt_and_check_watermark(&key, &iv, &data, &appid()).expect("decrypts");
    assert_eq!(info["openId"], session.openid.as_str());
    let unionid = session.unionid.expect("the app is unionid-bound");
    assert_eq!(info["unionId"], unionid.as_str());
    assert_eq!(info["nickName"], "alice");
    for field in [
        "gender",
        "language",
        "city",
        "province",
        "country",
        "avatarUrl",
    ] {
        assert!(!info[field].is_null(), "{field} is present");
    }
    assert!(info["watermark"]["timestamp"].is_u64());
}

#[tokio::test]
async fn user_info_has_no_union_id_when_the_app_is_not_bound() {
    let emu = Emu::start().await;
    let code = emu
        .post(
            "/__emulator/login-code",
            json!({ "user": "bob", "appid": OTHER_APPID }),
        )
        .await;
    let other = AppId::parse(OTHER_APPID).expect("appid");
    let session = emu
        .client
        .jscode2session(
            &other,
            &wxbase_wechat::Secret::new(OTHER_SECRET),
            code["code"].as_str().expect("code"),
        )
        .await
        .expect("logged in");
    let request = json!({ "user": "bob", "kind": "userinfo", "appid": OTHER_APPID });
    let (data, iv) = encrypted(&emu, request).await;
    let info = decrypt_and_check_watermark(session.session_key.expose(), &iv, &data, &other)
        .expect("decrypts");
    assert!(info.get("unionId").is_none(), "{info}");
    assert_eq!(info["openId"], session.openid.as_str());
}

#[tokio::test]
async fn phone_data_carries_the_persons_number_and_a_fresh_iv_each_time() {
    let emu = Emu::start().await;
    emu.login("carol").await;
    let key = session_key(&emu, "carol").await;
    let (data, iv) = encrypted(&emu, json!({ "user": "carol", "kind": "phone" })).await;
    let (_, other_iv) = encrypted(&emu, json!({ "user": "carol", "kind": "phone" })).await;
    assert_ne!(iv, other_iv);
    let phone = decrypt_and_check_watermark(&key, &iv, &data, &appid()).expect("decrypts");
    assert_eq!(phone["phoneNumber"], emu.user("carol").await["phoneNumber"]);
    assert_eq!(phone["purePhoneNumber"], phone["phoneNumber"]);
    assert_eq!(phone["countryCode"], "86");
}

#[tokio::test]
async fn data_is_encrypted_with_the_latest_session_key_only() {
    let emu = Emu::start().await;
    let first = emu.login("dave").await;
    emu.login("dave").await;
    let (data, iv) = encrypted(&emu, json!({ "user": "dave", "kind": "phone" })).await;
    let stale = decrypt_and_check_watermark(first.session_key.expose(), &iv, &data, &appid());
    assert!(stale.is_err(), "the first session_key was replaced");
    let key = session_key(&emu, "dave").await;
    decrypt_and_check_watermark(&key, &iv, &data, &appid()).expect("the latest key works");
}

#[tokio::test]
async fn a_watermark_appid_override_is_caught_by_the_watermark_check() {
    let emu = Emu::start().await;
    emu.login("erin").await;
    let key = session_key(&emu, "erin").await;
    let request = json!({ "user": "erin", "kind": "phone", "watermarkAppid": "wxforeign" });
    let (data, iv) = encrypted(&emu, request).await;
    let result = decrypt_and_check_watermark(&key, &iv, &data, &appid());
    assert!(
        matches!(result, Err(CryptoError::WatermarkAppIdMismatch { ref found, .. }) if found == "wxforeign"),
        "{result:?}"
    );
}

#[tokio::test]
async fn open_data_for_someone_who_never_logged_in_is_refused_with_a_hint() {
    let emu = Emu::start().await;
    for path in ["/__emulator/encrypted-data", "/__emulator/user-profile"] {
        let request = json!({ "user": "frank", "kind": "phone" });
        let request = if path.ends_with("profile") {
            json!({ "user": "frank" })
        } else {
            request
        };
        let (status, answer) = emu.control("POST", path, request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            answer["error"],
            "frank has not logged in: call /__emulator/login-code and log in first"
        );
    }
}

#[tokio::test]
async fn the_user_profile_signature_verifies_with_the_session_key() {
    let emu = Emu::start().await;
    let session = emu.login("grace").await;
    let profile = emu
        .post("/__emulator/user-profile", json!({ "user": "grace" }))
        .await;
    let raw_data = profile["rawData"].as_str().expect("rawData");
    let signature = profile["signature"].as_str().expect("signature");
    assert!(verify_raw_data_signature(
        signature,
        raw_data,
        session.session_key.expose()
    ));
    assert!(!verify_raw_data_signature(
        signature,
        raw_data,
        "AAAAAAAAAAAAAAAAAAAAAA=="
    ));
    let fields: Value = serde_json::from_str(raw_data).expect("rawData is JSON");
    assert_eq!(fields["nickName"], "grace");
    assert!(
        fields.get("openId").is_none(),
        "rawData holds no identifiers"
    );
}
