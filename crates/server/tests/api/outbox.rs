//! The outbox for operators: what it holds, failed replies, retry and cancel, on both
//! backends, with the emulator as WeChat.

use std::time::Duration;

use serde_json::{json, Value};
use wxbase_emulator::{PushFormat, PushMode};
use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, Options, TestApp};
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

/// The reply queued for `openid` (the newest outbound message of the conversation).
async fn reply_to(app: &TestApp, openid: &str) -> Value {
    let page = app
        .admin("GET", &format!("/admin/api/conversations/{openid}"), None)
        .await;
    page["data"]["messages"]
        .as_array()
        .and_then(|messages| {
            messages
                .iter()
                .find(|m| m["direction"] == "outbound")
                .cloned()
        })
        .unwrap_or_else(|| panic!("no reply for {openid}: {page}"))
}

async fn outbox(app: &TestApp) -> Value {
    let answer = app.admin("GET", "/admin/api/outbox", None).await;
    assert_eq!(answer["code"], 1, "{answer}");
    answer["data"].clone()
}

/// Two replies wait; one is cancelled and never sent. The other fails for good (a final
/// errcode), shows in the failed list, is retried by the operator and then sent, once.
/// Retrying or cancelling it again is a conflict; ids that are no reply are `not_found`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_see_the_outbox_retry_a_failed_reply_and_cancel_a_pending_one() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let push = PushSetup::new(PushMode::Safe, PushFormat::Json).with_worker(false);
        let Some(app) = spawn(backend, push.clone()).await else {
            continue;
        };
        app.add_rule(text_rule("hello", "Hi there")).await;
        let alice = app.say("alice", "hello").await["openid"]
            .as_str()
            .expect("openid")
            .to_owned();
        let bob = app.say("bob", "hello").await["openid"]
            .as_str()
            .expect("openid")
            .to_owned();

        let waiting = outbox(&app).await;
        assert_eq!(waiting["pending"], 2, "{backend:?} {waiting}");
        assert_eq!(waiting["inFlight"], 0, "{waiting}");
        assert_eq!(waiting["failed"], 0, "{waiting}");
        assert_eq!(waiting["sentLastMinute"], 0, "{waiting}");
        assert!(waiting["oldestPendingAt"].is_string(), "{waiting}");

        let to_bob = reply_to(&app, &bob).await["id"].as_i64().expect("id");
        let cancelled = app
            .admin("DELETE", &format!("/admin/api/outbox/{to_bob}"), None)
            .await;
        assert_eq!(cancelled["code"], 1, "{cancelled}");
        assert!(cancelled["data"].is_null(), "{cancelled}");
        assert_eq!(
            reply_to(&app, &bob).await["delivery"]["status"],
            "cancelled"
        );
        assert_failure(
            &app.admin("DELETE", &format!("/admin/api/outbox/{to_bob}"), None)
                .await,
            "conflict",
        );
        assert_eq!(outbox(&app).await["pending"], 1);

        // WeChat refuses the next send for good.
        app.emulator(
            "/__emulator/faults",
            json!({ "endpoint": SEND, "errcode": 40003, "times": 1 }),
        )
        .await;
        let (_worker, _task) = app.instance_with(Some(&push.with_worker(true))).await;
        let settled = app.wait_until_settled(&alice).await;
        assert_eq!(settled[0]["delivery"]["status"], "failed", "{settled:?}");
        let failed = app.admin("GET", "/admin/api/outbox/failed", None).await;
        let listed = failed["data"]["messages"].as_array().expect("messages");
        assert_eq!(listed.len(), 1, "{failed}");
        assert_eq!(listed[0]["delivery"]["errcode"], 40003);
        assert!(failed["data"]["nextBefore"].is_null(), "{failed}");
        let to_alice = listed[0]["id"].as_i64().expect("id");
        let older = app
            .admin(
                "GET",
                &format!("/admin/api/outbox/failed?before={to_alice}&limit=10"),
                None,
            )
            .await;
        assert_eq!(older["data"]["messages"], json!([]), "{older}");
        let counts = outbox(&app).await;
        assert_eq!(
            (counts["pending"].clone(), counts["failed"].clone()),
            (json!(0), json!(1))
        );

        let retried = app
            .admin("POST", &format!("/admin/api/outbox/{to_alice}/retry"), None)
            .await;
        assert_eq!(retried["code"], 1, "{retried}");
        app.wait_for_conversation(&alice, |messages| {
            messages.iter().any(|m| m["delivery"]["status"] == "sent")
        })
        .await;
        let counts = outbox(&app).await;
        assert_eq!(counts["failed"], 0, "{counts}");
        assert_eq!(counts["pending"], 0, "{counts}");
        assert_eq!(counts["sentLastMinute"], 1, "{counts}");
        assert!(counts["oldestPendingAt"].is_null(), "{counts}");

        for (method, path) in [
            ("POST", format!("/admin/api/outbox/{to_alice}/retry")),
            ("DELETE", format!("/admin/api/outbox/{to_alice}")),
        ] {
            assert_failure(&app.admin(method, &path, None).await, "conflict");
        }
        let inbound = app
            .admin("GET", &format!("/admin/api/conversations/{alice}"), None)
            .await["data"]["messages"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["direction"] == "inbound").cloned())
            .expect("the user's message");
        for id in [json!(999_999_999), inbound["id"].clone()] {
            assert_failure(
                &app.admin("POST", &format!("/admin/api/outbox/{id}/retry"), None)
                    .await,
                "not_found",
            );
            assert_failure(
                &app.admin("DELETE", &format!("/admin/api/outbox/{id}"), None)
                    .await,
                "not_found",
            );
        }
        assert_failure(
            &app.admin("POST", "/admin/api/outbox/abc/retry", None).await,
            "bad_request",
        );
        assert_failure(
            &app.admin("GET", "/admin/api/outbox/failed?limit=0", None)
                .await,
            "bad_request",
        );

        // Nothing was sent twice, and the cancelled reply never.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(app.emulator_calls(SEND).await, 2, "{backend:?}");
        assert_eq!(app.replies_seen_by("alice").await.len(), 1);
        assert!(app.replies_seen_by("bob").await.is_empty());
    }
}

