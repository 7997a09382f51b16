//! The push endpoint at the protocol level: the official walkthrough vector, and every kind of
//! bad push refused with nothing stored and nothing sent.

use serde_json::{json, Value};
use wxbase_emulator::{PushFormat, PushMode};
use wxbase_store::testing::Backend;
use wxbase_wechat::crypto::{msg_signature, sha1_signature, MessageCrypto};
use wxbase_wechat::AppId;

use crate::helpers::{Options, TestApp};
use crate::push_support::{text_rule, PushSetup, PUSH_KEY, PUSH_PATH, PUSH_TOKEN};

const VECTOR: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../wechat/tests/vectors/msgcrypt_official_miniprogram_doc.json"
));

fn text<'v>(value: &'v Value, pointer: &str) -> &'v str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .expect(pointer)
}

impl TestApp {
    /// A raw request to the push endpoint; the status and the body.
    async fn raw_push(&self, method: &str, query: &[(&str, &str)], body: &str) -> (u16, String) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        self.raw_request(method, PUSH_PATH, query, body).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_official_walkthrough_passes_the_url_check_and_its_safe_push_is_recorded() {
    let vector: Value = serde_json::from_str(VECTOR).expect("the vector");
    let mut push = PushSetup::new(PushMode::Safe, PushFormat::Json);
    push.token = text(&vector, "/token").to_owned();
    push.key = text(&vector, "/encoding_aes_key").to_owned();
    let app_id: &'static str = "wxba5fad812f8e6fb9";
    assert_eq!(text(&vector, "/appid"), app_id);
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            app_id,
            push: Some(push),
            ..Options::default()
        },
    )
    .await
    .expect("sqlite");

    let check = &vector["signature_cases"][0];
    let query = [
        ("signature", text(check, "/expected_signature")),
        ("timestamp", text(check, "/timestamp")),
        ("nonce", text(check, "/nonce")),
        ("echostr", text(check, "/echostr")),
    ];
    let (status, body) = app.raw_push("GET", &query, "").await;
    assert_eq!(
        (status, body.as_str()),
        (200, text(check, "/expected_response_body"))
    );
    let forged = [query[0], query[1], ("nonce", "1"), query[3]];
    let (status, body) = app.raw_push("GET", &forged, "").await;
    assert_eq!(status, 403);
    assert!(!body.contains(text(check, "/echostr")), "no echo: {body}");

    let case = &vector["cases"][0];
    let query: Vec<(&str, &str)> = text(case, "/url_query")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .collect();
    let envelope = serde_json::to_string(&case["envelope"]).expect("envelope");
    let (status, body) = app.raw_push("POST", &query, &envelope).await;
    assert_eq!((status, body.as_str()), (200, "success"));
    let recorded = app
        .wait_for_conversation("o9AgO5Kd5ggOC-bXrbNODIiE3bGY", |m| m.len() == 1)
        .await;
    assert_eq!(recorded[0]["msgType"], "event");
    assert_eq!(recorded[0]["content"]["event"], "debug_demo");
    assert_eq!(recorded[0]["raw"], text(case, "/expected_msg"));
    let (status, body) = app.raw_push("POST", &query, &envelope).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "success"),
        "a retry is acknowledged"
    );
    assert_eq!(app.stored_messages().await, 1, "and not recorded twice");
}

