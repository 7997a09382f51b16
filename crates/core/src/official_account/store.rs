//! What the official-account feature needs from the database: followers, the follow-event log
//! that de-duplicates retried pushes, and the sync's lease and generation. Shared by every
//! instance on one database.

use async_trait::async_trait;
use wxbase_wechat::{AppId, OpenId, UnionId};

use super::model::{
    EventOutcome, Follower, FollowerCounts, ListedFollower, NewFollowEvent, SyncDue, SyncProgress,
    SyncRun, SyncStatus,
};
use crate::{StoreError, Timestamp};

/// Storage for the official account's followers. Every method is atomic.
#[async_trait]
pub trait FollowerStore: Send + Sync + 'static {
    /// Records a follow event once (a retried push is a [`EventOutcome::Duplicate`]) and
    /// applies it unless the follower already reflects a later change (by WeChat's time).
    /// An applied event stamps the follower with the current sync generation, so a sync
    /// running meanwhile does not mark a new follower as gone.
    async fn record_follow_event(&self, event: &NewFollowEvent)
        -> Result<EventOutcome, StoreError>;

    /// Stores a follower's unionid (learned from `/cgi-bin/user/info`).
    async fn set_follower_unionid(
        &self,
        app_id: &AppId,
        openid: &OpenId,
        unionid: &UnionId,
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// The follower with this unionid (the latest changed, should there be several).
    async fn follower_by_unionid(
        &self,
        app_id: &AppId,
        unionid: &UnionId,
    ) -> Result<Option<Follower>, StoreError>;

    /// The follower with this openid.
    async fn follower(
        &self,
        app_id: &AppId,
        openid: &OpenId,
    ) -> Result<Option<Follower>, StoreError>;

    /// Counts the known users and followers.
    async fn count_followers(&self, app_id: &AppId) -> Result<FollowerCounts, StoreError>;

    /// Starts a sync run: takes the lease until `lease_until` if nobody holds an unexpired
    /// one at `now` and, when `due` is given, a periodic run is due. The run continues the
    /// latest one (same generation, [`SyncRun::resume`] set) if that one did not complete,
    /// recorded at least one whole page, and its generation's first run started at or after
    /// `resume_since`; otherwise it starts a new generation. `None` when the run may not
    /// start.
    async fn begin_follower_sync(
        &self,
        app_id: &AppId,
        holder: &str,
        now: Timestamp,
        lease_until: Timestamp,
        due: Option<SyncDue>,
        resume_since: Timestamp,
    ) -> Result<Option<SyncRun>, StoreError>;

    /// Upserts one batch of listed followers (stamping them with the run's generation),
    /// records the progress (and, with [`SyncProgress::page_done`], where a continuing run
    /// would resume) and extends the lease, in one transaction. Returns `false`, and changes
    /// nothing, when the run no longer holds the lease.
    async fn record_listed_followers(
        &self,
        run: &SyncRun,
        followers: &[ListedFollower],
        progress: SyncProgress,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Completes a run whose listing finished: marks every follower the run did not list as
    /// not following, records the completion and releases the lease, in one transaction.
    /// Returns how many were marked, or `None` (changing nothing) when the run lost the lease.
    async fn finish_follower_sync(
        &self,
        run: &SyncRun,
        now: Timestamp,
    ) -> Result<Option<u64>, StoreError>;

    /// Ends a run that failed: records why and releases the lease. Marks nobody.
    async fn abandon_follower_sync(&self, run: &SyncRun, error: &str) -> Result<(), StoreError>;

    /// The sync state, if a sync ever started.
    async fn follower_sync_status(
        &self,
        app_id: &AppId,
        now: Timestamp,
    ) -> Result<Option<SyncStatus>, StoreError>;
}
