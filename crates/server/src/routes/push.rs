//! The WeChat push endpoint (default `/message/check`): `GET` answers the URL check with
//! `echostr`, `POST` records a push and its reply (a subscribe-message event: its grant
//! changes; a media check verdict: its file's moderation) before acknowledging.
//!
//! It speaks WeChat's protocol, not the envelope: plain-text bodies, `success` or the passive
//! `transfer_customer_service` reply (encrypted when the push was). Every refusal is logged
//! with its reason and answers a plain 4xx; nothing is stored and nothing is sent.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html>

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Query, State};
use axum::handler::Handler;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use wxbase_core::files::MediaCheckOutcome;
use wxbase_core::{telemetry, Timestamp};
use wxbase_wechat::push::{
    transfer_customer_service, InboundMessage, MediaCheckEvent, OpenedPush, PushError, PushFormat,
    PushQuery, SubscribeEvent,
};

use crate::app::{AppState, PushEndpoint};

/// The push routes at `path`, with their own body limit.
pub fn router(path: &str, max_body_bytes: usize) -> Router<AppState> {
    push_route(path, max_body_bytes, verify_url, receive)
}

/// A push endpoint's routes: `verify` for the URL check (GET), `receive` for pushes (POST),
/// with their own body limit. The official account's endpoint uses it too.
pub(crate) fn push_route<V, R, TV, TR>(
    path: &str,
    max_body_bytes: usize,
    verify: V,
    receive: R,
) -> Router<AppState>
where
    V: Handler<TV, AppState>,
    R: Handler<TR, AppState>,
    TV: 'static,
    TR: 'static,
{
    Router::new().route(
        path,
        get(verify)
            .post(receive)
            .layer(DefaultBodyLimit::max(max_body_bytes)),
    )
}

/// A plain-text answer to WeChat.
pub(crate) fn plain(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// The endpoint's settings; `None` when push is off (the route is then not mounted at all,
/// so this only guards against a router built by hand).
fn endpoint(state: &AppState) -> Option<&PushEndpoint> {
    state.push.as_deref()
}

/// The answer of an endpoint that is not configured (only a router built by hand gets here).
pub(crate) fn not_configured() -> Response {
    plain(StatusCode::NOT_FOUND, "push is not configured")
}

/// `GET ?signature&timestamp&nonce&echostr`: the echostr, verbatim, when the signature matches.
async fn verify_url(State(state): State<AppState>, Query(query): Query<PushQuery>) -> Response {
    check_url(endpoint(&state), &query)
}

/// The URL check of `push`: the echostr as plain text, or 403 when the signature is wrong.
pub(crate) fn check_url(push: Option<&PushEndpoint>, query: &PushQuery) -> Response {
    let Some(push) = push else {
        return not_configured();
    };
    match push.receiver.verify_url(query) {
        Ok(echostr) => {
            tracing::info!("push URL check passed");
            plain(StatusCode::OK, echostr)
        }
        Err(error) => {
            tracing::warn!(reason = %error, "push URL check refused");
            plain(StatusCode::FORBIDDEN, "signature check failed")
        }
    }
}

/// `POST`: check, open, type, record (with the rule's reply, de-duplicated), then answer.
async fn receive(
    State(state): State<AppState>,
    Query(query): Query<PushQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(push) = endpoint(&state) else {
        return not_configured();
    };
    let refused = |reason: &str| state.count(telemetry::PUSHES_REFUSED, &[("reason", reason)]);
    let opened = match open(push, &query, body) {
        Ok(opened) => opened,
        Err(refusal) => {
            refused(refusal.reason());
            return refusal.into_response();
        }
    };
    let message = match InboundMessage::from_document(&opened.document) {
        Ok(message) => message,
        Err(error) => {
            tracing::warn!(reason = %error, "push refused: not a customer-service message");
            refused("malformed");
            return plain(StatusCode::BAD_REQUEST, "malformed push");
        }
    };
    if let Some(event) = SubscribeEvent::from_document(&opened.document) {
        return receive_subscribe_event(&state, &message, event, &opened.plaintext).await;
    }
    if let Some(event) = MediaCheckEvent::from_document(&opened.document) {
        return receive_media_check(&state, &message, event, &opened.plaintext).await;
    }
    let ack = match state.messages.receive(&message, &opened.plaintext).await {
        Ok(ack) => ack,
        Err(error) => {
            tracing::error!(%error, "push not recorded; WeChat will retry it");
            refused("not_recorded");
            return plain(StatusCode::INTERNAL_SERVER_ERROR, "not recorded");
        }
    };
    state.count(telemetry::PUSHES_RECEIVED, &[]);
    if ack.duplicate {
        state.count(telemetry::PUSHES_DUPLICATE, &[]);
    }
    if !ack.transfer {
        return plain(StatusCode::OK, "success");
    }
    let now = Timestamp::now().as_millis() / 1000;
    let reply = transfer_customer_service(&message.from_user, &message.to_user_name, now);
    let timestamp = u64::try_from(now).unwrap_or_default();
    let body = push.receiver.reply_body(&opened, &query, timestamp, &reply);
    let content_type = match opened.format {
        PushFormat::Xml => "application/xml; charset=utf-8",
        PushFormat::Json => "application/json; charset=utf-8",
    };
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body).into_response()
}

