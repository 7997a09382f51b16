//! The console's use cases: admin accounts, signing in (throttled), console sessions, admin
//! API tokens, and the reads behind its pages.

use std::sync::Arc;
use std::time::Duration;

use wxbase_wechat::{AppId, OpenId};

use super::account::{hash_password, verify_password, AccountError, Password, Username};
use super::lockout::{LockoutPolicy, ThrottleKey};
use super::store::{
    AdminAccount, AdminSession, ApiToken, ApiTokenId, ConversationSummary, DailyCounts,
    NewAdminSession, NewApiTokenRow, TokenScope, UserSessionSummary,
};
use crate::messages::StoredMessage;
use crate::store::{Store, StoreError};
use crate::{SessionToken, Timestamp, User};

/// How the console behaves.
#[derive(Debug, Clone)]
pub struct ConsoleSettings {
    /// How long a console session lasts.
    pub session_ttl: Duration,
    /// How repeated sign-in failures are answered.
    pub lockout: LockoutPolicy,
    /// Whether the session cookie is always `Secure` (`server.public_url` is https); it is
    /// also when a request says it came over HTTPS (`X-Forwarded-Proto: https`).
    pub secure_cookies: bool,
}

impl Default for ConsoleSettings {
    fn default() -> Self {
        Self {
            session_ttl: Duration::from_secs(8 * 3600),
            lockout: LockoutPolicy::default(),
            secure_cookies: false,
        }
    }
}

