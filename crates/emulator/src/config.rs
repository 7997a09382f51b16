//! What the emulator pretends to be: which apps (and which official account) exist, with which
//! secrets, its time limits, quotas and page sizes.

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

/// The official account the emulator knows: its own AppID and secret (and tokens), followers
/// and push settings. A test person has one unionid across it and the mini-programs.
#[derive(Debug, Clone)]
pub struct EmulatedOfficialAccount {
    /// The AppID.
    pub appid: String,
    /// The AppSecret it accepts.
    pub secret: String,
    /// Whether it is bound to an open-platform account (then follower info carries a unionid).
    pub unionid_bound: bool,
}

impl EmulatedOfficialAccount {
    /// The official account as a token holder: the token endpoints treat it like an app.
    pub fn as_app(&self) -> EmulatedApp {
        EmulatedApp {
            appid: self.appid.clone(),
            secret: self.secret.clone(),
            unionid_bound: self.unionid_bound,
        }
    }
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
    /// The official account, if any.
    pub official_account: Option<EmulatedOfficialAccount>,
    /// Where the official account's pushes go; `POST /__emulator/oa/push-config` changes it.
    pub official_account_push: PushTarget,
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
    /// Openids per page of `GET /cgi-bin/user/get` (WeChat: 10 000).
    pub follower_page_size: usize,
    /// Calls per day to `GET /cgi-bin/user/get` (WeChat: 500 for a new account).
    pub follower_list_daily_quota: u64,
    /// Whether `custom/send` and typing check the user's chat (an openid that wrote, the
    /// 48-hour window, 5 replies per user message) and keep the transcript. Off, they accept
    /// any openid at any time and keep nothing but the call count: a load test's WeChat that
    /// answers every send at once.
    pub custom_send_checks: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            token_lifetime: Duration::from_secs(7200),
            token_daily_quota: 2000,
            stable_token_daily_quota: 500_000,
            follower_page_size: 10_000,
            follower_list_daily_quota: 500,
            custom_send_checks: true,
        }
    }
}

impl EmulatorConfig {
    /// An emulator for one mini-program, without an official account.
    pub fn single_app(appid: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            apps: vec![EmulatedApp {
                appid: appid.into(),
                secret: secret.into(),
                unionid_bound: true,
            }],
            official_account: None,
            ..Self::default()
        }
    }

    /// The same emulator with an official account (unionid-bound).
    pub fn with_official_account(
        mut self,
        appid: impl Into<String>,
        secret: impl Into<String>,
    ) -> Self {
        self.official_account = Some(EmulatedOfficialAccount {
            appid: appid.into(),
            secret: secret.into(),
            unionid_bound: true,
        });
        self
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
            official_account: Some(EmulatedOfficialAccount {
                appid: "wxd0000000000000a1".to_owned(),
                secret: "dev-oa-secret-0123456789abcdef00".to_owned(),
                unionid_bound: true,
            }),
            official_account_push: PushTarget {
                format: crate::push::PushFormat::Xml,
                ..PushTarget::default()
            },
        }
    }
}
