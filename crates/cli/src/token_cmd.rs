//! `wxbase token show`: the stored access_token's expiry and source (the token itself only
//! with `--reveal`).

use anyhow::Context;
use wxbase_core::{StoredToken, Timestamp};

use crate::args::TokenShowArgs;
use crate::database;

/// Prints the stored token of the configured app.
pub async fn show(args: TokenShowArgs) -> anyhow::Result<()> {
    let config = args.config.load()?;
    let app = config
        .app
        .as_ref()
        .context("wechat.app_id is not set: which app's token? set WXBASE_APP_ID")?;
    let store = database::open(&config).await?;
    let stored = store.access_token(&app.app_id).await;
    store.close().await;
    match stored? {
        None => println!(
            "app {}: no access_token stored yet (one is fetched on first use)",
            app.app_id
        ),
        Some(token) => print!(
            "{}",
            describe(
                &app.app_id.to_string(),
                &token,
                args.reveal,
                Timestamp::now()
            )
        ),
    }
    Ok(())
}

fn describe(app_id: &str, token: &StoredToken, reveal: bool, now: Timestamp) -> String {
    let remaining_s = (token.expires_at.as_millis() - now.as_millis()) / 1000;
    let state = if remaining_s > 0 {
        format!("valid for {remaining_s} s more")
    } else {
        "expired".to_owned()
    };
    let mut text = format!(
        "app:        {app_id}\nsource:     {}\nfetched at: {}\nexpires at: {} ({state})\n",
        token.source,
        token.fetched_at.to_rfc3339(),
        token.expires_at.to_rfc3339(),
    );
    if reveal {
        text.push_str(&format!("token:      {}\n", token.token.expose()));
    }
    text
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use wxbase_core::TokenMode;
    use wxbase_wechat::Secret;

    use super::*;

    fn token() -> StoredToken {
        let fetched_at = Timestamp::from_millis(1_700_000_000_000);
        StoredToken {
            token: Secret::new("ACCESS_TOKEN_VALUE"),
            expires_at: fetched_at.plus(Duration::from_secs(7200)),
            fetched_at,
            source: TokenMode::Stable,
        }
    }

    #[test]
    fn the_token_itself_is_shown_only_when_revealed() {
        let now = Timestamp::from_millis(1_700_000_000_000).plus(Duration::from_secs(200));
        let hidden = describe("wxapp", &token(), false, now);
        assert!(hidden.contains("stable_token") && hidden.contains("valid for 7000 s more"));
        assert!(!hidden.contains("ACCESS_TOKEN_VALUE"));
        assert!(describe("wxapp", &token(), true, now).contains("ACCESS_TOKEN_VALUE"));
    }

    #[test]
    fn an_expired_token_says_so() {
        let now = Timestamp::from_millis(1_700_000_000_000).plus(Duration::from_secs(7201));
        assert!(describe("wxapp", &token(), false, now).contains("expired"));
    }
}