/// Why a console call failed.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// A refused username or password.
    #[error(transparent)]
    Account(#[from] AccountError),
    /// The username is taken.
    #[error("an admin named {0:?} exists already")]
    UsernameTaken(String),
    /// No admin has this name.
    #[error("no admin named {0:?}")]
    UnknownAdmin(String),
    /// No such admin API token.
    #[error("no admin API token with id {0}")]
    UnknownToken(i64),
    /// A request that makes no sense (an empty name, …).
    #[error("{0}")]
    BadRequest(String),
    /// Hashing failed.
    #[error("{0}")]
    Hash(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInRefusal {
    /// The username or password is wrong (which one is not said).
    #[error("wrong username or password")]
    WrongCredentials,
    /// Too many failures: the account or the address is locked until then.
    #[error("too many failed sign-ins: locked until {}", until.to_rfc3339())]
    Locked {
        /// When the lock ends.
        until: Timestamp,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A successful sign-in: the cookie's token (shown once) and the session.
#[derive(Debug)]
pub struct SignIn {
    /// The session cookie's value.
    pub token: SessionToken,
    /// The session.
    pub session: AdminSession,
}

/// A new admin API token and its secret, shown once.
#[derive(Debug)]
pub struct NewApiToken {
    /// The stored token.
    pub token: ApiToken,
    /// The bearer value.
    pub secret: SessionToken,
}

/// The console's use cases over the store.
pub struct ConsoleService {
    store: Arc<dyn Store>,
    app_id: AppId,
    settings: ConsoleSettings,
    /// A hash checked when the username is unknown, so a sign-in takes as long either way
    /// (made at the first such sign-in).
    decoy_hash: tokio::sync::OnceCell<String>,
}

impl ConsoleService {
    /// A service for the app `app_id`.
    pub fn new(store: Arc<dyn Store>, app_id: AppId, settings: ConsoleSettings) -> Self {
        Self {
            store,
            app_id,
            settings,
            decoy_hash: tokio::sync::OnceCell::new(),
        }
    }

    /// The settings.
    pub fn settings(&self) -> &ConsoleSettings {
        &self.settings
    }

    /// Creates an admin.
    pub async fn create_admin(
        &self,
        username: &str,
        password: &Password,
    ) -> Result<Username, ConsoleError> {
        let username = Username::parse(username)?;
        let hash = hash_in_background(password.clone()).await?;
        if !self
            .store
            .create_admin(&username, &hash, Timestamp::now())
            .await?
        {
            return Err(ConsoleError::UsernameTaken(username.to_string()));
        }
        Ok(username)
    }

    /// Sets an admin's password; their sessions end.
    pub async fn set_password(
        &self,
        username: &str,
        password: &Password,
    ) -> Result<(), ConsoleError> {
        let username = Username::parse(username)?;
        let hash = hash_in_background(password.clone()).await?;
        if !self
            .store
            .set_admin_password(&username, &hash, Timestamp::now())
            .await?
        {
            return Err(ConsoleError::UnknownAdmin(username.to_string()));
        }
        Ok(())
    }

    /// Creates the admin, or gives an existing one this password (`serve --dev`).
    pub async fn ensure_admin(
        &self,
        username: &str,
        password: &Password,
    ) -> Result<(), ConsoleError> {
        match self.create_admin(username, password).await {
            Err(ConsoleError::UsernameTaken(_)) => self.set_password(username, password).await,
            other => other.map(|_| ()),
        }
    }

    /// Every admin, by name.
    pub async fn admins(&self) -> Result<Vec<AdminAccount>, ConsoleError> {
        Ok(self.store.admins().await?)
    }

    /// Deletes an admin and their sessions.
    pub async fn delete_admin(&self, username: &str) -> Result<(), ConsoleError> {
        let username = Username::parse(username)?;
        if !self.store.delete_admin(&username).await? {
            return Err(ConsoleError::UnknownAdmin(username.to_string()));
        }
        Ok(())
    }

    /// Signs an admin in from `address`, unless the account or the address is locked. After
    /// [`LockoutPolicy::slow_after`] recent failures each attempt waits first; a failure that
    /// reaches a lock threshold locks that account or address.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        address: &str,
    ) -> Result<SignIn, SignInRefusal> {
        let policy = self.settings.lockout;
        let now = Timestamp::now();
        let since = now.minus(policy.window);
        let keys = [
            ThrottleKey::Account(username),
            ThrottleKey::Address(address),
        ];
        let stored: Vec<String> = keys.iter().map(ThrottleKey::stored).collect();
        let throttles = self.store.throttles(&stored, since).await?;
        if let Some(until) = throttles
            .iter()
            .map(|(_, _, until)| *until)
            .filter(|until| *until > now)
            .max()
        {
            return Err(SignInRefusal::Locked { until });
        }
        let failures = throttles.iter().map(|(_, n, _)| *n).max().unwrap_or(0);
        if failures >= policy.slow_after {
            tokio::time::sleep(policy.delay).await;
        }
        let admin = match Username::parse(username) {
            Ok(name) => self.store.admin_by_name(&name).await?,
            Err(_) => None,
        };
        let hash = match &admin {
            Some(admin) => admin.password_hash.clone(),
            None => self.decoy().await,
        };
        let matches = verify_in_background(password.to_owned(), hash).await && admin.is_some();
        let Some(admin) = admin.filter(|_| matches) else {
            return Err(self.count_failure(&keys, now).await);
        };
        for key in &stored {
            self.store.clear_failures(key).await?;
        }
        let token = SessionToken::generate();
        let session = NewAdminSession {
            token_hash: token.hash(),
            admin: admin.id,
            csrf_token: hex::encode(rand::random::<[u8; 24]>()),
            created_at: now,
            expires_at: now.plus(self.settings.session_ttl),
        };
        self.store.insert_admin_session(&session).await?;
        Ok(SignIn {
            token,
            session: AdminSession {
                admin: admin.id,
                username: admin.username,
                csrf_token: session.csrf_token,
                expires_at: session.expires_at,
            },
        })
    }

    /// The decoy hash, made once.
    async fn decoy(&self) -> String {
        self.decoy_hash
            .get_or_init(|| async {
                hash_in_background(Password::generate())
                    .await
                    .unwrap_or_default()
            })
            .await
            .clone()
    }

    /// Counts a failed sign-in against each key and locks those that reached their limit.
    async fn count_failure(&self, keys: &[ThrottleKey<'_>], now: Timestamp) -> SignInRefusal {
        let policy = self.settings.lockout;
        let mut locked_until = None;
        for key in keys {
            let stored = key.stored();
            let counted = self
                .store
                .record_failure(&stored, now, now.minus(policy.window))
                .await;
            let failures = match counted {
                Ok(failures) => failures,
                Err(e) => return SignInRefusal::Store(e),
            };
            if failures >= policy.lock_after(key) {
                let until = now.plus(policy.lock_for);
                if let Err(e) = self.store.lock(&stored, until).await {
                    return SignInRefusal::Store(e);
                }
                tracing::warn!(key = %stored, failures, "console sign-in locked");
                locked_until = Some(until);
            }
        }
        match locked_until {
            Some(until) => SignInRefusal::Locked { until },
            None => SignInRefusal::WrongCredentials,
        }
    }

    /// The live session of a session cookie's value.
    pub async fn session(&self, cookie: &str) -> Result<Option<AdminSession>, ConsoleError> {
        let Ok(token) = SessionToken::parse(cookie) else {
            return Ok(None);
        };
        Ok(self
            .store
            .admin_session(&token.hash(), Timestamp::now())
            .await?)
    }

    /// Ends the session of a session cookie's value.
    pub async fn sign_out(&self, cookie: &str) -> Result<(), ConsoleError> {
        if let Ok(token) = SessionToken::parse(cookie) {
            self.store.delete_admin_session(&token.hash()).await?;
        }
        Ok(())
    }

    /// Deletes ended sessions and forgotten failures.
    pub async fn purge(&self) -> Result<u64, ConsoleError> {
        let now = Timestamp::now();
        let forget_before =
            now.minus(self.settings.lockout.window + self.settings.lockout.lock_for);
        Ok(self.store.purge_console(now, forget_before).await?)
    }

    /// Creates an admin API token.
    pub async fn create_api_token(
        &self,
        name: &str,
        scope: TokenScope,
        created_by: &Username,
    ) -> Result<NewApiToken, ConsoleError> {
        let name = name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(ConsoleError::BadRequest(
                "a token's name is 1 to 100 characters".to_owned(),
            ));
        }
        let secret = SessionToken::generate();
        let token = self
            .store
            .insert_api_token(&NewApiTokenRow {
                name: name.to_owned(),
                token_hash: secret.hash(),
                scope,
                created_by: created_by.clone(),
                created_at: Timestamp::now(),
            })
            .await?;
        Ok(NewApiToken { token, secret })
    }

    /// Every admin API token, newest first.
    pub async fn api_tokens(&self) -> Result<Vec<ApiToken>, ConsoleError> {
        Ok(self.store.api_tokens().await?)
    }

    /// Revokes an admin API token.
    pub async fn revoke_api_token(&self, id: ApiTokenId) -> Result<(), ConsoleError> {
        if !self.store.delete_api_token(id).await? {
            return Err(ConsoleError::UnknownToken(id.0));
        }
        Ok(())
    }

    /// The scope of a bearer value that is an admin API token.
    pub async fn api_token_scope(&self, bearer: &str) -> Result<Option<TokenScope>, ConsoleError> {
        let Ok(token) = SessionToken::parse(bearer) else {
            return Ok(None);
        };
        Ok(self.store.api_token_scope(&token.hash()).await?)
    }

    /// Per-day counts over the last `days` days (UTC), the current day included.
    pub async fn daily_counts(&self, days: u32) -> Result<(i64, DailyCounts), ConsoleError> {
        let current_day = Timestamp::now().as_millis().div_euclid(DAY_MILLIS);
        let first = current_day - i64::from(days.max(1)) + 1;
        let counts = self
            .store
            .daily_counts(&self.app_id, Timestamp::from_millis(first * DAY_MILLIS))
            .await?;
        Ok((first, counts))
    }

    /// Users found by openid prefix, unionid or phone number (the latest logins when empty).
    pub async fn search_users(&self, needle: &str, limit: u32) -> Result<Vec<User>, ConsoleError> {
        Ok(self
            .store
            .search_users(&self.app_id, needle.trim(), limit)
            .await?)
    }

    /// The user with this openid.
    pub async fn user(&self, openid: &OpenId) -> Result<Option<User>, ConsoleError> {
        Ok(self.store.user_by_openid(&self.app_id, openid).await?)
    }

    /// A user's sessions, newest first.
    pub async fn user_sessions(
        &self,
        user: &User,
    ) -> Result<Vec<UserSessionSummary>, ConsoleError> {
        Ok(self.store.user_sessions(user.id).await?)
    }

    /// Ends every session of a user; how many there were.
    pub async fn revoke_user_sessions(&self, user: &User) -> Result<u64, ConsoleError> {
        Ok(self.store.delete_user_sessions(user.id).await?)
    }

    /// Replies waiting in the outbox, the soonest due first.
    pub async fn pending_replies(&self, limit: u32) -> Result<Vec<StoredMessage>, ConsoleError> {
        Ok(self.store.pending_replies(&self.app_id, limit).await?)
    }

    /// The latest conversations.
    pub async fn inbox(&self, limit: u32) -> Result<Vec<ConversationSummary>, ConsoleError> {
        Ok(self.store.recent_conversations(&self.app_id, limit).await?)
    }
}

/// Milliseconds in a day.
pub const DAY_MILLIS: i64 = 86_400_000;

async fn hash_in_background(password: Password) -> Result<String, ConsoleError> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ConsoleError::Hash(format!("the hashing task failed: {e}")))?
        .map_err(ConsoleError::Hash)
}

async fn verify_in_background(password: String, hash: String) -> bool {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false)
}
