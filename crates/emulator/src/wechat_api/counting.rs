//! Counts every call per endpoint, for `GET /__emulator/stats`.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::EmulatorState;

/// Middleware: counts the call under its route pattern (or its path when no route matched).
pub async fn count_calls(
    State(state): State<Arc<EmulatorState>>,
    request: Request,
    next: Next,
) -> Response {
    let endpoint = request
        .extensions()
        .get::<MatchedPath>()
        .map(|path| path.as_str().to_owned())
        .unwrap_or_else(|| request.uri().path().to_owned());
    if !endpoint.starts_with("/__emulator/") {
        state.count_call(&endpoint);
    }
    next.run(request).await
}