/// A reply waiting out a retry's backoff is sent at once when the operator retries it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retrying_a_reply_that_waits_for_its_backoff_sends_it_now() {
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let mut push = PushSetup::new(PushMode::Safe, PushFormat::Json).with_worker(false);
        push.retry_backoff = Duration::from_secs(3600);
        let Some(app) = spawn(backend, push.clone()).await else {
            continue;
        };
        app.add_rule(text_rule("hello", "Hi there")).await;
        let alice = app.say("alice", "hello").await["openid"]
            .as_str()
            .expect("openid")
            .to_owned();
        app.emulator(
            "/__emulator/faults",
            json!({ "endpoint": SEND, "errcode": -1, "times": 1 }),
        )
        .await;
        let (_worker, _task) = app.instance_with(Some(&push.with_worker(true))).await;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while reply_to(&app, &alice).await["delivery"]["attempts"] != 1
            || outbox(&app).await["inFlight"] != 0
        {
            assert!(std::time::Instant::now() < deadline, "no first attempt");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let to_alice = reply_to(&app, &alice).await["id"].as_i64().expect("id");
        assert_eq!(
            reply_to(&app, &alice).await["delivery"]["status"],
            "pending"
        );
        let retried = app
            .admin("POST", &format!("/admin/api/outbox/{to_alice}/retry"), None)
            .await;
        assert_eq!(retried["code"], 1, "{backend:?} {retried}");
        let settled = app.wait_until_settled(&alice).await;
        assert_eq!(settled[0]["delivery"]["status"], "sent", "{settled:?}");
        assert_eq!(settled[0]["delivery"]["attempts"], 2);
        assert_eq!(app.replies_seen_by("alice").await.len(), 1);
    }
}
