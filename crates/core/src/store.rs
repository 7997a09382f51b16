//! The storage interface. SQLite and PostgreSQL implement it in `wxbase-store`; everything that
//! must be shared between instances goes through it.

use async_trait::async_trait;
use wxbase_wechat::{AppId, OpenId, Secret, UnionId};

use crate::codes::CodeStore;
use crate::collections::CollectionStore;
use crate::console::ConsoleStore;
use crate::files::FileStore;
use crate::messages::MessageStore;
use crate::official_account::FollowerStore;
use crate::subscriptions::SubscriptionStore;
use crate::token::TokenStore;
use crate::webhooks::WebhookStore;
use crate::{KeyedUser, Phone, Profile, Timestamp, TokenHash, User, UserId, UserUpdate};

/// A boxed error from a storage backend.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Why a storage call failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or refused the connection.
    #[error("the database is unavailable")]
    Unavailable(#[source] BoxError),
    /// The database answered with an error.
    #[error("the database failed")]
    Backend(#[source] BoxError),
    /// Stored data does not make sense (for example an invalid openid in a row).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// One successful `jscode2session`, to be recorded as a user and a new session.
#[derive(Debug, Clone)]
pub struct NewLogin {
    /// The mini-program.
    pub app_id: AppId,
    /// The user's openid.
    pub openid: OpenId,
    /// The user's unionid, if WeChat sent one (a known unionid is never erased by `None`).
    pub unionid: Option<UnionId>,
    /// The new session_key, replacing the user's previous one.
    pub session_key: Secret,
    /// Hash of the new session token.
    pub token_hash: TokenHash,
    /// When the login happened.
    pub at: Timestamp,
    /// When the new session expires.
    pub expires_at: Timestamp,
}

/// The user a login was recorded for.
#[derive(Debug, Clone)]
pub struct LoginRecord {
    /// The user, as stored after the login.
    pub user: User,
    /// Whether this login created the user.
    pub is_new: bool,
}

/// A user brought over from another backend (`wxbase import --users`).
#[derive(Debug, Clone)]
pub struct ImportedUser {
    /// The mini-program.
    pub app_id: AppId,
    /// The user's openid.
    pub openid: OpenId,
    /// The user's unionid, if the old backend knew it.
    pub unionid: Option<UnionId>,
    /// The phone number, if known.
    pub phone: Option<Phone>,
    /// Nickname and avatar, if known.
    pub profile: Profile,
    /// When the old backend created the user.
    pub created_at: Timestamp,
}

/// The connections of one database pool at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUsage {
    /// Which pool (`writer`, `readers`, `main`).
    pub pool: &'static str,
    /// Connections open now.
    pub open: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The most connections the pool may open.
    pub max: u32,
}

impl PoolUsage {
    /// The usage of an sqlx-style pool from its open and idle counts and its limit.
    pub fn new(pool: &'static str, open: u32, idle: usize, max: u32) -> Self {
        Self {
            pool,
            open,
            idle: u32::try_from(idle).unwrap_or(u32::MAX).min(open),
            max,
        }
    }
}

/// Storage for wxbase. Every method is atomic.
#[async_trait]
pub trait Store:
    TokenStore
    + MessageStore
    + CollectionStore
    + FollowerStore
    + FileStore
    + CodeStore
    + ConsoleStore
    + WebhookStore
    + SubscriptionStore
{
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Writes a consistent copy of the whole database to `path` (which must not exist) while
    /// it keeps serving. Returns `false` when the backend does not copy itself (PostgreSQL:
    /// `pg_dump` does).
    async fn backup_into(&self, path: &std::path::Path) -> Result<bool, StoreError> {
        let _ = path;
        Ok(false)
    }

    /// The connections each of the backend's pools holds now, for metrics.
    fn pool_usage(&self) -> Vec<PoolUsage> {
        Vec::new()
    }

    /// Creates or updates the user and creates the session, in one transaction. Concurrent
    /// logins of one new user create exactly one user, and exactly one of them reports `is_new`.
    async fn record_login(&self, login: &NewLogin) -> Result<LoginRecord, StoreError>;

    /// The user owning the session with this token hash, if the session exists and has not
    /// expired at `now`.
    async fn session_user(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError>;

    /// Deletes a session. Returns whether it existed.
    async fn delete_session(&self, token: &TokenHash) -> Result<bool, StoreError>;

    /// Deletes every session that expired before `now`; returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError>;

    /// How many users an app has.
    async fn count_users(&self, app_id: &AppId) -> Result<u64, StoreError>;

    /// What [`Store::session_user`] finds, with the user's current session_key (read in the
    /// same statement, so a decryption costs one read).
    async fn session_user_with_key(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<KeyedUser>, StoreError>;

    /// Applies one change to a user and returns the user as stored after it.
    async fn update_user(&self, user: UserId, update: &UserUpdate) -> Result<User, StoreError>;

    /// Inserts users brought over from another backend (they have no session yet), all or
    /// none; an openid already known is left as it is. Returns how many were inserted.
    async fn import_users(&self, users: &[ImportedUser]) -> Result<u64, StoreError>;

    /// Closes every connection (SQLite also checkpoints its WAL). Later calls fail.
    async fn close(&self);
}
