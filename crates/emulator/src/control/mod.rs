//! The control API under `/__emulator/`: what the mini-program, the user and the test harness
//! do, which WeChat's API has no route for. Failures are HTTP 400 with `{"error": "..."}`;
//! bodies are JSON whatever the Content-Type.
//!
//! [`session`] (login codes, a person's identity, stats, the clock), [`open_data`] (phone
//! codes, `encryptedData`, `rawData`), [`settings`] (limits, revoking tokens, open-platform
//! binding), [`faults`] (injected faults), [`bulk`] (inputs for the benchmark), [`push`] (a user writes: push and
//! push-config), [`conversations`] (a user's chat), [`official_account`] (follow, unfollow,
//! followers and its push-config), [`security`] (the text check's words, the media checks'
//! verdicts), [`links`] (where a generated link leads), [`subscribe`] (subscribe-message
//! grants, templates, what a user received).

mod bulk;
mod conversations;
mod faults;
mod links;
mod official_account;
mod open_data;
mod push;
mod security;
mod session;
mod settings;
mod subscribe;

use std::sync::Arc;

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::config::EmulatedApp;
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new()
        .merge(session::router())
        .merge(bulk::router())
        .merge(settings::router())
        .merge(open_data::router())
        .merge(conversations::router())
        .merge(push::router())
        .merge(official_account::router())
        .merge(faults::router())
        .merge(security::router())
        .merge(links::router())
        .merge(subscribe::router())
}

/// A control-API failure: HTTP 400 with `{"error": "..."}`.
#[derive(Debug)]
pub struct Refusal(pub String);

/// A control-API failure saying `message`.
pub fn refuse(message: impl Into<String>) -> Refusal {
    Refusal(message.into())
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (StatusCode::BAD_REQUEST, Json(json!({ "error": self.0 }))).into_response()
    }
}

/// What a control handler answers: JSON, or a [`Refusal`].
pub type ControlResult = Result<Json<serde_json::Value>, Refusal>;

/// Reads a JSON body whatever its Content-Type, so `curl -d '{...}'` works.
pub fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, Refusal> {
    serde_json::from_slice(body).map_err(|e| refuse(format!("expected a JSON body: {e}")))
}

/// The app named by an optional `appid` field, or the default app.
pub fn app_or_default<'a>(
    state: &'a EmulatorState,
    appid: Option<&str>,
) -> Result<&'a EmulatedApp, Refusal> {
    match appid {
        Some(appid) => state
            .app(appid)
            .ok_or_else(|| refuse(format!("unknown appid {appid:?}"))),
        None => state
            .default_app()
            .ok_or_else(|| refuse("the emulator has no app")),
    }
}

/// Checks a test person's name: 1 to 64 characters, not only spaces.
pub fn check_user(user: &str) -> Result<(), Refusal> {
    if user.trim().is_empty() || user.len() > 64 {
        return Err(refuse("user must be a name of 1 to 64 characters"));
    }
    Ok(())
}
