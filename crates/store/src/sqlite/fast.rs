//! SQLite's hot paths without sqlx's per-statement thread hops (measured: most of a login's
//! CPU went to context switches between tokio and sqlx's SQLite worker thread).
//!
//! - Logins are written by one dedicated thread that takes every login queued since its last
//!   commit and writes them in one transaction (group commit), each in its own savepoint so one
//!   failure does not fail the others. A caller gets its answer only after the COMMIT.
//! - Session lookups run inline on a small pool of read-only connections: indexed point
//!   queries that take microseconds, and in WAL mode readers never wait for the writer.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};
use wxbase_core::{LoginRecord, NewLogin, StoreError, Timestamp, TokenHash, User, UserId};
use wxbase_wechat::Secret;

use crate::rows::{UserColumns, USER_COLUMNS};

/// Most logins written in one transaction.
const MAX_BATCH: usize = 512;
/// Read connections kept open for reuse.
const MAX_IDLE_READERS: usize = 8;

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

/// A login waiting for the writer thread.
struct Job {
    login: NewLogin,
    done: oneshot::Sender<Result<LoginRecord, StoreError>>,
}

/// The group-commit login writer and the inline read pool.
pub struct FastPath {
    jobs: Mutex<Option<mpsc::UnboundedSender<Job>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    path: PathBuf,
    busy_timeout: Duration,
    idle_readers: Mutex<Vec<Connection>>,
    closed: AtomicBool,
}

impl FastPath {
    /// Opens the writer thread's connection and starts it. The schema must exist.
    pub fn start(path: &Path, busy_timeout: Duration) -> Result<Self, StoreError> {
        let conn = open(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            busy_timeout,
        )?;
        let (jobs, queue) = mpsc::unbounded_channel();
        let writer = std::thread::Builder::new()
            .name("wxbase-sqlite-writer".to_owned())
            .spawn(move || write_logins(conn, queue))
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        Ok(Self {
            jobs: Mutex::new(Some(jobs)),
            writer: Mutex::new(Some(writer)),
            path: path.to_owned(),
            busy_timeout,
            idle_readers: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        })
    }

    /// Queues a login for the writer and waits for its commit.
    pub async fn record_login(&self, login: &NewLogin) -> Result<LoginRecord, StoreError> {
        let (done, answer) = oneshot::channel();
        let job = Job {
            login: login.clone(),
            done,
        };
        {
            let jobs = self.jobs.lock().unwrap_or_else(|p| p.into_inner());
            let sender = jobs.as_ref().ok_or_else(closed)?;
            sender.send(job).map_err(|_| closed())?;
        }
        answer.await.map_err(|_| closed())?
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
            None => open(
                &self.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                self.busy_timeout,
            )?,
        };
        let result = query(&conn).map_err(backend);
        let mut idle = self.idle_readers.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }
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
        Err(error) => return fail_all(batch, &error),
    };
    let mut answered = Vec::with_capacity(batch.len());
    for job in batch {
        let result = tx
            .savepoint()
            .and_then(|savepoint| {
                let record = record_one(&savepoint, &job.login)?;
                savepoint.commit()?;
                Ok(record)
            })
            .map_err(backend)
            .and_then(|(columns, is_new)| {
                Ok(LoginRecord {
                    user: columns.into_user()?,
                    is_new,
                })
            });
        answered.push((job.done, result));
    }
    if let Err(error) = tx.commit() {
        tracing::error!(%error, "SQLite: a batch of logins could not be committed");
        for (done, _) in answered {
            let _ = done.send(Err(StoreError::Backend(
                format!("commit failed: {error}").into(),
            )));
        }
        return;
    }
    for (done, result) in answered {
        let _ = done.send(result);
    }
}

fn fail_all(batch: Vec<Job>, error: &rusqlite::Error) {
    tracing::error!(%error, "SQLite: cannot start a write transaction");
    for job in batch {
        let _ = job.done.send(Err(StoreError::Unavailable(
            format!("cannot write: {error}").into(),
        )));
    }
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
