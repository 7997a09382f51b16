//! What the console needs from the database: admin accounts, their sessions, the sign-in
//! throttle, admin API tokens, and the read-only views of its pages.

use async_trait::async_trait;
use wxbase_wechat::{AppId, OpenId};

use super::account::Username;
use super::wechat_errors::WechatErrorCount;
use crate::messages::StoredMessage;
use crate::{StoreError, Timestamp, TokenHash, User, UserId};

/// An admin's database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AdminId(pub i64);

/// A stored admin account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminAccount {
    /// Its id.
    pub id: AdminId,
    /// Its sign-in name.
    pub username: Username,
    /// The argon2id PHC string of its password.
    pub password_hash: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// When its password last changed.
    pub updated_at: Timestamp,
}

/// A console session to store.
#[derive(Debug, Clone)]
pub struct NewAdminSession {
    /// The key of the session cookie's token.
    pub token_hash: TokenHash,
    /// Who signed in.
    pub admin: AdminId,
    /// The session's CSRF token (sent back with every change).
    pub csrf_token: String,
    /// When it began.
    pub created_at: Timestamp,
    /// When it ends.
    pub expires_at: Timestamp,
}

/// A live console session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminSession {
    /// Who is signed in.
    pub admin: AdminId,
    /// Their name.
    pub username: Username,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// When it ends.
    pub expires_at: Timestamp,
}

/// What an admin API token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// `GET` requests only.
    ReadOnly,
    /// Every admin API request.
    Full,
}

impl TokenScope {
    /// The scope's stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::ReadOnly => "read_only",
            TokenScope::Full => "full",
        }
    }

    /// A stored name's scope.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "read_only" => Some(TokenScope::ReadOnly),
            "full" => Some(TokenScope::Full),
            _ => None,
        }
    }
}

/// An admin API token's database id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ApiTokenId(pub i64);

/// An admin API token to store (its secret is shown once, only its hash is kept).
#[derive(Debug, Clone)]
pub struct NewApiTokenRow {
    /// What it is for.
    pub name: String,
    /// Its key.
    pub token_hash: TokenHash,
    /// What it may do.
    pub scope: TokenScope,
    /// Who created it.
    pub created_by: Username,
    /// When.
    pub created_at: Timestamp,
}

/// A stored admin API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Its id.
    pub id: ApiTokenId,
    /// What it is for.
    pub name: String,
    /// What it may do.
    pub scope: TokenScope,
    /// Who created it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

/// How many things happened on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayCount {
    /// Days since 1970-01-01 (UTC).
    pub day: i64,
    /// How many.
    pub count: u64,
}

/// Per-day counts for the dashboard; days with nothing are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DailyCounts {
    /// Users created.
    pub new_users: Vec<DayCount>,
    /// Sessions started (logins) whose session is still stored.
    pub logins: Vec<DayCount>,
    /// Messages from users.
    pub inbound_messages: Vec<DayCount>,
    /// Replies and manual messages to users.
    pub outbound_messages: Vec<DayCount>,
}

/// One user's conversation in the inbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationSummary {
    /// The user.
    pub openid: OpenId,
    /// Messages both ways.
    pub messages: u64,
    /// When the latest one was recorded.
    pub last_at: Timestamp,
}

/// One session of a mini-program user (its token is never shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSessionSummary {
    /// When it began.
    pub created_at: Timestamp,
    /// When it ends.
    pub expires_at: Timestamp,
}

