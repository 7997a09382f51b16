//! The batched statements themselves, run directly: the conformance suite goes through the
//! batchers, whose fallback would hide a batched statement that always fails.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use sqlx::PgPool;
use wxbase_core::collections::{
    index_name, Body, Collection, CollectionName, DocumentLimits, FieldPath, IdGenerator,
    NewDocument, PermissionMode,
};
use wxbase_core::messages::{NewInbound, NewOutbound, OutboundContent};
use wxbase_core::{NewLogin, SessionToken, Store, Timestamp, TokenHash};
use wxbase_wechat::api::custom_message::{CustomMessage, TextBody};
use wxbase_wechat::{AppId, OpenId, Secret, UnionId};

use super::inbound::{Inbound, InboundSql};
use super::logins::{LoginSql, Logins};
use super::rounds::Statement;
use super::sent_events::SentEvents;
use super::sessions::{SessionSql, SessionUsers};
use crate::testing::TestDatabase;

/// A pool on a fresh test schema (migrated), or `None` when PostgreSQL is optional and absent.
async fn fresh_pool() -> Option<(TestDatabase, PgPool)> {
    let db = TestDatabase::postgres().await?;
    let pool = PgPool::connect(&db.url).await.expect("connect");
    Some((db, pool))
}

fn new_login(openid: &str, unionid: Option<&str>, at: Timestamp) -> NewLogin {
    NewLogin {
        app_id: AppId::parse("wxapp").expect("appid"),
        openid: OpenId::parse(openid).expect("openid"),
        unionid: unionid.map(|u| UnionId::parse(u).expect("unionid")),
        session_key: Secret::new(format!("key-of-{openid}")),
        token_hash: SessionToken::generate().hash(),
        at,
        expires_at: at.plus(Duration::from_secs(3600)),
    }
}

fn push(key: &str, openid: &str) -> (NewInbound, Vec<NewOutbound>) {
    let openid = OpenId::parse(openid).expect("openid");
    let app_id = AppId::parse("wxapp").expect("appid");
    let message = NewInbound {
        app_id: app_id.clone(),
        openid: openid.clone(),
        msg_type: "text".to_owned(),
        content: json!({ "content": "hello" }),
        raw: "<xml/>".to_owned(),
        dedup_key: key.to_owned(),
        received_at: Timestamp::from_millis(1_000),
    };
    let text = CustomMessage::Text {
        text: TextBody {
            content: "hi".to_owned(),
        },
    };
    let replies = [OutboundContent::Custom(text), OutboundContent::Transfer]
        .into_iter()
        .map(|content| NewOutbound {
            app_id: app_id.clone(),
            openid: openid.clone(),
            content,
            created_at: Timestamp::from_millis(1_000),
        })
        .collect();
    (message, replies)
}

#[tokio::test]
async fn batched_logins_upsert_users_and_open_sessions_in_one_statement() {
    let Some((_db, pool)) = fresh_pool().await else {
        return;
    };
    let logins = Logins {
        pool: pool.clone(),
        sql: LoginSql::new(),
    };
    let earlier = Timestamp::from_millis(1_000_000);
    let known = new_login("o-known", Some("u-known"), earlier);
    logins.alone(&known).await.expect("an earlier login");

    let now = earlier.plus(Duration::from_secs(60));
    let batch = [
        new_login("o-zed", None, now),
        new_login("o-known", None, now),
        new_login("o-amy", Some("u-amy"), now),
    ];
    let members: Vec<&NewLogin> = batch.iter().collect();
    let records = logins.together(&members).await.expect("one statement");
    let seen: Vec<(&str, bool)> = records
        .iter()
        .map(|r| (r.user.openid.as_str(), r.is_new))
        .collect();
    assert_eq!(
        seen,
        vec![("o-zed", true), ("o-known", false), ("o-amy", true)]
    );
    assert_eq!(
        records[1].user.unionid.as_ref().map(UnionId::as_str),
        Some("u-known"),
        "a login without a unionid keeps the known one"
    );
    assert_eq!(records[1].user.created_at, earlier);

    let sessions = SessionUsers {
        pool: pool.clone(),
        sql: SessionSql::new(),
    };
    let unknown = SessionToken::generate().hash();
    let lookups: Vec<(TokenHash, Timestamp)> = batch
        .iter()
        .map(|login| (login.token_hash, now))
        .chain([(unknown, now), (batch[0].token_hash, batch[0].expires_at)])
        .collect();
    let members: Vec<_> = lookups.iter().collect();
    let users = sessions.together(&members).await.expect("one statement");
    let ids: Vec<_> = users
        .iter()
        .map(|u| u.as_ref().map(|u| u.user.id))
        .collect();
    let expected: Vec<_> = records
        .iter()
        .map(|r| Some(r.user.id))
        .chain([None, None])
        .collect();
    assert_eq!(ids, expected, "unknown and expired sessions find nobody");

    let keys: Vec<_> = users
        .iter()
        .flatten()
        .map(|signed_in| signed_in.session_key.expose().to_owned())
        .collect();
    assert_eq!(keys, ["key-of-o-zed", "key-of-o-known", "key-of-o-amy"]);
}

