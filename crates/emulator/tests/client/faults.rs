//! Fault injection: errcodes, delays and dropped connections, per endpoint, N times or forever.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use reqwest::StatusCode;
use serde_json::json;
use wxbase_wechat::WechatError;

use crate::helpers::*;

#[tokio::test]
async fn an_errcode_fault_answers_system_error_for_its_calls_then_the_endpoint_works() {
    let emu = Emu::start().await;
    emu.fault(json!({ "endpoint": "/cgi-bin/stable_token", "times": 2, "errcode": -1 }))
        .await;
    for _ in 0..2 {
        let error = emu
            .client
            .get_stable_access_token(&appid(), &secret(), false)
            .await
            .expect_err("faulted");
        assert_eq!(error.errcode().map(|c| c.value()), Some(-1));
        assert!(error.to_string().contains("system error"), "{error}");
    }
    emu.client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("the fault is used up");
    assert_eq!(
        emu.calls("/cgi-bin/stable_token").await,
        3,
        "faulted calls count"
    );
}

#[tokio::test]
async fn a_fault_applies_only_to_its_endpoint() {
    let emu = Emu::start().await;
    emu.fault(json!({ "endpoint": "/cgi-bin/stable_token", "errcode": 45009 }))
        .await;
    emu.client
        .get_access_token(&appid(), &secret())
        .await
        .expect("another endpoint");
    let refused = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await;
    assert_eq!(errcode(refused), 45009);
}

#[tokio::test]
async fn a_fault_without_times_lasts_until_the_faults_are_cleared() {
    let emu = Emu::start().await;
    emu.fault(json!({ "endpoint": "/cgi-bin/token", "errcode": -1 }))
        .await;
    for _ in 0..3 {
        assert_eq!(
            errcode(emu.client.get_access_token(&appid(), &secret()).await),
            -1
        );
    }
    let (status, cleared) = emu.control("DELETE", "/__emulator/faults", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cleared["cleared"], 1);
    emu.client
        .get_access_token(&appid(), &secret())
        .await
        .expect("no more fault");
}

#[tokio::test]
async fn a_delay_longer_than_the_client_timeout_makes_wechat_unavailable() {
    let emu = Emu::start().await;
    emu.fault(json!({ "endpoint": "/cgi-bin/token", "times": 1, "delayMs": 300 }))
        .await;
    let impatient = emu.client_with_timeout(Duration::from_millis(100));
    let error = impatient
        .get_access_token(&appid(), &secret())
        .await
        .expect_err("times out");
    assert!(
        matches!(error, WechatError::Unavailable { .. }),
        "{error:?}"
    );
    impatient
        .get_access_token(&appid(), &secret())
        .await
        .expect("the delay is used up");
}

#[tokio::test]
async fn a_delay_alone_still_answers_normally() {
    let emu = Emu::start().await;
    emu.fault(json!({ "endpoint": "/cgi-bin/token", "times": 1, "delayMs": 200 }))
        .await;
    let started = std::time::Instant::now();
    let grant = emu
        .client
        .get_access_token(&appid(), &secret())
        .await
        .expect("answers late");
    assert!(started.elapsed() >= Duration::from_millis(200));
    assert_eq!(grant.expires_in, 7200);
}

#[tokio::test]
async fn a_drop_fault_closes_the_connection_without_an_http_answer() {
    let emu = Emu::start().await;
    emu.fault(json!({ "endpoint": "/cgi-bin/stable_token", "times": 2, "drop": true }))
        .await;
    let error = emu
        .client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect_err("dropped");
    assert!(
        matches!(error, WechatError::Unavailable { .. }),
        "{error:?}"
    );
    let address = emu.base_url.trim_start_matches("http://").to_owned();
    let received = tokio::task::spawn_blocking(move || bytes_answered_to_a_raw_request(&address))
        .await
        .expect("the raw request runs");
    assert_eq!(received, 0, "not a single byte of HTTP comes back");
    emu.client
        .get_stable_access_token(&appid(), &secret(), false)
        .await
        .expect("the fault is used up");
}

/// Sends a stable_token request over a bare TCP connection; how many bytes came back before
/// the emulator closed it.
fn bytes_answered_to_a_raw_request(address: &str) -> usize {
    let mut stream = TcpStream::connect(address).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("sets a timeout");
    let body = "{}";
    write!(
        stream,
        "POST /cgi-bin/stable_token HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("sends the request");
    let mut answer = Vec::new();
    stream
        .read_to_end(&mut answer)
        .expect("the connection is closed, not timed out");
    answer.len()
}

#[tokio::test]
async fn faults_are_listed_in_order_and_bad_ones_are_refused() {
    let emu = Emu::start().await;
    emu.fault(json!({ "endpoint": "/cgi-bin/token", "times": 2, "errcode": -1 }))
        .await;
    emu.fault(json!({ "endpoint": "/cgi-bin/token", "drop": true }))
        .await;
    let (_, listed) = emu.control("GET", "/__emulator/faults", json!(null)).await;
    assert_eq!(listed["faults"][0]["times"], 2);
    assert_eq!(listed["faults"][1]["drop"], true);
    let bad = [
        json!({ "endpoint": "/cgi-bin/token" }),
        json!({ "endpoint": "cgi-bin/token", "errcode": -1 }),
        json!({ "endpoint": "/__emulator/stats", "errcode": -1 }),
        json!({ "endpoint": "/cgi-bin/token", "errcode": -1, "drop": true }),
        json!({ "endpoint": "/cgi-bin/token", "times": 0, "errcode": -1 }),
        json!({ "endpoint": "/cgi-bin/token", "errcode": -1, "delay": 5 }),
    ];
    for fault in bad {
        let (status, answer) = emu
            .control("POST", "/__emulator/faults", fault.clone())
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{fault}");
        assert!(answer["error"].is_string());
    }
}
