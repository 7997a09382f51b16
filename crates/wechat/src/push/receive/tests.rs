//! Tests of checking and opening pushes in each mode.

use super::*;
use crate::crypto::{msg_signature, sha1_signature};
use crate::push::transfer_customer_service;
use crate::{AppId, OpenId};

const TOKEN: &str = "push-token";
const KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const APPID: &str = "wx0123456789abcdef";

fn crypto(appid: &str) -> MessageCrypto {
    MessageCrypto::new(KEY, AppId::parse(appid).expect("appid")).expect("key")
}

fn plaintext_receiver() -> PushReceiver {
    PushReceiver::new(Secret::new(TOKEN), None)
}

fn safe_receiver() -> PushReceiver {
    PushReceiver::new(Secret::new(TOKEN), Some(crypto(APPID)))
}

fn signed_query(timestamp: &str, nonce: &str) -> PushQuery {
    PushQuery {
        signature: Some(sha1_signature(&[TOKEN, timestamp, nonce])),
        timestamp: Some(timestamp.to_owned()),
        nonce: Some(nonce.to_owned()),
        ..PushQuery::default()
    }
}

const MESSAGE: &str = r#"{"ToUserName":"gh_1","FromUserName":"o-alice","CreateTime":1,"MsgType":"text","Content":"hi","MsgId":7}"#;

/// A safe-mode push of [`MESSAGE`] encrypted for `appid`, and its query.
fn safe_push(appid: &str) -> (PushQuery, String) {
    let encrypt = crypto(appid).encrypt(MESSAGE.as_bytes());
    let mut query = signed_query("100", "n1");
    query.encrypt_type = Some("aes".to_owned());
    query.msg_signature = Some(msg_signature(TOKEN, "100", "n1", &encrypt));
    let body = PushDocument::new()
        .text("ToUserName", "gh_1")
        .text("Encrypt", encrypt)
        .to_json();
    (query, body)
}

#[test]
fn the_url_check_echoes_only_with_the_right_signature() {
    let mut query = signed_query("1714036504", "1514711492");
    query.echostr = Some("4375120948345356249".to_owned());
    assert_eq!(
        plaintext_receiver().verify_url(&query).ok(),
        Some("4375120948345356249")
    );
    query.nonce = Some("1514711493".to_owned());
    assert!(matches!(
        plaintext_receiver().verify_url(&query),
        Err(PushError::BadSignature)
    ));
    assert!(matches!(
        plaintext_receiver().verify_url(&PushQuery::default()),
        Err(PushError::MissingParameter("timestamp"))
    ));
}

#[test]
fn a_plaintext_push_is_opened_when_its_signature_matches() {
    let opened = plaintext_receiver()
        .open(&signed_query("5", "6"), MESSAGE.as_bytes())
        .expect("opened");
    assert!(!opened.encrypted);
    assert_eq!(opened.document.get("Content"), Some("hi"));
    let mut forged = signed_query("5", "6");
    forged.signature = Some(sha1_signature(&["other-token", "5", "6"]));
    assert!(matches!(
        plaintext_receiver().open(&forged, MESSAGE.as_bytes()),
        Err(PushError::BadSignature)
    ));
}

#[test]
fn a_safe_mode_push_is_checked_over_encrypt_and_decrypted() {
    let (query, body) = safe_push(APPID);
    let opened = safe_receiver()
        .open(&query, body.as_bytes())
        .expect("opened");
    assert!(opened.encrypted);
    assert_eq!(opened.plaintext, MESSAGE);
    assert_eq!(opened.document.get("MsgId"), Some("7"));

    let mut tampered = query.clone();
    tampered.msg_signature = Some(msg_signature(TOKEN, "100", "n1", "other"));
    assert!(matches!(
        safe_receiver().open(&tampered, body.as_bytes()),
        Err(PushError::BadMsgSignature)
    ));
}

#[test]
fn compatible_mode_uses_the_decrypted_fields_not_the_plaintext_ones() {
    let (query, _) = safe_push(APPID);
    let encrypt = crypto(APPID).encrypt(MESSAGE.as_bytes());
    let mut query = query;
    query.msg_signature = Some(msg_signature(TOKEN, "100", "n1", &encrypt));
    let body = PushDocument::new()
        .text("FromUserName", "o-mallory")
        .text("Content", "forged")
        .text("Encrypt", encrypt)
        .to_xml();
    let opened = safe_receiver()
        .open(&query, body.as_bytes())
        .expect("opened");
    assert_eq!(opened.format, PushFormat::Xml);
    assert_eq!(opened.document.get("FromUserName"), Some("o-alice"));
    assert_eq!(opened.document.get("Content"), Some("hi"));
}

#[test]
fn a_push_for_another_app_or_in_the_wrong_mode_is_refused() {
    let (query, body) = safe_push("wx9999999999999999");
    assert!(matches!(
        safe_receiver().open(&query, body.as_bytes()),
        Err(PushError::Crypto(CryptoError::AppIdMismatch { .. }))
    ));
    assert!(matches!(
        safe_receiver().open(&signed_query("5", "6"), MESSAGE.as_bytes()),
        Err(PushError::EncryptionRequired)
    ));
    let (query, body) = safe_push(APPID);
    assert!(matches!(
        plaintext_receiver().open(&query, body.as_bytes()),
        Err(PushError::KeyNotConfigured)
    ));
}

#[test]
fn a_passive_reply_is_sealed_only_when_the_push_was_encrypted() {
    let user = OpenId::parse("o-alice").expect("openid");
    let reply = transfer_customer_service(&user, "gh_1", 1);
    let (query, body) = safe_push(APPID);
    let receiver = safe_receiver();
    let opened = receiver.open(&query, body.as_bytes()).expect("opened");
    let sealed = receiver.reply_body(&opened, &query, 200, &reply);
    let document =
        open_encrypted_reply(&crypto(APPID), TOKEN, sealed.as_bytes()).expect("a valid reply");
    assert_eq!(document.get("MsgType"), Some("transfer_customer_service"));
    assert!(sealed.contains(r#""Nonce":"n1""#), "{sealed}");

    let plain = plaintext_receiver()
        .open(&signed_query("5", "6"), MESSAGE.as_bytes())
        .expect("opened");
    assert_eq!(
        plaintext_receiver().reply_body(&plain, &signed_query("5", "6"), 200, &reply),
        reply.to_json()
    );
}