#[tokio::test]
async fn a_batched_login_statement_fails_whole_when_one_session_clashes() {
    let Some((_db, pool)) = fresh_pool().await else {
        return;
    };
    let logins = Logins {
        pool: pool.clone(),
        sql: LoginSql::new(),
    };
    let now = Timestamp::from_millis(1_000_000);
    let first = new_login("o-first", None, now);
    let mut clashing = new_login("o-second", None, now);
    clashing.token_hash = first.token_hash;
    assert!(logins.together(&[&first, &clashing]).await.is_err());
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
        .fetch_one(&pool)
        .await
        .expect("count");
    assert_eq!(users, 0, "nothing of the failed statement stays");
}

#[tokio::test]
async fn batched_pushes_skip_known_keys_and_queue_the_replies_of_new_ones() {
    let Some((_db, pool)) = fresh_pool().await else {
        return;
    };
    let inbound = Inbound {
        pool: pool.clone(),
        sql: InboundSql::new(),
    };
    let known = push("msg:known", "o-bob");
    let known_id = inbound.alone(&known).await.expect("recorded").expect("new");

    let batch = [
        push("msg:1", "o-amy"),
        push("msg:known", "o-bob"),
        push("msg:2", "o-cat"),
    ];
    let members: Vec<_> = batch.iter().collect();
    let ids = inbound.together(&members).await.expect("one statement");
    assert!(ids[0].is_some() && ids[2].is_some());
    assert_eq!(ids[1], None, "the known push is recognised");
    assert!(ids[0].map(|id| id.0) > Some(known_id.0));

    let rows: Vec<(String, String, String, Option<String>, bool)> = sqlx::query_as(
        "SELECT openid, direction, msg_type, status, sent_at IS NOT NULL FROM messages ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .expect("rows");
    let per_user = |openid: &str| -> Vec<(String, String, Option<String>, bool)> {
        rows.iter()
            .filter(|row| row.0 == openid)
            .map(|row| (row.1.clone(), row.2.clone(), row.3.clone(), row.4))
            .collect()
    };
    // A transfer is answered with the acknowledgement, so it is sent when recorded.
    let pending = Some("pending".to_owned());
    let expected = vec![
        ("inbound".to_owned(), "text".to_owned(), None, false),
        ("outbound".to_owned(), "text".to_owned(), pending, false),
        (
            "outbound".to_owned(),
            "transfer_customer_service".to_owned(),
            Some("sent".to_owned()),
            true,
        ),
    ];
    for openid in ["o-amy", "o-bob", "o-cat"] {
        assert_eq!(
            per_user(openid),
            expected,
            "{openid}: once, replies after the message"
        );
    }
}

/// A `subscribe_msg_sent_event` push with the send results it carries (message id, errcode).
fn sent_event(
    key: &str,
    openid: &str,
    results: &[(&str, i64)],
) -> (NewInbound, Vec<wxbase_core::subscriptions::SentReceipt>) {
    let (message, _) = push(key, openid);
    let message = NewInbound {
        msg_type: "event".to_owned(),
        content: json!({ "event": "subscribe_msg_sent_event" }),
        ..message
    };
    let receipts = results
        .iter()
        .map(
            |(msg_id, error_code)| wxbase_core::subscriptions::SentReceipt {
                msg_id: (*msg_id).to_owned(),
                template_id: "tmplOrderShipped".to_owned(),
                error_code: *error_code,
                error_status: if *error_code == 0 { "success" } else { "fail" }.to_owned(),
            },
        )
        .collect();
    (message, receipts)
}

#[tokio::test]
async fn batched_sent_events_skip_known_keys_and_keep_the_latest_result_per_message() {
    let Some((_db, pool)) = fresh_pool().await else {
        return;
    };
    let statement = SentEvents { pool: pool.clone() };
    let known = sent_event("evt:known", "o-bob", &[("1001", 0)]);
    statement
        .alone(&known)
        .await
        .expect("recorded")
        .expect("new");

    let batch = [
        sent_event("evt:1", "o-amy", &[("2001", 0), ("2002", 0)]),
        sent_event("evt:known", "o-bob", &[("1001", 43101)]),
        sent_event("evt:2", "o-cat", &[("3001", 0)]),
        sent_event("evt:3", "o-cat", &[("3001", 43101)]),
    ];
    let members: Vec<_> = batch.iter().collect();
    let ids = statement.together(&members).await.expect("one statement");
    assert!(ids[0].is_some() && ids[2].is_some() && ids[3].is_some());
    assert_eq!(ids[1], None, "the known push is recognised");

    let receipts: Vec<(String, String, i64)> =
        sqlx::query_as("SELECT msg_id, openid, error_code FROM subscribe_receipts ORDER BY msg_id")
            .fetch_all(&pool)
            .await
            .expect("receipts");
    let expected = [
        ("1001", "o-bob", 0),
        ("2001", "o-amy", 0),
        ("2002", "o-amy", 0),
        ("3001", "o-cat", 43101),
    ]
    .map(|(msg_id, openid, code)| (msg_id.to_owned(), openid.to_owned(), code));
    assert_eq!(
        receipts, expected,
        "a known push changes nothing; the later of two results for one message is kept"
    );
}

fn notes_collection() -> Collection {
    Collection {
        name: CollectionName::parse("notes").expect("name"),
        permission: PermissionMode::default(),
        schema: None,
        indexes: Vec::new(),
        moderation: None,
        created_at: Timestamp::from_millis(1_000),
        updated_at: Timestamp::from_millis(1_000),
    }
}

async fn index_is_valid(pool: &PgPool, name: &str) -> Option<bool> {
    sqlx::query_scalar(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace",
    )
    .bind(name)
    .fetch_optional(pool)
    .await
    .expect("pg_index")
}

#[tokio::test]
async fn an_index_added_to_an_existing_collection_is_built_concurrently_and_valid() {
    let Some((db, pool)) = fresh_pool().await else {
        return;
    };
    let store = &db.store;
    let notes = notes_collection();
    assert!(store.create_collection(&notes).await.expect("created"));
    let field = FieldPath::parse("title").expect("path");
    assert!(store
        .create_index(&notes.name, &field)
        .await
        .expect("indexed"));
    assert!(
        !store
            .create_index(&notes.name, &field)
            .await
            .expect("again"),
        "the second request finds it indexed"
    );
    let name = index_name(&notes.name, &field);
    assert_eq!(index_is_valid(&pool, &name).await, Some(true));
    let listed = store
        .collection(&notes.name)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(listed.indexes, vec![field]);
}

#[tokio::test]
async fn a_failed_index_build_leaves_neither_an_index_nor_a_catalog_entry() {
    let Some((db, pool)) = fresh_pool().await else {
        return;
    };
    let store = &db.store;
    let notes = notes_collection();
    store.create_collection(&notes).await.expect("created");
    let field = FieldPath::parse("title").expect("path");
    let name = index_name(&notes.name, &field);
    // A table with the index's name makes the build fail at its first statement.
    sqlx::raw_sql(&format!("CREATE TABLE {name} (x int)"))
        .execute(&pool)
        .await
        .expect("squatter");
    assert!(store.create_index(&notes.name, &field).await.is_err());
    let listed = store
        .collection(&notes.name)
        .await
        .expect("read")
        .expect("exists");
    assert!(
        listed.indexes.is_empty(),
        "the catalog forgets the failed index"
    );

    sqlx::raw_sql(&format!("DROP TABLE {name}"))
        .execute(&pool)
        .await
        .expect("drop the squatter");
    assert!(
        store
            .create_index(&notes.name, &field)
            .await
            .expect("indexed"),
        "adding it again starts afresh"
    );
    assert_eq!(index_is_valid(&pool, &name).await, Some(true));
}

/// PostgreSQL hands out ids before commit: a reply with a smaller id can become visible after
/// a later reply to the same user was claimed. It must wait until that one is finished. Each
/// reply is counted in the user's outbox queue as the inserts do it.
#[tokio::test]
async fn a_reply_that_becomes_visible_late_waits_while_a_later_one_is_in_flight() {
    let Some((db, pool)) = fresh_pool().await else {
        return;
    };
    let insert = "INSERT INTO messages
        (id, app_id, openid, direction, msg_type, content, created_at, status, next_attempt_at, lease_until)
        VALUES ($1, 'wxapp', 'o-amy', 'outbound', 'text', '{}', 1000, 'pending', 1000, $2)";
    // The later reply, claimed by another instance until 60 s.
    sqlx::query(insert)
        .bind(1001_i64)
        .bind(60_000_i64)
        .execute(&pool)
        .await
        .expect("in flight");
    // Its user's queue, as the claim that leased it left it: due when the lease ends.
    sqlx::query("INSERT INTO outbox_queues (app_id, openid, pending, due_at) VALUES ('wxapp', 'o-amy', 1, 60000)")
        .execute(&pool)
        .await
        .expect("queue");
    // The earlier one, committed only now.
    sqlx::query(insert)
        .bind(1000_i64)
        .bind(0_i64)
        .execute(&pool)
        .await
        .expect("late");
    sqlx::query(&crate::sql::Dialect::Postgres.shared(crate::messages::sql::QUEUE_MORE))
        .bind("wxapp")
        .bind("o-amy")
        .bind(1_i64)
        .bind(1000_i64)
        .execute(&pool)
        .await
        .expect("counted");
    let now = Timestamp::from_millis(2_000);
    let claimed = db
        .store
        .claim_outbound(now, now.plus(Duration::from_secs(60)), 10)
        .await
        .expect("claim");
    assert!(
        claimed.is_empty(),
        "nothing for amy while a reply to her is in flight"
    );
    let later = Timestamp::from_millis(61_000);
    let claimed = db
        .store
        .claim_outbound(later, later.plus(Duration::from_secs(60)), 10)
        .await
        .expect("claim");
    let ids: Vec<i64> = claimed.iter().map(|c| c.id.0).collect();
    assert_eq!(ids, [1000], "after the lease, the earliest goes first");
}

#[tokio::test]
async fn an_index_whose_build_died_is_rebuilt_when_added_again() {
    let Some((db, pool)) = fresh_pool().await else {
        return;
    };
    let store = &db.store;
    let notes = notes_collection();
    store.create_collection(&notes).await.expect("created");
    let field = FieldPath::parse("title").expect("path");
    // What a process that died between the catalog row and the build leaves.
    sqlx::query(
        "INSERT INTO collection_indexes (collection, field, added_at) VALUES ('notes', 'title', 1)",
    )
    .execute(&pool)
    .await
    .expect("catalog row");
    let name = index_name(&notes.name, &field);
    assert_eq!(index_is_valid(&pool, &name).await, None);
    assert!(
        store
            .create_index(&notes.name, &field)
            .await
            .expect("rebuilt"),
        "the missing index is built"
    );
    assert_eq!(index_is_valid(&pool, &name).await, Some(true));
    assert!(!store
        .create_index(&notes.name, &field)
        .await
        .expect("again"));
}

#[tokio::test]
async fn a_dropped_index_is_gone_with_its_catalog_entry() {
    let Some((db, pool)) = fresh_pool().await else {
        return;
    };
    let store = &db.store;
    let notes = notes_collection();
    store.create_collection(&notes).await.expect("created");
    let field = FieldPath::parse("title").expect("path");
    store
        .create_index(&notes.name, &field)
        .await
        .expect("indexed");
    assert!(store
        .drop_index(&notes.name, &field)
        .await
        .expect("dropped"));
    assert_eq!(
        index_is_valid(&pool, &index_name(&notes.name, &field)).await,
        None
    );
    let listed = store
        .collection(&notes.name)
        .await
        .expect("read")
        .expect("exists");
    assert!(listed.indexes.is_empty());
    assert!(
        !store.drop_index(&notes.name, &field).await.expect("again"),
        "dropping it twice finds nothing the second time"
    );
}

/// A document for `insert_documents`.
fn document(ids: &IdGenerator, body: serde_json::Value) -> NewDocument {
    NewDocument {
        id: ids.next_id(Timestamp::from_millis(2_000)),
        owner: None,
        at: Timestamp::from_millis(2_000),
        body: Body::new(body, DocumentLimits::default()).expect("a valid body"),
    }
}

/// The server process of the session `conn` is on.
async fn backend_pid(conn: &mut sqlx::PgConnection) -> i32 {
    sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(conn)
        .await
        .expect("pid")
}

/// Whether some session waits for a lock that session `pid` holds.
async fn someone_waits_for(pool: &PgPool, pid: i32) -> bool {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE $1 = ANY (pg_blocking_pids(pid)))",
    )
    .bind(pid)
    .fetch_one(pool)
    .await
    .expect("pg_stat_activity")
}

