//! `[files]`: where file bytes are kept, upload limits, signed URLs and thumbnail sizes.

use std::path::Path;
use std::time::Duration;

use wxbase_wechat::Secret;

use super::{ConfigError, RawSettings};
use crate::files::{FileSettings, ModerationSettings, S3Settings, StorageSettings, ThumbSize};

impl RawSettings {
    pub(super) fn files(&self, data_dir: &Path) -> Result<FileSettings, ConfigError> {
        let storage = match self.text("files.storage").trim() {
            "local" => StorageSettings::Local(match self.value("files.local_dir") {
                Some(dir) => dir.into(),
                None => data_dir.join("files"),
            }),
            "s3" => {
                let bucket = self
                    .value("files.s3_bucket")
                    .ok_or_else(|| ConfigError::Invalid {
                        name: "files.s3_bucket",
                        origin: self.origin("files.s3_bucket"),
                        reason: "files.storage is s3, so the S3 bucket is required".to_owned(),
                    })?;
                StorageSettings::S3(S3Settings {
                    endpoint: self.value("files.s3_endpoint").map(str::to_owned),
                    bucket: bucket.to_owned(),
                    region: self.text("files.s3_region").to_owned(),
                    access_key_id: self.value("files.s3_access_key_id").map(str::to_owned),
                    secret_access_key: self.value("files.s3_secret_access_key").map(Secret::new),
                    path_style: self.switch("files.s3_path_style")?,
                })
            }
            _ => {
                return Err(ConfigError::Invalid {
                    name: "files.storage",
                    origin: self.origin("files.storage"),
                    reason: "expected local or s3".to_owned(),
                })
            }
        };
        let url_signing_key = match self.value("files.url_signing_key") {
            Some(key) if key.len() < 32 => {
                return Err(ConfigError::Invalid {
                    name: "files.url_signing_key",
                    origin: self.origin("files.url_signing_key"),
                    reason: "must be at least 32 characters (e.g. `openssl rand -hex 32`)"
                        .to_owned(),
                })
            }
            other => other.map(Secret::new),
        };
        let public_url = self
            .value("files.public_url")
            .map(|url| {
                let valid = (url.starts_with("https://") || url.starts_with("http://"))
                    && !url.contains(char::is_whitespace);
                self.field(
                    "files.public_url",
                    valid
                        .then(|| url.trim_end_matches('/').to_owned())
                        .ok_or_else(|| "expected a URL like https://files.example.com".to_owned()),
                )
            })
            .transpose()?;
        let thumb_sizes = self
            .text("files.thumb_sizes")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                ThumbSize::parse(s)
                    .filter(|size| !size.fit)
                    .ok_or_else(|| format!("{s:?} is not a size like 300x300 or 750x0"))
            })
            .collect::<Result<Vec<_>, _>>();
        Ok(FileSettings {
            storage,
            max_upload_bytes: self.number("files.max_upload_bytes", 1, 1 << 40)?,
            url_ttl: Duration::from_secs(self.number(
                "files.url_ttl_seconds",
                60,
                7 * 24 * 3600,
            )?),
            url_signing_key,
            public_url,
            thumb_sizes: self.field("files.thumb_sizes", thumb_sizes)?,
            moderation: ModerationSettings {
                public_url: self
                    .value("server.public_url")
                    .map(|url| url.trim_end_matches('/').to_owned()),
                allow_http: self.switch("files.moderation_allow_http")?,
                timeout: Duration::from_secs(self.number(
                    "files.moderation_timeout_seconds",
                    1,
                    7 * 24 * 3600,
                )?),
            },
        })
    }

    pub(super) fn switch(&self, name: &'static str) -> Result<bool, ConfigError> {
        let parsed = match self.text(name).trim() {
            "true" => Ok(true),
            "false" | "" => Ok(false),
            _ => Err("expected true or false".to_owned()),
        };
        self.field(name, parsed)
    }
}
