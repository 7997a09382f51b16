//! Paging over messages, newest first, shared by the conversation and the outbox's failed
//! list: `?before=ID&limit=N` in, `{messages, nextBefore}` out.

use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wxbase_core::messages::{MessageId, StoredMessage};

use crate::envelope::ApiError;

/// Messages per page when `limit` is not given.
const DEFAULT_LIMIT: u32 = 50;

/// `?before=ID&limit=N` as sent.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Only messages older than this id.
    before: Option<i64>,
    /// At most this many (default 50).
    limit: Option<u32>,
}

/// Which page to read.
pub struct PageRequest {
    /// Only messages older than this one.
    pub before: Option<MessageId>,
    /// At most this many.
    pub limit: u32,
}

impl PageRequest {
    /// Reads `?before=ID&limit=N`; a malformed query is `bad_request`.
    pub fn from_query(query: Result<Query<PageQuery>, QueryRejection>) -> Result<Self, ApiError> {
        let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
        Ok(Self {
            before: query.before.map(MessageId),
            limit: query.limit.unwrap_or(DEFAULT_LIMIT),
        })
    }
}

/// One page of messages.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MessagePage)]
pub struct Page {
    messages: Vec<StoredMessage>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    next_before: Option<MessageId>,
}

impl Page {
    /// The page `messages` answers to `request`: a full page may have a next one.
    pub fn of(messages: Vec<StoredMessage>, request: &PageRequest) -> Self {
        let full = u32::try_from(messages.len()).is_ok_and(|n| n == request.limit);
        let next_before = messages.last().filter(|_| full).map(|m| m.id);
        Self {
            messages,
            next_before,
        }
    }
}
