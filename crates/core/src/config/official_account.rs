//! The optional `[official_account]` settings: the linked official account's AppID and
//! AppSecret (its own access_token), its push endpoint (path, Token, EncodingAESKey) and the
//! periodic follower sync.

use std::time::Duration;

use wxbase_wechat::crypto::EncodingAesKey;
use wxbase_wechat::{AppId, Secret};

use super::push::{parse_path, parse_token};
use super::{AppCredentials, ConfigError, RawSettings};

/// Shortest periodic sync interval accepted (0 turns the job off).
const MIN_SYNC_INTERVAL_SECONDS: u64 = 60;

/// The linked official account.
#[derive(Debug, Clone)]
pub struct OfficialAccountSettings {
    /// Its AppID and AppSecret: its access_token is managed like the mini-program's.
    pub app: AppCredentials,
    /// Where its pushes arrive (the URL of its push settings).
    pub path: String,
    /// Its push Token; `None` turns its push endpoint off (followers then come from syncs only).
    pub token: Option<Secret>,
    /// Its EncodingAESKey: set for compatible and safe mode (then only encrypted pushes are
    /// accepted), unset for plaintext mode.
    pub encoding_aes_key: Option<EncodingAesKey>,
    /// How often the full follower sync runs; `None`: never by itself (`wxbase oa sync`).
    pub sync_interval: Option<Duration>,
}

impl RawSettings {
    pub(super) fn official_account(
        &self,
        push_path: &str,
    ) -> Result<Option<OfficialAccountSettings>, ConfigError> {
        let (id_name, secret_name) = ("official_account.app_id", "official_account.app_secret");
        let app = match (self.value(id_name), self.value(secret_name)) {
            (None, None) => {
                let orphan = [
                    "official_account.token",
                    "official_account.encoding_aes_key",
                ]
                .into_iter()
                .find(|name| self.value(name).is_some());
                return match orphan {
                    None => Ok(None),
                    Some(name) => Err(self.invalid(
                        name,
                        "official_account.app_id and app_secret are required with it",
                    )),
                };
            }
            (Some(app_id), Some(secret)) => AppCredentials {
                app_id: self.field(id_name, AppId::parse(app_id).map_err(|e| e.to_string()))?,
                app_secret: Secret::new(secret),
            },
            (Some(_), None) => return Err(self.invalid(secret_name, "required with app_id")),
            (None, Some(_)) => return Err(self.invalid(id_name, "required with app_secret")),
        };
        let path_name = "official_account.path";
        let path = self.field(path_name, parse_path(self.text(path_name)))?;
        if path == push_path {
            return Err(self.invalid(path_name, "must differ from push.path"));
        }
        let token = match self.value("official_account.token") {
            None => None,
            Some(token) => Some(self.field("official_account.token", parse_token(token))?),
        };
        let key_name = "official_account.encoding_aes_key";
        let encoding_aes_key = match self.value(key_name) {
            None => None,
            Some(key) => Some(self.field(
                key_name,
                EncodingAesKey::parse(key).map_err(|e| {
                    format!("{e} (copy the EncodingAESKey from the official account's settings)")
                }),
            )?),
        };
        let interval: u64 =
            self.number("official_account.sync_interval_seconds", 0, 30 * 86_400)?;
        if interval != 0 && interval < MIN_SYNC_INTERVAL_SECONDS {
            return Err(self.invalid(
                "official_account.sync_interval_seconds",
                "must be 0 (off) or at least 60",
            ));
        }
        Ok(Some(OfficialAccountSettings {
            app,
            path,
            token,
            encoding_aes_key,
            sync_interval: (interval > 0).then(|| Duration::from_secs(interval)),
        }))
    }

    fn invalid(&self, name: &'static str, reason: &str) -> ConfigError {
        ConfigError::Invalid {
            name,
            origin: self.origin(name),
            reason: reason.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn parse(file: &str) -> Result<Option<OfficialAccountSettings>, ConfigError> {
        let mut raw = RawSettings::default();
        raw.merge_toml(Path::new("wxbase.toml"), file)?;
        raw.parse().map(|config| config.official_account)
    }

    #[test]
    fn without_the_section_there_is_no_official_account() {
        assert!(parse("").expect("defaults").is_none());
    }

    #[test]
    fn the_section_gives_credentials_a_push_endpoint_and_a_sync_interval() {
        let oa = parse(
            "[official_account]\napp_id = \"wxoa0000000000001\"\napp_secret = \"s\"\n\
             token = \"OaToken1\"\nsync_interval_seconds = 86400\n",
        )
        .expect("valid")
        .expect("configured");
        assert_eq!(oa.app.app_id.as_str(), "wxoa0000000000001");
        assert_eq!(oa.path, "/oa/message");
        assert!(oa.token.is_some() && oa.encoding_aes_key.is_none());
        assert_eq!(oa.sync_interval, Some(Duration::from_secs(86_400)));
    }

    #[test]
    fn half_a_credential_a_short_interval_or_a_clashing_path_is_named() {
        let cases = [
            ("[official_account]\napp_id = \"wxoa1\"\n", "official_account.app_secret"),
            ("[official_account]\ntoken = \"abcde\"\n", "official_account.token"),
            (
                "[official_account]\napp_id = \"wxoa1\"\napp_secret = \"s\"\nsync_interval_seconds = 5\n",
                "official_account.sync_interval_seconds",
            ),
            (
                "[official_account]\napp_id = \"wxoa1\"\napp_secret = \"s\"\npath = \"/message/check\"\n",
                "official_account.path",
            ),
        ];
        for (file, setting) in cases {
            let message = parse(file).expect_err(setting).to_string();
            assert!(message.contains(setting), "{message}");
        }
    }
}
