//! What every request gets: request ids, the envelope for unknown routes and panics, the body
//! limit, health checks.

use axum::routing::get;
use axum::Router;
use wxbase_server::AppState;
use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, envelope_of, Options, TestApp};

async fn panicking_handler() -> &'static str {
    panic!("a bug in a handler")
}

#[tokio::test]
async fn a_panic_in_a_handler_is_an_internal_error_and_the_server_keeps_serving() {
    let routes: Router<AppState> = Router::new().route("/api/test/panic", get(panicking_handler));
    let options = Options {
        extra_routes: routes,
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite");
    for _ in 0..3 {
        let response = app
            .http
            .get(format!("{}/api/test/panic", app.base_url))
            .send()
            .await
            .expect("answers");
        assert_failure(&envelope_of(response).await, "internal");
    }
    let token = app.login_as("alice").await;
    assert_eq!(
        app.with_token(reqwest::Method::GET, "/api/me", &token)
            .await["code"],
        1
    );
}

#[tokio::test]
async fn unknown_api_routes_and_methods_get_the_envelope() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let unknown = app
        .http
        .get(format!("{}/api/nope", app.base_url))
        .send()
        .await
        .expect("answers");
    assert_failure(&envelope_of(unknown).await, "not_found");
    let wrong_method = app
        .http
        .get(format!("{}/api/auth/login", app.base_url))
        .send()
        .await
        .expect("answers");
    assert_failure(&envelope_of(wrong_method).await, "not_found");
    let outside = app
        .http
        .get(format!("{}/nope", app.base_url))
        .send()
        .await
        .expect("answers");
    assert_eq!(outside.status(), 404);
}

#[tokio::test]
async fn an_oversized_body_is_refused_as_payload_too_large() {
    let options = Options {
        body_limit_bytes: 1024,
        ..Options::default()
    };
    let app = TestApp::spawn_with(Backend::Sqlite, options)
        .await
        .expect("sqlite");
    let big = format!("{{\"code\":\"{}\"}}", "x".repeat(4096));
    assert_failure(
        &app.post_raw("/api/auth/login", big).await,
        "payload_too_large",
    );
    assert_eq!(app.user_count().await, 0);
}

#[tokio::test]
async fn a_request_id_is_made_or_kept() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let made = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .expect("answers");
    let id = made.headers()["x-request-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    let kept = app
        .http
        .get(format!("{}/api/me", app.base_url))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .expect("answers");
    assert_eq!(kept.headers()["x-request-id"], "trace-me-123");
}

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    for path in ["/healthz", "/readyz"] {
        let response = app
            .http
            .get(format!("{}{path}", app.base_url))
            .send()
            .await
            .expect("answers");
        assert_eq!(response.status(), 200, "{path}");
    }
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_closed() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    app.db.store.close().await;
    let response = app
        .http
        .get(format!("{}/readyz", app.base_url))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 503);
    let health = app
        .http
        .get(format!("{}/healthz", app.base_url))
        .send()
        .await
        .expect("answers");
    assert_eq!(health.status(), 200, "the process itself is still healthy");
}
