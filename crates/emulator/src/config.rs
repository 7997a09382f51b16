//! What the emulator pretends to be: which apps exist, with which secrets, and its time limits.

use std::time::Duration;

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
        }
    }
}
