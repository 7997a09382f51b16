//! The full follower sync end to end: followers from before wxbase, several pages, a sync
//! interrupted by WeChat and continued by the next run, and two instances of which only one
//! syncs.

use std::time::{Duration, Instant};

use serde_json::json;
use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, TestApp};
use crate::oa_support::with_official_account;

impl TestApp {
    async fn page_size(&self, size: u64) {
        self.emulator("/__emulator/settings", json!({ "followerPageSize": size }))
            .await;
    }
}

async fn a_follower_from_before_wxbase_is_found_by_a_sync(app: TestApp) {
    app.follow_unseen("carol").await;
    assert!(!app.follows("carol").await, "no push reached wxbase");
    let report = app.sync().await;
    assert_eq!(
        (&report["listed"], &report["markedUnfollowed"]),
        (&json!(1), &json!(0))
    );
    let status = app.follow_status("carol").await;
    assert_eq!(status["following"], true, "{status}");
    assert!(status["since"].is_string());
}

async fn a_sync_pages_through_every_follower(app: TestApp) {
    app.page_size(2).await;
    let users = ["a", "b", "c", "d", "e"];
    for user in users {
        app.follow_unseen(user).await;
    }
    let report = app.sync().await;
    assert_eq!(report["pages"], 3, "{report}");
    assert_eq!(
        (&report["listed"], &report["total"]),
        (&json!(5), &json!(5))
    );
    assert_eq!(app.emulator_calls("/cgi-bin/user/get").await, 3);
    assert_eq!(app.emulator_calls("/cgi-bin/user/info/batchget").await, 3);
    for user in users {
        assert!(app.follows(user).await, "{user} is found");
    }
    let status = app.oa_status().await;
    assert_eq!(status["followers"]["following"], 5, "{status}");
    assert_eq!(status["sync"]["completedGeneration"], 1, "{status}");
}

async fn an_interrupted_sync_marks_nobody_and_a_rerun_continues_it(app: TestApp) {
    app.page_size(2).await;
    let users = ["a", "b", "c", "d", "e"];
    for user in users {
        app.follow(user).await;
    }
    app.unfollow("c", false).await;
    app.follow_unseen("f").await;
    app.emulator(
        "/__emulator/faults",
        json!({ "endpoint": "/cgi-bin/user/get", "after": 1, "errcode": 45009 }),
    )
    .await;
    let failed = app.sync_at(&app.base_url).await;
    assert_failure(&failed, "upstream_error");
    for user in users {
        assert!(
            app.follows(user).await,
            "{user} is not marked by a failed run"
        );
    }
    let status = app.oa_status().await;
    assert_eq!(status["sync"]["completedGeneration"], 0, "{status}");
    assert!(status["sync"]["lastError"]
        .as_str()
        .is_some_and(|e| e.contains("45009")));
    assert_eq!(status["sync"]["running"], false, "the lease is released");

    let cleared = reqwest::Client::new()
        .delete(format!("{}/__emulator/faults", app.emulator_url))
        .send()
        .await
        .expect("emulator answers");
    assert!(cleared.status().is_success());
    let pages_read_before = app.emulator_calls("/cgi-bin/user/get").await;
    let report = app.sync().await;
    assert_eq!(status["sync"]["generation"], 1, "{status}");
    assert_eq!(
        report["generation"], 1,
        "the rerun continues the interrupted listing: {report}"
    );
    assert_eq!(
        app.emulator_calls("/cgi-bin/user/get").await - pages_read_before,
        2,
        "from the second page of three: the first was recorded whole"
    );
    assert_eq!(
        (&report["pages"], &report["listed"]),
        (&json!(2), &json!(5)),
        "{report}"
    );
    assert_eq!(report["markedUnfollowed"], 1, "only c left: {report}");
    assert!(!app.follows("c").await);
    for user in ["a", "b", "d", "e", "f"] {
        assert!(app.follows(user).await, "{user} still follows");
    }
}

async fn a_resume_point_that_fails_sends_the_rerun_back_to_the_first_page(app: TestApp) {
    app.page_size(2).await;
    for user in ["a", "b", "c", "d", "e"] {
        app.follow(user).await;
    }
    app.unfollow("c", false).await;
    app.emulator(
        "/__emulator/faults",
        json!({ "endpoint": "/cgi-bin/user/get", "after": 1, "times": 1, "errcode": 40003 }),
    )
    .await;
    assert_failure(&app.sync_at(&app.base_url).await, "upstream_error");
    // WeChat refuses the page after the resume point once more (as it might an openid that
    // has since left): the rerun lists from the first page instead of failing again.
    app.emulator(
        "/__emulator/faults",
        json!({ "endpoint": "/cgi-bin/user/get", "times": 1, "errcode": 40003 }),
    )
    .await;
    let pages_read_before = app.emulator_calls("/cgi-bin/user/get").await;
    let report = app.sync().await;
    assert_eq!(report["generation"], 1, "still the same listing: {report}");
    assert_eq!(
        app.emulator_calls("/cgi-bin/user/get").await - pages_read_before,
        1 + 2,
        "the refused page, then the whole listing of two pages"
    );
    assert_eq!(
        (&report["listed"], &report["markedUnfollowed"]),
        (&json!(4), &json!(1)),
        "{report}"
    );
    assert!(!app.follows("c").await);
}

wxbase_store::on_both_backends!(
    setup = |backend| crate::helpers::TestApp::spawn_with(backend, with_official_account());
    a_resume_point_that_fails_sends_the_rerun_back_to_the_first_page,
    a_follower_from_before_wxbase_is_found_by_a_sync,
    a_sync_pages_through_every_follower,
    an_interrupted_sync_marks_nobody_and_a_rerun_continues_it,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_instances_asked_to_sync_at_once_only_one_syncs() {
    let Some(app) = TestApp::spawn_with(Backend::Postgres, with_official_account()).await else {
        return;
    };
    app.follow_unseen("carol").await;
    let other = app.second_instance().await;
    app.emulator(
        "/__emulator/faults",
        json!({ "endpoint": "/cgi-bin/user/get", "times": 1, "delayMs": 500 }),
    )
    .await;
    let (first, second) = tokio::join!(app.sync_at(&app.base_url), app.sync_at(&other));
    let mut outcomes = [
        first["data"]["outcome"].clone(),
        second["data"]["outcome"].clone(),
    ];
    outcomes.sort_by_key(|o| o.to_string());
    assert_eq!(
        outcomes,
        [json!("completed"), json!("skipped")],
        "{first} {second}"
    );
    assert_eq!(
        app.emulator_calls("/cgi-bin/user/get").await,
        1,
        "one listing"
    );
    assert!(app.follows("carol").await);
    let again = app.sync_at(&other).await;
    assert_eq!(
        again["data"]["outcome"], "completed",
        "the lease was released: {again}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_periodic_sync_finds_a_follower_from_before_wxbase_unasked() {
    let mut options = with_official_account();
    if let Some(oa) = options.official_account.as_mut() {
        oa.sync_interval = Some(Duration::from_millis(200));
    }
    let app = TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite");
    app.follow_unseen("carol").await;
    let token = app.login_as("carol").await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let answer = app.ask(&token).await;
        if answer["data"]["following"] == true {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no periodic sync found carol: {answer}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let status = app.oa_status().await;
    assert!(
        status["sync"]["completedGeneration"].as_i64() >= Some(1),
        "{status}"
    );
}
