//! Bulk login codes for load tests.

use serde_json::json;
use wxbase_wechat::{AppId, Secret};

use crate::helpers::{Emu, APPID, SECRET};

#[tokio::test]
async fn bulk_codes_cycle_through_the_requested_people_and_each_works_once() {
    let emu = Emu::start().await;
    let answer = emu
        .post(
            "/__emulator/login-codes",
            json!({ "prefix": "bench", "count": 6, "distinctUsers": 3 }),
        )
        .await;
    let codes: Vec<String> = answer["codes"]
        .as_array()
        .expect("codes")
        .iter()
        .map(|c| c.as_str().expect("a code").to_owned())
        .collect();
    assert_eq!(codes.len(), 6);
    let appid = AppId::parse(APPID).expect("appid");
    let secret = Secret::new(SECRET);
    let mut openids = Vec::new();
    for code in &codes {
        let session = emu
            .client
            .jscode2session(&appid, &secret, code)
            .await
            .expect("valid code");
        openids.push(session.openid.to_string());
    }
    assert_eq!(openids[0], openids[3], "code 3 is person bench0 again");
    assert_ne!(openids[0], openids[1]);
    let reused = emu.client.jscode2session(&appid, &secret, &codes[0]).await;
    assert!(reused.is_err(), "bulk codes are single-use too");
}

#[tokio::test]
async fn bulk_requests_out_of_bounds_are_refused() {
    let emu = Emu::start().await;
    for body in [
        json!({ "prefix": "b", "count": 0 }),
        json!({ "prefix": "", "count": 1 }),
        json!({ "prefix": "b", "count": 1, "distinctUsers": 0 }),
        json!({ "prefix": "b", "count": 3_000_000 }),
    ] {
        let (status, _) = emu
            .control("POST", "/__emulator/login-codes", body.clone())
            .await;
        assert_eq!(status, 400, "{body}");
    }
}
