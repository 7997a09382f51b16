//! The full follower sync: pages through `/cgi-bin/user/get` (`next_openid`), reads each page
//! through `/cgi-bin/user/info/batchget` (100 at a time), upserts every follower stamped with
//! the run's generation, and only after the whole listing succeeded marks the followers it did
//! not list as not following.
//!
//! One run at a time per deployment: a run holds a database lease, extended with every batch.
//! A run that fails or dies leaves its stamps behind and marks nobody. The next run continues
//! it, in the same generation, from the page after the last one it recorded whole, if the
//! generation's first run started within [`RESUME_WITHIN`]; otherwise it starts a new
//! generation from the first page.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use wxbase_wechat::api::user::{FollowerInfo, FollowerPage, BATCHGET_MAX};
use wxbase_wechat::OpenId;

use super::model::{ListedFollower, SyncDue, SyncProgress, SyncRun};
use super::service::{OfficialAccountError, OfficialAccountService};
use crate::Timestamp;

/// Most pages one run reads (10 000 openids each): a guard against a listing that never ends.
const MAX_PAGES: u32 = 100_000;

/// How recently an interrupted listing must have begun (its generation's first run) for the
/// next run to continue it. A listing continued much later would mix two snapshots far apart:
/// who unfollowed from the pages it had read, without an event reaching wxbase, would only be
/// marked by the run after.
pub const RESUME_WITHIN: Duration = Duration::from_secs(6 * 3600);

/// The longest the periodic job sleeps between checks whether a run is due.
const MAX_TICK: Duration = Duration::from_secs(60);
/// The shortest (a zero interval would make the ticker panic).
const MIN_TICK: Duration = Duration::from_millis(100);

/// What a sync did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", tag = "outcome")]
pub enum SyncOutcome {
    /// The listing completed and the followers it did not list were marked.
    Completed(SyncReport),
    /// Another instance holds the lease (or, for the periodic job, no run is due).
    Skipped,
}

/// A completed run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncReport {
    /// The run's generation.
    pub generation: i64,
    /// Pages of `/cgi-bin/user/get` read.
    pub pages: u32,
    /// Followers listed and recorded.
    pub listed: i64,
    /// The total WeChat reported.
    pub total: i64,
    /// Followers marked as no longer following.
    pub marked_unfollowed: u64,
}

impl OfficialAccountService {
    /// Runs a full sync now, unless another instance is running one.
    pub async fn sync_now(&self) -> Result<SyncOutcome, OfficialAccountError> {
        self.sync(None).await
    }

    /// Runs the periodic sync until the future is dropped (its owner spawns it as a task):
    /// every instance may run it; the lease and the last run's time in the database decide
    /// which one syncs, and when.
    pub async fn run_periodic_sync(self: Arc<Self>, interval: Duration) {
        tracing::info!(
            interval_s = interval.as_secs(),
            "periodic follower sync started"
        );
        let mut ticker = tokio::time::interval(interval.clamp(MIN_TICK, MAX_TICK));
        loop {
            ticker.tick().await;
            let now = Timestamp::now();
            let due = SyncDue {
                completed_before: now.minus(interval),
                started_before: now.minus(self.settings.retry_after.min(interval)),
            };
            if let Err(error) = self.sync(Some(due)).await {
                tracing::warn!(%error, "periodic follower sync failed; it will be retried");
            }
        }
    }

    async fn sync(&self, due: Option<SyncDue>) -> Result<SyncOutcome, OfficialAccountError> {
        let now = Timestamp::now();
        // Each run holds the lease under a name of its own: a run that continues a stalled
        // one of this same instance keeps the generation, and the lease must still tell them
        // apart, so that the stalled one's late writes are refused.
        let holder = format!("{}/{:08x}", self.instance, rand::random::<u32>());
        let Some(run) = self
            .store
            .begin_follower_sync(
                &self.app_id,
                &holder,
                now,
                now.plus(self.settings.lease),
                due,
                now.minus(RESUME_WITHIN),
            )
            .await?
        else {
            if due.is_none() {
                tracing::info!("another instance is syncing the followers; not starting");
            }
            return Ok(SyncOutcome::Skipped);
        };
        match &run.resume {
            Some(resume) => tracing::info!(
                generation = run.generation,
                listed = resume.listed,
                "follower sync continues an interrupted run"
            ),
            None => tracing::info!(generation = run.generation, "follower sync started"),
        }
        match self.list_everyone(&run, now).await {
            Ok(mut report) => {
                let marked = self
                    .store
                    .finish_follower_sync(&run, Timestamp::now())
                    .await?
                    .ok_or(OfficialAccountError::LeaseLost)?;
                report.marked_unfollowed = marked;
                tracing::info!(
                    generation = run.generation,
                    listed = report.listed,
                    total = report.total,
                    marked_unfollowed = marked,
                    "follower sync completed"
                );
                Ok(SyncOutcome::Completed(report))
            }
            Err(error) => {
                tracing::warn!(generation = run.generation, %error, "follower sync failed: nobody was marked as unfollowed");
                if !matches!(error, OfficialAccountError::LeaseLost) {
                    if let Err(release) = self
                        .store
                        .abandon_follower_sync(&run, &error.to_string())
                        .await
                    {
                        tracing::warn!(error = %release, "could not release the sync lease; it expires by itself");
                    }
                }
                Err(error)
            }
        }
    }

