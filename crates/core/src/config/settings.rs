//! Every setting wxbase reads (its dotted name, environment variable and default), and where a
//! value came from.

use std::fmt;
use std::path::PathBuf;

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
    Setting { name: "server.public_url", env: "WXBASE_PUBLIC_URL", default: "" },
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
    Setting { name: "admin.session_ttl_seconds", env: "WXBASE_ADMIN_SESSION_TTL_SECONDS", default: "28800" },
    Setting { name: "push.path", env: "WXBASE_PUSH_PATH", default: "/message/check" },
    Setting { name: "push.token", env: "WXBASE_PUSH_TOKEN", default: "" },
    Setting { name: "push.encoding_aes_key", env: "WXBASE_PUSH_ENCODING_AES_KEY", default: "" },
    Setting { name: "push.max_body_bytes", env: "WXBASE_PUSH_MAX_BODY_BYTES", default: "65536" },
    Setting { name: "push.worker", env: "WXBASE_PUSH_WORKER", default: "true" },
    Setting { name: "push.typing", env: "WXBASE_PUSH_TYPING", default: "false" },
    Setting { name: "push.send_attempts", env: "WXBASE_PUSH_SEND_ATTEMPTS", default: "5" },
    Setting { name: "push.retry_backoff_ms", env: "WXBASE_PUSH_RETRY_BACKOFF_MS", default: "1000" },
    Setting { name: "push.send_concurrency", env: "WXBASE_PUSH_SEND_CONCURRENCY", default: "128" },
    Setting { name: "push.lease_seconds", env: "WXBASE_PUSH_LEASE_SECONDS", default: "120" },
    Setting { name: "collections.max_document_bytes", env: "WXBASE_COLLECTIONS_MAX_DOCUMENT_BYTES", default: "262144" },
    Setting { name: "collections.max_depth", env: "WXBASE_COLLECTIONS_MAX_DEPTH", default: "32" },
    Setting { name: "files.storage", env: "WXBASE_FILES_STORAGE", default: "local" },
    Setting { name: "files.local_dir", env: "WXBASE_FILES_LOCAL_DIR", default: "" },
    Setting { name: "files.max_upload_bytes", env: "WXBASE_FILES_MAX_UPLOAD_BYTES", default: "10485760" },
    Setting { name: "files.url_ttl_seconds", env: "WXBASE_FILES_URL_TTL_SECONDS", default: "3600" },
    Setting { name: "files.url_signing_key", env: "WXBASE_FILES_URL_SIGNING_KEY", default: "" },
    Setting { name: "files.public_url", env: "WXBASE_FILES_PUBLIC_URL", default: "" },
    Setting { name: "files.thumb_sizes", env: "WXBASE_FILES_THUMB_SIZES", default: "100x100,300x300,750x0" },
    Setting { name: "files.s3_endpoint", env: "WXBASE_FILES_S3_ENDPOINT", default: "" },
    Setting { name: "files.s3_bucket", env: "WXBASE_FILES_S3_BUCKET", default: "" },
    Setting { name: "files.s3_region", env: "WXBASE_FILES_S3_REGION", default: "us-east-1" },
    Setting { name: "files.s3_access_key_id", env: "WXBASE_FILES_S3_ACCESS_KEY_ID", default: "" },
    Setting { name: "files.s3_secret_access_key", env: "WXBASE_FILES_S3_SECRET_ACCESS_KEY", default: "" },
    Setting { name: "files.s3_path_style", env: "WXBASE_FILES_S3_PATH_STYLE", default: "false" },
    Setting { name: "files.moderation_timeout_seconds", env: "WXBASE_FILES_MODERATION_TIMEOUT_SECONDS", default: "3600" },
    Setting { name: "files.moderation_allow_http", env: "WXBASE_FILES_MODERATION_ALLOW_HTTP", default: "false" },
    Setting { name: "wxacode.client_allowed", env: "WXBASE_WXACODE_CLIENT_ALLOWED", default: "false" },
    Setting { name: "wxacode.user_per_minute", env: "WXBASE_WXACODE_USER_PER_MINUTE", default: "10" },
    Setting { name: "official_account.app_id", env: "WXBASE_OA_APP_ID", default: "" },
    Setting { name: "official_account.app_secret", env: "WXBASE_OA_APP_SECRET", default: "" },
    Setting { name: "official_account.path", env: "WXBASE_OA_PATH", default: "/oa/message" },
    Setting { name: "official_account.token", env: "WXBASE_OA_TOKEN", default: "" },
    Setting { name: "official_account.encoding_aes_key", env: "WXBASE_OA_ENCODING_AES_KEY", default: "" },
    Setting { name: "official_account.sync_interval_seconds", env: "WXBASE_OA_SYNC_INTERVAL_SECONDS", default: "0" },
    Setting { name: "webhooks.timeout_ms", env: "WXBASE_WEBHOOKS_TIMEOUT_MS", default: "5000" },
    Setting { name: "webhooks.allow_private", env: "WXBASE_WEBHOOKS_ALLOW_PRIVATE", default: "false" },
    Setting { name: "webhooks.retry_schedule", env: "WXBASE_WEBHOOKS_RETRY_SCHEDULE", default: "5s,1m,5m,30m,2h,5h,8h,8h" },
    Setting { name: "webhooks.send_concurrency", env: "WXBASE_WEBHOOKS_SEND_CONCURRENCY", default: "32" },
    Setting { name: "webhooks.worker", env: "WXBASE_WEBHOOKS_WORKER", default: "true" },
    Setting { name: "metrics.listen", env: "WXBASE_METRICS_LISTEN", default: "" },
    Setting { name: "metrics.admin_route", env: "WXBASE_METRICS_ADMIN_ROUTE", default: "false" },
    Setting { name: "backup.interval_seconds", env: "WXBASE_BACKUP_INTERVAL_SECONDS", default: "0" },
    Setting { name: "backup.keep", env: "WXBASE_BACKUP_KEEP", default: "7" },
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

pub(super) fn find_setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.name == name)
}
