//! The fault middleware, ahead of every route: a call to a path with a fault set (see
//! `state::faults`) is delayed, answered with the fault's errcode, or dropped without an HTTP
//! answer, instead of reaching its endpoint; or it reaches the endpoint and its answer is held
//! back (`answerDelayMs`).

use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::channel::Channel;

use super::reply::WxError;
use crate::state::faults::take_fault;
use crate::state::EmulatorState;

/// Middleware: applies the first fault set for the request's path, counting one use of it.
pub async fn apply_faults(
    State(state): State<Arc<EmulatorState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(fault) = take_fault(&state, request.uri().path()) else {
        return next.run(request).await;
    };
    if let Some(ms) = fault.answer_delay_ms {
        let answer = next.run(request).await;
        tokio::time::sleep(Duration::from_millis(ms)).await;
        return answer;
    }
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
