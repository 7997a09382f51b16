//! The PostgreSQL store's hot paths, each behind its own [`Batcher`]: logins, session reads
//! and inbound pushes. Everything else goes to the pool one statement at a
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
use super::rounds::{run_in_rounds, together_or_alone, Statement};
use super::sessions::{SessionLookup, SessionSql, SessionUsers};

/// Most requests one batched statement carries.
const MAX_BATCH: usize = 128;

/// Pool connections per statement a hot path may have in flight: one each at the default pool
/// of 8. On the 2-core benchmark machine one statement in flight made bigger batches and beat
/// two on every PostgreSQL workload (three rounds of back-to-back runs: login-new +18% with its
/// p99 from 10.4 to 8.6 ms, `me` +7%, decrypt +4%, push-safe +3%); a bigger pool, for a bigger
/// database server, gets more.
const CONNECTIONS_PER_STATEMENT_IN_FLIGHT: u32 = 8;

/// One batcher per hot path.
#[derive(Clone)]
pub struct HotPaths {
    pub logins: Batcher<NewLogin, LoginRecord>,
    pub sessions: Batcher<SessionLookup, Option<KeyedUser>>,
    pub inbound: Batcher<InboundWrite, Option<MessageId>>,
}

impl fmt::Debug for HotPaths {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HotPaths { logins, sessions, inbound }")
    }
}

impl HotPaths {
    /// Starts the batchers on the current runtime. Each may run one statement at once per
    /// [`CONNECTIONS_PER_STATEMENT_IN_FLIGHT`] connections of the pool (at least one), so
    /// together they leave most of a pool of `max_connections` to everything else.
    pub fn start(pool: &PgPool, max_connections: u32) -> Self {
        let in_flight = usize::try_from(max_connections / CONNECTIONS_PER_STATEMENT_IN_FLIGHT)
            .unwrap_or(1)
            .max(1);
        let limits = BatchLimits {
            in_flight,
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
            logins: start_writes(logins, limits, |login| {
                (login.app_id.clone(), login.openid.clone())
            }),
            sessions: start_reads(sessions, limits),
            // A push and its retry never share a statement: the retry must find the push.
            inbound: start_writes(inbound, limits, |(message, _)| {
                (message.app_id.clone(), message.dedup_key.clone())
            }),
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
