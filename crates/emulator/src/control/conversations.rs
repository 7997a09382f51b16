//! `GET /__emulator/conversations/{user}?appid=`: a test person's customer-service chat as
//! the emulator saw it, pushes and replies in order.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::{app_or_default, ControlResult};
use crate::state::people;
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route("/__emulator/conversations/{user}", get(conversation))
}

/// Test person `user`'s chat with the default app (or `?appid=`): every push they sent and
/// every customer-service message delivered to them, in order.
async fn conversation(
    State(state): State<Arc<EmulatorState>>,
    Path(user): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> ControlResult {
    let app = app_or_default(&state, query.get("appid").map(String::as_str))?;
    let openid = people::openid_for(&app.appid, &user);
    let messages = state.tables().conversations.entries(&app.appid, &openid);
    Ok(Json(json!({
        "user": user,
        "appid": app.appid,
        "openid": openid,
        "messages": messages,
    })))
}
