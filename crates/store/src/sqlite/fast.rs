//! SQLite's hot paths without sqlx's per-statement thread hops (measured: most of a login's
//! CPU went to context switches between tokio and sqlx's SQLite worker thread).
//!
//! - Logins and inbound pushes are written by one dedicated thread that takes every write
//!   queued since its last commit and writes them in one transaction (group commit), each in
//!   its own savepoint so one failure does not fail the others. A caller gets its answer only
//!   after the COMMIT.
//! - Session lookups run inline on a small pool of read-only connections: indexed point
//!   queries that take microseconds, and in WAL mode readers never wait for the writer.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};
use wxbase_core::messages::{MessageId, NewInbound, NewOutbound, SendStatus};
use wxbase_core::{LoginRecord, NewLogin, StoreError, Timestamp, TokenHash, User, UserId};
use wxbase_wechat::Secret;

use crate::messages::sql as messages_sql;
use crate::rows::{UserColumns, USER_COLUMNS};

/// Most logins written in one transaction.
const MAX_BATCH: usize = 512;
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
/// WAL pages before the writer checkpoints by itself: a safety net, since the background
/// checkpointer normally keeps the WAL shorter (the default 1000 pages made checkpoint fsyncs
/// a tenth of the writer's time under login load).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 16000;
/// How often the background checkpointer runs.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
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

/// A write waiting for the writer thread, with where its answer goes.
enum Job {
    Login(NewLogin, oneshot::Sender<Result<LoginRecord, StoreError>>),
    Inbound(
        NewInbound,
        Vec<NewOutbound>,
        oneshot::Sender<Result<Option<MessageId>, StoreError>>,
    ),
}

/// A write's answer, held until its batch commits.
enum Answer {
    Login(
        oneshot::Sender<Result<LoginRecord, StoreError>>,
        Result<LoginRecord, StoreError>,
    ),
    Inbound(
        oneshot::Sender<Result<Option<MessageId>, StoreError>>,
        Result<Option<MessageId>, StoreError>,
    ),
}

impl Answer {
    /// Sends the answer, or an error instead when the batch did not commit.
    fn send(self, commit_error: Option<&str>) {
        let failed = |e: &str| StoreError::Backend(format!("commit failed: {e}").into());
        match self {
            Answer::Login(done, result) => {
                let _ = done.send(commit_error.map_or(result, |e| Err(failed(e))));
            }
            Answer::Inbound(done, result) => {
                let _ = done.send(commit_error.map_or(result, |e| Err(failed(e))));
            }
        }
    }
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
            .spawn(move || write_logins(conn, queue))
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let closed = Arc::new(AtomicBool::new(false));
        let checkpointer = spawn_checkpointer(path, busy_timeout, closed.clone())?;
        Ok(Self {
            jobs: Mutex::new(Some(jobs)),
            writer: Mutex::new(Some(writer)),
            path: path.to_owned(),
            busy_timeout,
            idle_readers: Mutex::new(Vec::new()),
            closed,
            checkpointer: Mutex::new(Some(checkpointer)),
        })
    }

    /// Queues a login for the writer and waits for its commit.
    pub async fn record_login(&self, login: &NewLogin) -> Result<LoginRecord, StoreError> {
        let (done, answer) = oneshot::channel();
        self.queue(Job::Login(login.clone(), done))?;
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
        self.queue(Job::Inbound(inbound.clone(), replies.to_vec(), done))?;
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
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id =
                 (SELECT user_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2)"
        );
        self.read(|conn| {
            conn.prepare_cached(&sql)?
                .query_row(params![token.as_bytes(), now.as_millis()], user_columns)
                .optional()
        })?
        .map(UserColumns::into_user)
        .transpose()
    }

    /// The session_key of a user.
    pub fn session_key(&self, user: UserId) -> Result<Option<Secret>, StoreError> {
        let key: Option<String> = self.read(|conn| {
            conn.prepare_cached(crate::sql::SESSION_KEY)?
                .query_row(params![user.0], |row| row.get(0))
                .optional()
        })?;
        Ok(key.map(Secret::new))
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

/// Copies the WAL back into the database on its own thread, every [`CHECKPOINT_EVERY`], in
/// PASSIVE mode (it never waits for, or blocks, the writer or readers). Checkpoints run inside
/// the writer thread otherwise, and every write queued behind one waits: that was the logins'
/// p99. The writer keeps a high automatic threshold as a safety net.
fn spawn_checkpointer(
    path: &Path,
    busy_timeout: Duration,
    closed: Arc<AtomicBool>,
) -> Result<std::thread::JoinHandle<()>, StoreError> {
    let conn = open(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        busy_timeout,
    )?;
    std::thread::Builder::new()
        .name("wxbase-sqlite-checkpointer".to_owned())
        .spawn(move || {
            while !closed.load(Ordering::SeqCst) {
                std::thread::sleep(CHECKPOINT_EVERY);
                let checkpointed = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
                    row.get::<_, i64>(0)
                });
                if let Err(error) = checkpointed {
                    tracing::warn!(%error, "SQLite: background checkpoint failed");
                }
            }
        })
        .map_err(|e| StoreError::Unavailable(Box::new(e)))
}

