//! A local, stateful fake of WeChat's servers for offline development and tests.
//!
//! It speaks the protocol of `api.weixin.qq.com` (always HTTP 200, `errcode` + `errmsg` with a
//! `rid:` suffix) and adds a control API under `/__emulator/` that plays the mini-program's part
//! and the test harness's. Every expiry follows the emulator's clock.
//!
//! WeChat endpoints: `GET /sns/jscode2session`, `GET /cgi-bin/token`,
//! `POST /cgi-bin/stable_token`, `POST /wxa/business/getuserphonenumber?access_token=`,
//! `POST /cgi-bin/message/custom/send` (and `/custom/business/send`),
//! `POST /cgi-bin/message/custom/business/typing`, `POST /cgi-bin/message/subscribe/send`,
//! `GET /wxaapi/newtmpl/gettemplate`; for the official account `GET /cgi-bin/user/info`,
//! `GET /cgi-bin/user/get`, `POST /cgi-bin/user/info/batchget`; `POST /wxa/msg_sec_check`,
//! `POST /wxa/getwxacodeunlimit` (a PNG), `POST /wxa/generate_urllink`,
//! `POST /wxa/generatescheme`; and the push sender, which
//! calls the developer's server as WeChat does.
//!
//! Control API (JSON bodies whatever the Content-Type; failures are HTTP 400 `{"error"}`):
//! - `POST /__emulator/login-code` `{"user", "appid"?}` → `{"code"}` (what `wx.login` gives)
//! - `GET /__emulator/users/{user}?appid=` → `{"user", "appid", "openid", "unionid",
//!   "sessionKey", "phoneNumber"}`
//! - `POST /__emulator/phone-code` `{"user", "appid"?}` → `{"code"}` (getPhoneNumber button)
//! - `POST /__emulator/encrypted-data` `{"user", "kind": "phone"|"userinfo", "appid"?,
//!   "watermarkAppid"?}` → `{"encryptedData", "iv"}` under the current session_key
//! - `POST /__emulator/user-profile` `{"user", "appid"?}` → `{"rawData", "signature"}`
//! - `GET|POST /__emulator/settings` `{"tokenLifetimeSeconds"?, "tokenDailyQuota"?,
//!   "stableTokenDailyQuota"?, "followerPageSize"?, "followerListDailyQuota"?}` → all of them
//! - `POST /__emulator/tokens/invalidate` `{"appid"?}` → `{"appid", "invalidated"}`
//! - `POST /__emulator/faults` `{"endpoint", "after"?, "times"?, "errcode"?, "delayMs"?,
//!   "answerDelayMs"?, "drop"?}`,
//!   `GET` and `DELETE` the same path → `{"faults": [...]}` / `{"cleared"}`
//! - `GET /__emulator/stats` → `{"calls": {endpoint: count}}`
//! - `POST /__emulator/clock/advance` `{"seconds"}` → `{"advancedSeconds", "now"}`
//! - `POST /__emulator/push` `{"user", "msgType", "content"?, …}` → the delivery report
//! - `GET|POST /__emulator/push-config` `{"url"?, "mode"?, "format"?, "token"?,
//!   "encodingAesKey"?, "timeoutMs"?, "deliveries"?}` → the push settings
//! - `GET /__emulator/conversations/{user}?appid=` → `{"openid", "messages": [...]}`
//! - `POST /__emulator/oa/follow` and `/__emulator/oa/unfollow` `{"user", "push"?}` →
//!   `{"user", "openid", "unionid", "following", "at", "push"}` (the delivery report or null)
//! - `GET /__emulator/oa/followers` → `{"appid", "followers": [...]}`
//! - `GET|POST /__emulator/oa/push-config` (as push-config, XML only) → the push settings
//! - `POST /__emulator/security/risky-words` `{"words", "reviewWords"?}` → the words in force
//! - `GET /__emulator/links/{id}` → `{"kind", "appid", "path", "query", "envVersion",
//!   "expiresAt", "expired"}`
//! - `POST /__emulator/subscribe/grant` `{"user", "templateIds", "result"?, "kind"?, "appid"?}`
//!   and `POST /__emulator/subscribe/change` (the same, long-term, default `reject`) →
//!   `{"user", "openid", "grants", "push"}` (the popup or change event's delivery report)
//! - `GET|POST /__emulator/subscribe/templates` `{"title", "content", "id"?, "type"?}` → the
//!   templates / the template added
//! - `GET /__emulator/subscribe/messages/{user}?appid=` → `{"openid", "messages", "grants"}`
//! - `POST /__emulator/subscribe/grants` `{"prefix", "count", "templateId"}` → openids, one per
//!   line, each given a one-time grant (no push; for load tests)
//!
//! Its parts, one folder each:
//! - `wechat_api/`: WeChat's API, the routes above that wxbase calls, one module per module of
//!   `wxbase-wechat`'s `api`, and the middleware ahead of every route (call counts, faults);
//! - `control/`: the `/__emulator/` control API;
//! - `state/`: what the emulator remembers and the rules that change it, without HTTP;
//! - [`push`]: the push sender, which calls the developer's server as WeChat does;
//! - [`config`]: what the emulator pretends to be, at start.

