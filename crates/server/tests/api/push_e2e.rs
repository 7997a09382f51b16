//! The whole loop, as WeChat and a user drive it: a push in each mode and format, the rule's
//! reply through the outbox, retries of slow answers, a crash before sending, the 48-hour
//! window, a busy WeChat, and two instances sharing one PostgreSQL.

use std::time::Duration;

use serde_json::{json, Value};
use wxbase_emulator::{PushFormat, PushMode};
use wxbase_store::testing::Backend;

use crate::helpers::{Options, TestApp};
use crate::push_support::{text_rule, PushSetup};

const SEND: &str = "/cgi-bin/message/custom/send";

async fn spawn(backend: Backend, push: PushSetup) -> Option<TestApp> {
    TestApp::spawn_with(
        backend,
        Options {
            push: Some(push),
            ..Options::default()
        },
    )
    .await
}

fn safe_json() -> PushSetup {
    PushSetup::new(PushMode::Safe, PushFormat::Json)
}

fn openid_of(report: &Value) -> String {
    report["openid"].as_str().expect("an openid").to_owned()
}

/// The user says `hello`; the rule's reply reaches them once, and WeChat got `success`.
async fn keyword_reply_arrives_exactly_once(backend: Backend, mode: PushMode, format: PushFormat) {
    let Some(app) = spawn(backend, PushSetup::new(mode, format)).await else {
        return;
    };
    app.add_rule(text_rule("hello", "Hi there")).await;
    let report = app.say("alice", "hello").await;
    assert_eq!(report["outcome"], "accepted", "{report}");
    assert_eq!(report["retries"], 0);
    let conversation = app.wait_until_settled(&openid_of(&report)).await;
    assert_eq!(conversation.len(), 2, "{conversation:?}");
    assert_eq!(conversation[0]["delivery"]["status"], "sent");
    assert_eq!(conversation[1]["content"]["content"], "hello");
    let replies = app.replies_seen_by("alice").await;
    assert_eq!(replies.len(), 1, "{replies:?}");
    assert_eq!(replies[0]["content"]["content"], "Hi there");
    assert_eq!(app.emulator_calls(SEND).await, 1);
}

macro_rules! every_mode_and_format {
    ($($name:ident: $mode:ident, $format:ident;)*) => {
        mod modes {
            use super::*;
            $(
                mod $name {
                    use super::*;
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn sqlite() {
                        keyword_reply_arrives_exactly_once(Backend::Sqlite, PushMode::$mode, PushFormat::$format).await;
                    }
                    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                    async fn postgres() {
                        keyword_reply_arrives_exactly_once(Backend::Postgres, PushMode::$mode, PushFormat::$format).await;
                    }
                }
            )*
        }
    };
}

