//! The token manager: a cached token, single flight within the process, a database lease
//! across processes, and the replace-once rule for tokens WeChat rejects.

use std::future::Future;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use wxbase_wechat::{ErrCode, Secret, WechatClient, WechatError};

use super::fetch::fetch_grant;
use super::{StoredToken, TokenMode, TokenStore};
use crate::{AppCredentials, StoreError, Timestamp};

/// How often a caller waiting on another instance's refresh looks at the database.
const LEASE_POLL: Duration = Duration::from_millis(25);

/// How the manager behaves.
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// Which endpoint issues tokens.
    pub mode: TokenMode,
    /// Refresh when less than this remains.
    pub refresh_margin: Duration,
    /// How many times a `-1` (busy) answer is retried.
    pub busy_retries: u32,
    /// The first retry's delay; each next one doubles it.
    pub busy_backoff: Duration,
    /// How long a refresh may hold the lease, and how long others wait for it.
    pub lease: Duration,
}

impl Default for TokenSettings {
    fn default() -> Self {
        Self {
            mode: TokenMode::Stable,
            refresh_margin: Duration::from_secs(300),
            busy_retries: 3,
            busy_backoff: Duration::from_millis(100),
            lease: Duration::from_secs(30),
        }
    }
}

/// Why no token, or no answer from a call made with one, could be had.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// WeChat refused or could not be reached.
    #[error(transparent)]
    Wechat(#[from] WechatError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Another instance held the refresh lease for too long.
    #[error("another instance is refreshing the access_token and did not finish within {0:?}")]
    LeaseTimeout(Duration),
    /// WeChat keeps returning a token it rejects, and no force refresh is allowed now.
    #[error("WeChat rejects the access_token it keeps returning, and the force-refresh limit (20 a day, 30 s apart) allows no refresh now")]
    ForceRefreshLimited,
}

/// Hands out the app's access_token and calls WeChat APIs with it.
pub struct TokenManager {
    store: Arc<dyn TokenStore>,
    wechat: WechatClient,
    app: AppCredentials,
    settings: TokenSettings,
    instance: String,
    cached: RwLock<Option<StoredToken>>,
    refreshing: tokio::sync::Mutex<()>,
}