/// Waits until `task` (a change to another collection) waits for session `blocker`, then
/// checks that a write to collection `kept` goes through meanwhile. The timeout only turns a
/// hang into a failure.
async fn kept_is_writable_while_blocked<T>(
    pool: &PgPool,
    store: &Arc<dyn Store>,
    blocker: i32,
    task: &tokio::task::JoinHandle<T>,
) {
    while !someone_waits_for(pool, blocker).await {
        assert!(
            !task.is_finished(),
            "the change waits for the other session"
        );
        tokio::task::yield_now().await;
    }
    let kept = CollectionName::parse("kept").expect("name");
    let document = document(&IdGenerator::default(), json!({ "title": "b" }));
    let written = tokio::time::timeout(
        Duration::from_secs(30),
        store.insert_documents(&kept, &[document]),
    )
    .await
    .expect("a write to another collection goes through while the change waits")
    .expect("inserted");
    assert!(written);
}

#[tokio::test]
async fn deleting_an_indexed_collection_never_locks_the_other_collections_out() {
    let Some((db, pool)) = fresh_pool().await else {
        return;
    };
    let store = db.store.clone();
    let ids = IdGenerator::default();
    let field = FieldPath::parse("title").expect("path");
    let mut doomed = notes_collection();
    doomed.indexes = vec![field.clone()];
    let mut kept = notes_collection();
    kept.name = CollectionName::parse("kept").expect("name");
    for collection in [&doomed, &kept] {
        assert!(store.create_collection(collection).await.expect("created"));
        let documents = [document(&ids, json!({ "title": "a" }))];
        assert!(store
            .insert_documents(&collection.name, &documents)
            .await
            .expect("inserted"));
    }
    // A reader of `kept` in a long transaction: dropping the index has to wait for it either
    // way. A plain DROP INDEX would queue an exclusive lock on `documents`, and every reader
    // and writer of every collection would queue behind it.
    let mut reader = pool.begin().await.expect("begin");
    let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM documents WHERE collection = 'kept'")
        .fetch_one(&mut *reader)
        .await
        .expect("read");
    let reader_pid = backend_pid(&mut reader).await;
    let deleting = tokio::spawn({
        let store = store.clone();
        let name = doomed.name.clone();
        async move { store.delete_collection(&name).await }
    });
    kept_is_writable_while_blocked(&pool, &store, reader_pid, &deleting).await;
    reader.commit().await.expect("the reader finishes");
    assert!(deleting.await.expect("joined").expect("deleted"));
    assert!(store
        .collection(&doomed.name)
        .await
        .expect("read")
        .is_none());
    assert_eq!(
        index_is_valid(&pool, &index_name(&doomed.name, &field)).await,
        None,
        "the index is gone with its collection"
    );
}

