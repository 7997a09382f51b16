//! The customer-service send window the emulator enforces: 5 replies per user message within
//! 48 hours (45047, 45015), and "typing" at most once per 15 s (45081) and only within 30 s of
//! the last message either way (45080); and without those checks, for load tests.

use serde_json::json;
use wxbase_wechat::api::custom_message::{CustomMessage, TextBody};
use wxbase_wechat::{OpenId, Secret};

use crate::helpers::{appid, errcode, secret, Emu};

/// Test person `user` writes in the chat (the push goes nowhere, but WeChat has seen it).
async fn user_writes(emu: &Emu, user: &str) -> OpenId {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let nowhere = format!(
        "http://{}/message/check",
        closed.local_addr().expect("addr")
    );
    drop(closed);
    emu.post(
        "/__emulator/push-config",
        json!({ "url": nowhere, "mode": "plaintext", "format": "json", "token": "abc123",
                "timeoutMs": 200, "deliveries": 1 }),
    )
    .await;
    let pushed = emu
        .post(
            "/__emulator/push",
            json!({ "user": user, "msgType": "text", "content": "hi" }),
        )
        .await;
    OpenId::parse(pushed["openid"].as_str().expect("openid")).expect("valid openid")
}

async fn token(emu: &Emu) -> Secret {
    emu.client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token")
        .access_token
}

fn text(content: &str) -> CustomMessage {
    CustomMessage::Text {
        text: TextBody {
            content: content.to_owned(),
        },
    }
}

#[tokio::test]
async fn a_user_message_allows_five_replies_and_the_sixth_is_45047() {
    let emu = Emu::start().await;
    let openid = user_writes(&emu, "alice").await;
    let token = token(&emu).await;
    for n in 1..=5 {
        let sent = emu
            .client
            .send_custom_message(&token, &openid, &text(&format!("reply {n}")))
            .await;
        assert!(sent.is_ok(), "reply {n}: {sent:?}");
    }
    let sixth = emu
        .client
        .send_custom_message(&token, &openid, &text("one too many"))
        .await;
    assert_eq!(errcode(sixth), 45047);

    user_writes(&emu, "alice").await;
    let after_new_message = emu
        .client
        .send_custom_message(&token, &openid, &text("again"))
        .await;
    assert!(
        after_new_message.is_ok(),
        "a new user message opens a new allowance"
    );
}

#[tokio::test]
async fn replies_after_48_hours_are_45015() {
    let emu = Emu::start().await;
    let openid = user_writes(&emu, "bob").await;
    emu.advance(48 * 3600 + 1).await;
    let token = token(&emu).await;
    let late = emu
        .client
        .send_custom_message(&token, &openid, &text("too late"))
        .await;
    assert_eq!(errcode(late), 45015);
}

#[tokio::test]
async fn typing_twice_within_15_seconds_is_45081() {
    let emu = Emu::start().await;
    let openid = user_writes(&emu, "carol").await;
    let token = token(&emu).await;
    assert!(emu.client.set_typing(&token, &openid, true).await.is_ok());
    let again = emu.client.set_typing(&token, &openid, true).await;
    assert_eq!(errcode(again), 45081);
}

#[tokio::test]
async fn typing_more_than_30_seconds_after_the_last_message_is_45080_until_a_reply() {
    let emu = Emu::start().await;
    let openid = user_writes(&emu, "dave").await;
    let token = token(&emu).await;
    emu.advance(31).await;
    let late = emu.client.set_typing(&token, &openid, true).await;
    assert_eq!(
        errcode(late),
        45080,
        "no message either way in the last 30 s"
    );
    let reply = emu
        .client
        .send_custom_message(&token, &openid, &text("still here"))
        .await;
    assert!(
        reply.is_ok(),
        "replying is allowed within 48 hours: {reply:?}"
    );
    assert!(
        emu.client.set_typing(&token, &openid, true).await.is_ok(),
        "a reply counts as a recent message"
    );
}

/// With `customSendChecks` off (a load test's WeChat), any openid may be sent any number of
/// messages, with no window; on again, the checks are back.
#[tokio::test]
async fn without_the_checks_any_openid_gets_any_number_of_replies() {
    let emu = Emu::start().await;
    let token = token(&emu).await;
    let stranger = OpenId::parse("o-never-wrote").expect("openid");
    emu.settings(json!({ "customSendChecks": false })).await;
    for n in 1..=7 {
        let sent = emu
            .client
            .send_custom_message(&token, &stranger, &text(&format!("reply {n}")))
            .await;
        assert!(sent.is_ok(), "reply {n}: {sent:?}");
    }
    emu.settings(json!({ "customSendChecks": true })).await;
    let checked = emu
        .client
        .send_custom_message(&token, &stranger, &text("again"))
        .await;
    assert_eq!(errcode(checked), 40003);
}