/// The writer thread: one transaction per batch of queued logins.
fn write_logins(mut conn: Connection, mut queue: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = queue.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, batch);
    }
}

fn commit_batch(conn: &mut Connection, batch: Vec<Job>) {
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(error) => {
            tracing::error!(%error, "SQLite: cannot start a write transaction");
            let message = error.to_string();
            for job in batch {
                answer_unwritten(job, &message);
            }
            return;
        }
    };
    let mut answers = Vec::with_capacity(batch.len());
    for job in batch {
        answers.push(match job {
            Job::Login(login, done) => {
                let result = in_savepoint(&mut tx, |sp| record_one(sp, &login)).and_then(
                    |(columns, is_new)| {
                        Ok(LoginRecord {
                            user: columns.into_user()?,
                            is_new,
                        })
                    },
                );
                Answer::Login(done, result)
            }
            Job::Inbound(inbound, replies, done) => {
                let result = in_savepoint(&mut tx, |sp| record_inbound_one(sp, &inbound, &replies));
                Answer::Inbound(done, result)
            }
        });
    }
    let failure = tx.commit().err().map(|error| {
        tracing::error!(%error, "SQLite: a batch of writes could not be committed");
        error.to_string()
    });
    for answer in answers {
        answer.send(failure.as_deref());
    }
}

/// Runs one write in a savepoint: kept if it succeeds, rolled back alone if it fails.
fn in_savepoint<T>(
    tx: &mut rusqlite::Transaction<'_>,
    write: impl FnOnce(&Connection) -> rusqlite::Result<T>,
) -> Result<T, StoreError> {
    tx.savepoint()
        .and_then(|savepoint| {
            let value = write(&savepoint)?;
            savepoint.commit()?;
            Ok(value)
        })
        .map_err(backend)
}

fn answer_unwritten(job: Job, message: &str) {
    let error = || StoreError::Unavailable(format!("cannot write: {message}").into());
    match job {
        Job::Login(_, done) => {
            let _ = done.send(Err(error()));
        }
        Job::Inbound(_, _, done) => {
            let _ = done.send(Err(error()));
        }
    }
}

/// Records an inbound message and its replies unless its dedup key is known.
fn record_inbound_one(
    conn: &Connection,
    inbound: &NewInbound,
    replies: &[NewOutbound],
) -> rusqlite::Result<Option<MessageId>> {
    let id: Option<i64> = conn
        .prepare_cached(messages_sql::INSERT_INBOUND)?
        .query_row(
            params![
                inbound.app_id.as_str(),
                inbound.openid.as_str(),
                inbound.msg_type,
                inbound.content.to_string(),
                inbound.raw,
                inbound.dedup_key,
                inbound.received_at.as_millis()
            ],
            |row| row.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Ok(None);
    };
    let mut insert_reply = conn.prepare_cached(&messages_sql::insert_outbound())?;
    for reply in replies {
        let status = reply.initial_status();
        let sent_at = (status == SendStatus::Sent).then(|| reply.created_at.as_millis());
        let mut rows = insert_reply.query(params![
            reply.app_id.as_str(),
            reply.openid.as_str(),
            reply.msg_type(),
            reply.content_json(),
            reply.created_at.as_millis(),
            status.as_str(),
            sent_at
        ])?;
        while rows.next()?.is_some() {}
    }
    Ok(Some(MessageId(id)))
}

/// Creates or updates the user and adds the session, inside the caller's savepoint.
fn record_one(conn: &Connection, login: &NewLogin) -> rusqlite::Result<(UserColumns, bool)> {
    let at = login.at.as_millis();
    let unionid = login.unionid.as_ref().map(|u| u.as_str());
    let inserted = conn
        .prepare_cached(&format!(
            "INSERT INTO users (app_id, openid, unionid, session_key, created_at, updated_at, last_login_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)
             ON CONFLICT (app_id, openid) DO NOTHING
             RETURNING {USER_COLUMNS}"
        ))?
        .query_row(
            params![login.app_id.as_str(), login.openid.as_str(), unionid, login.session_key.expose(), at],
            user_columns,
        )
        .optional()?;
    let (columns, is_new) = match inserted {
        Some(columns) => (columns, true),
        None => {
            let columns = conn
                .prepare_cached(&format!(
                    "UPDATE users SET session_key = ?3, unionid = COALESCE(?4, unionid),
                         updated_at = ?5, last_login_at = ?5
                     WHERE app_id = ?1 AND openid = ?2
                     RETURNING {USER_COLUMNS}"
                ))?
                .query_row(
                    params![
                        login.app_id.as_str(),
                        login.openid.as_str(),
                        login.session_key.expose(),
                        unionid,
                        at
                    ],
                    user_columns,
                )?;
            (columns, false)
        }
    };
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![login.token_hash.as_bytes(), columns.id, at, login.expires_at.as_millis()])?;
    Ok((columns, is_new))
}
