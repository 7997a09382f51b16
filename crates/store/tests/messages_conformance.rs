//! The messages part of the storage conformance suite, on SQLite and on PostgreSQL:
//! de-duplication, the outbox's claims and outcomes, conversations and rules.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use wxbase_core::messages::{
    ClaimedOutbound, Direction, MessageId, NewInbound, NewOutbound, NewRule, OutboundContent,
    ReplyAction, RuleMatch, SendOutcome, SendStatus,
};
use wxbase_core::{Store, Timestamp};
use wxbase_store::on_both_backends;
use wxbase_store::testing::TestDatabase;
use wxbase_wechat::api::custom_message::{CustomMessage, TextBody};
use wxbase_wechat::{AppId, OpenId};

fn app() -> AppId {
    AppId::parse("wxapp").expect("appid")
}

fn alice() -> OpenId {
    OpenId::parse("o-alice").expect("openid")
}

fn inbound(key: &str, at: i64) -> NewInbound {
    NewInbound {
        app_id: app(),
        openid: alice(),
        msg_type: "text".to_owned(),
        content: json!({ "content": "hello" }),
        raw: "<xml>…</xml>".to_owned(),
        dedup_key: key.to_owned(),
        received_at: Timestamp::from_millis(at),
    }
}

fn reply(text: &str, at: i64) -> NewOutbound {
    NewOutbound {
        app_id: app(),
        openid: alice(),
        content: OutboundContent::Custom(CustomMessage::Text {
            text: TextBody {
                content: text.to_owned(),
            },
        }),
        created_at: Timestamp::from_millis(at),
    }
}

fn ms(millis: i64) -> Timestamp {
    Timestamp::from_millis(millis)
}

/// How long a [`claim`] leases what it takes, in milliseconds.
const CLAIM_LEASE_MS: i64 = 60_000;

/// The lease a [`claim`] made at `now` holds: what its outcome must be recorded under.
fn lease_of_claim_at(now: i64) -> Timestamp {
    ms(now + CLAIM_LEASE_MS)
}

async fn claim(store: &Arc<dyn Store>, now: i64) -> Vec<ClaimedOutbound> {
    store
        .claim_outbound(ms(now), lease_of_claim_at(now), 10)
        .await
        .expect("claim")
}

async fn a_retried_push_is_recorded_once_with_its_reply_once(db: TestDatabase) {
    let store = db.store;
    let first = store
        .record_inbound(&inbound("msg:1", 1_000), &[reply("hi", 1_000)])
        .await
        .expect("first delivery");
    assert!(first.is_some());
    let again = store
        .record_inbound(&inbound("msg:1", 2_000), &[reply("hi", 2_000)])
        .await
        .expect("retry");
    assert_eq!(again, None, "the retry is recognised");
    assert_eq!(store.count_messages(&app()).await.expect("count"), 2);
    let other_app = NewInbound {
        app_id: AppId::parse("wxother").expect("appid"),
        ..inbound("msg:1", 3_000)
    };
    assert!(
        store
            .record_inbound(&other_app, &[])
            .await
            .expect("other app")
            .is_some(),
        "the key is unique per app only"
    );
}

async fn concurrent_deliveries_on_two_connections_record_one_message(db: TestDatabase) {
    let second = db.connect_again().await;
    let stores = [db.store.clone(), second];
    let attempts = (0..20).map(|i| {
        let store = stores[i % 2].clone();
        tokio::spawn(async move {
            store
                .record_inbound(&inbound("msg:42", 1_000), &[reply("once", 1_000)])
                .await
                .expect("recorded or recognised")
        })
    });
    let mut recorded = 0;
    for attempt in attempts {
        if attempt.await.expect("task").is_some() {
            recorded += 1;
        }
    }
    assert_eq!(recorded, 1);
    assert_eq!(claim(&db.store, 5_000).await.len(), 1, "one reply queued");
}