#[tokio::test]
async fn creating_an_indexed_collection_never_locks_the_other_collections_out() {
    let Some((db, pool)) = fresh_pool().await else {
        return;
    };
    let store = db.store.clone();
    let field = FieldPath::parse("title").expect("path");
    let mut kept = notes_collection();
    kept.name = CollectionName::parse("kept").expect("name");
    assert!(store.create_collection(&kept).await.expect("created"));
    // A writer of `kept` in a long transaction: building the new index waits for it either
    // way. A plain CREATE INDEX would queue a lock on `documents` that keeps out every write to
    // every collection until the build is done.
    let mut writer = pool.begin().await.expect("begin");
    sqlx::query(
        "INSERT INTO documents (collection, id, owner, created_at, updated_at, version, body)
         VALUES ('kept', '01ARZ3NDEKTSV4RRFFQ69G5FAV', NULL, 1, 1, 1, '{}')",
    )
    .execute(&mut *writer)
    .await
    .expect("write");
    let writer_pid = backend_pid(&mut writer).await;
    let mut created = notes_collection();
    created.indexes = vec![field.clone()];
    let creating = tokio::spawn({
        let store = store.clone();
        let created = created.clone();
        async move { store.create_collection(&created).await }
    });
    kept_is_writable_while_blocked(&pool, &store, writer_pid, &creating).await;
    writer.commit().await.expect("the writer finishes");
    assert!(creating.await.expect("joined").expect("created"));
    let listed = store
        .collection(&created.name)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(listed.indexes, std::slice::from_ref(&field));
    assert_eq!(
        index_is_valid(&pool, &index_name(&created.name, &field)).await,
        Some(true)
    );
}

