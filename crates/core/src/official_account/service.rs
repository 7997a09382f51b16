//! The official-account use case: follow events from its push endpoint update the followers
//! (learning each new follower's unionid from `/cgi-bin/user/info`), and a mini-program user
//! is matched with them by unionid.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use wxbase_wechat::push::FollowEvent;
use wxbase_wechat::{AppId, OpenId, WechatClient};

use super::model::{EventOutcome, FollowerCounts, NewFollowEvent, SyncStatus};
use crate::store::{Store, StoreError};
use crate::token::{TokenError, TokenManager, TokenSettings};
use crate::{OfficialAccountSettings, Timestamp, User};

/// How the follower sync behaves.
#[derive(Debug, Clone)]
pub struct FollowerSyncSettings {
    /// How often the periodic job syncs; `None`: only when asked.
    pub interval: Option<Duration>,
    /// How long a run holds the lease without progress before another instance may take over.
    pub lease: Duration,
    /// How soon the periodic job tries again after a run that did not complete.
    pub retry_after: Duration,
}

impl Default for FollowerSyncSettings {
    fn default() -> Self {
        Self {
            interval: None,
            lease: Duration::from_secs(120),
            retry_after: Duration::from_secs(600),
        }
    }
}

/// Why an official-account call failed.
#[derive(Debug, thiserror::Error)]
pub enum OfficialAccountError {
    /// The user's unionid is not known, so they cannot be matched with the followers.
    #[error("wxbase does not know this user's unionid yet, so they cannot be matched with the official account's followers. Bind the mini-program and the official account to one WeChat Open Platform account (then every login carries the unionid), or have the user share their encrypted user info and send it to POST /api/me/decrypt, which stores the unionId it contains")]
    UnionIdUnknown,
    /// Another instance took the sync lease over (this one stalled for longer than it).
    #[error("the follower sync lost its lease to another run; that run carries on")]
    LeaseLost,
    /// WeChat's follower list did not make sense.
    #[error("the follower list from WeChat is inconsistent: {0}")]
    BadListing(String),
    /// Getting the official account's token or calling WeChat failed.
    #[error(transparent)]
    Upstream(#[from] TokenError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether a mini-program user follows the official account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FollowStatus {
    /// Whether they follow it now.
    pub following: bool,
    /// Since when, while they follow.
    pub since: Option<Timestamp>,
}

/// The linked official account's followers.
pub struct OfficialAccountService {
    pub(super) store: Arc<dyn Store>,
    pub(super) tokens: Arc<TokenManager>,
    pub(super) wechat: WechatClient,
    pub(super) app_id: AppId,
    pub(super) settings: FollowerSyncSettings,
    pub(super) instance: String,
}

impl OfficialAccountService {
    /// A service for the official account `app_id`, calling WeChat with its own `tokens`.
    pub fn new(
        store: Arc<dyn Store>,
        tokens: Arc<TokenManager>,
        wechat: WechatClient,
        app_id: AppId,
        settings: FollowerSyncSettings,
    ) -> Self {
        Self {
            store,
            tokens,
            wechat,
            app_id,
            settings,
            instance: format!("{:016x}", rand::random::<u64>()),
        }
    }

    /// A service for the `[official_account]` of the configuration, with its own token
    /// manager (tokens are stored per AppID, so it shares the store with the app's).
    pub fn from_settings(
        store: Arc<dyn Store>,
        wechat: WechatClient,
        settings: &OfficialAccountSettings,
        token_settings: TokenSettings,
    ) -> Self {
        let tokens = Arc::new(TokenManager::new(
            store.clone(),
            wechat.clone(),
            settings.app.clone(),
            token_settings,
        ));
        let sync = FollowerSyncSettings {
            interval: settings.sync_interval,
            ..FollowerSyncSettings::default()
        };
        Self::new(store, tokens, wechat, settings.app.app_id.clone(), sync)
    }

    /// The official account's AppID.
    pub fn app_id(&self) -> &AppId {
        &self.app_id
    }

    /// The sync settings.
    pub fn settings(&self) -> &FollowerSyncSettings {
        &self.settings
    }

    /// Records a follow event from the push endpoint. A follower without a known unionid gets
    /// it from `/cgi-bin/user/info`; if that fails the error comes back (the endpoint answers
    /// 500, WeChat retries, and the retry, recognised as a duplicate, tries again).
    pub async fn receive(&self, event: &FollowEvent) -> Result<EventOutcome, OfficialAccountError> {
        let record = NewFollowEvent::from_push(self.app_id.clone(), event, Timestamp::now());
        let outcome = self.store.record_follow_event(&record).await?;
        let kind = record.kind.as_str();
        match &outcome {
            EventOutcome::Applied(_) => tracing::info!(event = kind, "follow event applied"),
            EventOutcome::Superseded(_) => {
                tracing::info!(
                    event = kind,
                    "follow event older than the recorded state: ignored"
                )
            }
            EventOutcome::Duplicate(_) => {
                tracing::info!(event = kind, "retried follow event: already recorded")
            }
        }
        if let Some(follower) = outcome.follower() {
            if follower.following && follower.unionid.is_none() {
                self.learn_unionid(&follower.openid).await?;
            }
        }
        Ok(outcome)
    }

    async fn learn_unionid(&self, openid: &OpenId) -> Result<(), OfficialAccountError> {
        let info = self
            .tokens
            .call(|token| async move { self.wechat.get_follower_info(&token, openid).await })
            .await?;
        match info.unionid {
            Some(unionid) if info.follows() => {
                self.store
                    .set_follower_unionid(&self.app_id, openid, &unionid, Timestamp::now())
                    .await?;
            }
            Some(_) => tracing::info!("the follower left before their unionid was read"),
            None => tracing::warn!(
                "/cgi-bin/user/info gave no unionid: bind the official account to the same \
                 WeChat Open Platform account as the mini-program, or its followers cannot be \
                 matched with mini-program users"
            ),
        }
        Ok(())
    }

    /// Whether `user` follows the official account, joined on their unionid. A user nobody
    /// saw following (no event, not in a sync) does not follow.
    pub async fn status_of(&self, user: &User) -> Result<FollowStatus, OfficialAccountError> {
        let unionid = user
            .unionid
            .as_ref()
            .ok_or(OfficialAccountError::UnionIdUnknown)?;
        let follower = self
            .store
            .follower_by_unionid(&self.app_id, unionid)
            .await?;
        Ok(match follower {
            Some(follower) if follower.following => FollowStatus {
                following: true,
                since: follower.since,
            },
            _ => FollowStatus {
                following: false,
                since: None,
            },
        })
    }

    /// How many users and followers wxbase knows.
    pub async fn counts(&self) -> Result<FollowerCounts, OfficialAccountError> {
        Ok(self.store.count_followers(&self.app_id).await?)
    }

    /// The state of the sync, if one ever started.
    pub async fn sync_status(&self) -> Result<Option<SyncStatus>, OfficialAccountError> {
        Ok(self
            .store
            .follower_sync_status(&self.app_id, Timestamp::now())
            .await?)
    }
}
