//! SQLite's hot paths without sqlx's per-statement thread hops (measured: most of a login's
//! CPU went to context switches between tokio and sqlx's SQLite worker thread).
//!
//! - Logins, inbound pushes (subscribe-message sent events among them) and the outbox's claims
//!   and outcomes are written by one dedicated thread ([`writer`]) that takes
//!   every write queued since its last commit and writes them in one transaction (group
//!   commit). A caller gets its answer only after the COMMIT.
//! - Session lookups run inline on a small pool of read-only connections: indexed point
//!   queries that take microseconds, and in WAL mode readers never wait for the writer.
//! - A [`checkpointer`] thread copies the WAL back into the database file.

mod checkpointer;
#[cfg(test)]
mod claim_cost;
mod writer;
mod writes;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use tokio::sync::{mpsc, oneshot};
use wxbase_core::messages::{ClaimedOutbound, MessageId, NewInbound, NewOutbound, SendOutcome};
use wxbase_core::subscriptions::SentReceipt;
use wxbase_core::{KeyedUser, LoginRecord, NewLogin, StoreError, Timestamp, TokenHash, User};
use wxbase_wechat::Secret;

use self::writer::{InboundWrite, Job, SentEventWrite, Slot};
use crate::users::{UserColumns, USER_COLUMNS};

/// Read connections kept open for reuse.
const MAX_IDLE_READERS: usize = 4;
/// Bytes of the database file mapped into memory for reads: most of the gain (a pread per
/// page miss was a fifth of the writer thread), capped so mapped pages keep RSS bounded.
const MMAP_BYTES: i64 = 16 * 1024 * 1024;
/// The writer's page cache (negative: in KiB, as SQLite takes it).
///
/// Caches and the map count towards RSS, which must stay under 64 MiB under load: 16 MiB
/// of map, 8 MiB for the writer, 512 KiB for each reader (reads go through the map).
const WRITER_CACHE_KIB: i64 = -8 * 1024;
/// WAL pages before the writer checkpoints by itself (the default 1000 pages made checkpoint
/// fsyncs a large share of the writer's time under login load). Under sustained writes the WAL still
/// reaches it: the background checkpointer's PASSIVE passes never catch up with the writer, so
/// the WAL only restarts after this checkpoint, with an fsync inside a batch (the login p99
/// in docs/benchmarks.md).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 16000;
/// Each read connection's page cache (negative: in KiB).
const READER_CACHE_KIB: i64 = -512;

fn backend(error: rusqlite::Error) -> StoreError {
    StoreError::Backend(Box::new(error))
}

fn closed() -> StoreError {
    StoreError::Unavailable("the SQLite store is closed".into())
}

fn open(path: &Path, flags: OpenFlags, busy_timeout: Duration) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
    conn.busy_timeout(busy_timeout).map_err(backend)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(backend)?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(backend)?;
    // Read pages through a memory map instead of a pread per page miss (profiled).
    conn.pragma_update(None, "mmap_size", MMAP_BYTES)
        .map_err(backend)?;
    Ok(conn)
}

/// Reads the [`USER_COLUMNS`] by position (looking columns up by name showed in profiles).
fn user_columns(row: &rusqlite::Row<'_>) -> rusqlite::Result<UserColumns> {
    Ok(UserColumns {
        id: row.get(0)?,
        app_id: row.get(1)?,
        openid: row.get(2)?,
        unionid: row.get(3)?,
        created_at: row.get(4)?,
        last_login_at: row.get(5)?,
        phone_number: row.get(6)?,
        pure_phone_number: row.get(7)?,
        country_code: row.get(8)?,
        nickname: row.get(9)?,
        avatar_url: row.get(10)?,
    })
}

/// The group-commit login writer and the inline read pool.
pub struct FastPath {
    jobs: Mutex<Option<mpsc::UnboundedSender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    path: PathBuf,
    busy_timeout: Duration,
    idle_readers: Mutex<Vec<Connection>>,
    closed: Arc<AtomicBool>,
    checkpointer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The session lookups' SQL, built once rather than on every request.
    session_sql: SessionSql,
}

/// The session lookups: the user, or the user and the session_key (right after the
/// [`USER_COLUMNS`], at `key_column`).
struct SessionSql {
    user: String,
    user_with_key: String,
    key_column: usize,
}

impl SessionSql {
    fn new() -> Self {
        let session = "(SELECT user_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2)";
        Self {
            user: format!("SELECT {USER_COLUMNS} FROM users WHERE id = {session}"),
            user_with_key: format!(
                "SELECT {USER_COLUMNS}, session_key FROM users WHERE id = {session}"
            ),
            key_column: USER_COLUMNS.split(',').count(),
        }
    }
}

