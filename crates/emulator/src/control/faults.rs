//! `POST /__emulator/faults` adds a fault after the ones already set, `GET` lists them in the
//! order they apply, `DELETE` clears them (see `state::faults` for what a fault does).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::json;

use super::{parse_body, refuse, ControlResult};
use crate::state::faults::Fault;
use crate::state::EmulatorState;

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
