//! The PostgreSQL store: what several wxbase instances share.

mod batcher;
mod hot_paths;
mod inbound;
mod indexes;
mod logins;
mod migrate;
mod outcomes;
mod rounds;
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

/// A [`Store`] in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
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
            .connect_with(options)
            .await
            .or_store_error()?;
        migrate::apply(&pool).await?;
        let hot = HotPaths::start(&pool, max_connections);
        let store = Self {
            pool,
            hot,
            interest: Arc::default(),
        };
        store.subscribed_event_types().await?;
        Ok(store)
    }
}
