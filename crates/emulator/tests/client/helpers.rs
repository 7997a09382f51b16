//! A running emulator with a client pointed at it, and shorthands for its control API.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};
use wxbase_emulator::{EmulatedApp, Emulator, EmulatorConfig, RunningEmulator};
use wxbase_wechat::api::auth::CodeSession;
use wxbase_wechat::{AppId, ClientConfig, ErrCode, Secret, WechatClient, WechatError};

pub const APPID: &str = "wxe000000000000001";
pub const SECRET: &str = "emulator-test-secret-0000000001";
/// A second app, not bound to an open-platform account.
pub const OTHER_APPID: &str = "wxe000000000000002";
pub const OTHER_SECRET: &str = "emulator-test-secret-0000000002";

/// An emulator on a free port, with a WeChat client and a plain HTTP client for the control API.
pub struct Emu {
    pub base_url: String,
    pub client: WechatClient,
    pub http: reqwest::Client,
    _running: RunningEmulator,
}

/// The config every test uses: two apps, the first bound to an open-platform account.
pub fn two_apps() -> EmulatorConfig {
    let mut config = EmulatorConfig::single_app(APPID, SECRET);
    config.apps.push(EmulatedApp {
        appid: OTHER_APPID.to_owned(),
        secret: OTHER_SECRET.to_owned(),
        unionid_bound: false,
    });
    config
}

impl Emu {
    pub async fn start() -> Self {
        Self::serve(&Emulator::new(two_apps())).await
    }

    /// Serves `emulator` (possibly a clone of one already serving) on a new port.
    pub async fn serve(emulator: &Emulator) -> Self {
        let running = emulator
            .spawn("127.0.0.1:0".parse().expect("address"))
            .await
            .expect("the emulator starts");
        let base_url = running.base_url();
        Self {
            client: client(&base_url, Duration::from_secs(5)),
            base_url,
            http: reqwest::Client::new(),
            _running: running,
        }
    }

    /// A WeChat client for this emulator that gives up after `timeout`.
    pub fn client_with_timeout(&self, timeout: Duration) -> WechatClient {
        client(&self.base_url, timeout)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// `method path` on the control API with a JSON body; the status and the JSON answer.
    pub async fn control(&self, method: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let response = self
            .http
            .request(method, self.url(path))
            .json(&body)
            .send()
            .await
            .expect("the emulator answers");
        let status = response.status();
        (status, response.json().await.expect("a JSON answer"))
    }

    /// `POST path` on the control API, which must succeed.
    pub async fn post(&self, path: &str, body: Value) -> Value {
        let (status, answer) = self.control("POST", path, body).await;
        assert_eq!(status, StatusCode::OK, "{path}: {answer}");
        answer
    }

    /// Moves the emulator clock; returns its new time in Unix seconds.
    pub async fn advance(&self, seconds: u64) -> u64 {
        let answer = self
            .post("/__emulator/clock/advance", json!({ "seconds": seconds }))
            .await;
        answer["now"].as_u64().expect("now")
    }

    /// Moves the clock to a few seconds into the next quota day (midnight in Beijing), so a
    /// test counting calls per day never straddles midnight.
    pub async fn advance_to_next_day(&self) {
        let now = self.advance(0).await;
        let into_day = (now + 8 * 3600) % 86_400;
        self.advance(86_400 - into_day + 5).await;
    }

    pub async fn settings(&self, settings: Value) -> Value {
        self.post("/__emulator/settings", settings).await
    }

    pub async fn fault(&self, fault: Value) {
        self.post("/__emulator/faults", fault).await;
    }

    pub async fn phone_code(&self, user: &str) -> String {
        let answer = self
            .post("/__emulator/phone-code", json!({ "user": user }))
            .await;
        answer["code"].as_str().expect("a code").to_owned()
    }

    /// Logs `user` in to the default app as the mini-program and the backend would.
    pub async fn login(&self, user: &str) -> CodeSession {
        let answer = self
            .post("/__emulator/login-code", json!({ "user": user }))
            .await;
        let code = answer["code"].as_str().expect("a code");
        self.client
            .jscode2session(&appid(), &secret(), code)
            .await
            .expect("the login code is accepted")
    }

    /// `GET /__emulator/users/{user}`.
    pub async fn user(&self, user: &str) -> Value {
        self.http
            .get(self.url(&format!("/__emulator/users/{user}")))
            .send()
            .await
            .expect("the emulator answers")
            .json()
            .await
            .expect("a JSON answer")
    }

    pub async fn calls(&self, endpoint: &str) -> u64 {
        let stats = self
            .http
            .get(self.url("/__emulator/stats"))
            .send()
            .await
            .expect("the emulator answers")
            .json::<Value>()
            .await
            .expect("a JSON answer");
        stats["calls"][endpoint].as_u64().unwrap_or(0)
    }

    /// Uses `token` on an API that takes one: Ok when the token is accepted.
    pub async fn use_token(&self, token: &Secret) -> Result<(), WechatError> {
        let code = self.phone_code("token-checker").await;
        self.client
            .get_user_phone_number(token, &code)
            .await
            .map(drop)
    }

    /// A raw call to a WeChat endpoint; the JSON answer.
    pub async fn raw(&self, request: reqwest::RequestBuilder) -> Value {
        let response = request.send().await.expect("the emulator answers");
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "WeChat always answers 200"
        );
        response.json().await.expect("a JSON answer")
    }
}

fn client(base_url: &str, timeout: Duration) -> WechatClient {
    WechatClient::new(&ClientConfig {
        base_url: base_url.to_owned(),
        timeout,
    })
    .expect("a client")
}

pub fn appid() -> AppId {
    AppId::parse(APPID).expect("a valid appid")
}

pub fn secret() -> Secret {
    Secret::new(SECRET)
}

/// The errcode of a failed call.
pub fn errcode<T: std::fmt::Debug>(result: Result<T, WechatError>) -> i64 {
    result
        .expect_err("WeChat refuses the call")
        .errcode()
        .map(ErrCode::value)
        .expect("an errcode")
}

/// The errcode of a raw answer.
pub fn raw_errcode(answer: &Value) -> i64 {
    answer["errcode"].as_i64().expect("an errcode")
}