/// Thirty users push at once, ten of the pushes are also retried at once, and every other
/// push carries a transfer: each push is recorded once, and each reply follows its message.
async fn concurrent_pushes_are_each_recorded_once_and_each_reply_follows_its_message(
    db: TestDatabase,
) {
    let store = db.store;
    let push = |n: usize| {
        let openid = OpenId::parse(format!("o-user-{n}")).expect("openid");
        let message = NewInbound {
            openid: openid.clone(),
            ..inbound(&format!("msg:{n}"), 1_000)
        };
        let content = if n % 2 == 0 {
            reply(&format!("hi {n}"), 1_000).content
        } else {
            OutboundContent::Transfer
        };
        let answer = NewOutbound {
            openid,
            content,
            ..reply("", 1_000)
        };
        (message, answer)
    };
    let deliveries: Vec<_> = (0..30).chain(0..10).map(push).collect();
    let tasks: Vec<_> = deliveries
        .into_iter()
        .map(|(message, answer)| {
            let store = store.clone();
            tokio::spawn(async move {
                let id = store.record_inbound(&message, &[answer]).await;
                (message.dedup_key, id.expect("recorded or recognised"))
            })
        })
        .collect();
    let mut recorded = std::collections::HashMap::new();
    for task in tasks {
        let (key, id) = task.await.expect("task");
        if let Some(id) = id {
            assert!(
                recorded.insert(key, id).is_none(),
                "a push was recorded twice"
            );
        }
    }
    assert_eq!(recorded.len(), 30, "every push is recorded once");
    assert_eq!(store.count_messages(&app()).await.expect("count"), 60);
    for n in 0..30 {
        let openid = OpenId::parse(format!("o-user-{n}")).expect("openid");
        let page = store
            .conversation(&app(), &openid, None, 10)
            .await
            .expect("conversation");
        assert_eq!(page.len(), 2, "user {n}: the message and its reply");
        let (answer, message) = (&page[0], &page[1]);
        assert_eq!(message.id, recorded[&format!("msg:{n}")]);
        assert_eq!(message.direction, Direction::Inbound);
        assert_eq!(answer.direction, Direction::Outbound);
        assert!(answer.id > message.id, "a reply comes after its message");
        let expected = if n % 2 == 0 {
            SendStatus::Pending
        } else {
            SendStatus::Sent
        };
        assert_eq!(answer.delivery.as_ref().map(|d| d.status), Some(expected));
    }
    let queued = store
        .claim_outbound(ms(5_000), ms(65_000), 100)
        .await
        .expect("claim");
    assert_eq!(
        queued.len(),
        15,
        "the text replies are queued, the transfers are not"
    );
}

/// A message from each of `openids` at 1 s (keys `msg:1`, `msg:2`, …), each with a reply.
async fn record_a_reply_to_each<const N: usize>(store: &Arc<dyn Store>, openids: [&str; N]) {
    for (n, openid) in openids.into_iter().enumerate() {
        let user = OpenId::parse(openid).expect("openid");
        let message = NewInbound {
            openid: user.clone(),
            ..inbound(&format!("msg:{}", n + 1), 1_000)
        };
        let answer = NewOutbound {
            openid: user,
            ..reply("hi", 1_000)
        };
        store
            .record_inbound(&message, &[answer])
            .await
            .expect("recorded");
    }
}

async fn a_claimed_message_is_leased_to_one_claimer_until_it_finishes(db: TestDatabase) {
    let store = db.store.clone();
    record_a_reply_to_each(&store, ["o-alice", "o-bob"]).await;
    let other = db.connect_again().await;
    let (mine, theirs) = tokio::join!(claim(&store, 2_000), claim(&other, 2_000));
    assert_eq!(mine.len() + theirs.len(), 2, "each message claimed once");
    let mut all: Vec<MessageId> = mine.iter().chain(&theirs).map(|c| c.id).collect();
    all.dedup();
    assert_eq!(all.len(), 2);
    assert!(claim(&store, 3_000).await.is_empty(), "leased until 62 s");
    let first = mine.first().or(theirs.first()).expect("a claim").clone();
    assert_eq!(first.attempts, 1);
    assert!(store
        .finish_outbound(
            first.id,
            lease_of_claim_at(2_000),
            &SendOutcome::Sent { at: ms(3_000) }
        )
        .await
        .expect("sent"));
    let expired = claim(&store, 70_000).await;
    assert_eq!(
        expired.len(),
        1,
        "only the unfinished one comes back after its lease"
    );
    assert_ne!(expired[0].id, first.id);
    assert_eq!(expired[0].attempts, 2);
}

