//! Documents of data collections, for mini-program users (`/api/collections/...`, session
//! token) and for admins (`/admin/api/collections/...`, admin token, every mode bypassed).
//! One set of handlers serves both, generic over who the caller is.

use axum::extract::{FromRequestParts, Path, State};
use axum::routing;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{Admin, ApiJson, AsCaller, CurrentUser};
use crate::openapi::{documented_at, ADMIN, USER};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(documents::<CurrentUser>("/api", USER))
        .merge(documents::<Admin>("/admin/api", ADMIN))
}

/// The document routes under `prefix`, for callers `C` holding a token of `scheme`.
fn documents<C>(prefix: &str, scheme: &str) -> OpenApiRouter<AppState>
where
    C: FromRequestParts<AppState, Rejection = ApiError> + AsCaller + Send + 'static,
{
    OpenApiRouter::new()
        .routes(documented_at::<__path_create>(
            prefix,
            scheme,
            routing::post(create::<C>),
        ))
        .routes(documented_at::<__path_read>(
            prefix,
            scheme,
            routing::get(read::<C>),
        ))
        .routes(documented_at::<__path_replace>(
            prefix,
            scheme,
            routing::put(replace::<C>),
        ))
        .routes(documented_at::<__path_patch>(
            prefix,
            scheme,
            routing::patch(patch::<C>),
        ))
        .routes(documented_at::<__path_patch_by_post>(
            prefix,
            scheme,
            routing::post(patch::<C>),
        ))
        .routes(documented_at::<__path_delete>(
            prefix,
            scheme,
            routing::delete(delete::<C>),
        ))
        .routes(documented_at::<__path_query>(
            prefix,
            scheme,
            routing::post(query::<C>),
        ))
        .routes(documented_at::<__path_count>(
            prefix,
            scheme,
            routing::post(count::<C>),
        ))
}

/// Adds a document.
#[utoipa::path(post, path = "/api/collections/{name}/docs", tag = "collections", operation_id = "add_document",
    params(("name" = String, Path, description = "The collection's name")), request_body = crate::openapi::schemas::NewDocument, responses((status = 200, body = crate::openapi::schemas::Document)))]
async fn create<C: AsCaller>(
    caller: C,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Value> {
    let document = state
        .collections
        .create(&caller.into_caller(), &name, body)
        .await?;
    Ok(Success(document.to_json(None)))
}

/// One document.
#[utoipa::path(get, path = "/api/collections/{name}/docs/{id}", tag = "collections", operation_id = "get_document",
    params(("name" = String, Path, description = "The collection's name"), ("id" = String, Path, description = "The document's `_id`")), responses((status = 200, body = crate::openapi::schemas::Document)))]
async fn read<C: AsCaller>(
    caller: C,
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult<Value> {
    let document = state
        .collections
        .get(&caller.into_caller(), &name, &id)
        .await?;
    Ok(Success(document.to_json(None)))
}

/// Replaces a document's body (its `_id`, `_openid` and `_createdAt` stay).
#[utoipa::path(put, path = "/api/collections/{name}/docs/{id}", tag = "collections", operation_id = "replace_document",
    params(("name" = String, Path, description = "The collection's name"), ("id" = String, Path, description = "The document's `_id`")), request_body = crate::openapi::schemas::NewDocument, responses((status = 200, body = crate::openapi::schemas::Document)))]
async fn replace<C: AsCaller>(
    caller: C,
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Value> {
    let document = state
        .collections
        .replace(&caller.into_caller(), &name, &id, body)
        .await?;
    Ok(Success(document.to_json(None)))
}

/// Changes fields of a document.
#[utoipa::path(patch, path = "/api/collections/{name}/docs/{id}", tag = "collections", operation_id = "update_document",
    params(("name" = String, Path, description = "The collection's name"), ("id" = String, Path, description = "The document's `_id`")), request_body = crate::openapi::schemas::Patch, responses((status = 200, body = crate::openapi::schemas::Document)))]
async fn patch<C: AsCaller>(
    caller: C,
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
    ApiJson(patch): ApiJson<Value>,
) -> ApiResult<Value> {
    let document = state
        .collections
        .patch(&caller.into_caller(), &name, &id, &patch)
        .await?;
    Ok(Success(document.to_json(None)))
}

/// Changes fields of a document, as `PATCH` does: for clients that cannot send `PATCH`
/// (`wx.request` cannot).
#[utoipa::path(post, path = "/api/collections/{name}/docs/{id}", tag = "collections", operation_id = "update_document_by_post",
    params(("name" = String, Path, description = "The collection's name"), ("id" = String, Path, description = "The document's `_id`")),
    request_body = crate::openapi::schemas::Patch, responses((status = 200, body = crate::openapi::schemas::Document)))]
#[allow(dead_code)]
fn patch_by_post() {}

/// Deletes a document.
#[utoipa::path(delete, path = "/api/collections/{name}/docs/{id}", tag = "collections", operation_id = "delete_document",
    params(("name" = String, Path, description = "The collection's name"), ("id" = String, Path, description = "The document's `_id`")), responses((status = 200)))]
async fn delete<C: AsCaller>(
    caller: C,
    State(state): State<AppState>,
    Path((name, id)): Path<(String, String)>,
) -> ApiResult<()> {
    state
        .collections
        .delete(&caller.into_caller(), &name, &id)
        .await?;
    Ok(Success(()))
}

#[derive(Serialize, ToSchema)]
#[schema(as = DocumentPage)]
struct Page {
    /// The documents.
    #[schema(value_type = Vec<crate::openapi::schemas::Document>)]
    docs: Vec<Value>,
    /// Send it back for the next page; `null` on the last page.
    cursor: Option<String>,
}

/// A page of the documents that match.
#[utoipa::path(post, path = "/api/collections/{name}/query", tag = "collections", operation_id = "query_documents",
    params(("name" = String, Path, description = "The collection's name")), request_body = crate::openapi::schemas::Query, responses((status = 200, body = Page)))]
async fn query<C: AsCaller>(
    caller: C,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(request): ApiJson<Value>,
) -> ApiResult<Page> {
    let page = state
        .collections
        .query(&caller.into_caller(), &name, &request)
        .await?;
    Ok(Success(Page {
        docs: page.documents,
        cursor: page.cursor,
    }))
}

#[derive(Serialize, ToSchema)]
struct Count {
    /// How many documents match.
    total: u64,
}

/// How many documents match.
#[utoipa::path(post, path = "/api/collections/{name}/count", tag = "collections", operation_id = "count_documents",
    params(("name" = String, Path, description = "The collection's name")), request_body = crate::openapi::schemas::CountQuery, responses((status = 200, body = Count)))]
async fn count<C: AsCaller>(
    caller: C,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(request): ApiJson<Value>,
) -> ApiResult<Count> {
    let total = state
        .collections
        .count(&caller.into_caller(), &name, &request)
        .await?;
    Ok(Success(Count { total }))
}
