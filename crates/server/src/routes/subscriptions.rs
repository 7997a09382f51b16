//! The user's subscribe-message grants: `GET /api/me/subscriptions` lists them,
//! `POST /api/me/subscriptions` `{"TEMPLATE_ID": "accept" | "reject" | …}` reports what
//! `wx.requestSubscribeMessage` answered (for apps whose push is not configured; a false report
//! only leads to a send WeChat refuses).

use std::collections::BTreeMap;

use axum::extract::State;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::subscriptions::Grant;

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::{ApiJson, CurrentUser};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list, report))
}

/// The user's grants, by template.
#[utoipa::path(get, path = "/api/me/subscriptions", tag = "subscribe messages", operation_id = "my_subscriptions",
    security(("user" = [])), responses((status = 200, body = Vec<Grant>)))]
async fn list(
    CurrentUser(user): CurrentUser,
    State(state): State<AppState>,
) -> ApiResult<Vec<Grant>> {
    Ok(Success(state.subscriptions.grants(&user.openid).await?))
}

/// Records the answers `wx.requestSubscribeMessage` gave; the user's grants after them.
#[utoipa::path(post, path = "/api/me/subscriptions", tag = "subscribe messages", operation_id = "report_subscriptions",
    security(("user" = [])),
    request_body(content = BTreeMap<String, String>, description = "`wx.requestSubscribeMessage`'s answer: each template id to `accept`, `reject`, `ban` or `filter`"),
    responses((status = 200, body = Vec<Grant>)))]
async fn report(
    CurrentUser(user): CurrentUser,
    State(state): State<AppState>,
    ApiJson(answers): ApiJson<BTreeMap<String, String>>,
) -> ApiResult<Vec<Grant>> {
    Ok(Success(
        state.subscriptions.report(&user.openid, &answers).await?,
    ))
}
