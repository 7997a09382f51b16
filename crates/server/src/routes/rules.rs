//! `/admin/api/rules`: list, create, replace and delete auto-reply rules (admin token).

use axum::extract::{Path, State};
use axum::routing::{get, put};
use axum::Router;
use wxbase_core::messages::{NewRule, ReplyRule, RuleId};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{Admin, ApiJson};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api/rules", get(list).post(create))
        .route("/admin/api/rules/{id}", put(update).delete(delete))
}

fn rule_id(text: &str) -> Result<RuleId, ApiError> {
    text.parse::<i64>()
        .map(RuleId)
        .map_err(|_| ApiError::bad_request(format!("{text:?} is not a rule id")))
}

/// Every rule, in the order they are tried.
async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Vec<ReplyRule>> {
    Ok(Success(state.messages.rules().await?))
}

/// Creates a rule `{name?, priority?, match: {kind, pattern?}, reply: {type, …}}`.
async fn create(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(rule): ApiJson<NewRule>,
) -> ApiResult<ReplyRule> {
    Ok(Success(state.messages.create_rule(rule).await?))
}

/// Replaces a rule.
async fn update(
    _: Admin,
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiJson(rule): ApiJson<NewRule>,
) -> ApiResult<ReplyRule> {
    Ok(Success(
        state.messages.update_rule(rule_id(&id)?, rule).await?,
    ))
}

/// Deletes a rule.
async fn delete(_: Admin, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<()> {
    state.messages.delete_rule(rule_id(&id)?).await?;
    Ok(Success(()))
}
