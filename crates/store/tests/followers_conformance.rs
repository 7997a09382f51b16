//! The official-account part of the storage conformance suite, on SQLite and on PostgreSQL:
//! follow events applied once and in WeChat's order, and sync runs that hold one lease and
//! mark the unlisted followers only when they complete.

use std::sync::Arc;

use wxbase_core::official_account::{
    EventOutcome, ListedFollower, NewFollowEvent, SyncDue, SyncProgress, SyncResume, SyncRun,
    SyncStatus,
};
use wxbase_core::{Store, Timestamp};
use wxbase_store::on_both_backends;
use wxbase_store::testing::TestDatabase;
use wxbase_wechat::push::FollowKind;
use wxbase_wechat::{AppId, OpenId, UnionId};

fn oa() -> AppId {
    AppId::parse("wxoa").expect("appid")
}

fn openid(name: &str) -> OpenId {
    OpenId::parse(format!("o-{name}")).expect("openid")
}

fn unionid(name: &str) -> UnionId {
    UnionId::parse(format!("oU-{name}")).expect("unionid")
}

fn ms(millis: i64) -> Timestamp {
    Timestamp::from_millis(millis)
}

fn event(name: &str, kind: FollowKind, at: i64) -> NewFollowEvent {
    NewFollowEvent {
        app_id: oa(),
        openid: openid(name),
        kind,
        at: ms(at),
        received_at: ms(at + 5),
    }
}

fn listed(name: &str, since: i64) -> ListedFollower {
    ListedFollower {
        openid: openid(name),
        unionid: Some(unionid(name)),
        since: Some(ms(since)),
        changed_at: ms(since),
    }
}

async fn following(store: &Arc<dyn Store>, name: &str) -> Option<bool> {
    store
        .follower(&oa(), &openid(name))
        .await
        .expect("read")
        .map(|f| f.following)
}

/// The sync state at `now`, once a sync ran.
async fn sync_status(store: &Arc<dyn Store>, now: i64) -> SyncStatus {
    store
        .follower_sync_status(&oa(), ms(now))
        .await
        .expect("status")
        .expect("a sync ran")
}

/// Begins a run at `now` that may continue any interrupted one, however old.
async fn begin(store: &Arc<dyn Store>, holder: &str, now: i64) -> Option<SyncRun> {
    store
        .begin_follower_sync(&oa(), holder, ms(now), ms(now + 60_000), None, ms(0))
        .await
        .expect("begin")
}

async fn list(store: &Arc<dyn Store>, run: &SyncRun, followers: &[ListedFollower]) -> bool {
    record(store, run, followers, 1, None).await
}

/// Records a batch, `listed` so far; `page_done` names the next page's start when the batch
/// completes a page.
async fn record(
    store: &Arc<dyn Store>,
    run: &SyncRun,
    followers: &[ListedFollower],
    listed: i64,
    page_done: Option<&str>,
) -> bool {
    let progress = SyncProgress {
        listed,
        total: 4,
        page_done: page_done.map(openid),
    };
    store
        .record_listed_followers(run, followers, progress, ms(1), ms(60_000))
        .await
        .expect("record")
}

async fn a_retried_event_is_applied_once(db: TestDatabase) {
    let store = db.store;
    let first = store
        .record_follow_event(&event("alice", FollowKind::Subscribe, 10_000))
        .await
        .expect("first delivery");
    let EventOutcome::Applied(follower) = first else {
        panic!("applied: {first:?}")
    };
    assert!(follower.following);
    assert_eq!(follower.since, Some(ms(10_000)));
    let retry = store
        .record_follow_event(&event("alice", FollowKind::Subscribe, 10_000))
        .await
        .expect("retry");
    assert!(
        matches!(retry, EventOutcome::Duplicate(Some(_))),
        "{retry:?}"
    );
}

