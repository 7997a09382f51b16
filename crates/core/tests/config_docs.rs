//! `docs/configuration.md` shows every setting of [`SETTINGS`] with its environment variable
//! and default, in a table generated from `SETTINGS` and the meanings below, so the page cannot
//! drift from the code: a setting added, renamed or given another default fails here until
//! the table is regenerated with
//!
//! ```sh
//! WXBASE_BLESS=1 cargo test -p wxbase-core --test config_docs
//! ```

use std::path::PathBuf;

use wxbase_core::config::SETTINGS;

/// What each setting means, in the words of the configuration page. A new setting needs a line
/// here; the test names any that is missing.
const MEANINGS: &[(&str, &str)] = &[
    ("server.listen", "Address and port the HTTP server listens on."),
    ("server.data_dir", "Directory for the SQLite database file and other local data."),
    (
        "server.body_limit_bytes",
        "Largest request body accepted, in bytes (1 KiB to 64 MiB); larger bodies get `payload_too_large`. The push endpoints have their own limit.",
    ),
    (
        "server.public_url",
        "The address operators reach wxbase at, e.g. `https://api.example.com`. When it is https the admin console's session cookie is always `Secure` (it also is for a request with `X-Forwarded-Proto: https`). Moderated buckets need it: WeChat downloads the images and audio it checks from signed URLs under it, so it must be public and https.",
    ),
    (
        "database.url",
        "`sqlite://FILE` or `postgres://USER:PASSWORD@HOST/DB`. Empty: SQLite at `<data_dir>/wxbase.db`. Several instances share one PostgreSQL database.",
    ),
    (
        "database.max_connections",
        "Most database connections per instance (1 to 1000). On PostgreSQL, logins and pushes each keep one batched statement in flight per 4 connections, session reads one per 8.",
    ),
    (
        "wechat.app_id",
        "The mini-program's AppID. Required by `serve` together with the secret; `serve --dev` uses the emulator's app when unset.",
    ),
    (
        "wechat.app_secret",
        "The mini-program's AppSecret. Never logged or printed.",
    ),
    (
        "wechat.api_base_url",
        "Base URL of WeChat's server API; point it at `wxbase emulator` to work offline (`serve --dev` does).",
    ),
    (
        "wechat.timeout_ms",
        "Timeout of one call to WeChat, connecting included, in milliseconds (1 to 120000); past it the client gets `upstream_unavailable`.",
    ),
    (
        "wechat.token_mode",
        "`stable`: the access_token comes from `/cgi-bin/stable_token`, which never invalidates a token someone else holds. `legacy`: from `/cgi-bin/token`, where every fetch mints a new token.",
    ),
    (
        "wechat.token_refresh_margin_seconds",
        "Refresh the access_token when less than this many seconds of it remain (0 to 3600; at most half a token's lifetime is used).",
    ),
    (
        "wechat.busy_retries",
        "How often a WeChat answer of errcode -1 (busy) is retried, with backoff doubling from 100 ms (0 to 10).",
    ),
    (
        "session.ttl_seconds",
        "How long a login session token stays valid, in seconds (60 s to 366 days; the default is 7 days).",
    ),
    (
        "admin.token",
        "Bearer token of the admin API (`/admin/api/...`), at least 16 characters with no spaces. Unset: the admin API refuses every call. `serve --dev` generates one per run and prints it.",
    ),
    (
        "admin.session_ttl_seconds",
        "How long an admin console sign-in lasts, in seconds (1 minute to 30 days); then the admin signs in again.",
    ),
    (
        "push.path",
        "Path of the mini-program's message-push endpoint; the URL in the admin console is `https://YOUR_HOST` followed by it. Not under `/api`, `/admin`, `/healthz` or `/readyz`.",
    ),
    (
        "push.token",
        "The push Token (3 to 32 letters and digits), as on the push settings page. Unset: the push endpoint is off. `serve --dev` generates one.",
    ),
    (
        "push.encoding_aes_key",
        "The EncodingAESKey (43 letters and digits) of compatible or safe mode; with it only encrypted pushes are accepted. Unset: plaintext mode. `serve --dev` generates one.",
    ),
    (
        "push.max_body_bytes",
        "Largest push body accepted, in bytes (1 KiB to 1 MiB), at both push endpoints; larger ones get HTTP 413.",
    ),
    (
        "push.worker",
        "Whether this instance sends queued replies from the outbox. Any number of instances may; each reply is sent by one.",
    ),
    ("push.typing", "Show \"typing\" in the chat before each reply."),
    (
        "push.send_attempts",
        "Attempts per reply when WeChat is busy (-1) or unreachable (1 to 20). Other errcodes of the send are final.",
    ),
    (
        "push.retry_backoff_ms",
        "Delay before a reply's second attempt, in milliseconds, doubling after each (1 to 600000).",
    ),
    (
        "push.send_concurrency",
        "Replies this instance sends at once, each to a different user (1 to 1024). A user's replies still go out one at a time, in order; instances share the outbox.",
    ),
    (
        "push.lease_seconds",
        "How long a worker holds a reply it is sending. A reply whose worker died (a crash, a kill) is sent again once this runs out: the one window in which a reply can reach a user twice. Longer than the slowest send (`wechat.timeout_ms`).",
    ),
    (
        "collections.max_document_bytes",
        "Largest document body, in bytes of compact JSON (1 KiB to 16 MiB). A document must also fit in `server.body_limit_bytes`.",
    ),
    (
        "collections.max_depth",
        "Deepest nesting of objects and arrays in a document, the document itself being level 1 (2 to 100).",
    ),
    ("files.storage", "Where uploaded files' bytes are kept: `local` (a directory) or `s3` (S3-compatible object storage, which several instances can share)."),
    ("files.local_dir", "Directory of `local` file storage. Empty: `<data_dir>/files`."),
    ("files.max_upload_bytes", "Largest uploaded file, in bytes; a bucket's `maxBytes` can lower it. Larger uploads get `payload_too_large`. Uploads are streamed, so `server.body_limit_bytes` does not apply to them."),
    ("files.url_ttl_seconds", "How long a signed download URL stays valid, in seconds (60 s to 7 days)."),
    ("files.url_signing_key", "Key of the signed URLs' HMAC, at least 32 characters. Unset: generated into `<data_dir>/files-url.key` on first start. Instances serving one app need the same key."),
    ("files.public_url", "Base of signed URLs, e.g. `https://api.example.com`. Empty: the scheme (`X-Forwarded-Proto`) and host (`X-Forwarded-Host` or `Host`) of the request."),
    ("files.thumb_sizes", "Comma-separated thumbnail sizes that `?thumb=WxH` (or `WxHf`, to fit) may ask for; 0 keeps the aspect ratio on that side."),
    ("files.s3_endpoint", "With `files.storage = \"s3\"`: the endpoint URL. Empty: AWS for the region."),
    ("files.s3_bucket", "With `files.storage = \"s3\"`: the bucket (required)."),
    ("files.s3_region", "With `files.storage = \"s3\"`: the region."),
    ("files.s3_access_key_id", "With `files.storage = \"s3\"`: the access key id. Empty: the `AWS_*` environment."),
    ("files.s3_secret_access_key", "With `files.storage = \"s3\"`: the secret access key. Never logged."),
    (
        "files.moderation_timeout_seconds",
        "How long an upload to a moderated bucket may wait for WeChat's verdict (1 s to 7 days); then the bucket's `moderationTimeout` (`allow` or `refuse`) decides it.",
    ),
    (
        "files.moderation_allow_http",
        "Let `server.public_url` be `http://` for moderated buckets, and, when it is unset, point WeChat at the address wxbase listens on. For the emulator only; `serve --dev` turns it on.",
    ),
    ("files.s3_path_style", "With `files.storage = \"s3\"`: `true` for path-style URLs (`endpoint/bucket/key`), as MinIO and most self-hosted servers want."),
    ("wxacode.client_allowed", "Whether logged-in users may make mini-program codes with `POST /api/wxacode` (admins always may). See [codes.md](codes.md)."),
    ("wxacode.user_per_minute", "Codes one user may ask for in any minute, counted by each instance (1 to 10000); more answer `rate_limited`."),
    (
        "official_account.app_id",
        "AppID of the official account linked to the mini-program. Unset: no official account (`serve --dev` uses the emulator's).",
    ),
    (
        "official_account.app_secret",
        "The official account's AppSecret; required with its AppID.",
    ),
    (
        "official_account.path",
        "Path of the official account's push endpoint (follow and unfollow events); must differ from `push.path`.",
    ),
    (
        "official_account.token",
        "The official account's push Token. Unset: no push endpoint, and followers come from syncs only. `serve --dev` generates one.",
    ),
    (
        "official_account.encoding_aes_key",
        "The official account's EncodingAESKey; with it only encrypted pushes are accepted. Unset: plaintext mode. `serve --dev` generates one.",
    ),
    (
        "official_account.sync_interval_seconds",
        "Run the full follower sync every this many seconds: 0 turns the periodic sync off, otherwise at least 60 (e.g. 86400). One instance syncs at a time.",
    ),
    (
        "webhooks.timeout_ms",
        "Longest one webhook delivery attempt may take, connecting included (milliseconds); a slower endpoint counts as a failure and is retried.",
    ),
    (
        "webhooks.allow_private",
        "Let webhook endpoints be `http://` and reach loopback, private and link-local addresses. Off in production (the SSRF guard); `serve --dev` turns it on.",
    ),
    (
        "webhooks.retry_schedule",
        "The waits before each retry of a delivery that got no 2xx (`ms`, `s`, `m`, `h`, comma-separated); one attempt more than waits, then it is marked failed. The default retries for 23.6 hours.",
    ),
    (
        "webhooks.send_concurrency",
        "Webhook deliveries this instance sends at once, each to a different (endpoint, subject); one subject's events reach an endpoint one at a time, in order.",
    ),
    (
        "webhooks.worker",
        "Whether this instance runs the webhook delivery worker.",
    ),
    (
        "metrics.listen",
        "A separate address serving `GET /metrics` (Prometheus text format) without authentication, e.g. `127.0.0.1:9090`; empty: no separate listener. Keep it off the public network. See [operations](operations.md).",
    ),
    (
        "metrics.admin_route",
        "`true` also serves `GET /metrics` on the main address, behind the admin token. Metrics are recorded only when this or `metrics.listen` is on.",
    ),
    (
        "backup.interval_seconds",
        "Back the SQLite database and the local files up every this many seconds into `<data_dir>/backups` (0: off). PostgreSQL deployments use `pg_dump` instead.",
    ),
    (
        "backup.keep",
        "How many scheduled backups to keep in `<data_dir>/backups`; the oldest beyond this are deleted.",
    ),
];

