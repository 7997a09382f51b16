//! The PostgreSQL store: what several wxbase instances share.

mod batcher;
mod hot_paths;
mod inbound;
mod indexes;
mod logins;
mod migrate;
mod rounds;
mod sessions;
mod store;
#[cfg(test)]
mod tests;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use wxbase_core::{
    KeyedUser, LoginRecord, NewLogin, Store, StoreError, Timestamp, TokenHash, User, UserId,
    UserUpdate,
};
use wxbase_wechat::{AppId, Secret};

use crate::errors::store_error;
use hot_paths::HotPaths;

/// A [`Store`] in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// Logins, session reads and pushes, batched under load.
    hot: HotPaths,
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
            .map_err(store_error)?;
        migrate::apply(&pool).await?;
        let hot = HotPaths::start(&pool, max_connections);
        Ok(Self { pool, hot })
    }
}

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    /// One statement (batched with concurrent logins): upsert the user (`xmax = 0` marks a
    /// fresh insert) and add the session.
    async fn record_login(&self, login: &NewLogin) -> Result<LoginRecord, StoreError> {
        self.hot.logins.submit(login.clone()).await
    }

    async fn session_user(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        let found = self.hot.sessions.submit((*token, now)).await?;
        Ok(found.map(|signed_in| signed_in.user))
    }

    async fn session_user_with_key(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<KeyedUser>, StoreError> {
        self.hot.sessions.submit((*token, now)).await
    }

    async fn delete_session(&self, token: &TokenHash) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token.as_bytes())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now.as_millis())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn count_users(&self, app_id: &AppId) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE app_id = $1")
            .bind(app_id.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    async fn update_user(&self, user: UserId, update: &UserUpdate) -> Result<User, StoreError> {
        self.apply_user_update(user, update).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

crate::shared::shared_queries!(PostgresStore, pool, crate::shared::postgres_sql);
crate::collections::collection_queries!(
    PostgresStore,
    pool,
    pool,
    crate::collections::Dialect::Postgres,
    indexes: create_index_concurrently, drop_index_concurrently
);
crate::followers::follower_queries!(PostgresStore, pool, pool, crate::shared::postgres_sql);