async fn an_older_event_never_overrides_a_newer_one(db: TestDatabase) {
    let store = db.store;
    store
        .record_follow_event(&event("alice", FollowKind::Subscribe, 20_000))
        .await
        .expect("subscribe");
    let late = store
        .record_follow_event(&event("alice", FollowKind::Unsubscribe, 10_000))
        .await
        .expect("an older unsubscribe, delivered late");
    assert!(matches!(late, EventOutcome::Superseded(_)), "{late:?}");
    assert_eq!(following(&store, "alice").await, Some(true));
    store
        .record_follow_event(&event("alice", FollowKind::Unsubscribe, 30_000))
        .await
        .expect("a newer unsubscribe");
    assert_eq!(following(&store, "alice").await, Some(false));
}

async fn events_of_the_same_second_apply_in_arrival_order_and_retries_do_not_flip_them(
    db: TestDatabase,
) {
    let store = db.store;
    for kind in [FollowKind::Subscribe, FollowKind::Unsubscribe] {
        store
            .record_follow_event(&event("alice", kind, 10_000))
            .await
            .expect("event");
    }
    assert_eq!(following(&store, "alice").await, Some(false));
    let retry = store
        .record_follow_event(&event("alice", FollowKind::Subscribe, 10_000))
        .await
        .expect("retry of the subscribe");
    assert!(matches!(retry, EventOutcome::Duplicate(_)), "{retry:?}");
    assert_eq!(following(&store, "alice").await, Some(false));
}

async fn a_follower_is_found_by_unionid_once_it_is_known(db: TestDatabase) {
    let store = db.store;
    store
        .record_follow_event(&event("alice", FollowKind::Subscribe, 10_000))
        .await
        .expect("subscribe");
    let found = store.follower_by_unionid(&oa(), &unionid("alice")).await;
    assert_eq!(found.expect("read"), None);
    store
        .set_follower_unionid(&oa(), &openid("alice"), &unionid("alice"), ms(11_000))
        .await
        .expect("unionid");
    let found = store
        .follower_by_unionid(&oa(), &unionid("alice"))
        .await
        .expect("read")
        .expect("found");
    assert_eq!(found.openid, openid("alice"));
    let counts = store.count_followers(&oa()).await.expect("counts");
    assert_eq!(
        (counts.known, counts.following, counts.with_unionid),
        (1, 1, 1)
    );
}

async fn a_completed_run_marks_the_unlisted_and_an_abandoned_one_marks_nobody(db: TestDatabase) {
    let store = db.store;
    for name in ["alice", "bob"] {
        store
            .record_follow_event(&event(name, FollowKind::Subscribe, 10_000))
            .await
            .expect("subscribe");
    }
    let run = begin(&store, "a", 100_000).await.expect("a run");
    assert!(list(&store, &run, &[listed("alice", 10_000)]).await);
    store
        .abandon_follower_sync(&run, "WeChat failed")
        .await
        .expect("abandon");
    assert_eq!(
        following(&store, "bob").await,
        Some(true),
        "nobody is marked"
    );
    let status = sync_status(&store, 100_001).await;
    assert_eq!(status.last_error.as_deref(), Some("WeChat failed"));
    assert!(!status.running);

    let run = begin(&store, "a", 200_000).await.expect("a second run");
    assert!(
        list(
            &store,
            &run,
            &[listed("alice", 10_000), listed("carol", 5_000)]
        )
        .await
    );
    let marked = store
        .finish_follower_sync(&run, ms(200_500))
        .await
        .expect("finish");
    assert_eq!(marked, Some(1));
    assert_eq!(following(&store, "bob").await, Some(false));
    assert_eq!(following(&store, "alice").await, Some(true));
    assert_eq!(
        following(&store, "carol").await,
        Some(true),
        "found by the sync"
    );
    let carol = store
        .follower_by_unionid(&oa(), &unionid("carol"))
        .await
        .expect("read")
        .expect("carol");
    assert_eq!(carol.since, Some(ms(5_000)));
}

