//! Queries whose SQL is the same on both backends (up to placeholders), implemented once by
//! a macro for each store type: the [`TokenStore`](wxbase_core::TokenStore) and the user
//! updates.

use std::borrow::Cow;

use wxbase_core::{StoreError, StoredToken, Timestamp, TokenMode};
use wxbase_wechat::Secret;

/// SQLite takes the shared SQL as written.
pub fn sqlite_sql(sql: &str) -> Cow<'_, str> {
    Cow::Borrowed(sql)
}

/// PostgreSQL needs `$N` placeholders.
pub fn postgres_sql(sql: &str) -> Cow<'_, str> {
    crate::sql::Dialect::Postgres.shared(sql)
}

/// Builds a stored token from its columns.
pub fn stored_token(
    token: String,
    expires_at: i64,
    fetched_at: i64,
    source: &str,
) -> Result<StoredToken, StoreError> {
    let source = TokenMode::parse(source)
        .ok_or_else(|| StoreError::Corrupt(format!("access_tokens.source {source:?}")))?;
    Ok(StoredToken {
        token: Secret::new(token),
        expires_at: Timestamp::from_millis(expires_at),
        fetched_at: Timestamp::from_millis(fetched_at),
        source,
    })
}

/// Implements `TokenStore` and the shared user queries for a store with a `$pool` field
/// (the pool writes go to), rewriting SQL with `$sql`.
macro_rules! shared_queries {
    ($store:ty, $pool:ident, $sql:path) => {
        #[async_trait::async_trait]
        impl wxbase_core::TokenStore for $store {
            async fn access_token(
                &self,
                app_id: &wxbase_wechat::AppId,
            ) -> Result<Option<wxbase_core::StoredToken>, wxbase_core::StoreError> {
                let row: Option<(String, i64, i64, String)> =
                    sqlx::query_as(&$sql(crate::sql::ACCESS_TOKEN))
                        .bind(app_id.as_str())
                        .fetch_optional(&self.$pool)
                        .await
                        .map_err(crate::errors::store_error)?;
                row.map(|(token, expires_at, fetched_at, source)| {
                    crate::shared::stored_token(token, expires_at, fetched_at, &source)
                })
                .transpose()
            }

            async fn try_acquire_token_lease(
                &self,
                app_id: &wxbase_wechat::AppId,
                holder: &str,
                now: wxbase_core::Timestamp,
                until: wxbase_core::Timestamp,
            ) -> Result<bool, wxbase_core::StoreError> {
                let done = sqlx::query(&$sql(crate::sql::ACQUIRE_LEASE))
                    .bind(app_id.as_str())
                    .bind(holder)
                    .bind(now.as_millis())
                    .bind(until.as_millis())
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn save_access_token(
                &self,
                app_id: &wxbase_wechat::AppId,
                token: &wxbase_core::StoredToken,
            ) -> Result<(), wxbase_core::StoreError> {
                sqlx::query(&$sql(crate::sql::SAVE_TOKEN))
                    .bind(app_id.as_str())
                    .bind(token.token.expose())
                    .bind(token.expires_at.as_millis())
                    .bind(token.fetched_at.as_millis())
                    .bind(token.source.as_str())
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(())
            }

            async fn release_token_lease(
                &self,
                app_id: &wxbase_wechat::AppId,
                holder: &str,
            ) -> Result<(), wxbase_core::StoreError> {
                sqlx::query(&$sql(crate::sql::RELEASE_LEASE))
                    .bind(app_id.as_str())
                    .bind(holder)
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(())
            }

            async fn discard_access_token(
                &self,
                app_id: &wxbase_wechat::AppId,
                failed: &wxbase_wechat::Secret,
            ) -> Result<bool, wxbase_core::StoreError> {
                let done = sqlx::query(&$sql(crate::sql::DISCARD_TOKEN))
                    .bind(app_id.as_str())
                    .bind(failed.expose())
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn allow_force_refresh(
                &self,
                app_id: &wxbase_wechat::AppId,
                now: wxbase_core::Timestamp,
            ) -> Result<bool, wxbase_core::StoreError> {
                use wxbase_core::token::force_limits;
                sqlx::query(&$sql(crate::sql::ENSURE_TOKEN_ROW))
                    .bind(app_id.as_str())
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                let done = sqlx::query(&$sql(crate::sql::COUNT_FORCE_REFRESH))
                    .bind(app_id.as_str())
                    .bind(force_limits::day_of(now.as_millis()))
                    .bind(now.as_millis())
                    .bind(force_limits::MIN_GAP_MS)
                    .bind(force_limits::PER_DAY)
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(done.rows_affected() == 1)
            }
        }

        impl $store {
            async fn apply_user_update(
                &self,
                user: wxbase_core::UserId,
                update: &wxbase_core::UserUpdate,
            ) -> Result<wxbase_core::User, wxbase_core::StoreError> {
                let (assignments, values) = crate::sql::user_update(update);
                let statement = format!(
                    "UPDATE users SET {assignments}, updated_at = ?2 WHERE id = ?1 RETURNING {}",
                    crate::rows::USER_COLUMNS
                );
                let statement = $sql(&statement);
                let mut query = sqlx::query(&statement)
                    .bind(user.0)
                    .bind(wxbase_core::Timestamp::now().as_millis());
                for value in values {
                    query = query.bind(value);
                }
                let row = query
                    .fetch_optional(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?
                    .ok_or_else(|| {
                        wxbase_core::StoreError::Corrupt(format!("user {} does not exist", user.0))
                    })?;
                crate::rows::user_from_row(&row)
            }
        }
    };
}

pub(crate) use shared_queries;