/// Fills `pool` with `pending` replies spread over `users` users, and their outbox queues as the
/// inserts leave them.
async fn pending_replies(pool: &PgPool, pending: i64, users: i64) {
    sqlx::query(
        "INSERT INTO messages (app_id, openid, direction, msg_type, content, created_at, status,
                               next_attempt_at)
         SELECT 'wxapp', 'o-' || (i % $2), 'outbound', 'text',
                '{\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}', i, 'pending', i
         FROM generate_series(1, $1) AS i",
    )
    .bind(pending)
    .bind(users)
    .execute(pool)
    .await
    .expect("fill messages");
    sqlx::raw_sql(
        "INSERT INTO outbox_queues (app_id, openid, pending, due_at)
         SELECT app_id, openid, COUNT(*), MIN(next_attempt_at) FROM messages
         WHERE status = 'pending' GROUP BY app_id, openid;
         ANALYZE messages; ANALYZE outbox_queues;",
    )
    .execute(pool)
    .await
    .expect("fill queues");
}

/// Rows a plan node and its children read: the rows each returned plus those its filters
/// removed, times its loops.
fn rows_examined(node: &serde_json::Value) -> f64 {
    let number = |key: &str| node[key].as_f64().unwrap_or(0.0);
    let own = (number("Actual Rows")
        + number("Rows Removed by Filter")
        + number("Rows Removed by Index Recheck"))
        * number("Actual Loops").max(1.0);
    let children = node["Plans"]
        .as_array()
        .map_or(0.0, |plans| plans.iter().map(rows_examined).sum());
    own + children
}

