//! Turns follower and sync rows into domain values, refusing rows that make no sense.

use wxbase_core::official_account::{Follower, SyncStatus};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::{AppId, OpenId, UnionId};

use crate::backend::ReadRow;
use crate::errors::corrupt;

/// Reads a follower from a row with the `FOLLOWER_COLUMNS`.
pub fn follower_from_row(row: &impl ReadRow) -> Result<Follower, StoreError> {
    Ok(Follower {
        app_id: AppId::parse(row.read::<String>("app_id")?)
            .map_err(|e| corrupt("oa_followers.app_id", e))?,
        openid: OpenId::parse(row.read::<String>("openid")?)
            .map_err(|e| corrupt("oa_followers.openid", e))?,
        unionid: row
            .read::<Option<String>>("unionid")?
            .map(UnionId::parse)
            .transpose()
            .map_err(|e| corrupt("oa_followers.unionid", e))?,
        following: row.read("following")?,
        since: row
            .read::<Option<i64>>("since")?
            .map(Timestamp::from_millis),
        changed_at: Timestamp::from_millis(row.read("changed_at")?),
    })
}

/// Reads the sync state from a row of `sql::STATUS`; `now` tells whether a lease is live.
pub fn sync_status_from_row(row: &impl ReadRow, now: Timestamp) -> Result<SyncStatus, StoreError> {
    let at = |name: &str| -> Result<Option<Timestamp>, StoreError> {
        Ok(row.read::<Option<i64>>(name)?.map(Timestamp::from_millis))
    };
    Ok(SyncStatus {
        generation: row.read("generation")?,
        running: row.read::<i64>("lease_until")? > now.as_millis(),
        started_at: at("started_at")?,
        listed: row.read("listed")?,
        total: row.read("total")?,
        completed_generation: row.read("completed_generation")?,
        completed_at: at("completed_at")?,
        marked_unfollowed: row.read("marked_unfollowed")?,
        last_error: row.read("last_error")?,
    })
}
