//! `GET /__emulator/links/{id}`: where a URL link (`https://wxaurl.cn/{id}`) or a URL scheme
//! (`weixin://dl/business/?t={id}`) leads: `{"kind", "appid", "path", "query", "envVersion",
//! "expiresAt" (Unix seconds), "expired"}`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::{refuse, ControlResult};
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route("/__emulator/links/{id}", get(resolve))
}

async fn resolve(State(state): State<Arc<EmulatorState>>, Path(id): Path<String>) -> ControlResult {
    let now = state.clock.now();
    let tables = state.tables();
    let link = tables
        .links
        .get(&id)
        .ok_or_else(|| refuse(format!("no link has id {id:?}")))?;
    Ok(Json(json!({
        "kind": link.kind.as_str(),
        "appid": link.appid,
        "path": link.path,
        "query": link.query,
        "envVersion": link.env_version,
        "expiresAt": link.expires_at.as_secs(),
        "expired": link.expires_at <= now,
    })))
}