impl TokenManager {
    /// A manager for one app. `instance` names this process in the lease (make it unique).
    pub fn new(
        store: Arc<dyn TokenStore>,
        wechat: WechatClient,
        app: AppCredentials,
        settings: TokenSettings,
    ) -> Self {
        Self {
            store,
            wechat,
            app,
            settings,
            instance: format!("{:016x}", rand::random::<u64>()),
            cached: RwLock::new(None),
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    /// A token with at least the refresh margin left.
    pub async fn token(&self) -> Result<Secret, TokenError> {
        self.token_other_than(None).await
    }

    /// The stored token, as `wxbase token show` prints it.
    pub async fn stored(&self) -> Result<Option<StoredToken>, TokenError> {
        Ok(self.store.access_token(&self.app.app_id).await?)
    }

    /// Calls a WeChat API with the token. A token WeChat rejects (40001, 40014, 42001) is
    /// replaced and the call retried once; `-1` (busy) is retried with backoff a bounded
    /// number of times. Only for calls that are safe to repeat.
    pub async fn call<T, F, Fut>(&self, api: F) -> Result<T, TokenError>
    where
        F: FnMut(Secret) -> Fut,
        Fut: Future<Output = Result<T, WechatError>>,
    {
        self.call_with(api, self.settings.busy_retries).await
    }

    /// Like [`call`](Self::call) but never repeats a call WeChat may have carried out: only a
    /// rejected token (40001, 40014, 42001: the call did nothing) is replaced and retried.
    /// `-1` and transport errors come back to the caller, which decides (the outbox retries
    /// them later, with its own bounded backoff, and records each attempt).
    pub async fn call_once<T, F, Fut>(&self, api: F) -> Result<T, TokenError>
    where
        F: FnMut(Secret) -> Fut,
        Fut: Future<Output = Result<T, WechatError>>,
    {
        self.call_with(api, 0).await
    }

    async fn call_with<T, F, Fut>(&self, mut api: F, busy_retries: u32) -> Result<T, TokenError>
    where
        F: FnMut(Secret) -> Fut,
        Fut: Future<Output = Result<T, WechatError>>,
    {
        let mut replaced = false;
        let mut busy = 0;
        let mut token = self.token().await?;
        loop {
            match api(token.clone()).await {
                Ok(answer) => return Ok(answer),
                Err(error) => match error.errcode() {
                    Some(code) if code.is_stale_token() && !replaced => {
                        tracing::info!(errcode = %code, "WeChat rejected the access_token; replacing it");
                        replaced = true;
                        token = self.replace(&token).await?;
                    }
                    Some(ErrCode::BUSY) if busy < busy_retries => {
                        busy += 1;
                        tokio::time::sleep(self.backoff(busy)).await;
                    }
                    _ => return Err(error.into()),
                },
            }
        }
    }

    /// Drops `failed` (here and, if still current, in the database) and gets another token.
    pub async fn replace(&self, failed: &Secret) -> Result<Secret, TokenError> {
        {
            let mut cached = self.cached.write().unwrap_or_else(|p| p.into_inner());
            if cached.as_ref().is_some_and(|c| &c.token == failed) {
                *cached = None;
            }
        }
        self.store
            .discard_access_token(&self.app.app_id, failed)
            .await?;
        self.token_other_than(Some(failed)).await
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.settings.busy_backoff * 2u32.saturating_pow(attempt.saturating_sub(1))
    }

    /// Not the failed token, and more than the refresh margin left. The margin is capped at
    /// half the token's lifetime, so a short-lived token cannot cause a refresh on every call.
    fn usable(&self, token: &StoredToken, failed: Option<&Secret>, now: Timestamp) -> bool {
        let lifetime_ms = token.expires_at.as_millis() - token.fetched_at.as_millis();
        let margin_ms = i64::try_from(self.settings.refresh_margin.as_millis())
            .unwrap_or(i64::MAX)
            .min(lifetime_ms / 2);
        failed != Some(&token.token) && token.expires_at.as_millis() - margin_ms > now.as_millis()
    }

    fn cached_usable(&self, failed: Option<&Secret>) -> Option<Secret> {
        let cached = self.cached.read().unwrap_or_else(|p| p.into_inner());
        cached
            .as_ref()
            .filter(|t| self.usable(t, failed, Timestamp::now()))
            .map(|t| t.token.clone())
    }

    fn remember(&self, token: &StoredToken) -> Secret {
        *self.cached.write().unwrap_or_else(|p| p.into_inner()) = Some(token.clone());
        token.token.clone()
    }

    /// The fast path reads the cache; otherwise one caller per process goes to the database,
    /// and one instance per database refreshes while the others wait for its result.
    async fn token_other_than(&self, failed: Option<&Secret>) -> Result<Secret, TokenError> {
        if let Some(token) = self.cached_usable(failed) {
            return Ok(token);
        }
        let _single_flight = self.refreshing.lock().await;
        if let Some(token) = self.cached_usable(failed) {
            return Ok(token);
        }
        let app_id = &self.app.app_id;
        let give_up = Instant::now() + self.settings.lease;
        loop {
            if let Some(stored) = self.usable_stored(failed).await? {
                return Ok(self.remember(&stored));
            }
            let now = Timestamp::now();
            let until = now.plus(self.settings.lease);
            if self
                .store
                .try_acquire_token_lease(app_id, &self.instance, now, until)
                .await?
            {
                if let Some(stored) = self.usable_stored(failed).await? {
                    self.store
                        .release_token_lease(app_id, &self.instance)
                        .await?;
                    return Ok(self.remember(&stored));
                }
                return match self.fetch(failed).await {
                    Ok(fresh) => {
                        self.store.save_access_token(app_id, &fresh).await?;
                        tracing::info!(source = %fresh.source, expires_at = %fresh.expires_at.to_rfc3339(), "fetched a new access_token");
                        Ok(self.remember(&fresh))
                    }
                    Err(error) => {
                        if let Err(release) =
                            self.store.release_token_lease(app_id, &self.instance).await
                        {
                            tracing::warn!(error = %release, "could not release the token lease; it expires by itself");
                        }
                        Err(error)
                    }
                };
            }
            if Instant::now() >= give_up {
                return Err(TokenError::LeaseTimeout(self.settings.lease));
            }
            tokio::time::sleep(LEASE_POLL).await;
        }
    }

    async fn usable_stored(
        &self,
        failed: Option<&Secret>,
    ) -> Result<Option<StoredToken>, TokenError> {
        let stored = self.store.access_token(&self.app.app_id).await?;
        Ok(stored.filter(|t| self.usable(t, failed, Timestamp::now())))
    }

    /// Gets a token from WeChat. In stable mode, when WeChat hands back the very token it just
    /// rejected, a force refresh is made if the limits allow one.
    async fn fetch(&self, failed: Option<&Secret>) -> Result<StoredToken, TokenError> {
        let settings = &self.settings;
        let mode = settings.mode;
        let fetch = |force| {
            fetch_grant(
                &self.wechat,
                &self.app,
                mode,
                force,
                settings.busy_retries,
                settings.busy_backoff,
            )
        };
        let mut grant = fetch(false).await?;
        if mode == TokenMode::Stable && failed == Some(&grant.access_token) {
            if !self
                .store
                .allow_force_refresh(&self.app.app_id, Timestamp::now())
                .await?
            {
                tracing::error!("WeChat returned the rejected access_token again and no force refresh is allowed now");
                return Err(TokenError::ForceRefreshLimited);
            }
            tracing::warn!("WeChat returned the rejected access_token again; forcing a refresh");
            grant = fetch(true).await?;
        }
        let fetched_at = Timestamp::now();
        Ok(StoredToken {
            token: grant.access_token,
            expires_at: fetched_at.plus(Duration::from_secs(grant.expires_in)),
            fetched_at,
            source: mode,
        })
    }
}
