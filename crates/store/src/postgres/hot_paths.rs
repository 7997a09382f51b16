//! The PostgreSQL store's hot paths, each behind its own [`Batcher`]: logins, session reads,
//! inbound pushes, subscribe messages' sent events and the outbox's outcomes. Everything else goes to the pool one statement at a
//! time.

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use sqlx::PgPool;
use wxbase_core::messages::MessageId;
use wxbase_core::{KeyedUser, LoginRecord, NewLogin};

use super::batcher::{BatchLimits, Batcher};
use super::inbound::{Inbound, InboundSql, InboundWrite};
use super::logins::{LoginSql, Logins};
use super::outcomes::{Outcome, Outcomes};
use super::rounds::{run_in_rounds, together_or_alone, Statement};
use super::sent_events::{SentEventWrite, SentEvents};
use super::sessions::{SessionLookup, SessionSql, SessionUsers};

/// Most requests one batched statement carries.
const MAX_BATCH: usize = 128;

/// Pool connections per write statement (logins, pushes) in flight: two at the default pool of
/// 8. A write can stall (the WAL flush, a relation extension, a row another instance's batch
/// holds), and a second statement keeps the path moving meanwhile. One made bigger batches
/// and a little more throughput but doubled the login p99 (docs/benchmarks.md).
const CONNECTIONS_PER_WRITE_IN_FLIGHT: u32 = 4;

/// Pool connections per session-read statement in flight: one at the default pool of 8. Reads
/// do not stall that way, and one statement in flight makes bigger batches, which serve `me`
/// and decrypt faster than two (docs/benchmarks.md).
const CONNECTIONS_PER_READ_IN_FLIGHT: u32 = 8;

/// One batcher per hot path.
#[derive(Clone)]
pub struct HotPaths {
    pub logins: Batcher<NewLogin, LoginRecord>,
    pub sessions: Batcher<SessionLookup, Option<KeyedUser>>,
    pub inbound: Batcher<InboundWrite, Option<MessageId>>,
    pub sent_events: Batcher<SentEventWrite, Option<MessageId>>,
    pub outcomes: Batcher<Outcome, bool>,
}

impl fmt::Debug for HotPaths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HotPaths { logins, sessions, inbound, sent_events, outcomes }")
    }
}

impl HotPaths {
    /// Starts the batchers on the current runtime. Each may run one statement at once per
    /// [`CONNECTIONS_PER_WRITE_IN_FLIGHT`] or [`CONNECTIONS_PER_READ_IN_FLIGHT`] connections of
    /// the pool (at least one), so together they leave part of a pool of `max_connections` to
    /// everything else.
    /// Outcomes go to `outbox`, the outbox's own pool.
    pub fn start(pool: &PgPool, outbox: &PgPool, max_connections: u32) -> Self {
        let limits = |connections_per_statement: u32| BatchLimits {
            in_flight: usize::try_from(max_connections / connections_per_statement)
                .unwrap_or(1)
                .max(1),
            max_batch: MAX_BATCH,
        };
        let (writes, reads) = (
            limits(CONNECTIONS_PER_WRITE_IN_FLIGHT),
            limits(CONNECTIONS_PER_READ_IN_FLIGHT),
        );
        // The outbox pool's connections but the claims'.
        let outcome_limits = BatchLimits {
            in_flight: usize::try_from(super::OUTBOX_CONNECTIONS - super::OUTBOX_CLAIMS)
                .unwrap_or(1)
                .max(1),
            max_batch: MAX_BATCH,
        };
        let logins = Logins {
            pool: pool.clone(),
            sql: LoginSql::new(),
        };
        let inbound = Inbound {
            pool: pool.clone(),
            sql: InboundSql::new(),
        };
        let sessions = SessionUsers {
            pool: pool.clone(),
            sql: SessionSql::new(),
        };
        Self {
            // Two logins of one user never share a statement: the second sees the first's row.
            logins: start_writes(logins, writes, |login| {
                (login.app_id.clone(), login.openid.clone())
            }),
            sessions: start_reads(sessions, reads),
            // A push and its retry never share a statement: the retry must find the push.
            inbound: start_writes(inbound, writes, |(message, _)| {
                (message.app_id.clone(), message.dedup_key.clone())
            }),
            // As pushes: a sent event and its retry never share a statement.
            sent_events: start_writes(SentEvents { pool: pool.clone() }, writes, |(message, _)| {
                (message.app_id.clone(), message.dedup_key.clone())
            }),
            // One reply's outcome comes once per lease; a stale worker's late one goes in a
            // later round and finds the lease changed.
            outcomes: start_writes(
                Outcomes {
                    pool: outbox.clone(),
                },
                outcome_limits,
                |(id, _, _)| *id,
            ),
        }
    }
}

/// Runs each batch in rounds of distinct keys (writes: see `rounds`).
fn start_writes<S, K>(
    statement: S,
    limits: BatchLimits,
    key: fn(&S::Request) -> K,
) -> Batcher<S::Request, S::Answer>
where
    S: Statement + 'static,
    S::Request: Send + 'static,
    S::Answer: 'static,
    K: Eq + Hash + 'static,
{
    let statement = Arc::new(statement);
    Batcher::start(limits, move |batch: Vec<S::Request>| {
        let statement = Arc::clone(&statement);
        async move { run_in_rounds(&*statement, &batch, key).await }
    })
}

/// Runs each batch as one statement (reads: the same request may come twice).
fn start_reads<S>(statement: S, limits: BatchLimits) -> Batcher<S::Request, S::Answer>
where
    S: Statement + 'static,
    S::Request: Send + 'static,
    S::Answer: 'static,
{
    let statement = Arc::new(statement);
    Batcher::start(limits, move |batch: Vec<S::Request>| {
        let statement = Arc::clone(&statement);
        async move {
            let members: Vec<&S::Request> = batch.iter().collect();
            together_or_alone(&*statement, &members).await
        }
    })
}
