//! Turns follower and sync rows into domain values, refusing rows that make no sense.

use sqlx::Row;
use wxbase_core::official_account::{Follower, SyncStatus};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::{AppId, OpenId, UnionId};

use crate::rows::{corrupt, get};

/// Reads a follower from a row with the `FOLLOWER_COLUMNS`.
pub fn follower_from_row<'r, R>(row: &'r R) -> Result<Follower, StoreError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(Follower {
        app_id: AppId::parse(get::<_, String>(row, "app_id")?)
            .map_err(|e| corrupt("oa_followers.app_id", e))?,
        openid: OpenId::parse(get::<_, String>(row, "openid")?)
            .map_err(|e| corrupt("oa_followers.openid", e))?,
        unionid: get::<_, Option<String>>(row, "unionid")?
            .map(UnionId::parse)
            .transpose()
            .map_err(|e| corrupt("oa_followers.unionid", e))?,
        following: get(row, "following")?,
        since: get::<_, Option<i64>>(row, "since")?.map(Timestamp::from_millis),
        changed_at: Timestamp::from_millis(get(row, "changed_at")?),
    })
}

/// Reads the sync state from a row of `sql::STATUS`; `now` tells whether a lease is live.
pub fn sync_status_from_row<'r, R>(row: &'r R, now: Timestamp) -> Result<SyncStatus, StoreError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let at = |name: &'r str| -> Result<Option<Timestamp>, StoreError> {
        Ok(get::<_, Option<i64>>(row, name)?.map(Timestamp::from_millis))
    };
    Ok(SyncStatus {
        generation: get(row, "generation")?,
        running: get::<_, i64>(row, "lease_until")? > now.as_millis(),
        started_at: at("started_at")?,
        listed: get(row, "listed")?,
        total: get(row, "total")?,
        completed_generation: get(row, "completed_generation")?,
        completed_at: at("completed_at")?,
        marked_unfollowed: get(row, "marked_unfollowed")?,
        last_error: get(row, "last_error")?,
    })
}
