//! Configuration: defaults, then a TOML file, then `WXBASE_*` environment variables.
//!
//! Every setting has one dotted name (`server.listen`), one environment variable and one
//! default, listed in [`SETTINGS`]. Values are collected as text with their origin, then
//! parsed into the typed [`Config`]; an invalid value stops start-up with an error naming the
//! setting and where it came from.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use wxbase_wechat::{AppId, ClientBuildError, ClientConfig, Secret, WechatClient};

use crate::codes::CodeSettings;
use crate::collections::DocumentLimits;
use crate::console::ConsoleSettings;
use crate::files::FileSettings;
use crate::token::TokenSettings;
use crate::webhooks::WebhookSettings;

mod error;
mod files;
mod official_account;
mod operations;
mod push;
mod raw;
mod settings;
mod webhooks;

pub use error::ConfigError;
pub use official_account::OfficialAccountSettings;
pub use operations::{BackupSettings, MetricsSettings};
pub use push::PushSettings;
pub use raw::RawSettings;
pub use settings::{Origin, Setting, SETTINGS};

/// The database to use, chosen by the URL scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An SQLite file, created if missing.
    Sqlite(PathBuf),
    /// A PostgreSQL URL (may carry a password, so it is kept secret).
    Postgres(Secret),
}

/// A mini-program's AppID and AppSecret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppCredentials {
    /// The AppID.
    pub app_id: AppId,
    /// The AppSecret.
    pub app_secret: Secret,
}

/// wxbase's validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the HTTP server listens.
    pub listen: SocketAddr,
    /// Directory for the SQLite file and other local data.
    pub data_dir: PathBuf,
    /// Largest request body accepted, in bytes.
    pub body_limit_bytes: usize,
    /// The database.
    pub database: DatabaseUrl,
    /// Most database connections per instance.
    pub database_max_connections: u32,
    /// The mini-program, when configured (`serve --dev` supplies the emulator's).
    pub app: Option<AppCredentials>,
    /// Base URL of WeChat's API.
    pub wechat_api_base_url: String,
    /// Timeout of one WeChat API call.
    pub wechat_timeout: Duration,
    /// How the central access_token is obtained and refreshed.
    pub token: TokenSettings,
    /// How long a session token stays valid.
    pub session_ttl: Duration,
    /// The bearer token of the admin API (`/admin/api`); `None` disables it.
    pub admin_token: Option<Secret>,
    /// The admin console: session length, sign-in throttle, cookie flags.
    pub console: ConsoleSettings,
    /// The message push endpoint, auto-reply rules and the reply outbox.
    pub push: PushSettings,
    /// Size and depth limits of collection documents.
    pub collections: DocumentLimits,
    /// Buckets and file storage (`[files]`).
    pub files: FileSettings,
    /// Who may make mini-program codes, and how often (`[wxacode]`).
    pub wxacode: CodeSettings,
    /// The linked official account (`[official_account]`), when configured.
    pub official_account: Option<OfficialAccountSettings>,
    /// Webhook delivery and the config file's endpoints (`[webhooks]`).
    pub webhooks: WebhookSettings,
    /// `[metrics]`: where Prometheus scrapes.
    pub metrics: MetricsSettings,
    /// `[backup]`: scheduled backups.
    pub backup: BackupSettings,
}

impl Config {
    /// The HTTP client for WeChat's API at `wechat.api_base_url`, with `wechat.timeout_ms`.
    pub fn wechat_client(&self) -> Result<WechatClient, ClientBuildError> {
        WechatClient::new(&ClientConfig {
            base_url: self.wechat_api_base_url.clone(),
            timeout: self.wechat_timeout,
        })
    }
}

#[cfg(test)]
mod tests;