pub mod config;
mod control;
pub mod push;
mod state;
mod wechat_api;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use config::{EmulatedApp, EmulatedOfficialAccount, EmulatorConfig, Limits};
pub use push::{PushFormat, PushMode, PushTarget};
use state::EmulatorState;

/// The emulator: its state and the HTTP routes over it.
///
/// A clone is another handle to the same emulator: servers spawned from clones share codes,
/// tokens, faults and the clock. Each [`Emulator::new`] starts from nothing and shares no state
/// with any other emulator (there is no global state), so tests can run side by side.
#[derive(Clone)]
pub struct Emulator {
    state: Arc<EmulatorState>,
}

impl Emulator {
    /// A fresh emulator with no users and no codes.
    pub fn new(config: EmulatorConfig) -> Self {
        Self {
            state: Arc::new(EmulatorState::new(config)),
        }
    }

    /// The emulator's routes: WeChat's API plus the `/__emulator/` control API. Every call is
    /// counted first, then faults apply, then the route runs.
    pub fn router(&self) -> Router {
        Router::new()
            .merge(wechat_api::router())
            .merge(control::router())
            .layer(axum::middleware::from_fn_with_state(
                self.state.clone(),
                wechat_api::faults::apply_faults,
            ))
            .layer(axum::middleware::from_fn_with_state(
                self.state.clone(),
                wechat_api::counting::count_calls,
            ))
            .with_state(self.state.clone())
    }

    /// Serves the emulator on `listener` in a background task.
    pub fn spawn_on(&self, listener: TcpListener) -> std::io::Result<RunningEmulator> {
        let addr = listener.local_addr()?;
        let router = self.router();
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, router).await {
                tracing::error!(%error, "emulator stopped");
            }
        });
        Ok(RunningEmulator { addr, task })
    }

    /// Changes where and how pushes are delivered (what `POST /__emulator/push-config` does).
    pub fn set_push_target(&self, target: PushTarget) {
        self.state.tables().push = target;
    }

    /// Changes where and how the official account pushes (what `POST /__emulator/oa/push-config`
    /// does); its format is always XML.
    pub fn set_official_account_push_target(&self, target: PushTarget) {
        self.state.tables().oa_push = PushTarget {
            format: PushFormat::Xml,
            ..target
        };
    }

    /// Binds `addr` (port 0 for any free port) and serves the emulator in a background task.
    pub async fn spawn(&self, addr: SocketAddr) -> std::io::Result<RunningEmulator> {
        let listener = TcpListener::bind(addr).await?;
        self.spawn_on(listener)
    }
}

/// An emulator serving in the background. Dropping it does not stop it; call [`stop`](Self::stop).
pub struct RunningEmulator {
    addr: SocketAddr,
    task: JoinHandle<()>,
}

impl RunningEmulator {
    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its base URL, for the WeChat client and for the control API.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving and waits until the listener is closed.
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}
