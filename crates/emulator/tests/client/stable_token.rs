//! `POST /cgi-bin/stable_token`: one current token per app, rotated in its last 5 minutes,
//! force refresh limited to 20 a day and 30 s apart.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn normal_calls_return_the_same_token_with_a_shrinking_expires_in() {
    let emu = Emu::start().await;
    let first = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    assert_eq!(first.expires_in, 7200);
    emu.advance(1000).await;
    let again = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    assert_eq!(again.access_token, first.access_token);
    assert!(
        (6199..=6200).contains(&again.expires_in),
        "{}",
        again.expires_in
    );
}

#[tokio::test]
async fn inside_its_last_five_minutes_the_token_rotates_and_the_old_one_lives_out_its_life() {
    let emu = Emu::start().await;
    let old = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    emu.advance(6850).await;
    let same = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    assert_eq!(same.access_token, old.access_token);
    assert!(same.expires_in >= 300);
    emu.advance(60).await;
    let new = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    assert_ne!(new.access_token, old.access_token);
    assert_eq!(new.expires_in, 7200);
    emu.use_token(&old.access_token)
        .await
        .expect("old and new both work");
    emu.use_token(&new.access_token)
        .await
        .expect("old and new both work");
    emu.advance(300).await;
    assert_eq!(errcode(emu.use_token(&old.access_token).await), 42001);
    emu.use_token(&new.access_token)
        .await
        .expect("the new one lives on");
}

#[tokio::test]
async fn a_force_refresh_invalidates_the_previous_token_at_once() {
    let emu = Emu::start().await;
    let old = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    let forced = emu
        .client
        .get_stable_access_token(&appid(), &secret(), true)
        .await
        .expect("a token");
    assert_ne!(forced.access_token, old.access_token);
    assert_eq!(forced.expires_in, 7200);
    assert_eq!(errcode(emu.use_token(&old.access_token).await), 40001);
    emu.use_token(&forced.access_token)
        .await
        .expect("the forced token works");
    let normal = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    assert_eq!(normal.access_token, forced.access_token);
}

#[tokio::test]
async fn a_force_within_30_seconds_of_the_last_returns_the_current_token_unchanged() {
    let emu = Emu::start().await;
    let first = emu
        .client
        .get_stable_access_token(&appid(), &secret(), true)
        .await
        .expect("a token");
    emu.advance(29).await;
    let again = emu
        .client
        .get_stable_access_token(&appid(), &secret(), true)
        .await
        .expect("a token");
    assert_eq!(again.access_token, first.access_token);
    emu.use_token(&first.access_token)
        .await
        .expect("not refreshed, still valid");
    emu.advance(1).await;
    let refreshed = emu
        .client
        .get_stable_access_token(&appid(), &secret(), true)
        .await
        .expect("a token");
    assert_ne!(refreshed.access_token, first.access_token);
}

#[tokio::test]
async fn the_twenty_first_force_refresh_in_a_day_gives_45009() {
    let emu = Emu::start().await;
    emu.advance_to_next_day().await;
    for n in 1..=20 {
        emu.client
            .get_stable_access_token(&appid(), &secret(), true)
            .await
            .unwrap_or_else(|e| panic!("force {n} is allowed: {e}"));
        emu.advance(30).await;
    }
    let refused = emu
        .client
        .get_stable_access_token(&appid(), &secret(), true)
        .await;
    assert_eq!(errcode(refused), 45009);
    emu.client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("normal calls still work");
    emu.advance(86_400).await;
    emu.client
        .get_stable_access_token(&appid(), &secret(), true)
        .await
        .expect("a new day allows forcing again");
}

#[tokio::test]
async fn the_stable_daily_quota_gives_45009() {
    let emu = Emu::start().await;
    emu.advance_to_next_day().await;
    emu.settings(json!({ "stableTokenDailyQuota": 2 })).await;
    for _ in 0..2 {
        emu.client
            .get_stable_access_token(&appid(), &secret(), false)
            .await
            .expect("within quota");
    }
    let refused = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await;
    assert_eq!(errcode(refused), 45009);
}

#[tokio::test]
async fn stable_and_legacy_tokens_never_invalidate_each_other() {
    let emu = Emu::start().await;
    let stable = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    let legacy = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    let newer_legacy = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    emu.advance(301).await;
    assert_eq!(errcode(emu.use_token(&legacy.access_token).await), 40001);
    emu.use_token(&stable.access_token)
        .await
        .expect("legacy rotation spares the stable token");
    let forced = emu
        .client
        .get_stable_access_token(&appid(), &secret(), true)
        .await
        .expect("a token");
    emu.use_token(&newer_legacy.access_token)
        .await
        .expect("a force spares legacy tokens");
    emu.client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    emu.advance(301).await;
    emu.use_token(&forced.access_token)
        .await
        .expect("legacy calls spare the stable token");
}

#[tokio::test]
async fn only_a_json_post_is_accepted() {
    let emu = Emu::start().await;
    let url = emu.url("/cgi-bin/stable_token");
    let get = emu.raw(emu.http.get(&url)).await;
    assert_eq!(raw_errcode(&get), 43002);
    let form = emu
        .raw(emu.http.post(&url).body("grant_type=client_credential"))
        .await;
    assert_eq!(raw_errcode(&form), 47001);
    let empty = emu.raw(emu.http.post(&url)).await;
    assert_eq!(raw_errcode(&empty), 44002);
    let stringly = json!({
        "grant_type": "client_credential", "appid": APPID, "secret": SECRET, "force_refresh": "yes",
    });
    assert_eq!(
        raw_errcode(&emu.raw(emu.http.post(&url).json(&stringly)).await),
        47001
    );
    let no_grant = json!({ "appid": APPID, "secret": SECRET });
    assert_eq!(
        raw_errcode(&emu.raw(emu.http.post(&url).json(&no_grant)).await),
        40002
    );
    let wrong_secret = json!({ "grant_type": "client_credential", "appid": APPID, "secret": "x" });
    assert_eq!(
        raw_errcode(&emu.raw(emu.http.post(&url).json(&wrong_secret)).await),
        40125
    );
}
