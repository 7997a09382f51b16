//! The followers of the linked official account as wxbase records them, the follow events that
//! change them, and the state of the full sync.

use serde::Serialize;
use wxbase_wechat::push::{FollowEvent, FollowKind};
use wxbase_wechat::{AppId, OpenId, UnionId};

use crate::Timestamp;

/// One user of the official account, by their openid there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follower {
    /// The official account.
    pub app_id: AppId,
    /// The user's openid in the official account.
    pub openid: OpenId,
    /// The user's unionid, once learned (`/cgi-bin/user/info` or a sync).
    pub unionid: Option<UnionId>,
    /// Whether the user follows the account now, as far as wxbase knows.
    pub following: bool,
    /// When the user (last) followed; kept after they leave.
    pub since: Option<Timestamp>,
    /// WeChat's time of the change the row reflects: an older event never overrides it.
    pub changed_at: Timestamp,
}

/// A follow event as the store records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowEvent {
    /// The official account.
    pub app_id: AppId,
    /// The user.
    pub openid: OpenId,
    /// Followed or left.
    pub kind: FollowKind,
    /// The event's `CreateTime`.
    pub at: Timestamp,
    /// When wxbase received it.
    pub received_at: Timestamp,
}

impl NewFollowEvent {
    /// The event of `app_id` pushed as `event`, received at `received_at`.
    pub fn from_push(app_id: AppId, event: &FollowEvent, received_at: Timestamp) -> Self {
        Self {
            app_id,
            openid: event.openid.clone(),
            kind: event.kind,
            at: Timestamp::from_millis(event.create_time.saturating_mul(1000)),
            received_at,
        }
    }

    /// Whether the user followed.
    pub fn follows(&self) -> bool {
        self.kind == FollowKind::Subscribe
    }
}

/// What recording a follow event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventOutcome {
    /// The event changed the follower.
    Applied(Follower),
    /// A later change (event or sync) is already recorded; the follower is left as it is.
    Superseded(Follower),
    /// The same event was recorded before (a retried push): nothing changed.
    Duplicate(Option<Follower>),
}

impl EventOutcome {
    /// The follower as stored after the event, if there is one.
    pub fn follower(&self) -> Option<&Follower> {
        match self {
            Self::Applied(f) | Self::Superseded(f) => Some(f),
            Self::Duplicate(f) => f.as_ref(),
        }
    }
}

/// A follower as one page of a full sync lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedFollower {
    /// The user's openid.
    pub openid: OpenId,
    /// Their unionid, when WeChat gave one.
    pub unionid: Option<UnionId>,
    /// When they (last) followed, by WeChat's `subscribe_time`, when given.
    pub since: Option<Timestamp>,
    /// The time of this fact for ordering against events: `since`, or else when the run
    /// started. A follower whose row reflects a later change keeps its state.
    pub changed_at: Timestamp,
}

/// When a periodic run is due: no run completed after `completed_before` and none started
/// after `started_before` (so a failing run is retried sooner than a successful one repeats).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncDue {
    /// The latest completion that still makes a new run due.
    pub completed_before: Timestamp,
    /// The latest start that still makes a new run due.
    pub started_before: Timestamp,
}

/// A sync run this process holds the lease of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncRun {
    /// The official account.
    pub app_id: AppId,
    /// The run's number: followers it lists are stamped with it, and at the end followers
    /// stamped with an older one are marked as not following.
    pub generation: i64,
    /// Who holds the lease.
    pub holder: String,
    /// Where an interrupted run of the same generation stopped, when this run continues it.
    pub resume: Option<SyncResume>,
}

/// Where an interrupted run stopped: after its last page recorded whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncResume {
    /// The `next_openid` that page ended with: the listing goes on from there.
    pub after: OpenId,
    /// Followers listed up to that page.
    pub listed: i64,
}

/// How far a sync run got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncProgress {
    /// Followers listed so far.
    pub listed: i64,
    /// The total WeChat reported.
    pub total: i64,
    /// Set by the batch that completes a page with more after it: the page's `next_openid`.
    /// A run that continues this one after an interruption lists from there.
    pub page_done: Option<OpenId>,
}

/// The last and current sync runs of an official account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    /// The latest run started.
    pub generation: i64,
    /// Whether a run holds the lease now.
    pub running: bool,
    /// When the latest run started.
    pub started_at: Option<Timestamp>,
    /// Followers the latest run listed so far.
    pub listed: i64,
    /// The follower total WeChat reported to the latest run.
    pub total: Option<i64>,
    /// The latest run that completed.
    pub completed_generation: i64,
    /// When it completed.
    pub completed_at: Option<Timestamp>,
    /// How many followers it marked as no longer following.
    pub marked_unfollowed: i64,
    /// Why the latest run that failed failed (cleared by a completed run).
    pub last_error: Option<String>,
}

/// How many users of the official account wxbase knows, and how many follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FollowerCounts {
    /// Every user ever seen following.
    pub known: u64,
    /// Those following now.
    pub following: u64,
    /// Those following now whose unionid is known.
    pub with_unionid: u64,
}
