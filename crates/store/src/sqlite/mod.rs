//! The SQLite store: one file in WAL mode.
//!
//! SQLite allows one writer at a time. The login path (the hottest write) goes through
//! [`fast`]: one thread that commits queued logins in batches, and inline point reads for
//! sessions. Other writes go through a single-connection sqlx pool, so they queue in the pool
//! instead of spinning on `SQLITE_BUSY`; other reads use a pool of read-only connections and
//! never block the writer.

mod fast;
mod migrate;
mod store;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use wxbase_core::webhooks::Interest;
use wxbase_core::{StoreError, WebhookStore};

use self::fast::FastPath;
use crate::errors::SqlxResultExt;

/// How long a connection waits for a lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A [`Store`] in an SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    readers: SqlitePool,
    fast: Arc<FastPath>,
    /// The event types some webhook endpoint takes (see `Interest`).
    interest: Arc<Interest>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and applies pending migrations.
    pub async fn open(path: &Path, max_readers: u32) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .or_store_error()?;
        migrate::apply(&writer).await?;
        spawn_optimize(writer.clone());
        let readers = SqlitePoolOptions::new()
            .max_connections(max_readers.max(1))
            .connect_with(options.read_only(true))
            .await
            .or_store_error()?;
        let fast = Arc::new(FastPath::start(path, BUSY_TIMEOUT)?);
        let store = Self {
            writer,
            readers,
            fast,
            interest: Arc::default(),
        };
        store.subscribed_event_types().await?;
        Ok(store)
    }
}

/// When planner statistics are first refreshed after start. Start-up's own writes (seeding the
/// rules) go through the one writer connection, and an ANALYZE ahead of them on it made wxbase
/// ready only after reading every index of a large database (120 ms after the benchmark's
/// runs, against 8 ms without it).
const OPTIMIZE_FIRST_AFTER: Duration = Duration::from_secs(30);
/// How often planner statistics are refreshed after that, as SQLite advises for long-lived
/// connections.
const OPTIMIZE_EVERY: Duration = Duration::from_secs(6 * 60 * 60);
/// `PRAGMA optimize`'s mask: check every table (0x10000), analyze those whose size changed a lot
/// (0x2), with a bounded sample per index (0x10, together with `analysis_limit`).
const OPTIMIZE: &str = "PRAGMA analysis_limit=400; PRAGMA optimize=0x10012;";

/// Refreshes planner statistics where they are stale (collections' field indexes are chosen
/// well only with them), in the background, after start-up and then every few hours; stops when
/// the store is closed. SQLite re-analyzes a table only when its size changed several times over
/// since its last analysis, and even with `analysis_limit` it counts such a table's pages while
/// holding the write lock (a pass over 60 MB of indexes after the benchmark), so this is rare
/// but not free.
fn spawn_optimize(writer: SqlitePool) {
    tokio::spawn(async move {
        let mut wait = OPTIMIZE_FIRST_AFTER;
        loop {
            tokio::time::sleep(wait).await;
            if writer.is_closed() {
                return;
            }
            if let Err(error) = sqlx::raw_sql(OPTIMIZE).execute(&writer).await {
                tracing::warn!(%error, "SQLite: PRAGMA optimize failed; query plans may be worse");
            }
            wait = OPTIMIZE_EVERY;
        }
    });
}

#[cfg(test)]
mod tests {
    use wxbase_core::{Store, Timestamp};

    use super::*;

