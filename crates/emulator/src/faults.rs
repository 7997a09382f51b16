//! Fault injection: make an endpoint answer an errcode, answer late, or drop the connection,
//! for the next N calls (optionally after letting some through) or until cleared. Middleware ahead of the routes applies the faults,
//! keyed on the request path; faulted calls still count in stats but never reach the endpoint
//! (so they use no quota and no code).
//!
//! Control API: `POST /__emulator/faults` adds one, `GET` lists them, `DELETE` clears them.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use http_body_util::channel::Channel;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::control::{parse_body, refuse, ControlResult};
use crate::state::EmulatorState;
use crate::wechat_api::reply::WxError;

/// The longest delay a fault may ask for.
const MAX_DELAY_MS: u64 = 600_000;

/// One injected fault, as the control API takes and shows it.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Fault {
    /// The request path it applies to, e.g. `/cgi-bin/stable_token`.
    pub endpoint: String,
    /// Calls to let through untouched before the fault starts (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<u32>,
    /// Calls left to fault; absent for every call until cleared.
    #[serde(default)]
    pub times: Option<u32>,
    /// Answer this errcode (with its usual errmsg) instead of calling the endpoint.
    #[serde(default)]
    pub errcode: Option<i64>,
    /// Wait this long first; without `errcode` or `drop`, then answer normally.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// Close the connection without any HTTP answer.
    #[serde(default)]
    pub drop: bool,
}

impl Fault {
    /// Why the fault cannot be applied, if it cannot.
    fn problem(&self) -> Option<&'static str> {
        if !self.endpoint.starts_with('/') || self.endpoint.starts_with("/__emulator/") {
            return Some("endpoint must be a WeChat API path such as /cgi-bin/stable_token");
        }
        if self.times == Some(0) {
            return Some("times must be at least 1 (omit it for every call)");
        }
        if self.errcode == Some(0) {
            return Some("errcode 0 is success, not a fault");
        }
        if self.errcode.is_some() && self.drop {
            return Some("a fault either answers an errcode or drops the connection, not both");
        }
        if self.errcode.is_none() && self.delay_ms.is_none() && !self.drop {
            return Some("a fault needs errcode, delayMs or drop");
        }
        if self.delay_ms.is_some_and(|ms| ms > MAX_DELAY_MS) {
            return Some("delayMs must be at most 600000");
        }
        None
    }
}

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route(
        "/__emulator/faults",
        post(add_fault).get(list_faults).delete(clear_faults),
    )
}

/// Adds a fault after the ones already set; answers every active fault.
async fn add_fault(State(state): State<Arc<EmulatorState>>, body: Bytes) -> ControlResult {
    let fault: Fault = parse_body(&body)?;
    if let Some(problem) = fault.problem() {
        return Err(refuse(problem));
    }
    state.tables().faults.push(fault);
    list_faults(State(state)).await
}

/// Every active fault, in the order they apply.
async fn list_faults(State(state): State<Arc<EmulatorState>>) -> ControlResult {
    let faults = state.tables().faults.clone();
    Ok(Json(json!({ "faults": faults })))
}

/// Removes every fault.
async fn clear_faults(State(state): State<Arc<EmulatorState>>) -> ControlResult {
    let cleared = std::mem::take(&mut state.tables().faults).len();
    Ok(Json(json!({ "cleared": cleared })))
}

/// Middleware: applies the first fault set for the request's path, counting one use of it.
pub async fn apply_faults(
    State(state): State<Arc<EmulatorState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(fault) = take_fault(&state, request.uri().path()) else {
        return next.run(request).await;
    };
    if let Some(ms) = fault.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if fault.drop {
        return dropped_connection();
    }
    match fault.errcode {
        Some(code) => WxError::for_code(code).into_response(),
        None => next.run(request).await,
    }
}

/// The fault for `path`, if one is set, with its remaining uses counted down.
fn take_fault(state: &EmulatorState, path: &str) -> Option<Fault> {
    let mut tables = state.tables();
    let index = tables.faults.iter().position(|f| f.endpoint == path)?;
    let fault = tables.faults.get_mut(index)?;
    if let Some(after) = fault.after.as_mut().filter(|after| **after > 0) {
        *after -= 1;
        return None;
    }
    let applied = fault.clone();
    match fault.times {
        Some(1) => {
            tables.faults.remove(index);
        }
        Some(ref mut left) => *left -= 1,
        None => {}
    }
    Some(applied)
}

/// A response whose body fails before its first byte. Hyper has only buffered the head when
/// the body errors, so it closes the connection without sending anything: the client sees the
/// connection closed with no HTTP answer.
fn dropped_connection() -> Response {
    let (sender, body) = Channel::<Bytes, io::Error>::new(1);
    sender.abort(io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "emulated fault: connection dropped",
    ));
    Response::new(Body::new(body))
}
