//! `/admin/api/webhooks` (admin token): endpoints (create, list, get, replace, delete, rotate
//! the secret, send a test ping) and their deliveries (paged newest first, retry).

use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::webhooks::{
    Delivery, DeliveryId, EndpointId, EndpointRequest, EndpointView, EndpointWithSecret, TestResult,
};

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{Admin, ApiJson};

/// Deliveries per page when `limit` is not given.
const DEFAULT_LIMIT: u32 = 50;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, replace, delete))
        .routes(routes!(rotate))
        .routes(routes!(test))
        .routes(routes!(deliveries))
        .routes(routes!(retry))
}

fn endpoint_id(id: Result<Path<i64>, PathRejection>) -> Result<EndpointId, ApiError> {
    let Path(id) = id.map_err(|e| ApiError::bad_request(format!("id: {}", e.body_text())))?;
    Ok(EndpointId(id))
}

/// Every endpoint (secrets are never listed).
#[utoipa::path(get, path = "/admin/api/webhooks", tag = "webhooks", operation_id = "list_webhooks",
    security(("admin" = [])), responses((status = 200, body = Vec<EndpointView>)))]
async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Vec<EndpointView>> {
    let endpoints = state.webhooks.endpoints().await?;
    Ok(Success(endpoints.iter().map(EndpointView::from).collect()))
}

/// Creates an endpoint `{url, events, collections?, description?, name?, enabled?}`; the
/// answer carries its signing secret, shown this once.
#[utoipa::path(post, path = "/admin/api/webhooks", tag = "webhooks", operation_id = "create_webhook",
    security(("admin" = [])), request_body = EndpointRequest, responses((status = 200, body = EndpointWithSecret)))]
async fn create(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<EndpointRequest>,
) -> ApiResult<EndpointWithSecret> {
    let endpoint = state.webhooks.create(&request).await?;
    Ok(Success((&endpoint).into()))
}

/// One endpoint (its secret is never shown again).
#[utoipa::path(get, path = "/admin/api/webhooks/{id}", tag = "webhooks", operation_id = "get_webhook",
    security(("admin" = [])), params(("id" = i64, Path, description = "The endpoint's id")), responses((status = 200, body = EndpointView)))]
async fn one(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<EndpointView> {
    let endpoint = state.webhooks.endpoint(endpoint_id(id)?).await?;
    Ok(Success((&endpoint).into()))
}

/// Replaces an endpoint's settings (`enabled: false` disables it; its deliveries wait).
#[utoipa::path(put, path = "/admin/api/webhooks/{id}", tag = "webhooks", operation_id = "replace_webhook",
    security(("admin" = [])), params(("id" = i64, Path, description = "The endpoint's id")), request_body = EndpointRequest,
    responses((status = 200, body = EndpointView)))]
async fn replace(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    ApiJson(request): ApiJson<EndpointRequest>,
) -> ApiResult<EndpointView> {
    let endpoint = state.webhooks.update(endpoint_id(id)?, &request).await?;
    Ok(Success((&endpoint).into()))
}

/// Deletes an endpoint and its deliveries.
#[utoipa::path(delete, path = "/admin/api/webhooks/{id}", tag = "webhooks", operation_id = "delete_webhook",
    security(("admin" = [])), params(("id" = i64, Path, description = "The endpoint's id")), responses((status = 200)))]
async fn delete(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<()> {
    state.webhooks.delete(endpoint_id(id)?).await?;
    Ok(Success(()))
}

/// A new secret, shown this once; the old one keeps signing beside it for 24 hours.
#[utoipa::path(post, path = "/admin/api/webhooks/{id}/rotate", tag = "webhooks", operation_id = "rotate_webhook_secret",
    security(("admin" = [])), params(("id" = i64, Path, description = "The endpoint's id")), responses((status = 200, body = EndpointWithSecret)))]
async fn rotate(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<EndpointWithSecret> {
    let endpoint = state.webhooks.rotate_secret(endpoint_id(id)?).await?;
    Ok(Success((&endpoint).into()))
}

/// Sends a `ping` event now and answers what the endpoint replied.
#[utoipa::path(post, path = "/admin/api/webhooks/{id}/test", tag = "webhooks", operation_id = "test_webhook",
    security(("admin" = [])), params(("id" = i64, Path, description = "The endpoint's id")), responses((status = 200, body = TestResult)))]
async fn test(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<TestResult> {
    Ok(Success(state.webhooks.test(endpoint_id(id)?).await?))
}

/// `?before=ID&limit=N`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PageQuery {
    before: Option<i64>,
    limit: Option<u32>,
}

/// One page of deliveries, newest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
struct DeliveryPage {
    deliveries: Vec<Delivery>,
    /// Pass as `before` for the next (older) page; `null` on the last page.
    next_before: Option<DeliveryId>,
}

/// An endpoint's deliveries, newest first (`?before=ID&limit=N`, default 50).
#[utoipa::path(get, path = "/admin/api/webhooks/{id}/deliveries", tag = "webhooks", operation_id = "webhook_deliveries",
    security(("admin" = [])), params(("id" = i64, Path, description = "The endpoint's id"), PageQuery), responses((status = 200, body = DeliveryPage)))]
async fn deliveries(
    _: Admin,
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
    query: Result<Query<PageQuery>, QueryRejection>,
) -> ApiResult<DeliveryPage> {
    let Query(query) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    let deliveries = state
        .webhooks
        .deliveries(endpoint_id(id)?, query.before.map(DeliveryId), limit)
        .await?;
    let full = u32::try_from(deliveries.len()).is_ok_and(|n| n == limit);
    let next_before = deliveries.last().filter(|_| full).map(|d| d.id);
    Ok(Success(DeliveryPage {
        deliveries,
        next_before,
    }))
}

/// Sends a delivery again: a failed or delivered one is queued afresh, one waiting for a retry
/// is due now. `conflict` while it is being sent.
#[utoipa::path(post, path = "/admin/api/webhooks/{id}/deliveries/{delivery}/retry", tag = "webhooks",
    operation_id = "retry_webhook_delivery", security(("admin" = [])),
    params(("id" = i64, Path, description = "The endpoint's id"), ("delivery" = i64, Path, description = "The delivery's id")), responses((status = 200)))]
async fn retry(
    _: Admin,
    State(state): State<AppState>,
    ids: Result<Path<(i64, i64)>, PathRejection>,
) -> ApiResult<()> {
    let Path((id, delivery)) =
        ids.map_err(|e| ApiError::bad_request(format!("id: {}", e.body_text())))?;
    state
        .webhooks
        .retry(EndpointId(id), DeliveryId(delivery))
        .await?;
    Ok(Success(()))
}
