//! What the emulator pretends to be: which apps exist, with which secrets, its time limits
//! and quotas.

use std::time::Duration;

use crate::push::PushTarget;

/// One mini-program the emulator knows.
#[derive(Debug, Clone)]
pub struct EmulatedApp {
    /// The AppID.
    pub appid: String,
    /// The AppSecret it accepts.
    pub secret: String,
    /// Whether the app is bound to an open-platform account (then logins carry a unionid).
    pub unionid_bound: bool,
}

/// The emulator's settings.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// The apps it serves; the first is the default for the control API.
    pub apps: Vec<EmulatedApp>,
    /// How long a login code stays valid (WeChat: 5 minutes).
    pub login_code_ttl: Duration,
    /// How long a phone-number code stays valid (WeChat: 5 minutes).
    pub phone_code_ttl: Duration,
    /// The starting [`Limits`]; `POST /__emulator/settings` changes them at run time.
    pub limits: Limits,
    /// Where pushes go; `POST /__emulator/push-config` changes it at run time.
    pub push: PushTarget,
}

/// Token lifetime and daily quotas: what tests shrink so they need not wait or call 2000 times.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// How long a new access token lives (WeChat: 7200 s). Tokens already issued keep theirs.
    pub token_lifetime: Duration,
    /// Calls per app and day to `GET /cgi-bin/token` (WeChat: 2000 for a new account).
    pub token_daily_quota: u64,
    /// Calls per app and day to `POST /cgi-bin/stable_token` (WeChat: 500 000).
    pub stable_token_daily_quota: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            token_lifetime: Duration::from_secs(7200),
            token_daily_quota: 2000,
            stable_token_daily_quota: 500_000,
        }
    }
}

impl EmulatorConfig {
    /// An emulator for one mini-program.
    pub fn single_app(appid: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            apps: vec![EmulatedApp {
                appid: appid.into(),
                secret: secret.into(),
                unionid_bound: true,
            }],
            ..Self::default()
        }
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            apps: vec![EmulatedApp {
                appid: "wxd000000000000001".to_owned(),
                secret: "dev-secret-0123456789abcdef0000".to_owned(),
                unionid_bound: true,
            }],
            login_code_ttl: Duration::from_secs(300),
            phone_code_ttl: Duration::from_secs(300),
            limits: Limits::default(),
            push: PushTarget::default(),
        }
    }
}
