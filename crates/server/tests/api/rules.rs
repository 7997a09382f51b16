//! The admin API for auto-reply rules, manual replies and conversations.

use serde_json::json;
use wxbase_emulator::{PushFormat, PushMode};
use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, envelope_of, Options, TestApp};
use crate::push_support::{text_rule, PushSetup};

async fn spawn() -> TestApp {
    TestApp::spawn_with(
        Backend::Sqlite,
        Options {
            push: Some(PushSetup::new(PushMode::Safe, PushFormat::Json)),
            ..Options::default()
        },
    )
    .await
    .expect("sqlite")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rules_are_listed_in_priority_order_updated_and_deleted() {
    let app = spawn().await;
    let low = app.add_rule(text_rule("hello", "low")).await;
    let mut high = text_rule("hello", "high");
    high["priority"] = json!(10);
    high["name"] = json!("greeting");
    let high = app.add_rule(high).await;
    let list = app.admin("GET", "/admin/api/rules", None).await;
    assert_eq!(list["data"][0]["id"], high["id"], "{list}");
    assert_eq!(list["data"][1]["id"], low["id"]);
    assert_eq!(
        list["data"][0]["match"],
        json!({ "kind": "exact", "pattern": "hello" })
    );
    assert_eq!(list["data"][0]["reply"]["content"], "high");

    app.say("alice", "hello").await;
    let openid = app.emulator_user("alice").await["openid"]
        .as_str()
        .expect("openid")
        .to_owned();
    app.wait_until_settled(&openid).await;
    assert_eq!(
        app.replies_seen_by("alice").await[0]["content"]["content"],
        "high"
    );

    let path = format!("/admin/api/rules/{}", high["id"]);
    let updated = app
        .admin("PUT", &path, Some(text_rule("bye", "see you")))
        .await;
    assert_eq!(updated["data"]["match"]["pattern"], "bye", "{updated}");
    assert_eq!(app.admin("DELETE", &path, None).await["code"], 1);
    assert_failure(&app.admin("DELETE", &path, None).await, "not_found");
    assert_failure(
        &app.admin("PUT", &path, Some(text_rule("a", "b"))).await,
        "not_found",
    );
    assert_failure(
        &app.admin("DELETE", "/admin/api/rules/abc", None).await,
        "bad_request",
    );
    let list = app.admin("GET", "/admin/api/rules", None).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_or_unauthorised_rule_changes_are_refused() {
    let app = spawn().await;
    let bad_regex = json!({ "match": { "kind": "regex", "pattern": "(" }, "reply": { "type": "text", "content": "x" } });
    let answer = app.admin("POST", "/admin/api/rules", Some(bad_regex)).await;
    assert_failure(&answer, "bad_request");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("regex")),
        "{answer}"
    );
    let unknown =
        json!({ "match": { "kind": "soundex" }, "reply": { "type": "text", "content": "x" } });
    assert_failure(
        &app.admin("POST", "/admin/api/rules", Some(unknown)).await,
        "bad_request",
    );
    let mut named = text_rule("a", "b");
    named["name"] = json!("dup");
    app.add_rule(named.clone()).await;
    assert_failure(
        &app.admin("POST", "/admin/api/rules", Some(named)).await,
        "bad_request",
    );
    let anonymous = app
        .http
        .post(format!("{}/admin/api/rules", app.base_url))
        .json(&text_rule("x", "y"))
        .send()
        .await
        .expect("answers");
    assert_failure(&envelope_of(anonymous).await, "unauthorized");
    let list = app.admin("GET", "/admin/api/rules", None).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manual_reply_goes_through_the_outbox_and_the_conversation_pages_back() {
    let app = spawn().await;
    for i in 0..3 {
        app.say("dave", &format!("question {i}")).await;
    }
    let openid = app.emulator_user("dave").await["openid"]
        .as_str()
        .expect("openid")
        .to_owned();
    let sent = app
        .admin(
            "POST",
            "/admin/api/messages",
            Some(json!({ "openid": openid, "reply": { "type": "text", "content": "On it!" } })),
        )
        .await;
    assert_eq!(sent["data"]["direction"], "outbound", "{sent}");
    app.wait_until_settled(&openid).await;
    assert_eq!(
        app.replies_seen_by("dave").await[0]["content"]["content"],
        "On it!"
    );

    let first = app
        .admin(
            "GET",
            &format!("/admin/api/conversations/{openid}?limit=2"),
            None,
        )
        .await;
    let page = first["data"]["messages"].as_array().expect("messages");
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["direction"], "outbound");
    assert_eq!(page[1]["content"]["content"], "question 2");
    let before = &first["data"]["nextBefore"];
    let rest = app
        .admin(
            "GET",
            &format!("/admin/api/conversations/{openid}?before={before}&limit=10"),
            None,
        )
        .await;
    assert_eq!(rest["data"]["messages"].as_array().map(Vec::len), Some(2));
    assert!(rest["data"]["nextBefore"].is_null());

    let transfer = json!({ "openid": openid, "reply": { "type": "transfer_customer_service" } });
    assert_failure(
        &app.admin("POST", "/admin/api/messages", Some(transfer))
            .await,
        "bad_request",
    );
    let empty = json!({ "openid": openid, "reply": { "type": "text", "content": "" } });
    assert_failure(
        &app.admin("POST", "/admin/api/messages", Some(empty)).await,
        "bad_request",
    );
    assert_failure(
        &app.admin(
            "GET",
            &format!("/admin/api/conversations/{openid}?limit=0"),
            None,
        )
        .await,
        "bad_request",
    );
}
