//! `POST /api/security/text` (session token): WeChat's verdict on a text the user wrote, for a
//! mini-program that decides for itself what to do with it.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::security::{Scene, Verdict};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{ApiJson, CurrentUser};

/// The most characters one request may ask about (WeChat takes 2,500 per check; longer text
/// is checked in parts).
const MAX_CONTENT_CHARS: usize = 10_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(check_text))
}

/// A text to check, and where the mini-program shows it.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct TextRequest {
    content: String,
    /// 1 profile, 2 comment, 3 forum, 4 social log.
    #[schema(minimum = 1, maximum = 4)]
    scene: u8,
}

/// `{"suggest": "pass"|"review"|"risky", "label"}`.
#[derive(Serialize, ToSchema)]
struct TextVerdict {
    /// `pass`, `review` or `risky`.
    #[schema(value_type = String)]
    suggest: &'static str,
    label: i64,
}

impl From<Verdict> for TextVerdict {
    fn from(verdict: Verdict) -> Self {
        Self {
            suggest: verdict.suggest.as_str(),
            label: verdict.label,
        }
    }
}

/// WeChat's verdict on a text the user wrote.
#[utoipa::path(post, path = "/api/security/text", tag = "security", operation_id = "check_text",
    security(("user" = [])), request_body = TextRequest, responses((status = 200, body = TextVerdict)))]
async fn check_text(
    CurrentUser(user): CurrentUser,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<TextRequest>,
) -> ApiResult<TextVerdict> {
    let scene = Scene::from_number(request.scene).ok_or_else(|| {
        ApiError::bad_request("scene must be 1 (profile), 2 (comment), 3 (forum) or 4 (social log)")
    })?;
    if request.content.chars().count() > MAX_CONTENT_CHARS {
        return Err(ApiError::bad_request(format!(
            "content is longer than {MAX_CONTENT_CHARS} characters"
        )));
    }
    let verdict = state
        .text_security
        .check(&user.openid, scene, &request.content)
        .await?;
    Ok(Success(verdict.into()))
}