/// Every node type of a plan.
fn node_types(node: &serde_json::Value, into: &mut Vec<String>) {
    into.push(format!(
        "{} {}",
        node["Node Type"].as_str().unwrap_or_default(),
        node["Index Name"]
            .as_str()
            .unwrap_or(node["Relation Name"].as_str().unwrap_or_default())
    ));
    for child in node["Plans"].as_array().into_iter().flatten() {
        node_types(child, into);
    }
}

/// One claim of `batch` run under `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` and rolled back: the
/// rows it examined, the shared buffers it touched, and its node types.
async fn explain_claim(pool: &PgPool, batch: i64) -> (f64, i64, Vec<String>) {
    let mut tx = pool.begin().await.expect("begin");
    let text = format!(
        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {}",
        crate::sql::Dialect::Postgres.shared(crate::messages::sql::CLAIM_POSTGRES)
    );
    let plan: serde_json::Value = sqlx::query_scalar(&text)
        .bind(i64::MAX / 2)
        .bind(i64::MAX / 2 + 60_000)
        .bind(batch)
        .fetch_one(&mut *tx)
        .await
        .expect("explain");
    tx.rollback().await.expect("rollback");
    let root = &plan[0]["Plan"];
    let buffers = root["Shared Hit Blocks"].as_i64().unwrap_or(0)
        + root["Shared Read Blocks"].as_i64().unwrap_or(0);
    let mut types = Vec::new();
    node_types(root, &mut types);
    (rows_examined(root), buffers, types)
}