every_mode_and_format! {
    plaintext_xml: Plaintext, Xml;
    plaintext_json: Plaintext, Json;
    compatible_xml: Compatible, Xml;
    compatible_json: Compatible, Json;
    safe_xml: Safe, Xml;
    safe_json: Safe, Json;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_is_retried_by_wechat_and_the_user_still_gets_one_reply() {
    let mut push = safe_json();
    push.emulator_timeout = Duration::from_millis(300);
    push.slow_first_answer = Some(Duration::from_millis(900));
    let app = spawn(Backend::Sqlite, push).await.expect("sqlite");
    app.add_rule(text_rule("hello", "Hi there")).await;
    let report = app.say("alice", "hello").await;
    assert_eq!(report["attempts"][0]["result"], "timeout", "{report}");
    assert_eq!(report["attempts"][1]["result"], "accepted", "{report}");
    assert_eq!(report["retries"], 1);
    app.wait_until_settled(&openid_of(&report)).await;
    assert_eq!(app.replies_seen_by("alice").await.len(), 1);
    assert_eq!(app.stored_messages().await, 2, "one inbound, one reply");
    assert_eq!(app.emulator_calls(SEND).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_acknowledged_before_a_crash_is_sent_once_after_the_restart() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let push = safe_json().with_worker(false);
        let Some(app) = spawn(backend, push.clone()).await else {
            continue;
        };
        app.add_rule(text_rule("hello", "Hi there")).await;
        let report = app.say("alice", "hello").await;
        let openid = openid_of(&report);
        let pending = app.wait_for_conversation(&openid, |m| m.len() == 2).await;
        assert_eq!(pending[0]["delivery"]["status"], "pending");
        assert!(
            app.replies_seen_by("alice").await.is_empty(),
            "not sent yet"
        );
        app.server.abort();

        let (_url, _task) = app.instance_with(Some(&push.with_worker(true))).await;
        app.wait_until_settled(&openid).await;
        assert_eq!(app.replies_seen_by("alice").await.len(), 1, "{backend:?}");
        assert_eq!(app.emulator_calls(SEND).await, 1, "{backend:?}");
    }
}

/// WeChat answers slowly while a second instance starts its worker. A worker claims only as
/// many replies as it has free sending slots and starts each send at once, so no claim
/// outlives its lease; the second instance finds nothing the first holds. Each reply goes out
/// once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_that_outlives_its_lease_sends_each_reply_once() {
    const USERS: [&str; 8] = ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"];
    for backend in [Backend::Sqlite, Backend::Postgres] {
        // A send takes 0.6 s, well inside the 3 s lease; one after another the eight would take
        // 4.8 s, longer than the lease.
        let push = safe_json()
            .with_worker(false)
            .with_lease(Duration::from_secs(3));
        let Some(app) = spawn(backend, push.clone()).await else {
            continue;
        };
        app.add_rule(text_rule("hello", "Hi there")).await;
        let mut openids = Vec::new();
        for user in USERS {
            openids.push(openid_of(&app.say(user, "hello").await));
        }
        app.emulator(
            "/__emulator/faults",
            json!({ "endpoint": SEND, "delayMs": 600 }),
        )
        .await;

        let (_first, _first_task) = app.instance_with(Some(&push.with_worker(true))).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while app.emulator_calls(SEND).await == 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "the first worker never sent"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let (_second, _second_task) = app.instance_with(Some(&push.with_worker(true))).await;
        for openid in &openids {
            app.wait_until_settled(openid).await;
        }
        // A duplicate would still be on its way: give any send in flight time to land.
        tokio::time::sleep(Duration::from_secs(1)).await;
        for user in USERS {
            assert_eq!(
                app.replies_seen_by(user).await.len(),
                1,
                "{backend:?} {user}"
            );
        }
        assert_eq!(app.emulator_calls(SEND).await, 8, "{backend:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_48_hour_window_45015_is_recorded_and_not_retried() {
    let push = safe_json().with_worker(false);
    let app = spawn(Backend::Sqlite, push.clone()).await.expect("sqlite");
    app.add_rule(text_rule("hello", "Hi there")).await;
    let openid = openid_of(&app.say("alice", "hello").await);
    app.advance_emulator_clock(49 * 3600).await;
    let (_url, _task) = app.instance_with(Some(&push.with_worker(true))).await;
    let settled = app.wait_until_settled(&openid).await;
    let delivery = &settled[0]["delivery"];
    assert_eq!(delivery["status"], "failed", "{delivery}");
    assert_eq!(delivery["errcode"], 45015);
    assert_eq!(delivery["attempts"], 1);
    // Another worker round (polling every 50 ms) finds nothing to do.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.emulator_calls(SEND).await, 1);
    assert!(app.replies_seen_by("alice").await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_wechat_is_retried_with_backoff_until_the_reply_goes_through() {
    let app = spawn(Backend::Sqlite, safe_json()).await.expect("sqlite");
    app.add_rule(text_rule("hello", "Hi there")).await;
    app.emulator(
        "/__emulator/faults",
        json!({ "endpoint": SEND, "errcode": -1, "times": 2 }),
    )
    .await;
    let openid = openid_of(&app.say("alice", "hello").await);
    let settled = app.wait_until_settled(&openid).await;
    assert_eq!(settled[0]["delivery"]["status"], "sent");
    assert_eq!(settled[0]["delivery"]["attempts"], 3);
    assert_eq!(app.emulator_calls(SEND).await, 3);
    assert_eq!(app.replies_seen_by("alice").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_postgres_deduplicate_a_retried_push() {
    let Some(app) = spawn(Backend::Postgres, safe_json()).await else {
        return;
    };
    let second = app.second_instance().await;
    app.add_rule(text_rule("hello", "Hi there")).await;
    let report = app.say("alice", "hello").await;
    let request = &report["request"];
    let query: Vec<(String, String)> = request["query"]
        .as_object()
        .expect("a query")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
        .collect();
    // WeChat's retries of the same push, landing on either instance at once.
    let retries = (0..6).map(|i| {
        let base = if i % 2 == 0 {
            second.clone()
        } else {
            app.base_url.clone()
        };
        let request = app
            .http
            .post(format!("{base}/message/check"))
            .query(&query)
            .body(request["body"].as_str().expect("a body").to_owned())
            .send();
        async move {
            let response = request.await.expect("answers");
            (response.status(), response.text().await.expect("text"))
        }
    });
    for (status, body) in futures_join_all(retries).await {
        assert_eq!((status.as_u16(), body.as_str()), (200, "success"));
    }
    app.wait_until_settled(&openid_of(&report)).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.stored_messages().await, 2, "one inbound, one reply");
    assert_eq!(app.emulator_calls(SEND).await, 1);
    assert_eq!(app.replies_seen_by("alice").await.len(), 1);
}

/// Runs every future at once, each in its own task; their outputs in order.
async fn futures_join_all<F>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.expect("task"));
    }
    outputs
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_rule_answers_with_the_encrypted_passive_reply_and_sends_nothing() {
    let app = spawn(Backend::Sqlite, safe_json()).await.expect("sqlite");
    app.add_rule(json!({
        "match": { "kind": "contains", "pattern": "agent" },
        "reply": { "type": "transfer_customer_service" },
    }))
    .await;
    let report = app.say("bob", "I want an agent").await;
    assert_eq!(report["outcome"], "transfer", "{report}");
    let body = report["attempts"][0]["body"].as_str().expect("a body");
    assert!(body.contains("\"MsgSignature\""), "sealed: {body}");
    let conversation = app
        .wait_for_conversation(&openid_of(&report), |m| m.len() == 2)
        .await;
    assert_eq!(conversation[0]["msgType"], "transfer_customer_service");
    assert_eq!(app.emulator_calls(SEND).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_is_shown_before_a_reply_when_enabled() {
    let mut push = safe_json();
    push.typing = true;
    let app = spawn(Backend::Sqlite, push).await.expect("sqlite");
    app.add_rule(text_rule("hello", "Hi there")).await;
    app.wait_until_settled(&openid_of(&app.say("alice", "hello").await))
        .await;
    assert_eq!(
        app.emulator_calls("/cgi-bin/message/custom/business/typing")
            .await,
        1
    );
    assert_eq!(app.replies_seen_by("alice").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn images_cards_and_the_enter_session_event_are_matched_by_type() {
    let app = spawn(
        Backend::Sqlite,
        PushSetup::new(PushMode::Compatible, PushFormat::Xml),
    )
    .await
    .expect("sqlite");
    app.add_rule(json!({
        "match": { "kind": "enter_session" },
        "reply": { "type": "text", "content": "Welcome!" },
    }))
    .await;
    app.add_rule(json!({
        "match": { "kind": "msg_type", "pattern": "image" },
        "reply": { "type": "image", "media_id": "MEDIA_1" },
    }))
    .await;
    app.add_rule(json!({
        "match": { "kind": "msg_type", "pattern": "miniprogrampage" },
        "reply": { "type": "link", "title": "Docs", "description": "Read", "url": "https://example.com", "thumb_url": "https://example.com/t.png" },
    }))
    .await;
    for body in [
        json!({ "msgType": "event", "sessionFrom": "home" }),
        json!({ "msgType": "image" }),
        json!({ "msgType": "miniprogrampage", "title": "Shop" }),
    ] {
        let report = app.push("carol", body).await;
        assert_eq!(report["delivered"], true, "{report}");
    }
    let openid = app.emulator_user("carol").await["openid"]
        .as_str()
        .expect("openid")
        .to_owned();
    let messages = app
        .wait_for_conversation(&openid, |m| {
            m.len() == 6 && m.iter().all(|x| x["delivery"]["status"] != "pending")
        })
        .await;
    let inbound: Vec<&Value> = messages
        .iter()
        .filter(|m| m["direction"] == "inbound")
        .collect();
    assert_eq!(inbound[2]["content"]["sessionFrom"], "home");
    assert_eq!(inbound[0]["content"]["title"], "Shop");
    let seen: Vec<Value> = app
        .replies_seen_by("carol")
        .await
        .into_iter()
        .map(|m| m["msgType"].clone())
        .collect();
    assert_eq!(seen, vec![json!("text"), json!("image"), json!("link")]);
}
