//! WeChat failing or unreachable, seen from the mini-program.

use std::time::{Duration, Instant};

use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, Options, TestApp};

#[tokio::test]
async fn an_unreachable_wechat_is_upstream_unavailable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let closed_url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let options = Options {
        wechat_base_url: Some(closed_url),
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite");
    let code = app.login_code("alice").await;
    assert_failure(&app.login(&code).await, "upstream_unavailable");
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn a_wechat_that_never_answers_is_upstream_unavailable_within_the_timeout() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let silent_url = format!("http://{}", silent.local_addr().expect("addr"));
    let _hold_connections = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let timeout = Duration::from_millis(300);
    let options = Options {
        wechat_base_url: Some(silent_url),
        wechat_timeout: timeout,
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite");
    let started = Instant::now();
    assert_failure(
        &app.login("0123456789abcdef0123456789abcdef").await,
        "upstream_unavailable",
    );
    assert!(
        started.elapsed() < timeout + Duration::from_secs(2),
        "gave up after {:?}, configured {timeout:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_wrong_app_secret_is_an_upstream_error_naming_the_errcode() {
    let options = Options {
        app_secret: "not-the-secret",
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite");
    let answer = app.login(&app.login_code("alice").await).await;
    assert_failure(&answer, "upstream_error");
    assert!(
        answer["message"]
            .as_str()
            .is_some_and(|m| m.contains("40125")),
        "{answer}"
    );
    assert_eq!(app.user_count().await, 0);
}
