//! The app's subscribe-message templates: `GET /wxaapi/newtmpl/gettemplate`.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/getTemplateList.html>

use std::sync::Arc;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;

use super::caller::CallerApp;
use super::reply::WxError;
use crate::state::EmulatorState;

pub fn router() -> Router<Arc<EmulatorState>> {
    Router::new().route("/wxaapi/newtmpl/gettemplate", get(templates))
}

async fn templates(
    caller: Result<CallerApp, WxError>,
    State(state): State<Arc<EmulatorState>>,
) -> Response {
    match caller {
        Ok(CallerApp(appid)) => {
            let templates = state.tables().subscriptions.templates(&appid);
            Json(json!({ "errcode": 0, "errmsg": "ok", "data": templates })).into_response()
        }
        Err(error) => error.into_response(),
    }
}