    async fn statistics_tables(store: &SqliteStore) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            .fetch_one(&store.writer)
            .await
            .expect("sqlite_master")
    }

    /// Start-up's own writes share the one writer connection with `PRAGMA optimize`, whose
    /// ANALYZE reads every page of a grown table's indexes: it must not run on the way to ready.
    #[tokio::test]
    async fn opening_a_database_gathers_no_planner_statistics_on_the_way_to_ready() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let path = dir.path().join("wxbase.db");
        let store = SqliteStore::open(&path, 2).await.expect("opens");
        sqlx::raw_sql(
            "CREATE TABLE grown (n INTEGER PRIMARY KEY, v TEXT);
             CREATE INDEX grown_by_v ON grown (v);
             WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < 2000)
             INSERT INTO grown SELECT n, 'v' || n FROM k;",
        )
        .execute(&store.writer)
        .await
        .expect("a table worth analyzing");
        store.close().await;

        let reopened = SqliteStore::open(&path, 2).await.expect("opens again");
        // Room for a refresh spawned at open to run first (it would, without the delay); the
        // assertion holds for as long as the delay lasts, so it does not hang on timing.
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            statistics_tables(&reopened).await,
            0,
            "no ANALYZE ran while opening"
        );
        sqlx::raw_sql(OPTIMIZE)
            .execute(&reopened.writer)
            .await
            .expect("optimize");
        assert_eq!(
            statistics_tables(&reopened).await,
            1,
            "the background refresh analyzes the grown table"
        );
        reopened.close().await;
    }

    /// `ANALYZE documents` reads the whole table and holds the write lock while it does: a new
    /// collection, which has no documents yet, does not pay for it; an index added to an
    /// existing collection does.
    #[tokio::test]
    async fn only_an_index_added_later_refreshes_the_planner_statistics() {
        use wxbase_core::collections::{Collection, CollectionName, FieldPath, PermissionMode};
        use wxbase_core::CollectionStore;
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = SqliteStore::open(&dir.path().join("wxbase.db"), 2)
            .await
            .expect("opens");
        let at = Timestamp::from_millis(1_000);
        let notes = Collection {
            name: CollectionName::parse("notes").expect("name"),
            permission: PermissionMode::default(),
            schema: None,
            indexes: vec![FieldPath::parse("title").expect("path")],
            moderation: None,
            created_at: at,
            updated_at: at,
        };
        assert!(store.create_collection(&notes).await.expect("created"));
        assert_eq!(
            statistics_tables(&store).await,
            0,
            "created without ANALYZE"
        );
        let later = FieldPath::parse("tag").expect("path");
        assert!(store
            .create_index(&notes.name, &later)
            .await
            .expect("indexed"));
        assert_eq!(statistics_tables(&store).await, 1, "added with ANALYZE");
        store.close().await;
    }

    /// A campaign brings one `subscribe_msg_sent_event` per message sent. They are written by
    /// the group-commit writer, so they never queue behind the ordinary write connection (held
    /// here for the whole test): 2,000 arriving at once are all recorded in batches, a retried
    /// push is recognised, and each send result is kept.
    #[tokio::test]
    async fn sent_events_are_written_in_batches_not_queued_on_the_write_connection() {
        use wxbase_core::messages::NewInbound;
        use wxbase_core::subscriptions::SentReceipt;
        use wxbase_core::SubscriptionStore;
        use wxbase_wechat::{AppId, OpenId};

        const EVENTS: usize = 2_000;
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = SqliteStore::open(&dir.path().join("wxbase.db"), 2)
            .await
            .expect("opens");
        let app_id = AppId::parse("wxd000000000000001").expect("an app id");
        let event = move |n: usize| {
            let openid = format!("o{n:027}");
            let inbound = NewInbound {
                app_id: app_id.clone(),
                openid: OpenId::parse(openid.clone()).expect("an openid"),
                msg_type: "event".to_owned(),
                content: serde_json::json!({ "event": "subscribe_msg_sent_event" }),
                raw: format!("<xml><FromUserName>{openid}</FromUserName></xml>"),
                dedup_key: format!("evt:{openid}:1700000000:subscribe_msg_sent_event"),
                received_at: Timestamp::from_millis(1_700_000_000_000),
            };
            let receipt = SentReceipt {
                msg_id: format!("{}", 9_000_000 + n),
                template_id: "tmplOrderShipped000000001".to_owned(),
                error_code: 0,
                error_status: "success".to_owned(),
            };
            (inbound, receipt)
        };
        let held = store.writer.acquire().await.expect("the write connection");
        for round in ["first", "retried"] {
            let mut recording = tokio::task::JoinSet::new();
            for n in 0..EVENTS {
                let (store, (inbound, receipt)) = (store.clone(), event(n));
                recording.spawn(async move {
                    store
                        .record_subscribe_event(&inbound, &[], &[receipt])
                        .await
                });
            }
            let recorded = tokio::time::timeout(Duration::from_secs(60), async {
                let mut recorded = 0;
                while let Some(answer) = recording.join_next().await {
                    let answer = answer.expect("no panic").expect("recorded");
                    recorded += usize::from(answer.is_some());
                }
                recorded
            })
            .await
            .expect("sent events do not wait for the ordinary write connection");
            let expected = if round == "first" { EVENTS } else { 0 };
            assert_eq!(recorded, expected, "{round} round: pushes recorded anew");
        }
        drop(held);
        let (pushes, receipts): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM messages WHERE direction = 'inbound'),
                    (SELECT COUNT(*) FROM subscribe_receipts WHERE error_code = 0)",
        )
        .fetch_one(&store.readers)
        .await
        .expect("counts");
        assert_eq!((pushes, receipts), (EVENTS as i64, EVENTS as i64));
        store.close().await;
    }
}