async fn a_follow_event_during_a_run_is_not_marked_by_it(db: TestDatabase) {
    let store = db.store;
    let run = begin(&store, "a", 100_000).await.expect("a run");
    assert!(list(&store, &run, &[listed("alice", 10_000)]).await);
    store
        .record_follow_event(&event("dave", FollowKind::Subscribe, 150_000))
        .await
        .expect("dave follows while the run lists");
    store
        .finish_follower_sync(&run, ms(200_000))
        .await
        .expect("finish");
    assert_eq!(following(&store, "dave").await, Some(true));
}

async fn a_listing_never_overrides_a_newer_unsubscribe(db: TestDatabase) {
    let store = db.store;
    store
        .record_follow_event(&event("alice", FollowKind::Unsubscribe, 50_000))
        .await
        .expect("alice leaves");
    let run = begin(&store, "a", 100_000).await.expect("a run");
    assert!(list(&store, &run, &[listed("alice", 10_000)]).await);
    store
        .finish_follower_sync(&run, ms(200_000))
        .await
        .expect("finish");
    assert_eq!(following(&store, "alice").await, Some(false));
    let follower = store
        .follower(&oa(), &openid("alice"))
        .await
        .expect("read")
        .expect("alice");
    assert_eq!(
        follower.unionid,
        Some(unionid("alice")),
        "the unionid is learned"
    );
}

async fn one_run_holds_the_lease_and_a_run_that_lost_it_changes_nothing(db: TestDatabase) {
    let other = db.connect_again().await;
    let store = db.store;
    let run = begin(&store, "a", 100_000).await.expect("a run");
    assert_eq!(begin(&other, "b", 100_001).await, None, "the lease is held");
    let taken = begin(&other, "b", 100_000 + 61_000)
        .await
        .expect("the lease expired: another instance takes over");
    assert!(taken.generation > run.generation);
    assert!(!list(&store, &run, &[listed("alice", 1)]).await, "lost");
    assert_eq!(following(&store, "alice").await, None);
    let finished = store.finish_follower_sync(&run, ms(200_000)).await;
    assert_eq!(finished.expect("finish"), None);
}

async fn a_periodic_run_starts_only_when_due(db: TestDatabase) {
    let store = db.store;
    let run = begin(&store, "a", 100_000).await.expect("a run");
    store
        .finish_follower_sync(&run, ms(100_500))
        .await
        .expect("finish");
    let due = |before: i64| SyncDue {
        completed_before: ms(before),
        started_before: ms(before),
    };
    let early = store
        .begin_follower_sync(
            &oa(),
            "b",
            ms(150_000),
            ms(200_000),
            Some(due(50_000)),
            ms(0),
        )
        .await
        .expect("begin");
    assert_eq!(early, None, "the last run completed too recently");
    let later = store
        .begin_follower_sync(
            &oa(),
            "b",
            ms(250_000),
            ms(300_000),
            Some(due(150_000)),
            ms(0),
        )
        .await
        .expect("begin");
    assert!(later.is_some());
}

async fn an_interrupted_run_is_continued_after_its_last_whole_page(db: TestDatabase) {
    let store = db.store;
    for name in ["alice", "bob", "dave"] {
        store
            .record_follow_event(&event(name, FollowKind::Subscribe, 10_000))
            .await
            .expect("subscribe");
    }
    let run = begin(&store, "a", 100_000).await.expect("a run");
    assert_eq!(run.resume, None, "nothing to continue yet");
    let first_page = [listed("alice", 10_000), listed("bob", 10_000)];
    assert!(record(&store, &run, &first_page, 2, Some("bob")).await);
    assert!(record(&store, &run, &[listed("carol", 5_000)], 3, None).await);
    store
        .abandon_follower_sync(&run, "WeChat failed")
        .await
        .expect("abandon");

    let continued = begin(&store, "b", 200_000).await.expect("a second run");
    assert_eq!(continued.generation, run.generation, "the same listing");
    assert_eq!(
        continued.resume,
        Some(SyncResume {
            after: openid("bob"),
            listed: 2
        }),
        "after the last page recorded whole; the half page is listed again"
    );
    let status = sync_status(&store, 200_001).await;
    assert_eq!(status.listed, 2);
    assert!(record(&store, &continued, &[listed("carol", 5_000)], 3, None).await);
    let marked = store
        .finish_follower_sync(&continued, ms(200_500))
        .await
        .expect("finish");
    assert_eq!(marked, Some(1), "only dave was listed by neither attempt");
    for (name, follows) in [
        ("alice", true),
        ("bob", true),
        ("carol", true),
        ("dave", false),
    ] {
        assert_eq!(following(&store, name).await, Some(follows), "{name}");
    }

    let next = begin(&store, "a", 300_000).await.expect("a third run");
    assert_eq!(
        next.generation,
        run.generation + 1,
        "a completed run is not continued"
    );
    assert_eq!(next.resume, None);
}