impl FastPath {
    /// Opens the writer thread's connection and starts it. The schema must exist.
    pub fn start(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        let conn = open(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            busy_timeout,
        )?;
        conn.pragma_update(None, "cache_size", WRITER_CACHE_KIB)
            .map_err(backend)?;
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
            .map_err(backend)?;
        let (jobs, queue) = mpsc::unbounded_channel();
        let writer = std::thread::Builder::new()
            .name("wxbase-sqlite-writer".to_owned())
            .spawn(move || writer::run(conn, queue))
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let closed = Arc::new(AtomicBool::new(false));
        let checkpointer = checkpointer::spawn(path, busy_timeout, closed.clone())?;
        Ok(Self {
            jobs: Mutex::new(Some(jobs)),
            writer: Mutex::new(Some(writer)),
            path: path.to_owned(),
            busy_timeout,
            idle_readers: Mutex::new(Vec::new()),
            closed,
            checkpointer: Mutex::new(Some(checkpointer)),
            session_sql: SessionSql::new(),
        })
    }

    /// Queues a login for the writer and waits for its commit.
    pub async fn record_login(&self, login: &NewLogin) -> Result<LoginRecord, StoreError> {
        let (done, answer) = oneshot::channel();
        self.queue(Job::Login(Slot::new(login.clone(), done)))?;
        answer.await.map_err(|_| closed())?
    }

    /// Queues an inbound message and its replies and waits for the commit; `None` when the
    /// message's dedup key was already recorded.
    pub async fn record_inbound(
        &self,
        inbound: &NewInbound,
        replies: &[NewOutbound],
    ) -> Result<Option<MessageId>, StoreError> {
        let (done, answer) = oneshot::channel();
        self.queue(Job::Inbound(Slot::new(
            InboundWrite {
                message: inbound.clone(),
                replies: replies.to_vec(),
            },
            done,
        )))?;
        answer.await.map_err(|_| closed())?
    }

    /// Queues a `subscribe_msg_sent_event` push and its send results and waits for the commit;
    /// `None` when the push's dedup key was already recorded. One of these follows every
    /// subscribe message sent, so a campaign brings them at the outbox's rate: written here, in
    /// the same batches as the outbox's own writes, rather than each in a transaction of its
    /// own on the ordinary write connection, which waits on this thread's lock.
    pub async fn record_sent_event(
        &self,
        event: &NewInbound,
        receipts: &[SentReceipt],
    ) -> Result<Option<MessageId>, StoreError> {
        let (done, answer) = oneshot::channel();
        self.queue(Job::SentEvent(Slot::new(
            SentEventWrite {
                message: event.clone(),
                receipts: receipts.to_vec(),
            },
            done,
        )))?;
        answer.await.map_err(|_| closed())?
    }

    /// Leases the first pending reply of up to `limit` due users, on the writer thread (in the
    /// batch of writes queued with it).
    pub async fn claim_outbound(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedOutbound>, StoreError> {
        let (done, answer) = oneshot::channel();
        let claim = writes::Claim {
            now,
            lease_until,
            limit,
        };
        self.queue(Job::Claim(Slot::new(claim, done)))?;
        answer.await.map_err(|_| closed())?
    }

    /// Records a send's outcome under the lease it was sent under, on the writer thread.
    pub async fn finish_outbound(
        &self,
        id: MessageId,
        held_until: Timestamp,
        outcome: &SendOutcome,
    ) -> Result<bool, StoreError> {
        let (done, answer) = oneshot::channel();
        let finish = writes::Finish {
            id,
            held_until,
            outcome: outcome.clone(),
        };
        self.queue(Job::Finish(Slot::new(finish, done)))?;
        answer.await.map_err(|_| closed())?
    }

    fn queue(&self, job: Job) -> Result<(), StoreError> {
        let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
        let sender = jobs.as_ref().ok_or_else(closed)?;
        sender.send(job).map_err(|_| closed())
    }

    /// The user of a live session.
    pub fn session_user(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        self.read(|conn| {
            conn.prepare_cached(&self.session_sql.user)?
                .query_row(params![token.as_bytes(), now.as_millis()], user_columns)
                .optional()
        })?
        .map(UserColumns::into_user)
        .transpose()
    }

    /// The user of a live session, with the user's session_key.
    pub fn session_user_with_key(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<KeyedUser>, StoreError> {
        let found = self.read(|conn| {
            conn.prepare_cached(&self.session_sql.user_with_key)?
                .query_row(params![token.as_bytes(), now.as_millis()], |row| {
                    Ok((
                        user_columns(row)?,
                        row.get::<_, String>(self.session_sql.key_column)?,
                    ))
                })
                .optional()
        })?;
        found
            .map(|(columns, session_key)| {
                Ok(KeyedUser {
                    user: columns.into_user()?,
                    session_key: Secret::new(session_key),
                })
            })
            .transpose()
    }

    /// Stops the writer after it has written what was queued; later calls fail.
    pub fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.jobs.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(writer) = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = writer.join();
        }
        let checkpointer = self
            .checkpointer
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(checkpointer) = checkpointer {
            let _ = checkpointer.join();
        }
        self.idle_readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Runs `query` on an idle read connection (opening one if none is idle).
    fn read<T>(
        &self,
        query: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(closed());
        }
        let idle = self
            .idle_readers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let conn = open(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    self.busy_timeout,
                )?;
                conn.pragma_update(None, "cache_size", READER_CACHE_KIB)
                    .map_err(backend)?;
                conn
            }
        };
        let result = query(&conn).map_err(backend);
        let mut idle = self.idle_readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }
}
