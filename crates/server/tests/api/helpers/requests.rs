//! How a test speaks to its app over HTTP: as a mini-program to wxbase, and as a test to the
//! emulator's control API; and how it reads the `{code, data, message}` envelope.

use serde_json::{json, Value};
use wxbase_wechat::AppId;

use super::TestApp;

impl TestApp {
    /// POSTs JSON to the emulator's control API and returns its answer.
    pub async fn emulator(&self, path: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.emulator_url))
            .json(&body)
            .send()
            .await
            .expect("emulator answers");
        assert!(
            response.status().is_success(),
            "emulator refused {path}: {}",
            response.text().await.unwrap_or_default()
        );
        response.json().await.expect("JSON")
    }

    /// How many times the emulator's `endpoint` was called.
    pub async fn emulator_calls(&self, endpoint: &str) -> u64 {
        let stats: Value = self
            .http
            .get(format!("{}/__emulator/stats", self.emulator_url))
            .send()
            .await
            .expect("emulator answers")
            .json()
            .await
            .expect("JSON");
        stats["calls"][endpoint].as_u64().unwrap_or(0)
    }

    /// POSTs JSON with a bearer token to `base` (this or another instance).
    pub async fn post_as(&self, base: &str, path: &str, token: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{base}{path}"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("wxbase answers");
        envelope_of(response).await
    }

    /// What `wx.login` would give test person `user`.
    pub async fn login_code(&self, user: &str) -> String {
        let answer: Value = self
            .http
            .post(format!("{}/__emulator/login-code", self.emulator_url))
            .json(&json!({ "user": user }))
            .send()
            .await
            .expect("emulator answers")
            .json()
            .await
            .expect("JSON");
        answer["code"].as_str().expect("a code").to_owned()
    }

    /// The emulator's view of test person `user`.
    pub async fn emulator_user(&self, user: &str) -> Value {
        self.http
            .get(format!("{}/__emulator/users/{user}", self.emulator_url))
            .send()
            .await
            .expect("emulator answers")
            .json()
            .await
            .expect("JSON")
    }

    /// Moves the emulator's clock forward.
    pub async fn advance_emulator_clock(&self, seconds: u64) {
        let status = self
            .http
            .post(format!("{}/__emulator/clock/advance", self.emulator_url))
            .json(&json!({ "seconds": seconds }))
            .send()
            .await
            .expect("emulator answers")
            .status();
        assert!(status.is_success());
    }

    /// POSTs raw bytes to wxbase and returns the envelope, asserting HTTP 200.
    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base_url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("wxbase answers");
        envelope_of(response).await
    }

    /// A raw request to wxbase (a WeChat-facing endpoint); the status and the body.
    pub async fn raw_request(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, &str)],
        body: &str,
    ) -> (u16, String) {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .query(query)
            .body(body.to_owned())
            .send()
            .await
            .expect("wxbase answers");
        let status = response.status().as_u16();
        (status, response.text().await.expect("a body"))
    }

    /// POSTs JSON to wxbase and returns the envelope.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.post_raw(path, body.to_string()).await
    }

    /// Logs in with `code`.
    pub async fn login(&self, code: &str) -> Value {
        self.post("/api/auth/login", json!({ "code": code })).await
    }

    /// Logs test person `user` in and returns the session token.
    pub async fn login_as(&self, user: &str) -> String {
        let code = self.login_code(user).await;
        let answer = self.login(&code).await;
        assert_eq!(answer["code"], 1, "login failed: {answer}");
        answer["data"]["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    /// A request with a bearer token; returns the envelope.
    pub async fn with_token(&self, method: reqwest::Method, path: &str, token: &str) -> Value {
        let response = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(token)
            .send()
            .await
            .expect("wxbase answers");
        envelope_of(response).await
    }

    /// How many users the test app has.
    pub async fn user_count(&self) -> u64 {
        self.db
            .store
            .count_users(&AppId::parse(self.app_id).expect("appid"))
            .await
            .expect("count")
    }
}

/// Reads an `/api` envelope, checking it came with HTTP 200 and a request id.
pub async fn envelope_of(response: reqwest::Response) -> Value {
    assert_eq!(
        response.status(),
        200,
        "the envelope always comes with HTTP 200"
    );
    assert!(
        response.headers().contains_key("x-request-id"),
        "every response has a request id"
    );
    response.json().await.expect("the body is JSON")
}

/// Asserts that `answer` is a failure with error code `error`.
pub fn assert_failure(answer: &Value, error: &str) {
    assert_eq!(answer["code"], 0, "{answer}");
    assert_eq!(answer["error"], error, "{answer}");
    assert!(answer["data"].is_null(), "{answer}");
    assert!(
        answer["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{answer}"
    );
}
