//! The `access_token` check every API taking `?access_token=` shares: an extractor that yields
//! the calling app or answers WeChat's token error (41001, 40014, 40001, 42001).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;

use crate::reply::WxError;
use crate::state::EmulatorState;

/// The appid whose valid access_token came in the query string. Tokens in the body are ignored,
/// as WeChat ignores them (protocol reference §1).
#[derive(Debug, Clone)]
pub struct CallerApp(pub String);

impl FromRequestParts<Arc<EmulatorState>> for CallerApp {
    type Rejection = WxError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<EmulatorState>,
    ) -> Result<Self, Self::Rejection> {
        let query = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map(|Query(query)| query)
            .unwrap_or_default();
        let token = query.get("access_token").map(String::as_str);
        state.check_access_token(token).map(CallerApp)
    }
}
