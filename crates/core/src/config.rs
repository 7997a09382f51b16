//! Configuration: defaults, then a TOML file, then `WXBASE_*` environment variables.
//!
//! Every setting has one dotted name (`server.listen`), one environment variable and one
//! default, listed in [`SETTINGS`]. Values are collected as text with their origin, then
//! parsed into the typed [`Config`]; an invalid value stops start-up with an error naming the
//! setting and where it came from.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use wxbase_wechat::{AppId, Secret};

use crate::collections::DocumentLimits;
use crate::token::{TokenMode, TokenSettings};

mod official_account;
mod push;

pub use official_account::OfficialAccountSettings;
pub use push::PushSettings;

/// One known setting.
#[derive(Debug, Clone, Copy)]
pub struct Setting {
    /// Dotted name, as in the TOML file (`section.key`).
    pub name: &'static str,
    /// The environment variable that overrides it.
    pub env: &'static str,
    /// The default, as text (empty: unset).
    pub default: &'static str,
}

/// Every setting wxbase reads.
#[rustfmt::skip]
pub const SETTINGS: &[Setting] = &[
    Setting { name: "server.listen", env: "WXBASE_LISTEN", default: "127.0.0.1:8080" },
    Setting { name: "server.data_dir", env: "WXBASE_DATA_DIR", default: "./data" },
    Setting { name: "server.body_limit_bytes", env: "WXBASE_BODY_LIMIT_BYTES", default: "1048576" },
    Setting { name: "database.url", env: "WXBASE_DATABASE_URL", default: "" },
    Setting { name: "database.max_connections", env: "WXBASE_DATABASE_MAX_CONNECTIONS", default: "8" },
    Setting { name: "wechat.app_id", env: "WXBASE_APP_ID", default: "" },
    Setting { name: "wechat.app_secret", env: "WXBASE_APP_SECRET", default: "" },
    Setting { name: "wechat.api_base_url", env: "WXBASE_WECHAT_API_BASE_URL", default: "https://api.weixin.qq.com" },
    Setting { name: "wechat.timeout_ms", env: "WXBASE_WECHAT_TIMEOUT_MS", default: "5000" },
    Setting { name: "wechat.token_mode", env: "WXBASE_WECHAT_TOKEN_MODE", default: "stable" },
    Setting { name: "wechat.token_refresh_margin_seconds", env: "WXBASE_WECHAT_TOKEN_REFRESH_MARGIN_SECONDS", default: "300" },
    Setting { name: "wechat.busy_retries", env: "WXBASE_WECHAT_BUSY_RETRIES", default: "3" },
    Setting { name: "session.ttl_seconds", env: "WXBASE_SESSION_TTL_SECONDS", default: "604800" },
    Setting { name: "admin.token", env: "WXBASE_ADMIN_TOKEN", default: "" },
    Setting { name: "push.path", env: "WXBASE_PUSH_PATH", default: "/message/check" },
    Setting { name: "push.token", env: "WXBASE_PUSH_TOKEN", default: "" },
    Setting { name: "push.encoding_aes_key", env: "WXBASE_PUSH_ENCODING_AES_KEY", default: "" },
    Setting { name: "push.max_body_bytes", env: "WXBASE_PUSH_MAX_BODY_BYTES", default: "65536" },
    Setting { name: "push.worker", env: "WXBASE_PUSH_WORKER", default: "true" },
    Setting { name: "push.typing", env: "WXBASE_PUSH_TYPING", default: "false" },
    Setting { name: "push.send_attempts", env: "WXBASE_PUSH_SEND_ATTEMPTS", default: "5" },
    Setting { name: "push.retry_backoff_ms", env: "WXBASE_PUSH_RETRY_BACKOFF_MS", default: "1000" },
    Setting { name: "collections.max_document_bytes", env: "WXBASE_COLLECTIONS_MAX_DOCUMENT_BYTES", default: "262144" },
    Setting { name: "collections.max_depth", env: "WXBASE_COLLECTIONS_MAX_DEPTH", default: "32" },
    Setting { name: "official_account.app_id", env: "WXBASE_OA_APP_ID", default: "" },
    Setting { name: "official_account.app_secret", env: "WXBASE_OA_APP_SECRET", default: "" },
    Setting { name: "official_account.path", env: "WXBASE_OA_PATH", default: "/oa/message" },
    Setting { name: "official_account.token", env: "WXBASE_OA_TOKEN", default: "" },
    Setting { name: "official_account.encoding_aes_key", env: "WXBASE_OA_ENCODING_AES_KEY", default: "" },
    Setting { name: "official_account.sync_interval_seconds", env: "WXBASE_OA_SYNC_INTERVAL_SECONDS", default: "0" },
];