/// The claim reads the due users from `outbox_queues_due` and one reply per user from
/// `messages_pending_by_user`, and writes back only those: with 100,000 replies pending, over
/// many users or few, the rows it examines and the buffers it touches follow the batch.
/// Counted by `EXPLAIN ANALYZE`; nothing is timed. With 100 users the planner may read their
/// one-page `outbox_queues` whole rather than probe it, which costs the same; it never scans
/// `messages`.
#[tokio::test]
async fn a_claim_examines_the_batch_not_the_backlog() {
    const BATCH: i64 = 10;
    for users in [10_000, 100] {
        let Some((_db, pool)) = fresh_pool().await else {
            return;
        };
        pending_replies(&pool, 100_000, users).await;
        let (rows, buffers, types) = explain_claim(&pool, BATCH).await;
        eprintln!(
            "{users} users, 100,000 pending: {rows} rows examined, {buffers} buffers; {types:?}"
        );
        let scans: Vec<_> = types.iter().filter(|t| t.starts_with("Seq Scan")).collect();
        let (whole_table_allowed, users_read) = if users <= 100 {
            (vec!["Seq Scan outbox_queues"], users as f64)
        } else {
            (vec![], 0.0)
        };
        assert!(
            scans
                .iter()
                .all(|scan| whole_table_allowed.contains(&scan.as_str())),
            "{users} users: {types:?}"
        );
        assert!(
            types.iter().any(|t| t.contains("outbox_queues_due")),
            "{types:?}"
        );
        assert!(
            types.iter().any(|t| t.contains("messages_pending_by_user")),
            "{types:?}"
        );
        assert!(
            rows <= 20.0 * BATCH as f64 + users_read,
            "{users} users: {rows} rows examined for a claim of {BATCH} among 100,000 pending"
        );
        assert!(
            buffers <= 30 * BATCH,
            "{users} users: {buffers} buffers for a claim of {BATCH} among 100,000 pending"
        );
    }
}

/// Outcomes recorded together: sent, retried and failed replies to different users, and a
/// stale outcome whose lease was taken over, which records nothing. Each user's queue moves on
/// as it would one outcome at a time.
#[tokio::test]
async fn outcomes_recorded_together_each_count_only_under_their_lease() {
    use wxbase_core::messages::SendOutcome;

    let Some((db, pool)) = fresh_pool().await else {
        return;
    };
    let store = &db.store;
    for (key, user) in [
        ("m1", "o-ann"),
        ("m2", "o-ben"),
        ("m3", "o-cat"),
        ("m4", "o-ann"),
    ] {
        let (message, replies) = push(key, user);
        store
            .record_inbound(&message, &replies[..1])
            .await
            .expect("recorded");
    }
    let at = |ms: i64| Timestamp::from_millis(ms);
    let claimed = store
        .claim_outbound(at(2_000), at(62_000), 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 3, "one reply per user");
    let (ann, ben, cat) = (&claimed[0], &claimed[1], &claimed[2]);
    let outcomes = [
        (ann.id, at(62_000), SendOutcome::Sent { at: at(3_000) }),
        (
            ben.id,
            at(62_000),
            SendOutcome::Retry {
                errcode: Some(-1),
                error: "busy".to_owned(),
                next_attempt_at: at(9_000),
                maybe_sent: true,
            },
        ),
        (
            cat.id,
            at(62_000),
            SendOutcome::Failed {
                errcode: Some(40003),
                error: "invalid openid".to_owned(),
            },
        ),
        (cat.id, at(1_000), SendOutcome::Sent { at: at(3_000) }),
    ];
    let members: Vec<_> = outcomes.iter().collect();
    let recorded = super::outcomes::record_many(&pool, &members[..3])
        .await
        .expect("together");
    assert_eq!(recorded, [true, true, true]);
    let stale = super::outcomes::record_many(&pool, &members[3..])
        .await
        .expect("together");
    assert_eq!(stale, [false], "the lease it names is not held");
    let queues: Vec<(String, i64, i64)> =
        sqlx::query_as("SELECT openid, pending, due_at FROM outbox_queues ORDER BY openid")
            .fetch_all(&pool)
            .await
            .expect("queues");
    assert_eq!(
        queues,
        [
            ("o-ann".to_owned(), 1, 3_000),
            ("o-ben".to_owned(), 1, 9_000),
            ("o-cat".to_owned(), 0, 1_000),
        ]
    );
    let next = store
        .claim_outbound(at(4_000), at(64_000), 10)
        .await
        .expect("claim");
    assert_eq!(next.len(), 1, "ann's second reply; ben waits for his retry");
    assert_eq!(next[0].openid.as_str(), "o-ann");
    let statuses: Vec<(i64, String, Option<i64>)> =
        sqlx::query_as("SELECT id, status, errcode FROM messages WHERE id = ANY($1) ORDER BY id")
            .bind(vec![ann.id.0, ben.id.0, cat.id.0])
            .fetch_all(&pool)
            .await
            .expect("statuses");
    let statuses: Vec<_> = statuses.into_iter().map(|(_, s, e)| (s, e)).collect();
    assert_eq!(
        statuses,
        [
            ("sent".to_owned(), None),
            ("pending".to_owned(), Some(-1)),
            ("failed".to_owned(), Some(40003)),
        ]
    );
}