    /// Reads every page and records every follower; the run's report without the marking.
    async fn list_everyone(
        &self,
        run: &SyncRun,
        started: Timestamp,
    ) -> Result<SyncReport, OfficialAccountError> {
        let mut cursor: Option<OpenId> = run.resume.as_ref().map(|resume| resume.after.clone());
        let mut report = SyncReport {
            generation: run.generation,
            pages: 0,
            listed: run.resume.as_ref().map_or(0, |resume| resume.listed),
            total: 0,
            marked_unfollowed: 0,
        };
        // A resume point hours old may no longer lead anywhere: if its page fails, or comes
        // back empty while fewer followers were listed than WeChat counts, the listing starts
        // again from the first page, in the same generation (its stamps stay valid).
        let mut resuming = cursor.is_some();
        loop {
            let page = match self.page_after(cursor.as_ref()).await {
                Ok(page) => page,
                Err(error) if resuming => {
                    tracing::warn!(generation = run.generation, %error,
                        "follower sync: the page after the resume point failed; listing from the first page");
                    (resuming, cursor, report.listed) = (false, None, 0);
                    continue;
                }
                Err(error) => return Err(error),
            };
            report.pages += 1;
            report.total = i64::try_from(page.total).unwrap_or(i64::MAX);
            if resuming && page.openids.is_empty() && report.listed < report.total {
                tracing::warn!(
                    generation = run.generation,
                    listed = report.listed,
                    total = report.total,
                    "follower sync: nothing after the resume point, yet followers are missing; listing from the first page"
                );
                (resuming, cursor, report.listed) = (false, None, 0);
                continue;
            }
            resuming = false;
            let next = page
                .next_openid
                .clone()
                .filter(|next| !page.openids.is_empty() && cursor.as_ref() != Some(next));
            let chunks = page.openids.chunks(BATCHGET_MAX);
            let last_chunk = chunks.len().saturating_sub(1);
            for (index, chunk) in chunks.enumerate() {
                let followers = self.read_batch(chunk, started).await?;
                report.listed += i64::try_from(followers.len()).unwrap_or(i64::MAX);
                let progress = SyncProgress {
                    listed: report.listed,
                    total: report.total,
                    page_done: next.clone().filter(|_| index == last_chunk),
                };
                let now = Timestamp::now();
                let lease_until = now.plus(self.settings.lease);
                if !self
                    .store
                    .record_listed_followers(run, &followers, progress, now, lease_until)
                    .await?
                {
                    return Err(OfficialAccountError::LeaseLost);
                }
            }
            tracing::info!(
                generation = run.generation,
                page = report.pages,
                listed = report.listed,
                total = report.total,
                "follower sync progress"
            );
            match next {
                Some(next) => cursor = Some(next),
                None => return Ok(report),
            }
            if report.pages >= MAX_PAGES {
                return Err(OfficialAccountError::BadListing(format!(
                    "more than {MAX_PAGES} pages"
                )));
            }
        }
    }

    async fn page_after(
        &self,
        cursor: Option<&OpenId>,
    ) -> Result<FollowerPage, OfficialAccountError> {
        Ok(self
            .tokens
            .call(|token| async move { self.wechat.get_followers(&token, cursor).await })
            .await?)
    }

    /// The listed followers of one batch. The listing says who follows; the batch adds the
    /// unionid and the follow time, and drops those who left in between.
    async fn read_batch(
        &self,
        openids: &[OpenId],
        started: Timestamp,
    ) -> Result<Vec<ListedFollower>, OfficialAccountError> {
        let infos = self
            .tokens
            .call(|token| async move { self.wechat.batch_get_follower_info(&token, openids).await })
            .await?;
        let by_openid: HashMap<&OpenId, &FollowerInfo> =
            infos.iter().map(|info| (&info.openid, info)).collect();
        Ok(openids
            .iter()
            .filter_map(|openid| {
                let info = by_openid.get(openid);
                if info.is_some_and(|info| !info.follows()) {
                    return None;
                }
                let since = info
                    .and_then(|info| info.subscribe_time)
                    .map(|secs| Timestamp::from_millis(secs.saturating_mul(1000)));
                Some(ListedFollower {
                    openid: openid.clone(),
                    unionid: info.and_then(|info| info.unionid.clone()),
                    since,
                    changed_at: since.unwrap_or(started),
                })
            })
            .collect())
    }
}
