//! Content security over HTTP: a collection's text fields checked by WeChat (the emulator's
//! risky words) on create, replace and patch, what happens when WeChat cannot be reached, and
//! `POST /api/security/text`.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_failure, TestApp, ADMIN_TOKEN};

const CHECK: &str = "/wxa/msg_sec_check";

impl TestApp {
    /// Sets the emulator's risky (and review) words.
    async fn risky_words(&self, risky: &[&str], review: &[&str]) {
        self.emulator(
            "/__emulator/security/risky-words",
            json!({"words": risky, "reviewWords": review}),
        )
        .await;
    }

    /// Creates collection `name` whose fields are checked as `moderation` says.
    async fn moderated_collection(&self, name: &str, moderation: Value) -> Value {
        self.create_collection(json!({"name": name})).await;
        let changed = self
            .request(
                Method::PATCH,
                &format!("/admin/api/collections/{name}"),
                ADMIN_TOKEN,
                Some(json!({ "moderation": moderation })),
            )
            .await;
        assert_eq!(changed["code"], 1, "{changed}");
        changed["data"].clone()
    }

    /// How many documents of `collection` an admin sees.
    async fn documents_in(&self, collection: &str) -> u64 {
        let counted = self
            .request(
                Method::POST,
                &format!("/admin/api/collections/{collection}/count"),
                ADMIN_TOKEN,
                Some(json!({})),
            )
            .await;
        counted["data"]["total"].as_u64().expect("a count")
    }

    /// Makes every text check fail as if WeChat could not be reached.
    async fn wechat_unreachable_for_checks(&self) {
        self.emulator(
            "/__emulator/faults",
            json!({"endpoint": CHECK, "drop": true}),
        )
        .await;
    }
}

async fn a_risky_title_is_refused_and_a_clean_one_stored(app: TestApp) {
    app.risky_words(&["gamble"], &[]).await;
    let settings = app
        .moderated_collection(
            "posts",
            json!({"fields": ["title", "body.text"], "scene": 3}),
        )
        .await;
    assert_eq!(
        settings["moderation"],
        json!({"fields": ["title", "body.text"], "scene": 3, "review": "refuse", "unavailable": "refuse"})
    );
    let alice = app.login_as("alice").await;

    let refused = app
        .request(
            Method::POST,
            "/api/collections/posts/docs",
            &alice,
            Some(json!({"title": "Let us GAMBLE", "body": {"text": "fine"}})),
        )
        .await;
    assert_failure(&refused, "content_risky");
    let message = refused["message"].as_str().expect("a message");
    assert!(message.contains("\"title\""), "{message}");
    assert_eq!(app.documents_in("posts").await, 0, "nothing stored");

    let nested = app
        .request(
            Method::POST,
            "/api/collections/posts/docs",
            &alice,
            Some(json!({"title": "hello", "body": {"text": "gamble here"}})),
        )
        .await;
    assert_failure(&nested, "content_risky");
    assert!(nested["message"]
        .as_str()
        .is_some_and(|m| m.contains("body.text")));

    let stored = app
        .create_doc(
            &alice,
            "posts",
            json!({"title": "hello", "body": {"text": "world"}}),
        )
        .await;
    assert_eq!(stored["title"], "hello");
    assert_eq!(app.documents_in("posts").await, 1);
    assert_eq!(
        app.emulator_calls(CHECK).await,
        5,
        "two fields per write, one refusal first"
    );

    let by_admin = app
        .request(
            Method::POST,
            "/admin/api/collections/posts/docs",
            ADMIN_TOKEN,
            Some(json!({"title": "gamble", "body": {"text": "admins are trusted"}})),
        )
        .await;
    assert_eq!(
        by_admin["code"], 1,
        "admins' writes are not checked: {by_admin}"
    );
}

async fn a_patch_or_replace_that_makes_a_field_risky_is_refused(app: TestApp) {
    app.risky_words(&["gamble"], &[]).await;
    app.moderated_collection("posts", json!({"fields": ["title"], "scene": 2}))
        .await;
    let alice = app.login_as("alice").await;
    let created = app
        .create_doc(&alice, "posts", json!({"title": "hello", "likes": 0}))
        .await;
    let path = format!(
        "/api/collections/posts/docs/{}",
        created["_id"].as_str().expect("an id")
    );
    let checks_after_create = app.emulator_calls(CHECK).await;

    let liked = app
        .request(
            Method::PATCH,
            &path,
            &alice,
            Some(json!({"inc": {"likes": 1}})),
        )
        .await;
    assert_eq!(liked["code"], 1, "{liked}");
    assert_eq!(
        app.emulator_calls(CHECK).await,
        checks_after_create,
        "an unchanged title is not checked again"
    );

    let patched = app
        .request(
            Method::PATCH,
            &path,
            &alice,
            Some(json!({"set": {"title": "come gamble"}})),
        )
        .await;
    assert_failure(&patched, "content_risky");
    let replaced = app
        .request(
            Method::PUT,
            &path,
            &alice,
            Some(json!({"title": "gamble again", "likes": 1})),
        )
        .await;
    assert_failure(&replaced, "content_risky");

    let checks_before_bob = app.emulator_calls(CHECK).await;
    let bob = app.login_as("bob").await;
    let not_his = app
        .request(Method::PUT, &path, &bob, Some(json!({"title": "mine now"})))
        .await;
    assert_failure(&not_his, "forbidden");
    assert_eq!(
        app.emulator_calls(CHECK).await,
        checks_before_bob,
        "a write that cannot happen costs no check"
    );

    let read = app.request(Method::GET, &path, &alice, None).await;
    assert_eq!(
        read["data"]["title"], "hello",
        "the stored title is unchanged"
    );
    assert_eq!(read["data"]["likes"], 1);
}