/// Where a setting's value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// The built-in default.
    Default,
    /// The TOML file.
    File(PathBuf),
    /// An environment variable.
    Env(&'static str),
    /// A command-line flag.
    Flag,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Default => f.write_str("the default"),
            Origin::File(path) => write!(f, "{}", path.display()),
            Origin::Env(var) => write!(f, "environment variable {var}"),
            Origin::Flag => f.write_str("the command line"),
        }
    }
}

/// Why the configuration cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML.
    #[error("config file {path} is not valid TOML: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// The file names a setting wxbase does not have.
    #[error("config file {path}: unknown setting `{name}`")]
    Unknown {
        /// The file.
        path: PathBuf,
        /// The dotted name.
        name: String,
    },
    /// A setting has a value wxbase cannot use.
    #[error("setting `{name}` (from {origin}) is invalid: {reason}")]
    Invalid {
        /// The dotted name.
        name: &'static str,
        /// Where the value came from.
        origin: Origin,
        /// What is wrong.
        reason: String,
    },
}

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
    /// The message push endpoint, auto-reply rules and the reply outbox.
    pub push: PushSettings,
    /// Size and depth limits of collection documents.
    pub collections: DocumentLimits,
    /// The linked official account (`[official_account]`), when configured.
    pub official_account: Option<OfficialAccountSettings>,
}

/// Setting values as text, with their origins, before parsing.
#[derive(Debug, Clone)]
pub struct RawSettings {
    values: BTreeMap<&'static str, (String, Origin)>,
    /// The `[[push.rules]]` array of the file, parsed on its own (see `config/push.rs`).
    rules: Option<(toml::Value, PathBuf)>,
}

impl Default for RawSettings {
    fn default() -> Self {
        let values = SETTINGS
            .iter()
            .map(|s| (s.name, (s.default.to_owned(), Origin::Default)))
            .collect();
        Self {
            values,
            rules: None,
        }
    }
}

impl RawSettings {
    /// Defaults, then the file at `path` (if any), then the `WXBASE_*` variables in `env`.
    pub fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Self, ConfigError> {
        let mut raw = Self::default();
        if let Some(path) = path {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?;
            raw.merge_toml(path, &text)?;
        }
        raw.merge_env(env);
        Ok(raw)
    }

