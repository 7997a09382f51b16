//! The outbox claim costs the batch it returns, not the backlog: SQLite's virtual machine
//! steps for a claim of 10 replies are counted (`sqlite3_stmt_status(SQLITE_STMTSTATUS_VM_STEP)`)
//! with 1,000 and with 100,000 pending replies, spread over many users and over few. Nothing
//! is timed.

use rusqlite::{params, Connection, StatementStatus};
use wxbase_core::{Store, Timestamp};

use super::writes::{self, Claim};
use crate::messages::sql;
use crate::sqlite::SqliteStore;

/// Every statement a claim runs.
const CLAIM_STATEMENTS: [&str; 5] = [
    sql::DUE_QUEUES,
    sql::LEASE_HEAD,
    sql::CLAIMED,
    sql::REQUEUE_HEAD,
    sql::EMPTY_QUEUE,
];

const BATCH: u32 = 10;

/// A migrated database file holding `pending` replies spread over `users` users, with their
/// outbox queues, as the inserts leave them.
async fn database(dir: &tempfile::TempDir, pending: i64, users: i64) -> Connection {
    let path = dir.path().join(format!("claim-{pending}-{users}.db"));
    let store = SqliteStore::open(&path, 1).await.expect("open");
    store.close().await;
    let conn = Connection::open(&path).expect("connect");
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO messages (app_id, openid, direction, msg_type, content, created_at, status,
                               next_attempt_at)
         SELECT 'wxapp', 'o-' || (i % ?2), 'outbound', 'text',
                '{\"msgtype\":\"text\",\"text\":{\"content\":\"hi\"}}', i, 'pending', i
         FROM n",
        params![pending, users],
    )
    .expect("fill messages");
    conn.execute(
        "INSERT INTO outbox_queues (app_id, openid, pending, due_at)
         SELECT app_id, openid, COUNT(*), MIN(next_attempt_at) FROM messages
         WHERE status = 'pending' GROUP BY app_id, openid",
        [],
    )
    .expect("fill queues");
    conn.execute_batch("ANALYZE").expect("analyze");
    conn
}

/// The virtual machine steps of one claim of [`BATCH`] on `conn`, and how many it claimed.
fn claim_steps(conn: &Connection) -> (i64, usize) {
    for text in CLAIM_STATEMENTS {
        conn.prepare_cached(text)
            .expect("prepare")
            .reset_status(StatementStatus::VmStep);
    }
    let now = Timestamp::from_millis(i64::MAX / 2);
    let claim = Claim {
        now,
        lease_until: Timestamp::from_millis(i64::MAX / 2 + 60_000),
        limit: BATCH,
    };
    let claimed = writes::claim(conn, &claim).expect("claim");
    let steps = CLAIM_STATEMENTS
        .iter()
        .map(|text| {
            i64::from(
                conn.prepare_cached(text)
                    .expect("prepare")
                    .get_status(StatementStatus::VmStep),
            )
        })
        .sum();
    (steps, claimed.len())
}

/// The query plan of the claim's read of due users: index searches, no scan.
fn due_plan(conn: &Connection) -> Vec<String> {
    let mut plan = conn
        .prepare(&format!("EXPLAIN QUERY PLAN {}", sql::DUE_QUEUES))
        .expect("explain");
    plan.query_map(params![0_i64, i64::from(BATCH)], |row| {
        row.get::<_, String>(3)
    })
    .expect("plan")
    .collect::<rusqlite::Result<_>>()
    .expect("rows")
}

#[tokio::test]
async fn a_claim_examines_the_batch_not_the_backlog() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for users in [10_000, 100] {
        let small = database(&dir, 1_000, users.min(1_000)).await;
        let large = database(&dir, 100_000, users).await;
        let (small_steps, small_claimed) = claim_steps(&small);
        let (large_steps, large_claimed) = claim_steps(&large);
        assert_eq!((small_claimed, large_claimed), (10, 10));
        // About 100 steps per reply claimed; a scan of the backlog would be millions.
        assert!(
            large_steps < 300 * i64::from(BATCH),
            "{users} users: {large_steps} steps for a claim of {BATCH} among 100,000 pending"
        );
        assert!(
            large_steps < small_steps * 3 / 2,
            "{users} users: {large_steps} steps among 100,000 pending, {small_steps} among 1,000"
        );
        let plan = due_plan(&large);
        assert!(
            plan.iter().all(|step| !step.starts_with("SCAN")),
            "{plan:?}"
        );
        assert!(
            plan.iter().any(|step| step.contains("outbox_queues_due")),
            "{plan:?}"
        );
        assert!(
            plan.iter()
                .any(|step| step.contains("messages_pending_by_user")),
            "{plan:?}"
        );
        eprintln!("{users} users: {small_steps} VM steps with 1,000 pending, {large_steps} with 100,000; plan {plan:?}");
    }
}
