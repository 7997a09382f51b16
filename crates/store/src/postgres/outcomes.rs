//! Outbox outcomes on PostgreSQL, many per statement: each marks a reply sent, failed,
//! unconfirmed or due for a retry, only under the lease it was sent under, and moves its user's
//! outbox queue on.
//! Every reply in flight goes to a different user, so a batch never touches a queue row twice.

use async_trait::async_trait;
use sqlx::PgPool;
use wxbase_core::messages::{MessageId, SendOutcome};
use wxbase_core::{StoreError, Timestamp};

use super::rounds::{answer_slot, Statement};
use crate::errors::SqlxResultExt;
use crate::messages::queries;

/// One outcome to record: the reply, the lease its send was made under, and how it went.
pub type Outcome = (MessageId, Timestamp, SendOutcome);

/// Marks each reply whose lease is still the one given, then its user's queue row: one fewer
/// pending reply unless it is retried, due when the reply was sent, or when the retry is
/// (a failed reply's own due time for a failure). Answers the positions recorded.
const RECORD_MANY: &str = "WITH input AS (
         SELECT * FROM unnest($1::int8[], $2::int8[], $3::text[], $4::int8[], $5::int8[],
                              $6::text[], $7::int8[], $8::int8[])
             WITH ORDINALITY AS t(id, held, outcome, at, errcode, error, next_attempt, maybe_sent,
                                  position)
     ), done AS (
         UPDATE messages AS m SET
             status = CASE input.outcome WHEN 'retry' THEN 'pending' ELSE input.outcome END,
             sent_at = CASE WHEN input.outcome = 'sent' THEN input.at ELSE m.sent_at END,
             errcode = input.errcode,
             error = input.error,
             next_attempt_at = CASE WHEN input.outcome = 'retry' THEN input.next_attempt
                                    ELSE m.next_attempt_at END,
             lease_until = 0,
             maybe_sent = CASE WHEN input.maybe_sent = 1 THEN 1 ELSE m.maybe_sent END
         FROM input
         WHERE m.id = input.id AND m.lease_until = input.held AND m.status = 'pending'
         RETURNING input.position, m.app_id, m.openid, input.outcome, input.at,
                   m.next_attempt_at
     ), queues AS (
         UPDATE outbox_queues AS q SET
             pending = q.pending - CASE WHEN done.outcome = 'retry' THEN 0 ELSE 1 END,
             due_at = CASE WHEN done.outcome = 'sent' THEN done.at ELSE done.next_attempt_at END
         FROM done
         WHERE q.app_id = done.app_id AND q.openid = done.openid
     )
     SELECT position FROM done";

/// Outcomes as columns for [`RECORD_MANY`].
#[derive(Default)]
struct Columns {
    id: Vec<i64>,
    held: Vec<i64>,
    outcome: Vec<&'static str>,
    at: Vec<Option<i64>>,
    errcode: Vec<Option<i64>>,
    error: Vec<Option<String>>,
    next_attempt: Vec<Option<i64>>,
    maybe_sent: Vec<i64>,
}

impl Columns {
    fn of(outcomes: &[&Outcome]) -> Self {
        let mut columns = Self::default();
        for (id, held, outcome) in outcomes {
            columns.id.push(id.0);
            columns.held.push(held.as_millis());
            let (kind, at, errcode, error, next, maybe_sent) = match outcome {
                SendOutcome::Sent { at } => ("sent", Some(at.as_millis()), None, None, None, false),
                SendOutcome::Retry {
                    errcode,
                    error,
                    next_attempt_at,
                    maybe_sent,
                } => (
                    "retry",
                    None,
                    *errcode,
                    Some(error.clone()),
                    Some(next_attempt_at.as_millis()),
                    *maybe_sent,
                ),
                SendOutcome::Failed { errcode, error } => {
                    ("failed", None, *errcode, Some(error.clone()), None, false)
                }
                SendOutcome::Unconfirmed { errcode, error } => (
                    "unconfirmed",
                    None,
                    Some(*errcode),
                    Some(error.clone()),
                    None,
                    false,
                ),
            };
            columns.outcome.push(kind);
            columns.at.push(at);
            columns.errcode.push(errcode);
            columns.error.push(error);
            columns.next_attempt.push(next);
            columns.maybe_sent.push(i64::from(maybe_sent));
        }
        columns
    }
}

/// Records outcomes for distinct replies in one statement; `false` for one whose lease was
/// taken over.
pub async fn record_many(pool: &PgPool, outcomes: &[&Outcome]) -> Result<Vec<bool>, StoreError> {
    let columns = Columns::of(outcomes);
    let rows = sqlx::query(RECORD_MANY)
        .bind(columns.id)
        .bind(columns.held)
        .bind(columns.outcome)
        .bind(columns.at)
        .bind(columns.errcode)
        .bind(columns.error)
        .bind(columns.next_attempt)
        .bind(columns.maybe_sent)
        .fetch_all(pool)
        .await
        .or_store_error()?;
    let mut recorded = vec![false; outcomes.len()];
    for row in &rows {
        *answer_slot(&mut recorded, row)? = true;
    }
    Ok(recorded)
}

/// Outbox outcomes, one at a time or many in one statement.
#[derive(Debug)]
pub struct Outcomes {
    pub pool: PgPool,
}

#[async_trait]
impl Statement for Outcomes {
    type Request = Outcome;
    type Answer = bool;

    async fn together(&self, outcomes: &[&Outcome]) -> Result<Vec<bool>, StoreError> {
        record_many(&self.pool, outcomes).await
    }

    async fn alone(&self, (id, held, outcome): &Outcome) -> Result<bool, StoreError> {
        queries::finish_outbound(&self.pool, *id, *held, outcome).await
    }
}