    /// Overlays the settings of a TOML document read from `path`.
    pub fn merge_toml(&mut self, path: &Path, text: &str) -> Result<(), ConfigError> {
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: path.to_owned(),
                    message: e.message().to_owned(),
                })?;
        for (section, body) in &table {
            let unknown = |name: String| ConfigError::Unknown {
                path: path.to_owned(),
                name,
            };
            let toml::Value::Table(body) = body else {
                return Err(unknown(section.clone()));
            };
            for (key, value) in body {
                if section == "push" && key == "rules" {
                    self.rules = Some((value.clone(), path.to_owned()));
                    continue;
                }
                let dotted = format!("{section}.{key}");
                let setting = find_setting(&dotted).ok_or_else(|| unknown(dotted.clone()))?;
                let text = match value {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Boolean(b) => b.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    _ => {
                        return Err(ConfigError::Invalid {
                            name: setting.name,
                            origin: Origin::File(path.to_owned()),
                            reason: "expected a string, a number or a boolean".to_owned(),
                        })
                    }
                };
                self.values
                    .insert(setting.name, (text, Origin::File(path.to_owned())));
            }
        }
        Ok(())
    }

    /// Overlays `WXBASE_*` variables from `vars` (pass `std::env::vars()`).
    pub fn merge_env(&mut self, vars: impl IntoIterator<Item = (String, String)>) {
        for (var, value) in vars {
            if let Some(setting) = SETTINGS.iter().find(|s| s.env == var) {
                self.values
                    .insert(setting.name, (value, Origin::Env(setting.env)));
            }
        }
    }

    /// Sets one setting from a command-line flag.
    pub fn set_flag(&mut self, name: &'static str, value: impl Into<String>) {
        self.values.insert(name, (value.into(), Origin::Flag));
    }

    /// The text of a setting, if it is set (non-empty).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.values
            .get(name)
            .map(|(value, _)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    /// Parses every setting into a [`Config`].
    pub fn parse(&self) -> Result<Config, ConfigError> {
        let data_dir = PathBuf::from(self.text("server.data_dir"));
        let push = self.push()?;
        let database = match self.value("database.url") {
            None => DatabaseUrl::Sqlite(data_dir.join("wxbase.db")),
            Some(url) => self.field("database.url", parse_database_url(url))?,
        };
        Ok(Config {
            listen: self.field(
                "server.listen",
                self.text("server.listen")
                    .parse()
                    .map_err(|_| "expected an address like 127.0.0.1:8080".to_owned()),
            )?,
            body_limit_bytes: self.number("server.body_limit_bytes", 1024, 64 * 1024 * 1024)?,
            data_dir,
            database,
            database_max_connections: self.number("database.max_connections", 1, 1000)?,
            app: self.app_credentials()?,
            wechat_api_base_url: self.field(
                "wechat.api_base_url",
                parse_base_url(self.text("wechat.api_base_url")),
            )?,
            wechat_timeout: Duration::from_millis(self.number("wechat.timeout_ms", 1, 120_000)?),
            token: TokenSettings {
                mode: self.field(
                    "wechat.token_mode",
                    parse_token_mode(self.text("wechat.token_mode")),
                )?,
                refresh_margin: Duration::from_secs(self.number(
                    "wechat.token_refresh_margin_seconds",
                    0,
                    3600,
                )?),
                busy_retries: self.number("wechat.busy_retries", 0, 10)?,
                ..TokenSettings::default()
            },
            session_ttl: Duration::from_secs(self.number(
                "session.ttl_seconds",
                60,
                366 * 24 * 3600,
            )?),
            admin_token: self.admin_token()?,
            collections: DocumentLimits {
                max_bytes: self.number("collections.max_document_bytes", 1024, 16 * 1024 * 1024)?,
                max_depth: self.number("collections.max_depth", 2, 100)?,
            },
            official_account: self.official_account(&push.path)?,
            push,
        })
    }

    fn text(&self, name: &str) -> &str {
        self.values.get(name).map(|(v, _)| v.as_str()).unwrap_or("")
    }

    fn origin(&self, name: &str) -> Origin {
        self.values
            .get(name)
            .map(|(_, origin)| origin.clone())
            .unwrap_or(Origin::Default)
    }

    fn field<T>(&self, name: &'static str, parsed: Result<T, String>) -> Result<T, ConfigError> {
        parsed.map_err(|reason| ConfigError::Invalid {
            name,
            origin: self.origin(name),
            reason,
        })
    }

    fn number<T>(&self, name: &'static str, min: u64, max: u64) -> Result<T, ConfigError>
    where
        T: TryFrom<u64>,
    {
        let parsed = self
            .text(name)
            .trim()
            .parse::<u64>()
            .map_err(|_| "expected a whole number".to_owned())
            .and_then(|n| {
                if (min..=max).contains(&n) {
                    T::try_from(n).map_err(|_| "out of range".to_owned())
                } else {
                    Err(format!("must be between {min} and {max}"))
                }
            });
        self.field(name, parsed)
    }

    fn admin_token(&self) -> Result<Option<Secret>, ConfigError> {
        let Some(token) = self.value("admin.token") else {
            return Ok(None);
        };
        if token.len() < 16 || token.chars().any(char::is_whitespace) {
            return Err(ConfigError::Invalid {
                name: "admin.token",
                origin: self.origin("admin.token"),
                reason:
                    "must be at least 16 characters with no spaces (e.g. `openssl rand -hex 24`)"
                        .to_owned(),
            });
        }
        Ok(Some(Secret::new(token)))
    }

    fn app_credentials(&self) -> Result<Option<AppCredentials>, ConfigError> {
        match (self.value("wechat.app_id"), self.value("wechat.app_secret")) {
            (None, None) => Ok(None),
            (Some(app_id), Some(secret)) => Ok(Some(AppCredentials {
                app_id: self.field(
                    "wechat.app_id",
                    AppId::parse(app_id).map_err(|e| e.to_string()),
                )?,
                app_secret: Secret::new(secret),
            })),
            (Some(_), None) => Err(ConfigError::Invalid {
                name: "wechat.app_secret",
                origin: self.origin("wechat.app_secret"),
                reason: "wechat.app_id is set, so the app secret is required too".to_owned(),
            }),
            (None, Some(_)) => Err(ConfigError::Invalid {
                name: "wechat.app_id",
                origin: self.origin("wechat.app_id"),
                reason: "wechat.app_secret is set, so the app id is required too".to_owned(),
            }),
        }
    }
}

fn find_setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}

fn parse_database_url(url: &str) -> Result<DatabaseUrl, String> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() {
            return Err("an sqlite URL needs a file path, e.g. sqlite://data/wxbase.db".to_owned());
        }
        return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
    }
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(DatabaseUrl::Postgres(Secret::new(url)));
    }
    Err("expected a URL starting with sqlite:// or postgres://".to_owned())
}

fn parse_token_mode(mode: &str) -> Result<TokenMode, String> {
    match mode {
        "stable" => Ok(TokenMode::Stable),
        "legacy" => Ok(TokenMode::Legacy),
        _ => Err(
            "expected stable (POST /cgi-bin/stable_token) or legacy (GET /cgi-bin/token)"
                .to_owned(),
        ),
    }
}

fn parse_base_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("expected a URL starting with https:// or http://")?;
    if rest.trim_matches('/').is_empty() || rest.contains(char::is_whitespace) {
        return Err("expected a URL with a host, e.g. https://api.weixin.qq.com".to_owned());
    }
    Ok(url.trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests;
