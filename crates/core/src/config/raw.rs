//! Setting values as text with their origins (defaults, then the file, then the environment,
//! then flags), and their parsing into the typed [`Config`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use wxbase_wechat::{AppId, Secret};

use super::settings::find_setting;
use super::{AppCredentials, Config, ConfigError, DatabaseUrl, Origin, SETTINGS};
use crate::codes::CodeSettings;
use crate::collections::DocumentLimits;
use crate::console::ConsoleSettings;
use crate::token::{TokenMode, TokenSettings};

/// Setting values as text, with their origins, before parsing.
#[derive(Debug, Clone)]
pub struct RawSettings {
    values: BTreeMap<&'static str, (String, Origin)>,
    /// The `[[push.rules]]` array of the file, parsed on its own (see `config/push.rs`).
    pub(super) rules: Option<(toml::Value, PathBuf)>,
    /// The `[[webhooks.endpoints]]` array of the file (see `config/webhooks.rs`).
    pub(super) webhook_endpoints: Option<(toml::Value, PathBuf)>,
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
            webhook_endpoints: None,
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
                if section == "webhooks" && key == "endpoints" {
                    self.webhook_endpoints = Some((value.clone(), path.to_owned()));
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
            console: self.console()?,
            collections: DocumentLimits {
                max_bytes: self.number("collections.max_document_bytes", 1024, 16 * 1024 * 1024)?,
                max_depth: self.number("collections.max_depth", 2, 100)?,
            },
            files: self.files(&data_dir)?,
            wxacode: CodeSettings {
                client_allowed: self.switch("wxacode.client_allowed")?,
                user_per_minute: self.number("wxacode.user_per_minute", 1, 10_000)?,
            },
            official_account: self.official_account(&push.path)?,
            webhooks: self.webhooks()?,
            metrics: self.metrics()?,
            backup: self.backup()?,
            push,
            data_dir,
        })
    }

    pub(super) fn text(&self, name: &str) -> &str {
        self.values.get(name).map(|(v, _)| v.as_str()).unwrap_or("")
    }

    pub(super) fn origin(&self, name: &str) -> Origin {
        self.values
            .get(name)
            .map(|(_, origin)| origin.clone())
            .unwrap_or(Origin::Default)
    }

    pub(super) fn field<T>(
        &self,
        name: &'static str,
        parsed: Result<T, String>,
    ) -> Result<T, ConfigError> {
        parsed.map_err(|reason| ConfigError::Invalid {
            name,
            origin: self.origin(name),
            reason,
        })
    }

    pub(super) fn number<T>(&self, name: &'static str, min: u64, max: u64) -> Result<T, ConfigError>
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

    /// The console's settings; its cookie is `Secure` when `server.public_url` is https.
    fn console(&self) -> Result<ConsoleSettings, ConfigError> {
        let secure_cookies = match self.value("server.public_url") {
            None => false,
            Some(url) => {
                self.field("server.public_url", parse_base_url(url))?;
                url.starts_with("https://")
            }
        };
        Ok(ConsoleSettings {
            session_ttl: Duration::from_secs(self.number(
                "admin.session_ttl_seconds",
                60,
                30 * 24 * 3600,
            )?),
            secure_cookies,
            ..ConsoleSettings::default()
        })
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
