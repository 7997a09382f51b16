//! Message push for the end-to-end tests: how wxbase and the emulator's push sender are set
//! up, an injectable slow answer, and shorthands for pushes, chats and the admin API.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::Request;
use axum::middleware::Next;
use serde_json::{json, Value};
use wxbase_core::{MessageSettings, PushSettings};
use wxbase_emulator::{PushFormat, PushMode, PushTarget};
use wxbase_server::Application;
use wxbase_wechat::crypto::EncodingAesKey;
use wxbase_wechat::{AppId, Secret};

use crate::helpers::{envelope_of, TestApp, ADMIN_TOKEN};

pub const PUSH_PATH: &str = "/message/check";
pub const PUSH_TOKEN: &str = "e2ePushToken";
/// Its last character leaves non-zero trailing bits, as most real keys do.
pub const PUSH_KEY: &str = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

/// How push is set up on both sides.
#[derive(Clone)]
pub struct PushSetup {
    pub mode: PushMode,
    pub format: PushFormat,
    pub token: String,
    pub key: String,
    /// Whether the instance runs the outbox worker.
    pub worker: bool,
    /// Typing indicator before replies.
    pub typing: bool,
    /// How long the emulator waits for an answer.
    pub emulator_timeout: Duration,
    /// Hold the first push answer this long (after the push was handled).
    pub slow_first_answer: Option<Duration>,
    /// How long the outbox worker leases a batch of replies.
    pub lease: Duration,
    /// The outbox's first retry backoff.
    pub retry_backoff: Duration,
    slowed: Arc<AtomicBool>,
}

impl PushSetup {
    pub fn new(mode: PushMode, format: PushFormat) -> Self {
        Self {
            mode,
            format,
            token: PUSH_TOKEN.to_owned(),
            key: PUSH_KEY.to_owned(),
            worker: true,
            typing: false,
            emulator_timeout: Duration::from_secs(5),
            slow_first_answer: None,
            lease: MessageSettings::default().lease,
            retry_backoff: Duration::from_millis(50),
            slowed: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The same setup with or without the outbox worker (without: replies wait in the
    /// database).
    pub fn with_worker(&self, worker: bool) -> Self {
        Self {
            worker,
            ..self.clone()
        }
    }

    /// The same setup with the outbox worker leasing batches for `lease`.
    pub fn with_lease(&self, lease: Duration) -> Self {
        Self {
            lease,
            ..self.clone()
        }
    }

    /// wxbase's `[push]` settings: fast polling and backoff so tests need not wait.
    pub fn settings(&self) -> PushSettings {
        PushSettings {
            path: PUSH_PATH.to_owned(),
            token: Some(Secret::new(self.token.clone())),
            encoding_aes_key: (self.mode != PushMode::Plaintext)
                .then(|| EncodingAesKey::parse(&self.key).expect("a valid key")),
            max_body_bytes: 16 * 1024,
            worker: self.worker,
            messages: MessageSettings {
                retry_backoff: self.retry_backoff,
                poll: Duration::from_millis(50),
                typing: self.typing,
                lease: self.lease,
                ..MessageSettings::default()
            },
            rules: Vec::new(),
        }
    }

    /// The emulator's push settings pointing at `base_url`.
    pub fn emulator_target(&self, base_url: &str) -> PushTarget {
        PushTarget {
            url: Some(format!("{base_url}{PUSH_PATH}")),
            mode: self.mode,
            format: self.format,
            token: self.token.clone(),
            encoding_aes_key: Some(self.key.clone()),
            timeout: self.emulator_timeout,
            deliveries: 3,
        }
    }
}

/// Wraps the app so the first push answer is held back by `slow_first_answer` (the push is
/// handled and recorded first, as when a server is slow to answer).
pub fn push_layer(app: Application, push: &PushSetup) -> Application {
    let Some(delay) = push.slow_first_answer else {
        return app;
    };
    let slowed = push.slowed.clone();
    app.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| {
            let slowed = slowed.clone();
            async move {
                let is_push = request.uri().path() == PUSH_PATH;
                let response = next.run(request).await;
                if is_push && !slowed.swap(true, Ordering::SeqCst) {
                    tokio::time::sleep(delay).await;
                }
                response
            }
        },
    ))
}

impl TestApp {
    /// The user sends a push through the emulator; its delivery report.
    pub async fn push(&self, user: &str, body: Value) -> Value {
        let mut body = body;
        body["user"] = json!(user);
        self.emulator("/__emulator/push", body).await
    }

    /// The user types `text`; asserts WeChat got a valid answer.
    pub async fn say(&self, user: &str, text: &str) -> Value {
        let report = self
            .push(user, json!({ "msgType": "text", "content": text }))
            .await;
        assert_eq!(report["delivered"], true, "{report}");
        report
    }

    /// The emulator's chat of `user`.
    pub async fn chat(&self, user: &str) -> Vec<Value> {
        let answer: Value = self
            .http
            .get(format!(
                "{}/__emulator/conversations/{user}",
                self.emulator_url
            ))
            .send()
            .await
            .expect("emulator answers")
            .json()
            .await
            .expect("JSON");
        answer["messages"].as_array().cloned().unwrap_or_default()
    }

    /// The messages the app sent to `user`, as the user saw them.
    pub async fn replies_seen_by(&self, user: &str) -> Vec<Value> {
        self.chat(user)
            .await
            .into_iter()
            .filter(|m| m["from"] == "app")
            .collect()
    }

    /// Polls wxbase's record of `openid`'s conversation until `done` holds (5 s at most).
    pub async fn wait_for_conversation(
        &self,
        openid: &str,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let page = self
                .admin("GET", &format!("/admin/api/conversations/{openid}"), None)
                .await;
            let messages = page["data"]["messages"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if done(&messages) {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "conversation never got there: {page}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Waits until no outbound message of `openid` is pending any more.
    pub async fn wait_until_settled(&self, openid: &str) -> Vec<Value> {
        self.wait_for_conversation(openid, |messages| {
            messages.iter().any(|m| m["direction"] == "outbound")
                && messages
                    .iter()
                    .all(|m| m["delivery"]["status"] != "pending")
        })
        .await
    }

    /// An admin API call with the admin token; the envelope.
    pub async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base_url))
            .bearer_auth(ADMIN_TOKEN);
        if let Some(body) = body {
            request = request.json(&body);
        }
        envelope_of(request.send().await.expect("wxbase answers")).await
    }

    /// Creates a rule through the admin API; asserts it was accepted.
    pub async fn add_rule(&self, rule: Value) -> Value {
        let answer = self.admin("POST", "/admin/api/rules", Some(rule)).await;
        assert_eq!(answer["code"], 1, "{answer}");
        answer["data"].clone()
    }

    /// Messages stored for the app, both ways.
    pub async fn stored_messages(&self) -> u64 {
        self.db
            .store
            .count_messages(&AppId::parse(self.app_id).expect("appid"))
            .await
            .expect("count")
    }
}

/// A text rule answering `keyword` with `reply`.
pub fn text_rule(keyword: &str, reply: &str) -> Value {
    json!({
        "match": { "kind": "exact", "pattern": keyword },
        "reply": { "type": "text", "content": reply },
    })
}