/// Storage of the console. Every method is atomic.
#[async_trait]
pub trait ConsoleStore: Send + Sync + 'static {
    /// Creates an admin; `false` if the name is taken.
    async fn create_admin(
        &self,
        username: &Username,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// The admin with this name.
    async fn admin_by_name(&self, username: &Username) -> Result<Option<AdminAccount>, StoreError>;

    /// Every admin, by name.
    async fn admins(&self) -> Result<Vec<AdminAccount>, StoreError>;

    /// Replaces an admin's password hash and ends their sessions; `false` if there is none.
    async fn set_admin_password(
        &self,
        username: &Username,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Deletes an admin and their sessions; `false` if there is none.
    async fn delete_admin(&self, username: &Username) -> Result<bool, StoreError>;

    /// Stores a console session.
    async fn insert_admin_session(&self, session: &NewAdminSession) -> Result<(), StoreError>;

    /// The live session with this key at `now`.
    async fn admin_session(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<AdminSession>, StoreError>;

    /// Ends a console session; whether it existed.
    async fn delete_admin_session(&self, token: &TokenHash) -> Result<bool, StoreError>;

    /// Deletes console sessions that ended before `now`, and throttle entries last failed
    /// before `forget_before`; how many rows went.
    async fn purge_console(
        &self,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<u64, StoreError>;

    /// The end of the lock on each of `keys` that is locked at `now`, and the failures counted
    /// for each since `since`: `(key, failures, locked_until)`.
    async fn throttles(
        &self,
        keys: &[String],
        since: Timestamp,
    ) -> Result<Vec<(String, u32, Timestamp)>, StoreError>;

    /// Counts one failure of `key` at `now` (the count restarts when the last failure was
    /// before `since`) and returns the new count.
    async fn record_failure(
        &self,
        key: &str,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<u32, StoreError>;

    /// Locks `key` until `until`.
    async fn lock(&self, key: &str, until: Timestamp) -> Result<(), StoreError>;

    /// Forgets the failures of `key` (after a successful sign-in).
    async fn clear_failures(&self, key: &str) -> Result<(), StoreError>;

    /// Stores an admin API token.
    async fn insert_api_token(&self, token: &NewApiTokenRow) -> Result<ApiToken, StoreError>;

    /// Every admin API token, newest first.
    async fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError>;

    /// The scope of the token with this key.
    async fn api_token_scope(&self, token: &TokenHash) -> Result<Option<TokenScope>, StoreError>;

    /// Deletes an admin API token; whether it existed.
    async fn delete_api_token(&self, id: ApiTokenId) -> Result<bool, StoreError>;

    /// Per-day counts of the app since `since`.
    async fn daily_counts(
        &self,
        app_id: &AppId,
        since: Timestamp,
    ) -> Result<DailyCounts, StoreError>;

    /// Users whose openid starts with `needle`, or whose unionid or phone number (with or
    /// without country code) is `needle`; the latest logins first, at most `limit`. An empty
    /// needle lists the latest logins.
    async fn search_users(
        &self,
        app_id: &AppId,
        needle: &str,
        limit: u32,
    ) -> Result<Vec<User>, StoreError>;

    /// The user with this openid.
    async fn user_by_openid(
        &self,
        app_id: &AppId,
        openid: &OpenId,
    ) -> Result<Option<User>, StoreError>;

    /// The user's sessions, newest first.
    async fn user_sessions(&self, user: UserId) -> Result<Vec<UserSessionSummary>, StoreError>;

    /// Ends every session of the user; how many there were.
    async fn delete_user_sessions(&self, user: UserId) -> Result<u64, StoreError>;

    /// Replies waiting in the outbox (in flight included), the soonest due first, at most
    /// `limit`.
    async fn pending_replies(
        &self,
        app_id: &AppId,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// Users with messages, the latest conversation first, at most `limit`.
    async fn recent_conversations(
        &self,
        app_id: &AppId,
        limit: u32,
    ) -> Result<Vec<ConversationSummary>, StoreError>;

    /// Adds failed WeChat calls, each to the count of its endpoint and errcode in the minute of
    /// its `last_seen`, and deletes the minutes before `forget_before`.
    async fn record_wechat_errors(
        &self,
        counts: &[WechatErrorCount],
        forget_before: Timestamp,
    ) -> Result<(), StoreError>;

    /// Failed WeChat calls in the minutes from `since`, summed by endpoint and errcode.
    async fn wechat_errors(&self, since: Timestamp) -> Result<Vec<WechatErrorCount>, StoreError>;
}
