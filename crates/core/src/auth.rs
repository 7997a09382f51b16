//! The login use case: a `wx.login` code becomes a user and a session; a token becomes a user.

use std::sync::Arc;
use std::time::Duration;

use wxbase_wechat::{ErrCode, WechatClient, WechatError};

use crate::session::SessionToken;
use crate::store::{NewLogin, Store, StoreError};
use crate::{AppCredentials, KeyedUser, Timestamp, User};

/// Longest login code accepted before asking WeChat (real codes are 32 characters).
const MAX_CODE_LEN: usize = 128;

/// Why a login or an authentication failed.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The request itself is wrong (for example an empty code).
    #[error("{0}")]
    BadRequest(&'static str),
    /// WeChat refused the login code: unknown, expired, already used or blocked.
    #[error(
        "the login code was refused by WeChat (errcode {0}): call wx.login again for a fresh code"
    )]
    InvalidCode(ErrCode),
    /// No session, an expired one, or a malformed token.
    #[error("not logged in, or the session expired: log in again")]
    Unauthorized,
    /// WeChat answered with an error wxbase cannot fix.
    #[error("WeChat refused the call")]
    Upstream(#[source] WechatError),
    /// WeChat could not be reached in time.
    #[error("WeChat could not be reached")]
    UpstreamUnavailable(#[source] WechatError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<WechatError> for AuthError {
    fn from(error: WechatError) -> Self {
        match &error {
            WechatError::Api { code, .. } if code.is_bad_login_code() => Self::InvalidCode(*code),
            WechatError::Unavailable { .. } => Self::UpstreamUnavailable(error),
            _ => Self::Upstream(error),
        }
    }
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    /// The new session token: shown to the client once, stored only as a hash.
    pub token: SessionToken,
    /// When the token stops working.
    pub expires_at: Timestamp,
    /// The user.
    pub user: User,
    /// Whether this login created the user.
    pub is_new: bool,
}

/// Logs users in and out and tells who holds a token.
pub struct AuthService {
    store: Arc<dyn Store>,
    wechat: WechatClient,
    app: AppCredentials,
    session_ttl: Duration,
}

impl AuthService {
    /// A service for one mini-program.
    pub fn new(
        store: Arc<dyn Store>,
        wechat: WechatClient,
        app: AppCredentials,
        session_ttl: Duration,
    ) -> Self {
        Self {
            store,
            wechat,
            app,
            session_ttl,
        }
    }

    /// Exchanges a `wx.login` code with WeChat and opens a session for its user.
    pub async fn login(&self, code: &str) -> Result<LoginOutcome, AuthError> {
        let code = code.trim();
        if code.is_empty() {
            return Err(AuthError::BadRequest(
                "code is required: pass the code from wx.login",
            ));
        }
        if code.len() > MAX_CODE_LEN || code.chars().any(|c| c.is_control()) {
            return Err(AuthError::BadRequest("code is not a wx.login code"));
        }
        let exchanged = self
            .wechat
            .jscode2session(&self.app.app_id, &self.app.app_secret, code)
            .await?;
        let at = Timestamp::now();
        let token = SessionToken::issued_at(at);
        let expires_at = at.plus(self.session_ttl);
        let record = self
            .store
            .record_login(&NewLogin {
                app_id: self.app.app_id.clone(),
                openid: exchanged.openid,
                unionid: exchanged.unionid,
                session_key: exchanged.session_key,
                token_hash: token.hash(),
                at,
                expires_at,
            })
            .await?;
        Ok(LoginOutcome {
            token,
            expires_at,
            user: record.user,
            is_new: record.is_new,
        })
    }

    /// The user holding `token`, if its session is live, under any of its
    /// [stored keys](SessionToken::stored_keys) (the legacy key finds sessions stored before
    /// tokens carried their issue time).
    pub async fn authenticate(&self, token: &str) -> Result<User, AuthError> {
        let token = SessionToken::parse(token).map_err(|_| AuthError::Unauthorized)?;
        let now = Timestamp::now();
        for key in token.stored_keys() {
            if let Some(user) = self.store.session_user(&key, now).await? {
                return Ok(user);
            }
        }
        Err(AuthError::Unauthorized)
    }

    /// The user holding `token` and their session_key, if its session is live.
    pub async fn authenticate_with_key(&self, token: &str) -> Result<KeyedUser, AuthError> {
        let token = SessionToken::parse(token).map_err(|_| AuthError::Unauthorized)?;
        let now = Timestamp::now();
        for key in token.stored_keys() {
            if let Some(keyed) = self.store.session_user_with_key(&key, now).await? {
                return Ok(keyed);
            }
        }
        Err(AuthError::Unauthorized)
    }

    /// Ends the session of `token`. Ending an unknown session is not an error.
    pub async fn logout(&self, token: &str) -> Result<(), AuthError> {
        let token = SessionToken::parse(token).map_err(|_| AuthError::Unauthorized)?;
        for key in token.stored_keys() {
            if self.store.delete_session(&key).await? {
                break;
            }
        }
        Ok(())
    }

    /// The store, for readiness checks and housekeeping.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }
}