/// A subscribe-message event: recorded (de-duplicated) with its grant changes, then `success`.
async fn receive_subscribe_event(
    state: &AppState,
    message: &InboundMessage,
    event: Result<SubscribeEvent, wxbase_wechat::push::MessageError>,
    raw: &str,
) -> Response {
    let event = match event {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(reason = %error, "push refused: a malformed subscribe-message event");
            return plain(StatusCode::BAD_REQUEST, "malformed push");
        }
    };
    match state
        .subscriptions
        .receive_event(message, &event, raw)
        .await
    {
        Ok(_) => plain(StatusCode::OK, "success"),
        Err(error) => {
            tracing::error!(%error, "subscribe event not recorded; WeChat will retry it");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "not recorded")
        }
    }
}

/// A media check verdict: recorded (de-duplicated by its `trace_id`) with its file's new
/// moderation, then `success`.
async fn receive_media_check(
    state: &AppState,
    message: &InboundMessage,
    event: Result<MediaCheckEvent, wxbase_wechat::push::MessageError>,
    raw: &str,
) -> Response {
    let event = match event {
        Ok(event) => event,
        Err(error) => {
            tracing::warn!(reason = %error, "push refused: a malformed media check verdict");
            return plain(StatusCode::BAD_REQUEST, "malformed push");
        }
    };
    match state.files.receive_media_check(message, &event, raw).await {
        Ok(outcome) => {
            state.count(telemetry::PUSHES_RECEIVED, &[]);
            if outcome == MediaCheckOutcome::Duplicate {
                state.count(telemetry::PUSHES_DUPLICATE, &[]);
            }
            plain(StatusCode::OK, "success")
        }
        Err(error) => {
            tracing::error!(%error, "media check verdict not recorded; WeChat will retry it");
            plain(StatusCode::INTERNAL_SERVER_ERROR, "not recorded")
        }
    }
}

/// A refused push: the status and the plain-text answer WeChat gets. Logged when made.
pub(crate) struct Refused(StatusCode, &'static str);

impl Refused {
    /// The metrics label of this refusal: `body`, `malformed` or `unauthentic`.
    pub(crate) fn reason(&self) -> &'static str {
        match self.0 {
            StatusCode::BAD_REQUEST => "malformed",
            StatusCode::UNAUTHORIZED => "unauthentic",
            _ => "body",
        }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        plain(self.0, self.1)
    }
}

/// Reads the body and checks and opens the push; a refusal is logged (413 for a body over the
/// limit, 401 when not authentic, 400 when not a push document).
pub(crate) fn open(
    push: &PushEndpoint,
    query: &PushQuery,
    body: Result<Bytes, BytesRejection>,
) -> Result<OpenedPush, Refused> {
    let body = body.map_err(|rejection| {
        tracing::warn!(limit = push.max_body_bytes, reason = %rejection.body_text(), "push refused: body unreadable or larger than the limit");
        Refused(rejection.status(), "body refused")
    })?;
    push.receiver
        .open(query, &body)
        .map_err(|error| refuse(&error))
}

/// A refused push: 401 when it is not authentic, 400 when it is not a push document.
fn refuse(error: &PushError) -> Refused {
    tracing::warn!(reason = %error, "push refused");
    match error {
        PushError::Document(_) | PushError::MissingEncrypt => {
            Refused(StatusCode::BAD_REQUEST, "malformed push")
        }
        _ => Refused(StatusCode::UNAUTHORIZED, "push refused"),
    }
}