/// The lines around the generated table in the page.
const BEGIN: &str = "<!-- BEGIN settings table: generated from core::config::SETTINGS by crates/core/tests/config_docs.rs; regenerate with WXBASE_BLESS=1 cargo test -p wxbase-core --test config_docs -->";
const END: &str = "<!-- END settings table -->";

/// The page, found from the crate's directory as the test runner gives it (so a test binary
/// built in another checkout that shares the target directory still reads this one).
fn page_path() -> PathBuf {
    let crate_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    crate_dir.join("../../docs/configuration.md")
}

fn meaning(name: &str) -> Option<&'static str> {
    MEANINGS
        .iter()
        .find(|(setting, _)| *setting == name)
        .map(|(_, meaning)| *meaning)
}

/// The table as the page shows it, one row per setting in the order of [`SETTINGS`].
fn render_table() -> String {
    let mut table =
        String::from("| setting | environment variable | default | meaning |\n|---|---|---|---|\n");
    for setting in SETTINGS {
        let default = if setting.default.is_empty() {
            "(unset)".to_owned()
        } else {
            format!("`{}`", setting.default)
        };
        let meaning = meaning(setting.name).unwrap_or("");
        table.push_str(&format!(
            "| `{}` | `{}` | {} | {} |\n",
            setting.name, setting.env, default, meaning
        ));
    }
    table
}

