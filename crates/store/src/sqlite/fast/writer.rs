//! The group-commit writer: one thread that takes every write queued since its last commit
//! and writes them in one transaction. A caller gets its answer only after the COMMIT.
//!
//! A batch is first written straight, with no savepoint per write: savepoints made SQLite
//! journal each changed page a second time, and the SAVEPOINT and RELEASE statements were
//! parsed for every write (together a third of this thread's time under push load). If any
//! write fails, the transaction is rolled back and the batch is written again with each write
//! in its own savepoint, so one failure fails only its own request.

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};
use wxbase_core::messages::{ClaimedOutbound, MessageId, NewInbound, NewOutbound};
use wxbase_core::subscriptions::SentReceipt;
use wxbase_core::{LoginRecord, NewLogin, StoreError};

use super::backend;
use super::writes::{self, WriteSql};

/// Most writes in one transaction.
const MAX_BATCH: usize = 512;

/// A write waiting for the writer thread, with where its answer goes.
pub(super) enum Job {
    /// A login: the user upsert and a new session.
    Login(Slot<NewLogin, LoginRecord>),
    /// An inbound message and the replies its rules chose.
    Inbound(Slot<InboundWrite, Option<MessageId>>),
    /// A `subscribe_msg_sent_event` push and the send results it carries.
    SentEvent(Slot<SentEventWrite, Option<MessageId>>),
    /// A claim of due replies.
    Claim(Slot<writes::Claim, Vec<ClaimedOutbound>>),
    /// The outcome of a send.
    Finish(Slot<writes::Finish, bool>),
}

/// An inbound message and its replies.
pub(super) struct InboundWrite {
    pub message: NewInbound,
    pub replies: Vec<NewOutbound>,
}

/// A `subscribe_msg_sent_event` push and its send results.
pub(super) struct SentEventWrite {
    pub message: NewInbound,
    pub receipts: Vec<SentReceipt>,
}

/// One write, the channel its answer goes to and its outcome until the batch commits.
pub(super) struct Slot<W, A> {
    write: W,
    done: oneshot::Sender<Result<A, StoreError>>,
    outcome: Option<Result<A, StoreError>>,
}

impl<W, A> Slot<W, A> {
    pub(super) fn new(write: W, done: oneshot::Sender<Result<A, StoreError>>) -> Self {
        Self {
            write,
            done,
            outcome: None,
        }
    }

    /// Sends the outcome, or an error instead when the batch did not commit.
    fn answer(self, commit_error: Option<&str>) {
        let outcome = match (commit_error, self.outcome) {
            (Some(error), _) => Err(StoreError::Backend(
                format!("the batch of writes was not committed: {error}").into(),
            )),
            (None, Some(outcome)) => outcome,
            (None, None) => Err(StoreError::Backend("the write was not attempted".into())),
        };
        let _ = self.done.send(outcome);
    }
}

impl Job {
    /// Writes the job on `conn` and keeps its outcome for the answer; a failed statement is
    /// returned (the caller decides what is rolled back).
    fn write(&mut self, conn: &Connection, sql: &WriteSql) -> rusqlite::Result<()> {
        match self {
            Job::Login(slot) => {
                let (columns, is_new) = writes::login(conn, sql, &slot.write)?;
                slot.outcome = Some(columns.into_user().map(|user| LoginRecord { user, is_new }));
            }
            Job::Inbound(slot) => {
                let id = writes::inbound(conn, &slot.write.message, &slot.write.replies)?;
                slot.outcome = Some(Ok(id));
            }
            Job::SentEvent(slot) => {
                let id = writes::sent_event(conn, &slot.write.message, &slot.write.receipts)?;
                slot.outcome = Some(Ok(id));
            }
            Job::Claim(slot) => {
                let claimed = writes::claim(conn, &slot.write)?;
                slot.outcome = Some(Ok(claimed));
            }
            Job::Finish(slot) => {
                let recorded = writes::finish(conn, &slot.write)?;
                slot.outcome = Some(Ok(recorded));
            }
        }
        Ok(())
    }

    /// Makes `error` the job's outcome.
    fn fail(&mut self, error: StoreError) {
        match self {
            Job::Login(slot) => slot.outcome = Some(Err(error)),
            Job::Inbound(slot) => slot.outcome = Some(Err(error)),
            Job::SentEvent(slot) => slot.outcome = Some(Err(error)),
            Job::Claim(slot) => slot.outcome = Some(Err(error)),
            Job::Finish(slot) => slot.outcome = Some(Err(error)),
        }
    }

    fn answer(self, commit_error: Option<&str>) {
        match self {
            Job::Login(slot) => slot.answer(commit_error),
            Job::Inbound(slot) => slot.answer(commit_error),
            Job::SentEvent(slot) => slot.answer(commit_error),
            Job::Claim(slot) => slot.answer(commit_error),
            Job::Finish(slot) => slot.answer(commit_error),
        }
    }
}

/// The writer thread's loop: one transaction per batch of queued writes, until every sender
/// is gone.
pub(super) fn run(mut conn: Connection, mut queue: mpsc::UnboundedReceiver<Job>) {
    let sql = WriteSql::new();
    while let Some(first) = queue.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, &sql, batch);
    }
}

fn commit_batch(conn: &mut Connection, sql: &WriteSql, mut batch: Vec<Job>) {
    let commit_error = match write_straight(conn, sql, &mut batch) {
        Attempt::Committed => None,
        Attempt::WriteFailed => write_isolated(conn, sql, &mut batch).err(),
        Attempt::CommitFailed(error) => Some(error),
    };
    if let Some(error) = &commit_error {
        tracing::error!(%error, "SQLite: a batch of writes could not be committed");
    }
    for job in batch {
        job.answer(commit_error.as_deref());
    }
}

/// How the first, savepoint-free attempt at a batch ended.
enum Attempt {
    Committed,
    /// A write failed and the transaction was rolled back.
    WriteFailed,
    /// The transaction could not be started or committed.
    CommitFailed(String),
}

/// Writes the batch in one transaction with no savepoints.
fn write_straight(conn: &mut Connection, sql: &WriteSql, batch: &mut [Job]) -> Attempt {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(error) => return Attempt::CommitFailed(error.to_string()),
    };
    for job in batch.iter_mut() {
        if let Err(error) = job.write(&tx, sql) {
            tracing::debug!(%error, "SQLite: a write failed; writing its batch again, each write alone");
            return Attempt::WriteFailed; // dropping `tx` rolls it back
        }
    }
    match tx.commit() {
        Ok(()) => Attempt::Committed,
        Err(error) => Attempt::CommitFailed(error.to_string()),
    }
}

/// Writes the batch in one transaction, each write in its own savepoint.
fn write_isolated(conn: &mut Connection, sql: &WriteSql, batch: &mut [Job]) -> Result<(), String> {
    let mut tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(|e| e.to_string())?;
    for job in batch.iter_mut() {
        let written = tx.savepoint().and_then(|savepoint| {
            job.write(&savepoint, sql)?;
            savepoint.commit()
        });
        if let Err(error) = written {
            job.fail(backend(error));
        }
    }
    tx.commit().map_err(|e| e.to_string())
}
