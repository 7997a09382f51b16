//! `GET /cgi-bin/token`: every call mints a token, the previous one keeps working 5 minutes.

use serde_json::json;
use wxbase_wechat::{AppId, Secret};

use crate::helpers::*;

#[tokio::test]
async fn every_call_mints_a_new_token_with_the_full_lifetime() {
    let emu = Emu::start().await;
    let first = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    let second = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    assert_ne!(first.access_token, second.access_token);
    assert_eq!((first.expires_in, second.expires_in), (7200, 7200));
    assert!(
        first.access_token.expose().len() >= 100,
        "tokens are long, like WeChat's"
    );
}

#[tokio::test]
async fn the_previous_token_works_for_five_minutes_after_a_newer_one_then_gives_40001() {
    let emu = Emu::start().await;
    let old = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    emu.advance(60).await;
    let new = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    emu.advance(299).await;
    emu.use_token(&old.access_token)
        .await
        .expect("the old token still works");
    emu.advance(1).await;
    assert_eq!(errcode(emu.use_token(&old.access_token).await), 40001);
    emu.use_token(&new.access_token)
        .await
        .expect("the new token works");
}

#[tokio::test]
async fn a_token_older_than_its_lifetime_gives_42001() {
    let emu = Emu::start().await;
    let grant = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    emu.advance(7199).await;
    emu.use_token(&grant.access_token)
        .await
        .expect("works until the end");
    emu.advance(1).await;
    assert_eq!(errcode(emu.use_token(&grant.access_token).await), 42001);
}

#[tokio::test]
async fn a_shorter_lifetime_from_the_settings_applies_to_new_tokens() {
    let emu = Emu::start().await;
    let before = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    let settings = emu.settings(json!({ "tokenLifetimeSeconds": 60 })).await;
    assert_eq!(settings["tokenLifetimeSeconds"], 60);
    let after = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    assert_eq!(after.expires_in, 60);
    emu.advance(60).await;
    assert_eq!(errcode(emu.use_token(&after.access_token).await), 42001);
    // Issued before the change, with 7200 s, and superseded only 60 s ago.
    emu.use_token(&before.access_token)
        .await
        .expect("still inside its grace");
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_wechats_errcodes() {
    let emu = Emu::start().await;
    let wrong_secret = emu
        .client
        .get_access_token(&appid(), &Secret::new("nope"))
        .await;
    assert_eq!(errcode(wrong_secret), 40125);
    let unknown = AppId::parse("wx0000000000000000").expect("appid");
    assert_eq!(
        errcode(emu.client.get_access_token(&unknown, &secret()).await),
        40013
    );
}

#[tokio::test]
async fn bad_or_missing_parameters_are_refused_in_wechats_order() {
    let emu = Emu::start().await;
    let cases: [(&[(&str, &str)], i64); 4] = [
        (&[("appid", APPID), ("secret", SECRET)], 40002),
        (
            &[
                ("grant_type", "authorization_code"),
                ("appid", APPID),
                ("secret", SECRET),
            ],
            40002,
        ),
        (
            &[("grant_type", "client_credential"), ("secret", SECRET)],
            41002,
        ),
        (
            &[("grant_type", "client_credential"), ("appid", APPID)],
            41004,
        ),
    ];
    for (query, expected) in cases {
        let answer = emu
            .raw(emu.http.get(emu.url("/cgi-bin/token")).query(query))
            .await;
        assert_eq!(raw_errcode(&answer), expected, "{query:?}");
        assert!(answer["errmsg"]
            .as_str()
            .is_some_and(|m| m.contains(" rid: ")));
    }
}

#[tokio::test]
async fn the_daily_quota_gives_45009_until_the_next_day() {
    let emu = Emu::start().await;
    emu.advance_to_next_day().await;
    emu.settings(json!({ "tokenDailyQuota": 3 })).await;
    for _ in 0..3 {
        emu.client
            .get_access_token(&appid(), &secret())
            .await
            .expect("within quota");
    }
    let refused = emu.client.get_access_token(&appid(), &secret()).await;
    assert_eq!(errcode(refused), 45009);
    emu.client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("the stable endpoint has its own quota");
    let other_app = AppId::parse(OTHER_APPID).expect("appid");
    emu.client
        .get_access_token(&other_app, &Secret::new(OTHER_SECRET))
        .await
        .expect("each app has its own quota");
    emu.advance(86_400).await;
    emu.client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a new day");
}
