//! The PostgreSQL store: what several wxbase instances share.

mod migrate;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;
use wxbase_core::{
    LoginRecord, NewLogin, Store, StoreError, Timestamp, TokenHash, User, UserId, UserUpdate,
};
use wxbase_wechat::{AppId, Secret};

use crate::errors::store_error;
use crate::rows::{user_from_row, USER_COLUMNS};

/// A [`Store`] in a PostgreSQL database.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    /// Connects to `url` and applies pending migrations (one instance at a time).
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
        Ok(Self { pool })
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

    /// One statement: upsert the user (`xmax = 0` marks a fresh insert) and add the session.
    async fn record_login(&self, login: &NewLogin) -> Result<LoginRecord, StoreError> {
        let row = sqlx::query(&format!(
            "WITH upserted AS (
                 INSERT INTO users (app_id, openid, unionid, session_key, created_at, updated_at, last_login_at)
                 VALUES ($1, $2, $3, $4, $5, $5, $5)
                 ON CONFLICT (app_id, openid) DO UPDATE
                     SET session_key = EXCLUDED.session_key,
                         unionid = COALESCE(EXCLUDED.unionid, users.unionid),
                         updated_at = EXCLUDED.updated_at,
                         last_login_at = EXCLUDED.last_login_at
                 RETURNING {USER_COLUMNS}, (xmax = 0) AS is_new
             ), new_session AS (
                 INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
                 SELECT $6, id, $5, $7 FROM upserted
             )
             SELECT * FROM upserted"
        ))
        .bind(login.app_id.as_str())
        .bind(login.openid.as_str())
        .bind(login.unionid.as_ref().map(|u| u.as_str()))
        .bind(login.session_key.expose())
        .bind(login.at.as_millis())
        .bind(login.token_hash.as_bytes())
        .bind(login.expires_at.as_millis())
        .fetch_one(&self.pool)
        .await
        .map_err(store_error)?;
        let is_new: bool = sqlx::Row::try_get(&row, "is_new").map_err(store_error)?;
        Ok(LoginRecord {
            user: user_from_row(&row)?,
            is_new,
        })
    }

    async fn session_user(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id =
                 (SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > $2)"
        ))
        .bind(token.as_bytes())
        .bind(now.as_millis())
        .fetch_optional(&self.pool)
        .await
        .map_err(store_error)?;
        row.as_ref().map(user_from_row).transpose()
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

    async fn session_key(&self, user: UserId) -> Result<Option<Secret>, StoreError> {
        let key: Option<String> = sqlx::query_scalar("SELECT session_key FROM users WHERE id = $1")
            .bind(user.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(store_error)?;
        Ok(key.map(Secret::new))
    }

    async fn update_user(&self, user: UserId, update: &UserUpdate) -> Result<User, StoreError> {
        self.apply_user_update(user, update).await
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

crate::shared::shared_queries!(PostgresStore, pool, crate::shared::postgres_sql);
crate::messages::message_queries!(
    PostgresStore,
    pool,
    crate::shared::postgres_sql,
    "FOR UPDATE SKIP LOCKED",
    record_inbound: sqlx_record_inbound
);
crate::messages::sqlx_record_inbound!(PostgresStore, pool, crate::shared::postgres_sql);
crate::collections::collection_queries!(
    PostgresStore,
    pool,
    pool,
    crate::collections::Dialect::Postgres
);
crate::followers::follower_queries!(PostgresStore, pool, pool, crate::shared::postgres_sql);