async fn a_listing_that_began_too_long_ago_is_not_continued(db: TestDatabase) {
    let store = db.store;
    let run = begin(&store, "a", 100_000).await.expect("a run");
    assert!(record(&store, &run, &[listed("alice", 10_000)], 1, Some("alice")).await);
    store
        .abandon_follower_sync(&run, "WeChat failed")
        .await
        .expect("abandon");
    let continued = begin(&store, "a", 150_000).await.expect("a second run");
    assert_eq!(continued.generation, run.generation);
    store
        .abandon_follower_sync(&continued, "WeChat failed again")
        .await
        .expect("abandon");
    // The window counts from the listing's first run (100 000), not from the latest (150 000).
    let fresh = store
        .begin_follower_sync(&oa(), "b", ms(200_000), ms(260_000), None, ms(120_000))
        .await
        .expect("begin")
        .expect("a run");
    assert_eq!(fresh.generation, run.generation + 1, "a new listing");
    assert_eq!(fresh.resume, None);
    let status = sync_status(&store, 200_001).await;
    assert_eq!(status.listed, 0);
}

async fn a_stalled_run_changes_nothing_once_another_run_continues_its_listing(db: TestDatabase) {
    let store = db.store;
    let stalled = begin(&store, "a", 100_000).await.expect("a run");
    assert!(
        record(
            &store,
            &stalled,
            &[listed("alice", 10_000)],
            1,
            Some("alice")
        )
        .await
    );
    let continued = begin(&store, "b", 100_000 + 61_000)
        .await
        .expect("the lease expired: another run continues the listing");
    assert_eq!(continued.generation, stalled.generation);
    assert!(
        !record(&store, &stalled, &[listed("bob", 10_000)], 2, Some("bob")).await,
        "the stalled run lost the lease"
    );
    store
        .abandon_follower_sync(&stalled, "late failure")
        .await
        .expect("abandon");
    assert_eq!(
        store
            .finish_follower_sync(&stalled, ms(170_000))
            .await
            .expect("finish"),
        None
    );
    assert!(
        record(&store, &continued, &[listed("bob", 10_000)], 2, None).await,
        "the stalled run's abandon did not free the continuing run's lease"
    );
    assert_eq!(following(&store, "bob").await, Some(true));
    assert_eq!(
        sync_status(&store, 170_001).await.last_error,
        None,
        "the stalled run's failure was not recorded against the listing"
    );
}

on_both_backends!(
    a_stalled_run_changes_nothing_once_another_run_continues_its_listing,
    an_interrupted_run_is_continued_after_its_last_whole_page,
    a_listing_that_began_too_long_ago_is_not_continued,
    a_retried_event_is_applied_once,
    an_older_event_never_overrides_a_newer_one,
    events_of_the_same_second_apply_in_arrival_order_and_retries_do_not_flip_them,
    a_follower_is_found_by_unionid_once_it_is_known,
    a_completed_run_marks_the_unlisted_and_an_abandoned_one_marks_nobody,
    a_follow_event_during_a_run_is_not_marked_by_it,
    a_listing_never_overrides_a_newer_unsubscribe,
    one_run_holds_the_lease_and_a_run_that_lost_it_changes_nothing,
    a_periodic_run_starts_only_when_due,
);