/// The page split around its generated table: before, table, after.
fn split(page: &str) -> (&str, &str, &str) {
    let begin = page
        .find(BEGIN)
        .unwrap_or_else(|| panic!("docs/configuration.md has no line {BEGIN:?}"));
    let table_start = begin + BEGIN.len() + 1;
    let end = page[table_start..]
        .find(END)
        .map(|at| table_start + at)
        .unwrap_or_else(|| panic!("docs/configuration.md has no line {END:?} after the table"));
    (&page[..table_start], &page[table_start..end], &page[end..])
}

#[test]
fn every_setting_has_a_meaning_and_every_meaning_is_a_setting() {
    let missing: Vec<&str> = SETTINGS
        .iter()
        .map(|setting| setting.name)
        .filter(|name| meaning(name).is_none())
        .collect();
    assert!(
        missing.is_empty(),
        "add a meaning to MEANINGS in crates/core/tests/config_docs.rs for {missing:?}"
    );
    let unknown: Vec<&str> = MEANINGS
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !SETTINGS.iter().any(|setting| setting.name == *name))
        .collect();
    assert!(
        unknown.is_empty(),
        "MEANINGS in crates/core/tests/config_docs.rs names settings that do not exist: {unknown:?}"
    );
    for (name, meaning) in MEANINGS {
        assert!(
            !meaning.contains('|') && !meaning.contains('\n'),
            "the meaning of {name} would break the table"
        );
    }
}

#[test]
fn the_configuration_page_shows_the_generated_settings_table() {
    let path = page_path();
    let page = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let (before, table, after) = split(&page);
    let expected = render_table();
    if table == expected {
        return;
    }
    if std::env::var_os("WXBASE_BLESS").is_some_and(|v| v == "1") {
        std::fs::write(&path, format!("{before}{expected}{after}"))
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
        return;
    }
    panic!(
        "the settings table in docs/configuration.md differs from core::config::SETTINGS; \
         regenerate it with `WXBASE_BLESS=1 cargo test -p wxbase-core --test config_docs` \
         (edit the meanings in crates/core/tests/config_docs.rs)\n\
         --- expected table:\n{expected}"
    );
}