/// A worker whose batch outlived its lease may renew a reply's lease only while nobody else
/// claimed it; after another claim, its renewal fails and it must not send the reply.
async fn a_lease_is_renewed_only_by_its_holder(db: TestDatabase) {
    let store = db.store.clone();
    record_a_reply_to_each(&store, ["o-carol", "o-dave"]).await;
    let held = claim(&store, 2_000).await;
    assert_eq!(held.len(), 2);
    let held_until = lease_of_claim_at(2_000);
    assert!(
        store
            .renew_outbound_lease(held[0].id, held_until, ms(100_000))
            .await
            .expect("renew"),
        "the holder renews its own lease"
    );
    let taken = claim(&store, 70_000).await;
    assert_eq!(
        taken.len(),
        1,
        "only the reply whose lease ran out is claimed again"
    );
    assert_eq!(taken[0].id, held[1].id);
    assert!(
        !store
            .renew_outbound_lease(held[1].id, held_until, ms(130_000))
            .await
            .expect("renew"),
        "the first worker lost that reply to the second"
    );
    assert!(
        claim(&store, 99_000).await.is_empty(),
        "the renewed lease holds until 100 s"
    );
    assert!(store
        .finish_outbound(
            held[0].id,
            ms(100_000),
            &SendOutcome::Sent { at: ms(80_000) }
        )
        .await
        .expect("sent"));
    assert!(
        !store
            .renew_outbound_lease(held[0].id, ms(100_000), ms(160_000))
            .await
            .expect("renew"),
        "a finished reply has no lease to renew"
    );
}

/// A worker whose send outlived its lease records nothing once another worker took the reply
/// over: the later claimer's outcome stands, and a stale failure never turns a sent reply
/// into a failed one.
async fn an_outcome_counts_only_under_the_lease_it_was_sent_under(db: TestDatabase) {
    let store = db.store.clone();
    record_a_reply_to_each(&store, ["o-erin"]).await;
    let slow = claim(&store, 2_000).await.remove(0);
    let taken_over = claim(&store, 70_000).await.remove(0);
    assert_eq!(
        taken_over.id, slow.id,
        "the lease ran out and the reply was claimed again"
    );
    let stale_retry = SendOutcome::Retry {
        errcode: None,
        error: "timed out".to_owned(),
        next_attempt_at: ms(80_000),
        maybe_sent: true,
    };
    assert!(
        !store
            .finish_outbound(slow.id, lease_of_claim_at(2_000), &stale_retry)
            .await
            .expect("finish"),
        "the first worker no longer holds the lease"
    );
    assert!(
        claim(&store, 90_000).await.is_empty(),
        "the second worker's lease is untouched"
    );
    assert!(store
        .finish_outbound(
            taken_over.id,
            lease_of_claim_at(70_000),
            &SendOutcome::Sent { at: ms(75_000) }
        )
        .await
        .expect("sent"));
    let stale_failure = SendOutcome::Failed {
        errcode: Some(45015),
        error: "out of window".to_owned(),
    };
    assert!(!store
        .finish_outbound(slow.id, lease_of_claim_at(2_000), &stale_failure)
        .await
        .expect("finish"));
    let erin = OpenId::parse("o-erin").expect("openid");
    let page = store
        .conversation(&app(), &erin, None, 10)
        .await
        .expect("conversation");
    let delivery = page
        .iter()
        .find_map(|message| message.delivery.clone())
        .expect("the reply");
    assert_eq!(delivery.status, SendStatus::Sent);
    assert_eq!(delivery.errcode, None);
}

