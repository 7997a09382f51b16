//! `POST /wxa/business/getuserphonenumber`: the token is checked first, then the single-use code.

use serde_json::json;
use wxbase_wechat::{AppId, Secret};

use crate::helpers::*;

#[tokio::test]
async fn a_phone_code_gives_the_persons_number_with_a_watermark_once() {
    let emu = Emu::start().await;
    let token = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    let code = emu.phone_code("alice").await;
    let now = emu.advance(0).await;
    let phone = emu
        .client
        .get_user_phone_number(&token.access_token, &code)
        .await
        .expect("the code is accepted");
    let expected = emu.user("alice").await["phoneNumber"]
        .as_str()
        .expect("a number")
        .to_owned();
    assert_eq!(phone.phone_number, expected);
    assert_eq!(phone.pure_phone_number, expected);
    assert_eq!(phone.country_code, "86");
    let watermark = phone.watermark.expect("a watermark");
    assert_eq!(watermark.appid, APPID);
    assert!(watermark.timestamp.abs_diff(now as i64) <= 1);
    let reused = emu
        .client
        .get_user_phone_number(&token.access_token, &code)
        .await;
    assert_eq!(errcode(reused), 40029);
}

#[tokio::test]
async fn a_phone_code_expires_after_five_minutes() {
    let emu = Emu::start().await;
    let token = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("a token");
    let code = emu.phone_code("bob").await;
    emu.advance(301).await;
    assert_eq!(
        errcode(
            emu.client
                .get_user_phone_number(&token.access_token, &code)
                .await
        ),
        40029
    );
}

#[tokio::test]
async fn unknown_codes_and_codes_of_another_app_give_40029() {
    let emu = Emu::start().await;
    let other = AppId::parse(OTHER_APPID).expect("appid");
    let token = emu
        .client
        .get_stable_access_token(&other, &Secret::new(OTHER_SECRET), false)
        .await
        .expect("a token");
    let code_for_first_app = emu.phone_code("carol").await;
    let refused = emu
        .client
        .get_user_phone_number(&token.access_token, &code_for_first_app)
        .await;
    assert_eq!(errcode(refused), 40029);
    assert_eq!(
        errcode(
            emu.client
                .get_user_phone_number(&token.access_token, "nope")
                .await
        ),
        40029
    );
    let own = emu
        .post(
            "/__emulator/phone-code",
            json!({ "user": "carol", "appid": OTHER_APPID }),
        )
        .await;
    let own = own["code"].as_str().expect("a code");
    let phone = emu
        .client
        .get_user_phone_number(&token.access_token, own)
        .await
        .expect("accepted");
    assert_eq!(phone.watermark.expect("a watermark").appid, OTHER_APPID);
}

#[tokio::test]
async fn a_superseded_token_gives_40001_and_leaves_the_code_unused() {
    let emu = Emu::start().await;
    let old = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    let new = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    emu.advance(300).await;
    let code = emu.phone_code("dave").await;
    assert_eq!(
        errcode(
            emu.client
                .get_user_phone_number(&old.access_token, &code)
                .await
        ),
        40001
    );
    emu.client
        .get_user_phone_number(&new.access_token, &code)
        .await
        .expect("the code is still good");
}

#[tokio::test]
async fn missing_and_malformed_tokens_get_41001_and_40014() {
    let emu = Emu::start().await;
    let url = emu.url("/wxa/business/getuserphonenumber");
    let body = json!({ "code": "c" });
    let missing = emu.raw(emu.http.post(&url).json(&body)).await;
    assert_eq!(raw_errcode(&missing), 41001);
    let malformed = emu
        .client
        .get_user_phone_number(&Secret::new("ACCESS_TOKEN!"), "c")
        .await;
    assert_eq!(errcode(malformed), 40014);
    let unknown = Secret::new("86_".to_owned() + &"A".repeat(128));
    assert_eq!(
        errcode(emu.client.get_user_phone_number(&unknown, "c").await),
        40001
    );
    let token = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    let in_body = json!({ "code": "c", "access_token": token.access_token.expose() });
    let ignored = emu.raw(emu.http.post(&url).json(&in_body)).await;
    assert_eq!(
        raw_errcode(&ignored),
        41001,
        "the token travels in the query only"
    );
}

#[tokio::test]
async fn a_body_without_a_code_is_refused() {
    let emu = Emu::start().await;
    let token = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("a token");
    let url = emu.url("/wxa/business/getuserphonenumber");
    let query = [("access_token", token.access_token.expose())];
    let no_code = emu
        .raw(emu.http.post(&url).query(&query).json(&json!({})))
        .await;
    assert_eq!(raw_errcode(&no_code), 41008);
    let not_json = emu
        .raw(emu.http.post(&url).query(&query).body("code=1"))
        .await;
    assert_eq!(raw_errcode(&not_json), 47001);
}