async fn a_review_verdict_follows_the_collections_review_setting(app: TestApp) {
    app.risky_words(&[], &["borderline"]).await;
    app.moderated_collection("strict", json!({"fields": ["title"], "scene": 3}))
        .await;
    app.moderated_collection(
        "lenient",
        json!({"fields": ["title"], "scene": 3, "review": "allow"}),
    )
    .await;
    let alice = app.login_as("alice").await;
    let refused = app
        .request(
            Method::POST,
            "/api/collections/strict/docs",
            &alice,
            Some(json!({"title": "a borderline joke"})),
        )
        .await;
    assert_failure(&refused, "content_risky");
    assert!(refused["message"]
        .as_str()
        .is_some_and(|m| m.contains("review")));
    app.create_doc(&alice, "lenient", json!({"title": "a borderline joke"}))
        .await;
    assert_eq!(app.documents_in("strict").await, 0);
    assert_eq!(app.documents_in("lenient").await, 1);
}

async fn wechat_unavailable_refuses_or_allows_as_the_collection_says(app: TestApp) {
    app.moderated_collection("refusing", json!({"fields": ["title"], "scene": 3}))
        .await;
    app.moderated_collection(
        "allowing",
        json!({"fields": ["title"], "scene": 3, "unavailable": "allow"}),
    )
    .await;
    let alice = app.login_as("alice").await;
    app.wechat_unreachable_for_checks().await;

    let refused = app
        .request(
            Method::POST,
            "/api/collections/refusing/docs",
            &alice,
            Some(json!({"title": "hello"})),
        )
        .await;
    assert_failure(&refused, "upstream_unavailable");
    assert_eq!(app.documents_in("refusing").await, 0, "nothing stored");

    let allowed = app
        .create_doc(&alice, "allowing", json!({"title": "hello"}))
        .await;
    assert_eq!(allowed["title"], "hello");
    assert_eq!(app.documents_in("allowing").await, 1);

    let asked = app
        .request(
            Method::POST,
            "/api/security/text",
            &alice,
            Some(json!({"content": "hello", "scene": 1})),
        )
        .await;
    assert_failure(&asked, "upstream_unavailable");
}

async fn moderation_settings_are_checked_shown_and_removed(app: TestApp) {
    app.create_collection(json!({"name": "posts"})).await;
    let path = "/admin/api/collections/posts";
    for bad in [
        json!({"fields": [], "scene": 3}),
        json!({"fields": ["_id"], "scene": 3}),
        json!({"fields": ["title"], "scene": 7}),
        json!({"fields": ["title"], "scene": 3, "review": "sometimes"}),
    ] {
        let answer = app
            .request(
                Method::PATCH,
                path,
                ADMIN_TOKEN,
                Some(json!({ "moderation": bad })),
            )
            .await;
        assert_failure(&answer, "bad_request");
    }
    app.moderated_collection("checked", json!({"fields": ["title"], "scene": 1}))
        .await;
    let shown = app
        .request(
            Method::GET,
            "/admin/api/collections/checked",
            ADMIN_TOKEN,
            None,
        )
        .await;
    assert_eq!(shown["data"]["moderation"]["fields"], json!(["title"]));
    let removed = app
        .request(
            Method::PATCH,
            "/admin/api/collections/checked",
            ADMIN_TOKEN,
            Some(json!({"moderation": null})),
        )
        .await;
    assert_eq!(removed["data"]["moderation"], Value::Null);
    app.risky_words(&["gamble"], &[]).await;
    let alice = app.login_as("alice").await;
    app.create_doc(&alice, "checked", json!({"title": "gamble"}))
        .await;
    assert_eq!(app.emulator_calls(CHECK).await, 0, "no check once removed");
}

async fn a_mini_program_asks_for_a_verdict(app: TestApp) {
    app.risky_words(&["gamble"], &["borderline"]).await;
    let alice = app.login_as("alice").await;
    for (content, suggest, label) in [
        ("good morning", "pass", 100),
        ("borderline", "review", 21000),
        ("gamble", "risky", 20006),
    ] {
        let answer = app
            .request(
                Method::POST,
                "/api/security/text",
                &alice,
                Some(json!({"content": content, "scene": 2})),
            )
            .await;
        assert_eq!(
            answer["data"],
            json!({"suggest": suggest, "label": label}),
            "{content}"
        );
    }
    let long = format!("{}gamble", "a".repeat(2600));
    let answer = app
        .request(
            Method::POST,
            "/api/security/text",
            &alice,
            Some(json!({"content": long, "scene": 2})),
        )
        .await;
    assert_eq!(
        answer["data"]["suggest"], "risky",
        "text past 2,500 characters is checked too"
    );
    for bad in [
        json!({"content": "x", "scene": 5}),
        json!({"content": " ", "scene": 1}),
    ] {
        let answer = app
            .request(Method::POST, "/api/security/text", &alice, Some(bad))
            .await;
        assert_failure(&answer, "bad_request");
    }
    let anonymous = app
        .request(
            Method::POST,
            "/api/security/text",
            "not-a-token",
            Some(json!({"content": "x", "scene": 1})),
        )
        .await;
    assert_failure(&anonymous, "unauthorized");
}

wxbase_store::on_both_backends!(
    setup = crate::helpers::TestApp::spawn;
    a_risky_title_is_refused_and_a_clean_one_stored,
    a_patch_or_replace_that_makes_a_field_risky_is_refused,
    a_review_verdict_follows_the_collections_review_setting,
    wechat_unavailable_refuses_or_allows_as_the_collection_says,
    moderation_settings_are_checked_shown_and_removed,
    a_mini_program_asks_for_a_verdict,
);
