//! The user's subscribe-message grants: `GET /api/me/subscriptions` lists them,
//! `POST /api/me/subscriptions` `{"TEMPLATE_ID": "accept" | "reject" | …}` reports what
//! `wx.requestSubscribeMessage` answered (for apps whose push is not configured; a false report
//! only leads to a send WeChat refuses).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use wxbase_core::subscriptions::Grant;

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::{ApiJson, CurrentUser};

pub fn router() -> Router<AppState> {
    Router::new().route("/api/me/subscriptions", get(list).post(report))
}

/// The user's grants, by template.
async fn list(
    CurrentUser(user): CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Vec<Grant>> {
    Ok(Success(state.subscriptions.grants(&user.openid).await?))
}

/// Records the answers `wx.requestSubscribeMessage` gave; the user's grants after them.
async fn report(
    CurrentUser(user): CurrentUser,
    State(state): State<AppState>,
    ApiJson(answers): ApiJson<BTreeMap<String, String>>,
) -> ApiResult<Vec<Grant>> {
    Ok(Success(
        state.subscriptions.report(&user.openid, &answers).await?,
    ))
}
