//! Documents of data collections, for mini-program users (`/api/collections/...`, session
//! token) and for admins (`/admin/api/collections/...`, admin token, every mode bypassed).
//! One set of handlers serves both, generic over who the caller is.

use axum::extract::{FromRequestParts, Path, State};
use axum::routing::{get, post};
use axum::Router;
use serde::Serialize;
use serde_json::Value;

use crate::app::AppState;
use crate::envelope::{ApiError, ApiResult, Success};
use crate::extract::{Admin, ApiJson, AsCaller, CurrentUser};

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(documents::<CurrentUser>("/api"))
        .merge(documents::<Admin>("/admin/api"))
}

/// The document routes under `prefix`, for callers `C`.
fn documents<C>(prefix: &str) -> Router<AppState>
where
    C: FromRequestParts<AppState, Rejection = ApiError> + AsCaller + Send + 'static,
{
    Router::new()
        .route(
            &format!("{prefix}/collections/{{name}}/docs"),
            post(create::<C>),
        )
        .route(
            &format!("{prefix}/collections/{{name}}/docs/{{id}}"),
            get(read::<C>)
                .put(replace::<C>)
                .patch(patch::<C>)
                .delete(delete::<C>),
        )
        .route(
            &format!("{prefix}/collections/{{name}}/query"),
            post(query::<C>),
        )
        .route(
            &format!("{prefix}/collections/{{name}}/count"),
            post(count::<C>),
        )
}

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

#[derive(Serialize)]
struct Page {
    docs: Vec<Value>,
    cursor: Option<String>,
}

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

#[derive(Serialize)]
struct Count {
    total: u64,
}

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
