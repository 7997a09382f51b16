//! "Does this user follow our official account?" end to end: the emulator's official account
//! pushes follow events to wxbase, and a mini-program user asks `/api/me/official-account`.

use serde_json::json;
use wxbase_emulator::PushMode;
use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, Options, TestApp};
use crate::oa_support::{with_official_account, OaSetup};

async fn a_user_who_follows_is_following_since_the_follow(app: TestApp) {
    let report = app.follow("alice").await;
    assert_eq!(report["delivered"], true, "{report}");
    assert_eq!(
        report["request"]["query"]["encrypt_type"], "aes",
        "safe mode"
    );
    let status = app.follow_status("alice").await;
    assert_eq!(status["following"], true, "{status}");
    assert!(
        status["since"].as_str().is_some_and(|s| s.ends_with('Z')),
        "since is RFC 3339: {status}"
    );
    assert!(!app.follows("bob").await, "bob never followed");
}

async fn a_user_who_unfollows_is_not_following(app: TestApp) {
    app.follow("alice").await;
    let token = app.login_as("alice").await;
    assert_eq!(app.ask(&token).await["data"]["following"], true);
    let report = app.unfollow("alice", true).await;
    assert_eq!(report["delivered"], true, "{report}");
    let answer = app.ask(&token).await;
    assert_eq!(
        answer["data"],
        json!({ "following": false, "since": null }),
        "{answer}"
    );
}

async fn following_again_after_leaving_counts_from_the_new_follow(app: TestApp) {
    app.follow("alice").await;
    let first = app.follow_status("alice").await["since"].clone();
    app.unfollow("alice", true).await;
    app.advance_emulator_clock(60).await;
    app.follow("alice").await;
    let again = app.follow_status("alice").await;
    assert_eq!(again["following"], true);
    assert!(
        again["since"].as_str() > first.as_str(),
        "{again} after {first}"
    );
}

async fn the_unionid_is_learned_even_when_the_first_delivery_cannot_read_it(app: TestApp) {
    app.emulator(
        "/__emulator/faults",
        json!({ "endpoint": "/cgi-bin/user/info", "times": 1, "errcode": 45009 }),
    )
    .await;
    let report = app.follow("alice").await;
    let results: Vec<&str> = report["attempts"]
        .as_array()
        .expect("attempts")
        .iter()
        .filter_map(|a| a["result"].as_str())
        .collect();
    assert_eq!(
        results,
        ["error", "accepted"],
        "answered 500, then the retry: {report}"
    );
    assert!(app.follows("alice").await);
    let status = app.oa_status().await;
    assert_eq!(status["followers"]["withUnionid"], 1, "{status}");
}

async fn a_user_without_a_unionid_is_told_how_to_get_one(app: TestApp) {
    app.follow("alice").await;
    let token = app.login_as("alice").await;
    let answer = app.ask(&token).await;
    assert_failure(&answer, "unionid_unknown");
    let message = answer["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Open Platform") && message.contains("/api/me/decrypt"),
        "{message}"
    );
}

async fn without_an_official_account_the_question_is_not_found(app: TestApp) {
    let token = app.login_as("alice").await;
    let answer = app.ask(&token).await;
    assert_failure(&answer, "not_found");
    assert!(answer["message"]
        .as_str()
        .is_some_and(|m| m.contains("[official_account]")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_official_account_the_question_is_not_found_on_sqlite() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    without_an_official_account_the_question_is_not_found(app).await;
}

/// An app with the official account whose mini-program is not bound to the Open Platform, so
/// logins carry no unionid.
async fn unbound_app() -> TestApp {
    let options = Options {
        unionid_bound: false,
        ..with_official_account()
    };
    TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mini_program_not_bound_to_the_open_platform_gives_unionid_unknown() {
    a_user_without_a_unionid_is_told_how_to_get_one(unbound_app().await).await;
}

/// The team binds its mini-program to the Open Platform after alice logged in: her stored user
/// has no unionid until she shares her user info, which carries it from then on.
async fn sharing_user_info_after_binding_resolves_an_unknown_unionid(app: TestApp) {
    app.follow("alice").await;
    let token = app.login_as("alice").await;
    assert_failure(&app.ask(&token).await, "unionid_unknown");

    let bound = app
        .emulator("/__emulator/open-platform", json!({ "bound": true }))
        .await;
    assert_eq!(bound["bound"], true, "{bound}");
    let shared = app
        .emulator(
            "/__emulator/encrypted-data",
            json!({ "user": "alice", "kind": "userinfo" }),
        )
        .await;
    let decrypted = app
        .post_as(&app.base_url, "/api/me/decrypt", &token, shared)
        .await;
    assert_eq!(decrypted["code"], 1, "{decrypted}");
    let unionid = app.emulator_user("alice").await["unionid"].clone();
    assert_eq!(decrypted["data"]["unionId"], unionid, "{decrypted}");

    let answer = app.ask(&token).await;
    assert_eq!(answer["code"], 1, "{answer}");
    assert_eq!(answer["data"]["following"], true, "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_user_info_after_binding_resolves_an_unknown_unionid_on_sqlite() {
    sharing_user_info_after_binding_resolves_an_unknown_unionid(unbound_app().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_follow_events_work_too() {
    let options = Options {
        official_account: Some(OaSetup {
            mode: PushMode::Plaintext,
            sync_interval: None,
        }),
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite");
    let report = app.follow("alice").await;
    let query = &report["request"]["query"];
    assert!(
        query["openid"].is_string() && query["encrypt_type"].is_null(),
        "{report}"
    );
    assert!(app.follows("alice").await);
}

wxbase_store::on_both_backends!(
    setup = |backend| crate::helpers::TestApp::spawn_with(backend, with_official_account());
    a_user_who_follows_is_following_since_the_follow,
    a_user_who_unfollows_is_not_following,
    following_again_after_leaving_counts_from_the_new_follow,
    the_unionid_is_learned_even_when_the_first_delivery_cannot_read_it,
);
