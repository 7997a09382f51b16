//! What the token manager needs from the database: the token, a refresh lease, and
//! force-refresh accounting. Shared by every instance on one database.

use std::fmt;

use async_trait::async_trait;
use wxbase_wechat::{AppId, Secret};

use crate::{StoreError, Timestamp};

/// Which WeChat endpoint issues tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenMode {
    /// `POST /cgi-bin/stable_token`: the same token until shortly before expiry; getting it
    /// never invalidates the token other callers hold. The default.
    Stable,
    /// `GET /cgi-bin/token`: every call mints a new token (the previous one lives 5 more minutes).
    Legacy,
}

impl TokenMode {
    /// The name stored with a token and used in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stable => "stable_token",
            Self::Legacy => "token",
        }
    }

    /// Parses a stored or configured name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "stable_token" | "stable" => Some(Self::Stable),
            "token" | "legacy" => Some(Self::Legacy),
            _ => None,
        }
    }
}

impl fmt::Display for TokenMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An access_token as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// The token.
    pub token: Secret,
    /// When WeChat said it expires.
    pub expires_at: Timestamp,
    /// When it was fetched.
    pub fetched_at: Timestamp,
    /// Which endpoint issued it.
    pub source: TokenMode,
}

/// Storage for the shared access_token. Every method is atomic.
#[async_trait]
pub trait TokenStore: Send + Sync + 'static {
    /// The stored token of `app_id`, if there is one.
    async fn access_token(&self, app_id: &AppId) -> Result<Option<StoredToken>, StoreError>;

    /// Takes the refresh lease until `until` if nobody else holds an unexpired one at `now`.
    /// Returns whether `holder` now holds it.
    async fn try_acquire_token_lease(
        &self,
        app_id: &AppId,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Stores a freshly fetched token and releases the lease.
    async fn save_access_token(
        &self,
        app_id: &AppId,
        token: &StoredToken,
    ) -> Result<(), StoreError>;

    /// Releases the lease if `holder` holds it (after a failed refresh).
    async fn release_token_lease(&self, app_id: &AppId, holder: &str) -> Result<(), StoreError>;

    /// Forgets the stored token only if it is still `failed`. Returns whether it was.
    async fn discard_access_token(
        &self,
        app_id: &AppId,
        failed: &Secret,
    ) -> Result<bool, StoreError>;

    /// Records a force refresh at `now` if WeChat's limits allow one: at most 20 per day
    /// (Beijing time) and 30 s apart. Returns whether it may go ahead.
    async fn allow_force_refresh(&self, app_id: &AppId, now: Timestamp)
        -> Result<bool, StoreError>;
}

/// WeChat's force-refresh limits.
pub mod force_limits {
    /// Most force refreshes per day.
    pub const PER_DAY: i64 = 20;
    /// Least time between two, in milliseconds.
    pub const MIN_GAP_MS: i64 = 30_000;

    /// The WeChat day (UTC+8) of an instant in Unix milliseconds.
    pub fn day_of(millis: i64) -> i64 {
        (millis + 8 * 3_600_000).div_euclid(86_400_000)
    }
}
