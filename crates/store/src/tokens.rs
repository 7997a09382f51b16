//! The [`TokenStore`]: the access_token an AppID shares across instances, the lease of the
//! one instance refreshing it, and the count of forced refreshes (one `access_tokens` row per
//! AppID). The statements are shared by both backends; each store runs them on the pool it
//! writes to.

use sqlx::Pool;
use wxbase_core::token::force_limits;
use wxbase_core::{StoreError, StoredToken, Timestamp, TokenMode};
use wxbase_wechat::{AppId, Secret};

use crate::backend::{Backend, ReadRow};
use crate::sql::Statement;

/// The stored token, if any.
const ACCESS_TOKEN: &str =
    "SELECT token, expires_at, fetched_at, source FROM access_tokens WHERE app_id = ?1 AND token IS NOT NULL";

/// Takes the lease if it is free or expired (?1 app, ?2 holder, ?3 now, ?4 until).
const ACQUIRE_LEASE: &str = "INSERT INTO access_tokens (app_id, lease_holder, lease_until) VALUES (?1, ?2, ?4)
     ON CONFLICT (app_id) DO UPDATE SET lease_holder = excluded.lease_holder, lease_until = excluded.lease_until
     WHERE access_tokens.lease_until <= ?3 OR access_tokens.lease_holder = excluded.lease_holder";

/// Stores a token and frees the lease (?1 app, ?2 token, ?3 expires, ?4 fetched, ?5 source).
const SAVE_TOKEN: &str = "INSERT INTO access_tokens (app_id, token, expires_at, fetched_at, source) VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (app_id) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at,
         fetched_at = excluded.fetched_at, source = excluded.source, lease_holder = NULL, lease_until = 0";

/// Frees the lease if ?2 holds it.
const RELEASE_LEASE: &str =
    "UPDATE access_tokens SET lease_holder = NULL, lease_until = 0 WHERE app_id = ?1 AND lease_holder = ?2";

/// Forgets the token if it is still ?2.
const DISCARD_TOKEN: &str =
    "UPDATE access_tokens SET token = NULL WHERE app_id = ?1 AND token = ?2";

/// Makes sure the app has a row.
const ENSURE_TOKEN_ROW: &str =
    "INSERT INTO access_tokens (app_id) VALUES (?1) ON CONFLICT (app_id) DO NOTHING";

/// Counts a force refresh if allowed (?1 app, ?2 day, ?3 now, ?4 min gap ms, ?5 per day).
const COUNT_FORCE_REFRESH: &str = "UPDATE access_tokens SET
         force_count = CASE WHEN force_day = ?2 THEN force_count + 1 ELSE 1 END,
         force_day = ?2, last_force_at = ?3
     WHERE app_id = ?1 AND last_force_at <= ?3 - ?4 AND (force_day <> ?2 OR force_count < ?5)";

/// The stored token, if any.
pub async fn access_token<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
) -> Result<Option<StoredToken>, StoreError> {
    let row = Statement::new(ACCESS_TOKEN)
        .bind(app_id.as_str())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(stored_token).transpose()
}

/// A token from a row of [`ACCESS_TOKEN`].
fn stored_token(row: &impl ReadRow) -> Result<StoredToken, StoreError> {
    let token: String = row.read(0)?;
    let expires_at: i64 = row.read(1)?;
    let fetched_at: i64 = row.read(2)?;
    let source: String = row.read(3)?;
    let source = TokenMode::parse(&source)
        .ok_or_else(|| StoreError::Corrupt(format!("access_tokens.source {source:?}")))?;
    Ok(StoredToken {
        token: Secret::new(token),
        expires_at: Timestamp::from_millis(expires_at),
        fetched_at: Timestamp::from_millis(fetched_at),
        source,
    })
}

/// Takes the refresh lease for `holder` until `until`, if it is free, expired or its own.
pub async fn try_acquire_token_lease<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    holder: &str,
    now: Timestamp,
    until: Timestamp,
) -> Result<bool, StoreError> {
    let changed = Statement::new(ACQUIRE_LEASE)
        .bind(app_id.as_str())
        .bind(holder)
        .bind(now.as_millis())
        .bind(until.as_millis())
        .execute(pool)
        .await?;
    Ok(changed == 1)
}

/// Stores a token and frees the lease.
pub async fn save_access_token<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    token: &StoredToken,
) -> Result<(), StoreError> {
    Statement::new(SAVE_TOKEN)
        .bind(app_id.as_str())
        .bind(token.token.expose())
        .bind(token.expires_at.as_millis())
        .bind(token.fetched_at.as_millis())
        .bind(token.source.as_str())
        .execute(pool)
        .await?;
    Ok(())
}

/// Frees the lease if `holder` holds it.
pub async fn release_token_lease<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    holder: &str,
) -> Result<(), StoreError> {
    Statement::new(RELEASE_LEASE)
        .bind(app_id.as_str())
        .bind(holder)
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets the token if it is still `failed` (compare and clear); whether it was.
pub async fn discard_access_token<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    failed: &Secret,
) -> Result<bool, StoreError> {
    let changed = Statement::new(DISCARD_TOKEN)
        .bind(app_id.as_str())
        .bind(failed.expose())
        .execute(pool)
        .await?;
    Ok(changed == 1)
}

/// Counts a forced refresh, if WeChat's limits ([`force_limits`]) allow one now.
pub async fn allow_force_refresh<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    now: Timestamp,
) -> Result<bool, StoreError> {
    Statement::new(ENSURE_TOKEN_ROW)
        .bind(app_id.as_str())
        .execute(pool)
        .await?;
    let counted = Statement::new(COUNT_FORCE_REFRESH)
        .bind(app_id.as_str())
        .bind(force_limits::day_of(now.as_millis()))
        .bind(now.as_millis())
        .bind(force_limits::MIN_GAP_MS)
        .bind(force_limits::PER_DAY)
        .execute(pool)
        .await?;
    Ok(counted == 1)
}
