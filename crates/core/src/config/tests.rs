//! Tests of configuration loading.

use std::path::Path;

use super::*;
use crate::TokenMode;

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn defaults_give_a_local_sqlite_server() {
    let config = RawSettings::default().parse().expect("defaults are valid");
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(
        config.database,
        DatabaseUrl::Sqlite(PathBuf::from("./data/wxbase.db"))
    );
    assert_eq!(config.session_ttl, Duration::from_secs(7 * 24 * 3600));
    assert!(config.app.is_none());
}

#[test]
fn the_file_overrides_defaults_and_the_environment_overrides_the_file() {
    let mut raw = RawSettings::default();
    let file = "[server]\nlisten = \"0.0.0.0:9000\"\n[wechat]\napp_id = \"wx1234567890abcdef\"\napp_secret = \"s3cret\"\ntimeout_ms = 2000\n";
    raw.merge_toml(Path::new("wxbase.toml"), file)
        .expect("valid file");
    raw.merge_env(env(&[
        ("WXBASE_LISTEN", "127.0.0.1:7000"),
        ("UNRELATED", "x"),
    ]));
    let config = raw.parse().expect("valid");
    assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
    assert_eq!(config.wechat_timeout, Duration::from_millis(2000));
    let app = config.app.expect("app configured");
    assert_eq!(app.app_id.as_str(), "wx1234567890abcdef");
    assert_eq!(app.app_secret.expose(), "s3cret");
}

#[test]
fn an_invalid_value_names_the_setting_and_its_origin() {
    let mut raw = RawSettings::default();
    raw.merge_env(env(&[("WXBASE_LISTEN", "not-an-address")]));
    let message = raw.parse().expect_err("invalid").to_string();
    assert!(message.contains("server.listen"), "{message}");
    assert!(message.contains("WXBASE_LISTEN"), "{message}");
}

#[test]
fn out_of_range_numbers_are_refused() {
    let mut raw = RawSettings::default();
    raw.merge_env(env(&[("WXBASE_SESSION_TTL_SECONDS", "5")]));
    let message = raw.parse().expect_err("too short").to_string();
    assert!(
        message.contains("session.ttl_seconds") && message.contains("between"),
        "{message}"
    );
}

#[test]
fn unknown_settings_in_the_file_are_refused() {
    let mut raw = RawSettings::default();
    let error = raw
        .merge_toml(Path::new("w.toml"), "[server]\nlisten_on = \"x\"\n")
        .expect_err("unknown");
    assert!(error.to_string().contains("server.listen_on"));
}

#[test]
fn a_secret_without_an_app_id_is_refused() {
    let mut raw = RawSettings::default();
    raw.merge_env(env(&[("WXBASE_APP_SECRET", "s")]));
    assert!(raw
        .parse()
        .expect_err("incomplete")
        .to_string()
        .contains("wechat.app_id"));
}

#[test]
fn database_urls_pick_the_backend() {
    let mut raw = RawSettings::default();
    raw.merge_env(env(&[(
        "WXBASE_DATABASE_URL",
        "postgres://postgres@127.0.0.1/test",
    )]));
    let config = raw.parse().expect("valid");
    assert!(matches!(config.database, DatabaseUrl::Postgres(_)));
    assert!(
        !format!("{config:?}").contains("127.0.0.1/test"),
        "URL is redacted in Debug"
    );

    raw.merge_env(env(&[("WXBASE_DATABASE_URL", "mysql://x")]));
    assert!(raw
        .parse()
        .expect_err("unsupported")
        .to_string()
        .contains("database.url"));
}

#[test]
fn debug_output_redacts_the_app_secret() {
    let mut raw = RawSettings::default();
    raw.merge_env(env(&[
        ("WXBASE_APP_ID", "wx1"),
        ("WXBASE_APP_SECRET", "topsecretvalue"),
    ]));
    let config = raw.parse().expect("valid");
    assert!(!format!("{config:?}").contains("topsecretvalue"));
}

#[test]
fn the_example_file_is_valid_and_lists_every_setting() {
    let example = include_str!("../../../../config/wxbase.example.toml");
    let mut raw = RawSettings::default();
    raw.merge_toml(Path::new("wxbase.example.toml"), example)
        .expect("the example parses");
    raw.parse().expect("the example is valid");
    for setting in SETTINGS {
        let key = setting.name.rsplit('.').next().unwrap_or(setting.name);
        assert!(example.contains(key), "example misses {}", setting.name);
        assert!(
            example.contains(setting.env),
            "example misses {}",
            setting.env
        );
    }
}

#[test]
fn the_token_mode_is_stable_by_default_and_legacy_on_request() {
    let config = RawSettings::default().parse().expect("defaults");
    assert_eq!(config.token.mode, TokenMode::Stable);
    assert_eq!(config.token.refresh_margin, Duration::from_secs(300));
    let mut raw = RawSettings::default();
    raw.merge_env(env(&[("WXBASE_WECHAT_TOKEN_MODE", "legacy")]));
    assert_eq!(raw.parse().expect("legacy").token.mode, TokenMode::Legacy);
    raw.merge_env(env(&[("WXBASE_WECHAT_TOKEN_MODE", "fast")]));
    assert!(raw
        .parse()
        .expect_err("unknown")
        .to_string()
        .contains("wechat.token_mode"));
}

#[test]
fn the_admin_token_is_optional_redacted_and_must_be_long() {
    assert!(RawSettings::default()
        .parse()
        .expect("defaults")
        .admin_token
        .is_none());
    let mut raw = RawSettings::default();
    raw.merge_env(env(&[("WXBASE_ADMIN_TOKEN", "short")]));
    assert!(raw
        .parse()
        .expect_err("too short")
        .to_string()
        .contains("admin.token"));
    raw.merge_env(env(&[("WXBASE_ADMIN_TOKEN", "0123456789abcdef0123")]));
    let config = raw.parse().expect("valid");
    assert_eq!(
        config.admin_token.as_ref().map(Secret::expose),
        Some("0123456789abcdef0123")
    );
    assert!(!format!("{config:?}").contains("0123456789abcdef0123"));
}

#[test]
fn collection_limits_default_to_256_kib_and_32_levels_and_are_bounded() {
    let config = RawSettings::default().parse().expect("defaults are valid");
    assert_eq!(config.collections.max_bytes, 256 * 1024);
    assert_eq!(config.collections.max_depth, 32);
    let mut raw = RawSettings::default();
    raw.merge_env(env(&[("WXBASE_COLLECTIONS_MAX_DEPTH", "500")]));
    let error = raw.parse().expect_err("out of range");
    assert!(
        error.to_string().contains("collections.max_depth"),
        "{error}"
    );
}
