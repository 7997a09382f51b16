//! The official account's push endpoint at the protocol level: the URL check, every kind of
//! bad push refused with nothing recorded, events out of order and retries.

use reqwest::Method;
use wxbase_emulator::PushMode;
use wxbase_store::testing::Backend;
use wxbase_wechat::crypto::{msg_signature, sha1_signature, MessageCrypto};
use wxbase_wechat::push::{FollowEvent, FollowKind, PushFormat};
use wxbase_wechat::{AppId, OpenId};

use crate::helpers::{Options, TestApp};
use crate::oa_support::{OaSetup, OA_APP_ID, OA_KEY, OA_TOKEN};

const TIMESTAMP: &str = "1714112445";
const NONCE: &str = "1514711492";

async fn app(mode: PushMode) -> TestApp {
    let options = Options {
        official_account: Some(OaSetup {
            mode,
            sync_interval: None,
        }),
        ..Options::default()
    };
    TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite")
}

fn event(openid: &str, kind: FollowKind, at: i64) -> String {
    FollowEvent {
        to_user_name: "gh_oa".to_owned(),
        openid: OpenId::parse(openid).expect("openid"),
        create_time: at,
        kind,
    }
    .to_document()
    .render(PushFormat::Xml)
}

/// The query of a plaintext push signed with `token`.
fn signed(token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("signature", sha1_signature(&[token, TIMESTAMP, NONCE])),
        ("timestamp", TIMESTAMP.to_owned()),
        ("nonce", NONCE.to_owned()),
    ]
}

fn refs<'q>(query: &'q [(&'static str, String)]) -> Vec<(&'static str, &'q str)> {
    query.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The query and body of a safe-mode push of `xml` encrypted for `appid`.
fn sealed(xml: &str, appid: &str) -> (Vec<(&'static str, String)>, String) {
    let crypto = MessageCrypto::new(OA_KEY, AppId::parse(appid).expect("appid")).expect("key");
    let encrypt = crypto.encrypt(xml.as_bytes());
    let mut query = signed(OA_TOKEN);
    query.push(("encrypt_type", "aes".to_owned()));
    query.push((
        "msg_signature",
        msg_signature(OA_TOKEN, TIMESTAMP, NONCE, &encrypt),
    ));
    let body = format!("<xml><ToUserName><![CDATA[gh_oa]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>");
    (query, body)
}

async fn known_users(app: &TestApp) -> u64 {
    app.oa_status().await["followers"]["known"]
        .as_u64()
        .expect("a count")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_url_check_echoes_only_with_the_official_accounts_token() {
    let app = app(PushMode::Safe).await;
    let mut query = signed(OA_TOKEN);
    query.push(("echostr", "4375120948345356249".to_owned()));
    let (status, body) = app.raw_oa_push(Method::GET, &refs(&query), "").await;
    assert_eq!((status, body.as_str()), (200, "4375120948345356249"));
    let mut forged = signed("e2ePushToken");
    forged.push(("echostr", "4375120948345356249".to_owned()));
    let (status, body) = app.raw_oa_push(Method::GET, &refs(&forged), "").await;
    assert_eq!(status, 403);
    assert!(!body.contains("4375120948345356249"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signatures_foreign_or_malformed_pushes_are_refused_and_record_nothing() {
    let app = app(PushMode::Safe).await;
    let xml = event("o-mallory", FollowKind::Subscribe, 1_714_112_445);
    let (mut query, body) = sealed(&xml, OA_APP_ID);
    query[4] = ("msg_signature", "0".repeat(40));
    let (status, _) = app.raw_oa_push(Method::POST, &refs(&query), &body).await;
    assert_eq!(status, 401, "a bad msg_signature");
    let (query, body) = sealed(&xml, "wxanotherapp00001");
    let (status, _) = app.raw_oa_push(Method::POST, &refs(&query), &body).await;
    assert_eq!(status, 401, "encrypted for another AppID");
    let (status, _) = app
        .raw_oa_push(Method::POST, &refs(&signed(OA_TOKEN)), &xml)
        .await;
    assert_eq!(status, 401, "plaintext where a key is set");
    let (query, _) = sealed(&xml, OA_APP_ID);
    let (status, _) = app
        .raw_oa_push(Method::POST, &refs(&query), "<xml><Encrypt>")
        .await;
    assert_eq!(status, 400, "malformed XML");
    assert_eq!(known_users(&app).await, 0, "nothing recorded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plaintext_push_with_a_bad_signature_is_refused() {
    let app = app(PushMode::Plaintext).await;
    let xml = event("o-mallory", FollowKind::Subscribe, 1_714_112_445);
    let (status, _) = app
        .raw_oa_push(Method::POST, &refs(&signed("wrongToken")), &xml)
        .await;
    assert_eq!(status, 401);
    let no_time = xml.replace("<CreateTime>1714112445</CreateTime>", "");
    let (status, _) = app
        .raw_oa_push(Method::POST, &refs(&signed(OA_TOKEN)), &no_time)
        .await;
    assert_eq!(status, 400, "a follow event without CreateTime");
    assert_eq!(known_users(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_unsubscribe_delivered_late_or_a_retry_does_not_flip_a_follower() {
    let app = app(PushMode::Plaintext).await;
    let report = app.follow("alice").await;
    let openid = report["request"]["query"]["openid"]
        .as_str()
        .expect("the openid")
        .to_owned();
    let followed_at: i64 = report["request"]["query"]["timestamp"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("the push time");
    let query = signed(OA_TOKEN);
    let late = event(&openid, FollowKind::Unsubscribe, followed_at - 10);
    let (status, body) = app.raw_oa_push(Method::POST, &refs(&query), &late).await;
    assert_eq!((status, body.as_str()), (200, "success"));
    assert!(app.follows("alice").await, "the later subscribe stands");
    let leave = event(&openid, FollowKind::Unsubscribe, followed_at + 10);
    app.raw_oa_push(Method::POST, &refs(&query), &leave).await;
    assert!(!app.follows("alice").await);
    let retry = report["request"]["body"].as_str().expect("the first push");
    let (status, body) = app.raw_oa_push(Method::POST, &refs(&query), retry).await;
    assert_eq!(
        (status, body.as_str()),
        (200, "success"),
        "a retry is acknowledged"
    );
    assert!(!app.follows("alice").await, "and changes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_official_account_pushes_are_acknowledged_and_not_kept() {
    let app = app(PushMode::Plaintext).await;
    let text = "<xml><ToUserName>gh_oa</ToUserName><FromUserName>o-alice</FromUserName>\
                <CreateTime>1</CreateTime><MsgType>text</MsgType><Content>hi</Content>\
                <MsgId>1</MsgId></xml>";
    let (status, body) = app
        .raw_oa_push(Method::POST, &refs(&signed(OA_TOKEN)), text)
        .await;
    assert_eq!((status, body.as_str()), (200, "success"));
    assert_eq!(known_users(&app).await, 0);
}
