//! The SQLite store: one file, WAL, one writer connection and a pool of readers.
//!
//! SQLite allows one writer at a time. Writes go through a single-connection pool, so they
//! queue in the pool instead of spinning on `SQLITE_BUSY`; reads use the other connections
//! and never block the writer (WAL).

mod migrate;

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use wxbase_core::{
    LoginRecord, NewLogin, Store, StoreError, Timestamp, TokenHash, User, UserId, UserUpdate,
};
use wxbase_wechat::{AppId, Secret};

use crate::errors::store_error;
use crate::rows::{user_from_row, USER_COLUMNS};

/// How long a connection waits for a lock held by another process before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// A [`Store`] in an SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    readers: SqlitePool,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path` and applies pending migrations.
    pub async fn open(path: &Path, max_readers: u32) -> Result<Self, StoreError> {
        if let Some(dir) = path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        }
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(store_error)?;
        migrate::apply(&writer).await?;
        // Fresh planner statistics where they are stale (SQLite's advice for long-lived
        // connections); collections' field indexes are chosen well only with them.
        sqlx::query("PRAGMA optimize=0x10002")
            .execute(&writer)
            .await
            .map_err(store_error)?;
        let readers = SqlitePoolOptions::new()
            .max_connections(max_readers.max(1))
            .connect_with(options.read_only(true))
            .await
            .map_err(store_error)?;
        Ok(Self { writer, readers })
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1")
            .execute(&self.readers)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn record_login(&self, login: &NewLogin) -> Result<LoginRecord, StoreError> {
        let at = login.at.as_millis();
        let mut tx = self.writer.begin().await.map_err(store_error)?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO users (app_id, openid, unionid, session_key, created_at, updated_at, last_login_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)
             ON CONFLICT (app_id, openid) DO NOTHING
             RETURNING {USER_COLUMNS}"
        ))
        .bind(login.app_id.as_str())
        .bind(login.openid.as_str())
        .bind(login.unionid.as_ref().map(|u| u.as_str()))
        .bind(login.session_key.expose())
        .bind(at)
        .fetch_optional(&mut *tx)
        .await
        .map_err(store_error)?;
        let (row, is_new) = match inserted {
            Some(row) => (row, true),
            None => {
                let row = sqlx::query(&format!(
                    "UPDATE users SET session_key = ?3, unionid = COALESCE(?4, unionid),
                         updated_at = ?5, last_login_at = ?5
                     WHERE app_id = ?1 AND openid = ?2
                     RETURNING {USER_COLUMNS}"
                ))
                .bind(login.app_id.as_str())
                .bind(login.openid.as_str())
                .bind(login.session_key.expose())
                .bind(login.unionid.as_ref().map(|u| u.as_str()))
                .bind(at)
                .fetch_one(&mut *tx)
                .await
                .map_err(store_error)?;
                (row, false)
            }
        };
        let user = user_from_row(&row)?;
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
        )
        .bind(login.token_hash.as_bytes())
        .bind(user.id.0)
        .bind(at)
        .bind(login.expires_at.as_millis())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tx.commit().await.map_err(store_error)?;
        Ok(LoginRecord { user, is_new })
    }

    async fn session_user(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE id =
                 (SELECT user_id FROM sessions WHERE token_hash = ?1 AND expires_at > ?2)"
        ))
        .bind(token.as_bytes())
        .bind(now.as_millis())
        .fetch_optional(&self.readers)
        .await
        .map_err(store_error)?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn delete_session(&self, token: &TokenHash) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = ?1")
            .bind(token.as_bytes())
            .execute(&self.writer)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= ?1")
            .bind(now.as_millis())
            .execute(&self.writer)
            .await
            .map_err(store_error)?;
        Ok(done.rows_affected())
    }

    async fn count_users(&self, app_id: &AppId) -> Result<u64, StoreError> {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE app_id = ?1")
            .bind(app_id.as_str())
            .fetch_one(&self.readers)
            .await
            .map_err(store_error)?;
        Ok(u64::try_from(count).unwrap_or_default())
    }

    async fn session_key(&self, user: UserId) -> Result<Option<Secret>, StoreError> {
        self.select_session_key(user).await
    }

    async fn update_user(&self, user: UserId, update: &UserUpdate) -> Result<User, StoreError> {
        self.apply_user_update(user, update).await
    }

    async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }
}

crate::shared::shared_queries!(SqliteStore, writer, crate::shared::sqlite_sql);
crate::collections::collection_queries!(
    SqliteStore,
    readers,
    writer,
    crate::collections::Dialect::Sqlite
);
