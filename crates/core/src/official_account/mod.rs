//! "Does this user follow our official account?": the linked official account's followers,
//! kept current by its follow events and by a full sync, matched with mini-program users by
//! unionid.

mod model;
mod service;
mod store;
mod sync;

pub use model::{
    EventOutcome, Follower, FollowerCounts, ListedFollower, NewFollowEvent, SyncDue, SyncProgress,
    SyncResume, SyncRun, SyncStatus,
};
pub use service::{
    FollowStatus, FollowerSyncSettings, OfficialAccountError, OfficialAccountService,
};
pub use store::FollowerStore;
pub use sync::{SyncOutcome, SyncReport};
