//! Subscribe messages for operators, admin token required:
//! `POST /admin/api/subscribe-messages` (one message to one user holding a grant),
//! `POST /admin/api/subscribe-campaigns` (one message to every user holding a grant, or to the
//! listed ones that do), `GET /admin/api/subscribe-campaigns/{id}` (its counts) and
//! `GET /admin/api/subscribe-templates` (the app's templates, from WeChat, cached).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
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

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(send))
        .routes(routes!(create_campaign))
        .routes(routes!(campaign))
        .routes(routes!(templates))
}

/// What a message holds, in both bodies.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct MessageBody {
    template_id: String,
    /// `{"thing1": {"value": "…"}}` or `{"thing1": "…"}`.
    #[schema(value_type = Object)]
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

/// One subscribe message to one user.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct SendBody {
    openid: String,
    #[serde(flatten)]
    message: MessageBody,
}

/// Queues one message `{openid, templateId, data, page?, miniprogramState?, lang?, sendAt?}`,
/// using one of the user's grants; `forbidden` without a grant (nothing queued),
/// `bad_request` naming the key for data the template refuses.
#[utoipa::path(post, path = "/admin/api/subscribe-messages", tag = "subscribe messages", operation_id = "send_subscribe_message",
    security(("admin" = [])), request_body = SendBody, responses((status = 200, body = StoredMessage)))]
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

/// One subscribe message to each user of an audience holding a grant.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct CampaignBody {
    /// `"granted"` or `{"openids": [...]}`.
    #[schema(value_type = Object)]
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
#[utoipa::path(post, path = "/admin/api/subscribe-campaigns", tag = "subscribe messages", operation_id = "create_subscribe_campaign",
    security(("admin" = [])), request_body = CampaignBody, responses((status = 200, body = CampaignReport)))]
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
#[utoipa::path(get, path = "/admin/api/subscribe-campaigns/{id}", tag = "subscribe messages", operation_id = "subscribe_campaign",
    security(("admin" = [])), params(("id" = i64, Path, description = "The campaign's id")),
    responses((status = 200, body = CampaignReport)))]
async fn campaign(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<CampaignReport> {
    let Path(id) = id.map_err(|e| ApiError::bad_request(format!("id: {}", e.body_text())))?;
    Ok(Success(state.subscriptions.campaign(CampaignId(id)).await?))
}

/// The app's templates with their keywords.
#[utoipa::path(get, path = "/admin/api/subscribe-templates", tag = "subscribe messages", operation_id = "subscribe_templates",
    security(("admin" = [])), responses((status = 200, body = Vec<TemplateView>)))]
async fn templates(_: Admin, State(state): State<AppState>) -> ApiResult<Vec<TemplateView>> {
    let templates = state.subscriptions.templates().await?;
    Ok(Success(templates.iter().map(TemplateView::of).collect()))
}

/// A template as listed: WeChat's fields, its keywords and its kind.
#[derive(serde::Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct TemplateView {
    /// WeChat's fields: `priTmplId`, `title`, `content`, `example`, `type`.
    #[serde(flatten)]
    #[schema(value_type = Object)]
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
