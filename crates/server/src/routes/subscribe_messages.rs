//! Subscribe messages for operators, admin token required:
//! `POST /admin/api/subscribe-messages` (one message to one user holding a grant),
//! `POST /admin/api/subscribe-campaigns` (one message to every user holding a grant, or to the
//! listed ones that do), `GET /admin/api/subscribe-campaigns/{id}` (its counts) and
//! `GET /admin/api/subscribe-templates` (the app's templates, from WeChat, cached).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::Value;
use wxbase_core::messages::StoredMessage;
use wxbase_core::subscriptions::{
    keyword_values, Audience, CampaignId, CampaignReport, CampaignRequest, SendRequest,
};
use wxbase_core::Timestamp;
use wxbase_wechat::api::subscribe_message::SubscribeMessage;
use wxbase_wechat::api::subscribe_template::Template;
use wxbase_wechat::OpenId;

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{Admin, ApiJson};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api/subscribe-messages", post(send))
        .route("/admin/api/subscribe-campaigns", post(create_campaign))
        .route("/admin/api/subscribe-campaigns/{id}", get(campaign))
        .route("/admin/api/subscribe-templates", get(templates))
}

/// What a message holds, in both bodies.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageBody {
    template_id: String,
    /// `{"thing1": {"value": "…"}}` or `{"thing1": "…"}`.
    data: Value,
    page: Option<String>,
    miniprogram_state: Option<String>,
    lang: Option<String>,
    /// RFC 3339; now when absent.
    send_at: Option<String>,
}

impl MessageBody {
    fn message(self) -> Result<(SubscribeMessage, Option<Timestamp>), ApiError> {
        let data = keyword_values(&self.data).ok_or_else(|| {
            ApiError::bad_request(
                "data maps each keyword to {\"value\": \"…\"} (or to the text itself)",
            )
        })?;
        let send_at = self
            .send_at
            .map(|text| {
                Timestamp::parse_rfc3339(&text).ok_or_else(|| {
                    ApiError::bad_request(format!("sendAt {text:?} is not an RFC 3339 time"))
                })
            })
            .transpose()?;
        let message = SubscribeMessage {
            template_id: self.template_id,
            page: self.page,
            data,
            miniprogram_state: self.miniprogram_state,
            lang: self.lang,
        };
        Ok((message, send_at))
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendBody {
    openid: String,
    #[serde(flatten)]
    message: MessageBody,
}

/// Queues one message `{openid, templateId, data, page?, miniprogramState?, lang?, sendAt?}`,
/// using one of the user's grants; `forbidden` without a grant (nothing queued),
/// `bad_request` naming the key for data the template refuses.
async fn send(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SendBody>,
) -> ApiResult<StoredMessage> {
    let openid =
        OpenId::parse(&body.openid).map_err(|e| ApiError::bad_request(format!("openid: {e}")))?;
    let (message, send_at) = body.message.message()?;
    let request = SendRequest {
        openid,
        message,
        send_at,
    };
    Ok(Success(state.subscriptions.send(request).await?))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CampaignBody {
    /// `"granted"` or `{"openids": [...]}`.
    audience: Value,
    #[serde(flatten)]
    message: MessageBody,
}

fn audience(value: &Value) -> Result<Audience, ApiError> {
    let refused = || ApiError::bad_request("audience is \"granted\" or {\"openids\": [...]}");
    match value {
        Value::String(text) if text == "granted" => Ok(Audience::Granted),
        Value::Object(object) => {
            let listed = object
                .get("openids")
                .and_then(Value::as_array)
                .ok_or_else(refused)?;
            listed
                .iter()
                .map(|openid| {
                    openid
                        .as_str()
                        .and_then(|text| OpenId::parse(text).ok())
                        .ok_or_else(|| {
                            ApiError::bad_request(format!(
                                "audience.openids: {openid} is not an openid"
                            ))
                        })
                })
                .collect::<Result<_, _>>()
                .map(Audience::Openids)
        }
        _ => Err(refused()),
    }
}

/// Queues one message per user of the audience holding a grant; the campaign and its counts.
async fn create_campaign(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(body): ApiJson<CampaignBody>,
) -> ApiResult<CampaignReport> {
    let audience = audience(&body.audience)?;
    let (message, send_at) = body.message.message()?;
    let request = CampaignRequest {
        message,
        audience,
        send_at,
    };
    Ok(Success(state.subscriptions.create_campaign(request).await?))
}

/// A campaign's counts: queued, pending, sent, refused (43101), failed, cancelled.
async fn campaign(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<CampaignReport> {
    let Path(id) = id.map_err(|e| ApiError::bad_request(format!("id: {}", e.body_text())))?;
    Ok(Success(state.subscriptions.campaign(CampaignId(id)).await?))
}

/// The app's templates with their keywords.
async fn templates(_: Admin, State(state): State<AppState>) -> ApiResult<Vec<TemplateView>> {
    let templates = state.subscriptions.templates().await?;
    Ok(Success(templates.iter().map(TemplateView::of).collect()))
}

/// A template as listed: WeChat's fields, its keywords and its kind.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct TemplateView {
    #[serde(flatten)]
    template: Template,
    keywords: Vec<String>,
    long_term: bool,
}

impl TemplateView {
    fn of(template: &Template) -> Self {
        Self {
            keywords: template.keywords(),
            long_term: template.is_long_term(),
            template: template.clone(),
        }
    }
}
