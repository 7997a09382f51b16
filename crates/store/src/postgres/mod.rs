//! The PostgreSQL store: what several wxbase instances share.

mod batcher;
mod hot_paths;
mod inbound;
mod indexes;
mod logins;
mod migrate;
mod outcomes;
mod rounds;
mod sent_events;
mod sessions;
mod store;
#[cfg(test)]
mod tests;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use std::sync::Arc;

use sqlx::PgPool;
use wxbase_core::webhooks::Interest;
use wxbase_core::{StoreError, WebhookStore};
use wxbase_wechat::Secret;

use crate::errors::SqlxResultExt;
use hot_paths::HotPaths;

/// Connections of the outbox's own pool: two claims and two outcome statements in flight.
const OUTBOX_CONNECTIONS: u32 = 4;

/// Claims the outbox worker keeps in flight at once (`messages::outbox`).
const OUTBOX_CLAIMS: u32 = 2;

/// A [`Store`] in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// The outbox's claims, lease renewals and outcomes: a pool of its own whose commits do
    /// not wait for the WAL flush (see [`outbox_pool`]).
    outbox: PgPool,
    /// Logins, session reads and pushes, batched under load.
    hot: HotPaths,
    /// The event types some webhook endpoint takes (see `Interest`).
    interest: Arc<Interest>,
}

impl PostgresStore {
    /// Connects to `url`, applies pending migrations (one instance at a time) and starts the
    /// hot paths' batchers on the current tokio runtime.
    pub async fn connect(url: &Secret, max_connections: u32) -> Result<Self, StoreError> {
        let options: PgConnectOptions = url
            .expose()
            .parse()
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            .connect_with(options.clone())
            .await
            .or_store_error()?;
        migrate::apply(&pool).await?;
        let outbox = outbox_pool(options);
        let hot = HotPaths::start(&pool, &outbox, max_connections);
        let store = Self {
            pool,
            outbox,
            hot,
            interest: Arc::default(),
        };
        store.subscribed_event_types().await?;
        Ok(store)
    }
}

/// The outbox's pool: its sessions run with `synchronous_commit = off`, so a claim, a lease
/// renewal or an outcome commits without waiting for its WAL record to reach the disk, which
/// is most of what each one costs. Only a crash of the PostgreSQL server itself (not of
/// wxbase) can lose such a commit, and only the last fraction of a second of them; a lost
/// claim or renewal is a lease that was never taken, and a lost outcome leaves the reply
/// pending under a lease that runs out, so it is sent again: the at-least-once window that a
/// crash between WeChat's answer and the outcome already has. Pushes, queued replies and
/// everything else stay on the main pool, durable when acknowledged. Connections open on
/// first use.
fn outbox_pool(options: PgConnectOptions) -> PgPool {
    PgPoolOptions::new()
        .max_connections(OUTBOX_CONNECTIONS)
        .connect_lazy_with(options.options([("synchronous_commit", "off")]))
}