/// A retried reply holds back the user's later replies; other users' replies are not held.
async fn one_users_replies_go_out_one_at_a_time_in_order(db: TestDatabase) {
    let store = db.store.clone();
    let bob = OpenId::parse("o-bob").expect("openid");
    store
        .record_inbound(
            &inbound("msg:1", 1_000),
            &[reply("a", 1_000), reply("b", 1_000)],
        )
        .await
        .expect("recorded");
    store
        .record_inbound(&inbound("msg:2", 1_100), &[reply("c", 1_100)])
        .await
        .expect("recorded");
    let to_bob = NewOutbound {
        openid: bob.clone(),
        ..reply("x", 1_200)
    };
    store.queue_outbound(&to_bob).await.expect("queued");
    let text = |job: &ClaimedOutbound| {
        serde_json::from_str::<serde_json::Value>(&job.content).expect("json")["text"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };

    let other = db.connect_again().await;
    let (mine, theirs) = tokio::join!(claim(&store, 2_000), claim(&other, 2_000));
    let mut first: Vec<String> = mine.iter().chain(&theirs).map(text).collect();
    first.sort();
    assert_eq!(first, ["a", "x"], "one reply per user, the user's earliest");
    let a = mine
        .iter()
        .chain(&theirs)
        .find(|job| text(job) == "a")
        .expect("a")
        .clone();
    let retry = SendOutcome::Retry {
        errcode: Some(-1),
        error: "busy".to_owned(),
        next_attempt_at: ms(10_000),
        maybe_sent: true,
    };
    assert!(store
        .finish_outbound(a.id, lease_of_claim_at(2_000), &retry)
        .await
        .expect("retry"));
    assert!(
        claim(&store, 3_000).await.is_empty(),
        "b waits for a's retry, and x is leased"
    );

    let again = claim(&store, 10_000).await;
    assert_eq!(again.iter().map(text).collect::<Vec<_>>(), ["a"]);
    let sent = SendOutcome::Sent { at: ms(10_000) };
    assert!(store
        .finish_outbound(a.id, lease_of_claim_at(10_000), &sent)
        .await
        .expect("sent"));
    let next = claim(&store, 10_001).await;
    assert_eq!(next.iter().map(text).collect::<Vec<_>>(), ["b"]);
    let failed = SendOutcome::Failed {
        errcode: Some(45047),
        error: "too many replies".to_owned(),
    };
    assert!(store
        .finish_outbound(next[0].id, lease_of_claim_at(10_001), &failed)
        .await
        .expect("failed"));
    let last = claim(&store, 10_002).await;
    assert_eq!(
        last.iter().map(text).collect::<Vec<_>>(),
        ["c"],
        "a final failure does not hold the rest back"
    );
}

async fn retries_wait_for_their_time_and_failures_are_final(db: TestDatabase) {
    let store = db.store;
    store
        .record_inbound(&inbound("msg:1", 1_000), &[reply("a", 1_000)])
        .await
        .expect("recorded");
    let job = claim(&store, 1_000).await.remove(0);
    let retry = SendOutcome::Retry {
        errcode: Some(-1),
        error: "busy".to_owned(),
        next_attempt_at: ms(10_000),
        maybe_sent: true,
    };
    assert!(store
        .finish_outbound(job.id, lease_of_claim_at(1_000), &retry)
        .await
        .expect("retry"));
    assert!(claim(&store, 9_999).await.is_empty(), "not before its time");
    let job = claim(&store, 10_000).await.remove(0);
    let failed = SendOutcome::Failed {
        errcode: Some(45015),
        error: "out of window".to_owned(),
    };
    assert!(store
        .finish_outbound(job.id, lease_of_claim_at(10_000), &failed)
        .await
        .expect("failed"));
    assert!(claim(&store, 1_000_000).await.is_empty(), "never again");
    let page = store
        .conversation(&app(), &alice(), None, 10)
        .await
        .expect("conversation");
    let delivery = page[0].delivery.clone().expect("outbound");
    assert_eq!(delivery.status, SendStatus::Failed);
    assert_eq!((delivery.errcode, delivery.attempts), (Some(45015), 2));
}

async fn a_conversation_pages_newest_first_both_ways(db: TestDatabase) {
    let store = db.store;
    for i in 0..3 {
        store
            .record_inbound(&inbound(&format!("msg:{i}"), i), &[reply("r", i)])
            .await
            .expect("recorded");
    }
    let transfer = NewOutbound {
        content: OutboundContent::Transfer,
        ..reply("", 9)
    };
    store
        .record_inbound(&inbound("msg:9", 9), &[transfer])
        .await
        .expect("recorded");
    let first = store
        .conversation(&app(), &alice(), None, 3)
        .await
        .expect("page 1");
    assert_eq!(first[0].msg_type, "transfer_customer_service");
    assert_eq!(
        first[0].delivery.as_ref().map(|d| d.status),
        Some(SendStatus::Sent)
    );
    assert_eq!(first[1].direction, Direction::Inbound);
    assert_eq!(first[1].raw.as_deref(), Some("<xml>…</xml>"));
    let rest = store
        .conversation(&app(), &alice(), Some(first[2].id), 10)
        .await
        .expect("page 2");
    assert_eq!(first.len() + rest.len(), 8);
    assert!(rest.iter().all(|m| m.id < first[2].id));
    let bob = OpenId::parse("o-bob").expect("openid");
    assert!(store
        .conversation(&app(), &bob, None, 10)
        .await
        .expect("empty")
        .is_empty());
}

fn rule(name: Option<&str>, keyword: &str, answer: &str) -> NewRule {
    NewRule {
        name: name.map(str::to_owned),
        priority: 1,
        matcher: RuleMatch::Exact(keyword.to_owned()),
        reply: ReplyAction::Text {
            content: answer.to_owned(),
        },
    }
}

async fn rules_are_created_updated_and_deleted(db: TestDatabase) {
    let store = db.store;
    let created = store
        .create_rule(&rule(None, "hi", "hello"), ms(1))
        .await
        .expect("created");
    assert_eq!(created.rule, rule(None, "hi", "hello"));
    let updated = store
        .update_rule(created.id, &rule(Some("greeting"), "hey", "yo"), ms(2))
        .await
        .expect("updated")
        .expect("exists");
    assert_eq!(updated.rule.name.as_deref(), Some("greeting"));
    assert_eq!((updated.created_at, updated.updated_at), (ms(1), ms(2)));
    assert_eq!(
        store.list_rules().await.expect("list"),
        vec![updated.clone()]
    );
    assert!(store.delete_rule(created.id).await.expect("deleted"));
    assert!(!store.delete_rule(created.id).await.expect("gone"));
    assert!(store
        .update_rule(created.id, &rule(None, "x", "y"), ms(3))
        .await
        .expect("no row")
        .is_none());
}

async fn named_rules_are_synced_without_duplicates_and_the_example_only_seeds_an_empty_table(
    db: TestDatabase,
) {
    let store = db.store;
    let configured = [rule(Some("a"), "a", "1"), rule(Some("b"), "b", "2")];
    for _ in 0..3 {
        store
            .sync_named_rules(&configured, ms(1))
            .await
            .expect("synced");
    }
    assert_eq!(store.list_rules().await.expect("list").len(), 2);
    store
        .sync_named_rules(&[rule(Some("a"), "a", "changed")], ms(2))
        .await
        .expect("re-synced");
    let rules = store.list_rules().await.expect("list");
    let a = rules
        .iter()
        .find(|r| r.rule.name.as_deref() == Some("a"))
        .expect("a");
    assert_eq!(a.rule.reply, rule(None, "a", "changed").reply);
    assert_eq!(rules.len(), 2);
    assert!(!store
        .seed_rule_if_none(&rule(Some("ex"), "hello", "hi"), ms(3))
        .await
        .expect("not seeded"));
    for r in rules {
        store.delete_rule(r.id).await.expect("deleted");
    }
    assert!(store
        .seed_rule_if_none(&rule(Some("ex"), "hello", "hi"), ms(4))
        .await
        .expect("seeded"));
    assert_eq!(store.list_rules().await.expect("list").len(), 1);
}

#[tokio::test]
async fn timestamps_in_millis_survive_a_round_trip() {
    let db = TestDatabase::sqlite().await;
    let at = Timestamp::now().plus(Duration::from_millis(7));
    db.store
        .record_inbound(&inbound("msg:t", at.as_millis()), &[])
        .await
        .expect("recorded");
    let page = db
        .store
        .conversation(&app(), &alice(), None, 1)
        .await
        .expect("page");
    assert_eq!(page[0].created_at, at);
}

/// Whether an earlier attempt may have reached WeChat is kept on the message and handed to
/// every later claim: set by a retry that may have sent (a timeout, `-1`), or by a lease that
/// ran out with no outcome; never cleared by a later retry that could not have sent. An
/// `unconfirmed` outcome is final.
async fn an_attempt_that_may_have_sent_is_remembered_by_later_claims(db: TestDatabase) {
    let store = db.store;
    store
        .record_inbound(&inbound("msg:1", 1_000), &[reply("a", 1_000)])
        .await
        .expect("recorded");
    let retry = |maybe_sent, next| SendOutcome::Retry {
        errcode: None,
        error: "try again".to_owned(),
        next_attempt_at: ms(next),
        maybe_sent,
    };
    let first = claim(&store, 1_000).await.remove(0);
    assert!(!first.maybe_sent, "no earlier attempt");
    assert!(store
        .finish_outbound(first.id, lease_of_claim_at(1_000), &retry(false, 2_000))
        .await
        .expect("retry"));
    let second = claim(&store, 2_000).await.remove(0);
    assert!(!second.maybe_sent, "the first attempt never reached WeChat");
    assert!(store
        .finish_outbound(second.id, lease_of_claim_at(2_000), &retry(true, 3_000))
        .await
        .expect("retry"));
    let third = claim(&store, 3_000).await.remove(0);
    assert!(third.maybe_sent, "the second attempt may have sent it");
    assert!(store
        .finish_outbound(third.id, lease_of_claim_at(3_000), &retry(false, 4_000))
        .await
        .expect("retry"));
    let fourth = claim(&store, 4_000).await.remove(0);
    assert!(fourth.maybe_sent, "kept through a later attempt");
    let unconfirmed = SendOutcome::Unconfirmed {
        errcode: 43101,
        error: "most likely delivered".to_owned(),
    };
    assert!(store
        .finish_outbound(fourth.id, lease_of_claim_at(4_000), &unconfirmed)
        .await
        .expect("unconfirmed"));
    assert!(claim(&store, 1_000_000).await.is_empty(), "final");
    let page = store
        .conversation(&app(), &alice(), None, 10)
        .await
        .expect("conversation");
    let delivery = page[0].delivery.clone().expect("outbound");
    assert_eq!(delivery.status, SendStatus::Unconfirmed);
    assert_eq!((delivery.errcode, delivery.attempts), (Some(43101), 4));

    store
        .record_inbound(&inbound("msg:2", 5_000), &[reply("b", 5_000)])
        .await
        .expect("recorded");
    let abandoned = claim(&store, 5_000).await.remove(0);
    assert!(!abandoned.maybe_sent);
    let after_the_lease = 5_000 + CLAIM_LEASE_MS;
    let taken_over = claim(&store, after_the_lease).await.remove(0);
    assert_eq!(taken_over.id, abandoned.id);
    assert!(
        taken_over.maybe_sent,
        "the lease ran out with no outcome: the send may have happened"
    );
}

on_both_backends!(
    a_retried_push_is_recorded_once_with_its_reply_once,
    concurrent_deliveries_on_two_connections_record_one_message,
    concurrent_pushes_are_each_recorded_once_and_each_reply_follows_its_message,
    a_claimed_message_is_leased_to_one_claimer_until_it_finishes,
    a_lease_is_renewed_only_by_its_holder,
    an_outcome_counts_only_under_the_lease_it_was_sent_under,
    one_users_replies_go_out_one_at_a_time_in_order,
    retries_wait_for_their_time_and_failures_are_final,
    an_attempt_that_may_have_sent_is_remembered_by_later_claims,
    a_conversation_pages_newest_first_both_ways,
    rules_are_created_updated_and_deleted,
    named_rules_are_synced_without_duplicates_and_the_example_only_seeds_an_empty_table,
);
