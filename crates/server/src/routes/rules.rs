//! `/admin/api/rules`: list, create, replace and delete auto-reply rules (admin token).

use axum::extract::{Path, State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::messages::{NewRule, ReplyRule, RuleId};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{Admin, ApiJson};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, delete))
}

fn rule_id(text: &str) -> Result<RuleId, ApiError> {
    text.parse::<i64>()
        .map(RuleId)
        .map_err(|_| ApiError::bad_request(format!("{text:?} is not a rule id")))
}

/// Every rule, in the order they are tried.
#[utoipa::path(get, path = "/admin/api/rules", tag = "rules", operation_id = "list_rules",
    security(("admin" = [])), responses((status = 200, body = Vec<ReplyRule>)))]
async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Vec<ReplyRule>> {
    Ok(Success(state.messages.rules().await?))
}

/// Creates a rule `{name?, priority?, match: {kind, pattern?}, reply: {type, …}}`.
#[utoipa::path(post, path = "/admin/api/rules", tag = "rules", operation_id = "create_rule",
    security(("admin" = [])), request_body = NewRule, responses((status = 200, body = ReplyRule)))]
async fn create(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(rule): ApiJson<NewRule>,
) -> ApiResult<ReplyRule> {
    Ok(Success(state.messages.create_rule(rule).await?))
}

/// Replaces a rule.
#[utoipa::path(put, path = "/admin/api/rules/{id}", tag = "rules", operation_id = "replace_rule",
    security(("admin" = [])), params(("id" = i64, Path, description = "The rule's id")),
    request_body = NewRule, responses((status = 200, body = ReplyRule)))]
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
#[utoipa::path(delete, path = "/admin/api/rules/{id}", tag = "rules", operation_id = "delete_rule",
    security(("admin" = [])), params(("id" = i64, Path, description = "The rule's id")),
    responses((status = 200)))]
async fn delete(_: Admin, State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<()> {
    state.messages.delete_rule(rule_id(&id)?).await?;
    Ok(Success(()))
}
