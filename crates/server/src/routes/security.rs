//! `POST /api/security/text` (session token): WeChat's verdict on a text the user wrote, for a
//! mini-program that decides for itself what to do with it.

use axum::extract::State;
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};
use wxbase_core::security::{Scene, Verdict};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{ApiJson, CurrentUser};

/// The most characters one request may ask about (WeChat takes 2,500 per check; longer text
/// is checked in parts).
const MAX_CONTENT_CHARS: usize = 10_000;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/security/text", post(check_text))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextRequest {
    content: String,
    scene: u8,
}

/// `{"suggest": "pass"|"review"|"risky", "label"}`.
#[derive(Serialize)]
struct TextVerdict {
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
