//! Fault injection: make an endpoint answer an errcode, answer late (before or after it acts),
//! or drop the connection,
//! for the next N calls (optionally after letting some through) or until cleared. Faults are
//! keyed on the request path; faulted calls still count in stats but never reach the endpoint
//! (so they use no quota and no code), except `answerDelayMs`: the endpoint acts at once and
//! only its answer is late, as when WeChat did the work but the answer came after the caller's
//! timeout.
//!
//! Here are the faults and their countdown; `control::faults` sets them
//! (`POST /__emulator/faults` adds one, `GET` lists them, `DELETE` clears them), and the
//! middleware `wechat_api::faults`, ahead of the routes, applies them.

use serde::{Deserialize, Serialize};

use super::EmulatorState;

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
    /// Let the endpoint act at once, then hold its answer this long (alone only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer_delay_ms: Option<u64>,
    /// Close the connection without any HTTP answer.
    #[serde(default)]
    pub drop: bool,
}

impl Fault {
    /// Why the fault cannot be applied, if it cannot.
    pub fn problem(&self) -> Option<&'static str> {
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
        if self.answer_delay_ms.is_some()
            && (self.errcode.is_some() || self.delay_ms.is_some() || self.drop)
        {
            return Some("answerDelayMs lets the endpoint answer, late: it goes alone");
        }
        if self.errcode.is_none()
            && self.delay_ms.is_none()
            && self.answer_delay_ms.is_none()
            && !self.drop
        {
            return Some("a fault needs errcode, delayMs, answerDelayMs or drop");
        }
        if [self.delay_ms, self.answer_delay_ms]
            .iter()
            .any(|ms| ms.is_some_and(|ms| ms > MAX_DELAY_MS))
        {
            return Some("delayMs and answerDelayMs must be at most 600000");
        }
        None
    }
}

/// The fault for `path`, if one is set, with its remaining uses counted down.
pub fn take_fault(state: &EmulatorState, path: &str) -> Option<Fault> {
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
