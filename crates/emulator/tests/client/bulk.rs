//! Bulk login codes for load tests.

use serde_json::json;
use wxbase_wechat::{AppId, Secret};

use crate::helpers::{Emu, APPID, SECRET};

#[tokio::test]
async fn bulk_codes_cycle_through_the_requested_people_and_each_works_once() {
    let emu = Emu::start().await;
    let answer = emu
        .post(
            "/__emulator/login-codes",
            json!({ "prefix": "bench", "count": 6, "distinctUsers": 3 }),
        )
        .await;
    let codes: Vec<String> = answer["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("a code").to_owned())
        .collect();
    assert_eq!(codes.len(), 6);
    let appid = AppId::parse(APPID).expect("appid");
    let secret = Secret::new(SECRET);
    let mut openids = Vec::new();
    for code in &codes {
        let session = emu
            .client
            .jscode2session(&appid, &secret, code)
            .await
            .expect("valid code");
        openids.push(session.openid.to_string());
    }
    assert_eq!(openids[0], openids[3], "code 3 is person bench0 again");
    assert_ne!(openids[0], openids[1]);
    let reused = emu.client.jscode2session(&appid, &secret, &codes[0]).await;
    assert!(reused.is_err(), "bulk codes are single-use too");
}

#[tokio::test]
async fn bulk_requests_out_of_bounds_are_refused() {
    let emu = Emu::start().await;
    for body in [
        json!({ "prefix": "b", "count": 0 }),
        json!({ "prefix": "", "count": 1 }),
        json!({ "prefix": "b", "count": 1, "distinctUsers": 0 }),
        json!({ "prefix": "b", "count": 3_000_000 }),
    ] {
        let (status, _) = emu
            .control("POST", "/__emulator/login-codes", body.clone())
            .await;
        assert_eq!(status, 400, "{body}");
    }
}

#[tokio::test]
async fn bulk_pushes_are_signed_encrypted_and_each_has_its_own_msg_id() {
    use wxbase_wechat::crypto::{msg_signature, MessageCrypto};

    let emu = Emu::start().await;
    let key = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
    emu.post(
        "/__emulator/push-config",
        json!({ "url": "http://127.0.0.1:9/message/check", "mode": "safe", "format": "json",
                "token": "bench-token", "encodingAesKey": key }),
    )
    .await;
    let text = emu
        .http
        .post(format!("{}/__emulator/push-requests", emu.base_url))
        .json(&json!({ "prefix": "p", "count": 3, "content": "hello" }))
        .send()
        .await
        .expect("answers")
        .text()
        .await
        .expect("text");
    let crypto = MessageCrypto::new(key, AppId::parse(APPID).expect("appid")).expect("key");
    let mut msg_ids = Vec::new();
    for line in text.lines() {
        let (target, body) = line.split_once('\t').expect("PATH?QUERY<TAB>BODY");
        let (path, query) = target.split_once('?').expect("a query");
        assert_eq!(path, "/message/check");
        let param = |name: &str| {
            query
                .split('&')
                .find_map(|pair| pair.strip_prefix(&format!("{name}=")))
                .expect("parameter")
                .to_owned()
        };
        let envelope: serde_json::Value = serde_json::from_str(body).expect("JSON envelope");
        let encrypt = envelope["Encrypt"].as_str().expect("Encrypt");
        assert_eq!(
            param("msg_signature"),
            msg_signature("bench-token", &param("timestamp"), &param("nonce"), encrypt)
        );
        let message: serde_json::Value =
            serde_json::from_slice(&crypto.decrypt(encrypt).expect("decrypts")).expect("JSON");
        assert_eq!(message["Content"], "hello");
        msg_ids.push(message["MsgId"].to_string());
    }
    assert_eq!(msg_ids.len(), 3);
    msg_ids.sort();
    msg_ids.dedup();
    assert_eq!(msg_ids.len(), 3, "every push has its own MsgId");
}