fn refs(query: &[(String, String)]) -> Vec<(&str, &str)> {
    query
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// What each bad push must get: a 4xx, nothing stored, nothing sent.
async fn assert_refused(app: &TestApp, query: &[(&str, &str)], body: &str, expected: u16) {
    let (status, answer) = app.raw_push("POST", query, body).await;
    assert_eq!(status, expected, "{answer}");
    assert_ne!(answer, "success");
    assert_eq!(app.stored_messages().await, 0);
    assert_eq!(app.emulator_calls("/cgi-bin/message/custom/send").await, 0);
}

const MESSAGE_JSON: &str = r#"{"ToUserName":"gh_1","FromUserName":"o-mallory","CreateTime":1714112445,"MsgType":"text","Content":"hello","MsgId":6054768590064713728}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_pushes_with_a_bad_signature_or_a_malformed_or_oversized_body_are_refused() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            push: Some(PushSetup::new(PushMode::Plaintext, PushFormat::Xml)),
            ..Options::default()
        },
    )
    .await
    .expect("sqlite");
    app.add_rule(text_rule("hello", "Hi")).await;
    let signature = sha1_signature(&[PUSH_TOKEN, "100", "7"]);
    let signed = [
        ("signature", signature.as_str()),
        ("timestamp", "100"),
        ("nonce", "7"),
    ];
    let wrong = sha1_signature(&["not-the-token", "100", "7"]);
    let forged = [
        ("signature", wrong.as_str()),
        ("timestamp", "100"),
        ("nonce", "7"),
    ];

    assert_refused(&app, &forged, MESSAGE_JSON, 401).await;
    assert_refused(&app, &signed[1..], MESSAGE_JSON, 401).await;
    assert_refused(&app, &signed, "<xml><Content>hello</xml>", 400).await;
    assert_refused(&app, &signed, "<!DOCTYPE xml><xml></xml>", 400).await;
    assert_refused(&app, &signed, r#"{"FromUserName":"o-mallory","#, 400).await;
    assert_refused(&app, &signed, r#"{"MsgType":"text"}"#, 400).await;
    let oversized = format!(r#"{{"Content":"{}"}}"#, "x".repeat(20 * 1024));
    assert_refused(&app, &signed, &oversized, 413).await;

    let (status, body) = app.raw_push("POST", &signed, MESSAGE_JSON).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "success"),
        "the same push, signed, is fine"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn safe_pushes_with_a_bad_msg_signature_or_for_another_app_are_refused() {
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            push: Some(PushSetup::new(PushMode::Safe, PushFormat::Json)),
            ..Options::default()
        },
    )
    .await
    .expect("sqlite");
    app.add_rule(text_rule("hello", "Hi")).await;
    let sealed = |appid: &str, message: &str| {
        let crypto =
            MessageCrypto::new(PUSH_KEY, AppId::parse(appid).expect("appid")).expect("key");
        let encrypt = crypto.encrypt(message.as_bytes());
        let signature = msg_signature(PUSH_TOKEN, "100", "7", &encrypt);
        let body = json!({ "ToUserName": "gh_1", "Encrypt": encrypt }).to_string();
        (signature, body)
    };
    let query = |msg_signature: &str| {
        vec![
            (
                "signature".to_owned(),
                sha1_signature(&[PUSH_TOKEN, "100", "7"]),
            ),
            ("timestamp".to_owned(), "100".to_owned()),
            ("nonce".to_owned(), "7".to_owned()),
            ("encrypt_type".to_owned(), "aes".to_owned()),
            ("msg_signature".to_owned(), msg_signature.to_owned()),
        ]
    };

    let (_, body) = sealed(app.app_id, MESSAGE_JSON);
    let bad = query(&msg_signature(PUSH_TOKEN, "100", "7", "something else"));
    assert_refused(&app, &refs(&bad), &body, 401).await;

    let (signature, body) = sealed("wx9999999999999999", MESSAGE_JSON);
    assert_refused(&app, &refs(&query(&signature)), &body, 401).await;

    let (signature, body) = sealed(app.app_id, "<xml><Content>broken");
    assert_refused(&app, &refs(&query(&signature)), &body, 400).await;

    let plain = [
        ("signature", sha1_signature(&[PUSH_TOKEN, "100", "7"])),
        ("timestamp", "100".to_owned()),
        ("nonce", "7".to_owned()),
    ];
    let plain: Vec<(&str, &str)> = plain.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_refused(&app, &plain, MESSAGE_JSON, 401).await;

    let (signature, body) = sealed(app.app_id, MESSAGE_JSON);
    let (status, answer) = app.raw_push("POST", &refs(&query(&signature)), &body).await;
    assert_eq!(
        (status, answer.as_str()),
        (200, "success"),
        "the genuine push is accepted"
    );
}
