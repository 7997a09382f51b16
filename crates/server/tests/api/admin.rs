//! The admin API's gate, and the access_token status it shows.

use serde_json::json;
use wxbase_store::testing::Backend;

use crate::helpers::{assert_failure, envelope_of, TestApp, ADMIN_TOKEN};

impl TestApp {
    async fn admin_get(&self, path: &str, token: Option<&str>) -> serde_json::Value {
        let mut request = self.http.get(format!("{}{path}", self.base_url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        envelope_of(request.send().await.expect("answers")).await
    }
}

#[tokio::test]
async fn the_admin_api_needs_the_admin_token() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    assert_failure(
        &app.admin_get("/admin/api/status", None).await,
        "unauthorized",
    );
    assert_failure(
        &app.admin_get("/admin/api/status", Some("wrong-token-wrong-token"))
            .await,
        "unauthorized",
    );
    let user_token = app.login_as("alice").await;
    assert_failure(
        &app.admin_get("/admin/api/status", Some(&user_token)).await,
        "unauthorized",
    );
    assert_failure(
        &app.admin_get("/admin/api/nope", Some(ADMIN_TOKEN)).await,
        "not_found",
    );
}

#[tokio::test]
async fn the_status_shows_the_token_source_and_expiry_but_never_the_token() {
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite");
    let before = app.admin_get("/admin/api/status", Some(ADMIN_TOKEN)).await;
    assert_eq!(before["code"], 1, "{before}");
    assert!(before["data"]["accessToken"].is_null());

    let token = app.login_as("bob").await;
    let code = app
        .emulator("/__emulator/phone-code", json!({ "user": "bob" }))
        .await["code"]
        .clone();
    assert_eq!(
        app.post_as(
            &app.base_url,
            "/api/me/phone",
            &token,
            json!({ "code": code })
        )
        .await["code"],
        1
    );
    let after = app.admin_get("/admin/api/status", Some(ADMIN_TOKEN)).await;
    let status = &after["data"]["accessToken"];
    assert_eq!(status["source"], "stable_token", "{after}");
    assert!(status["expiresAt"]
        .as_str()
        .is_some_and(|t| t.ends_with('Z')));
    assert!(
        !after.to_string().contains("86_"),
        "the token itself is never shown: {after}"
    );
}
