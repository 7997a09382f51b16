//! The official message-push walkthrough (`tests/vectors/msgcrypt_official_miniprogram_doc.json`)
//! through the push receiver: URL check, plaintext signature, safe-mode decryption and the
//! encrypted reply, each exactly.

use serde_json::Value;
use wxbase_wechat::crypto::MessageCrypto;
use wxbase_wechat::push::{InboundMessage, PushFormat, PushQuery, PushReceiver};
use wxbase_wechat::{AppId, Secret};

const VECTOR: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/msgcrypt_official_miniprogram_doc.json"
));

fn vector() -> Value {
    serde_json::from_str(VECTOR).expect("the vector is JSON")
}

fn text<'v>(value: &'v Value, pointer: &str) -> &'v str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("vector has no {pointer}"))
}

fn receiver(vector: &Value) -> PushReceiver {
    let appid = AppId::parse(text(vector, "/appid")).expect("appid");
    let crypto = MessageCrypto::new(text(vector, "/encoding_aes_key"), appid).expect("key");
    PushReceiver::new(Secret::new(text(vector, "/token")), Some(crypto))
}

fn query_from_url(query: &str) -> PushQuery {
    let pairs: serde_json::Map<String, Value> = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_owned(), Value::from(v)))
        .collect();
    serde_json::from_value(Value::Object(pairs)).expect("a push query")
}

#[test]
fn the_url_check_answers_the_official_echostr() {
    let vector = vector();
    let case = &vector["signature_cases"][0];
    let query = PushQuery {
        signature: Some(text(case, "/expected_signature").to_owned()),
        timestamp: Some(text(case, "/timestamp").to_owned()),
        nonce: Some(text(case, "/nonce").to_owned()),
        echostr: Some(text(case, "/echostr").to_owned()),
        ..PushQuery::default()
    };
    let plain = PushReceiver::new(Secret::new(text(&vector, "/token")), None);
    assert_eq!(
        plain.verify_url(&query).ok(),
        Some(text(case, "/expected_response_body"))
    );
}

#[test]
fn the_official_plaintext_push_is_accepted_without_a_key() {
    let vector = vector();
    let case = &vector["signature_cases"][1];
    let query = PushQuery {
        signature: Some(text(case, "/expected_signature").to_owned()),
        timestamp: Some(text(case, "/timestamp").to_owned()),
        nonce: Some(text(case, "/nonce").to_owned()),
        ..PushQuery::default()
    };
    let plain = PushReceiver::new(Secret::new(text(&vector, "/token")), None);
    let opened = plain
        .open(&query, text(case, "/body").as_bytes())
        .expect("accepted");
    assert_eq!(opened.document.get("debug_str"), Some("hello world"));
}

#[test]
fn the_official_safe_mode_push_opens_byte_exact_and_reads_as_an_event() {
    let vector = vector();
    let case = &vector["cases"][0];
    let query = query_from_url(text(case, "/url_query"));
    let body = serde_json::to_string(&case["envelope"]).expect("envelope");
    let opened = receiver(&vector)
        .open(&query, body.as_bytes())
        .expect("accepted");
    assert!(opened.encrypted);
    assert_eq!(opened.format, PushFormat::Json);
    assert_eq!(opened.plaintext, text(case, "/expected_msg"));
    let message = InboundMessage::from_document(&opened.document).expect("a message");
    assert_eq!(message.msg_type(), "event");
    assert_eq!(message.event(), Some("debug_demo"));
    assert_eq!(message.create_time, 1_714_112_445);
}

#[test]
fn the_official_encrypted_reply_is_reproduced_exactly() {
    let vector = vector();
    let case = &vector["cases"][1];
    let random: [u8; 16] = text(case, "/random")
        .as_bytes()
        .try_into()
        .expect("16 random bytes");
    let timestamp: u64 = text(case, "/timestamp").parse().expect("a timestamp");
    let body = receiver(&vector)
        .seal_with_random(
            PushFormat::Json,
            timestamp,
            text(case, "/nonce"),
            &random,
            text(case, "/msg").as_bytes(),
        )
        .expect("a key is configured");
    let expected = &case["expected_reply_body"];
    let expected = format!(
        r#"{{"Encrypt":"{}","MsgSignature":"{}","TimeStamp":{},"Nonce":"{}"}}"#,
        text(expected, "/Encrypt"),
        text(expected, "/MsgSignature"),
        expected["TimeStamp"],
        text(expected, "/Nonce"),
    );
    assert_eq!(body, expected);
}
