//! Collection management for admins (`/admin/api/collections`, admin token): create, list,
//! show, change the permission mode, the schema or the text moderation, add and drop indexes,
//! delete.

use axum::extract::{Path, State};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wxbase_core::collections::{
    parse_permission, Collection, CollectionChange, CollectionError, CollectionName, FieldPath,
    NewCollection, PermissionMode,
};

use wxbase_core::security::TextModeration;

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::{Admin, ApiJson};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, list))
        .routes(routes!(show, change, remove))
        .routes(routes!(add_index))
        .routes(routes!(drop_index))
}

/// A collection as the admin API shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Collection)]
struct CollectionView {
    name: String,
    permission: &'static str,
    schema: Option<Value>,
    indexes: Vec<String>,
    moderation: Option<TextModeration>,
    created_at: String,
    updated_at: String,
}

impl From<Collection> for CollectionView {
    fn from(collection: Collection) -> Self {
        Self {
            name: collection.name.to_string(),
            permission: collection.permission.as_str(),
            schema: collection.schema,
            indexes: collection.indexes.iter().map(ToString::to_string).collect(),
            moderation: collection.moderation,
            created_at: collection.created_at.to_rfc3339(),
            updated_at: collection.updated_at.to_rfc3339(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewCollection)]
struct CreateRequest {
    name: String,
    #[serde(default)]
    permission: Option<String>,
    #[serde(default)]
    schema: Option<Value>,
    #[serde(default)]
    indexes: Vec<String>,
}

fn bad(error: impl ToString) -> CollectionError {
    CollectionError::BadRequest(error.to_string())
}

/// Creates a collection.
#[utoipa::path(post, path = "/admin/api/collections", tag = "collections", operation_id = "create_collection",
    security(("admin" = [])), request_body = CreateRequest, responses((status = 200, body = CollectionView)))]
async fn create(
    _: Admin,
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CreateRequest>,
) -> ApiResult<CollectionView> {
    let new = NewCollection {
        name: CollectionName::parse(request.name).map_err(bad)?,
        permission: match request.permission {
            Some(name) => parse_permission(&name)?,
            None => PermissionMode::default(),
        },
        schema: request.schema.filter(|schema| !schema.is_null()),
        indexes: request
            .indexes
            .iter()
            .map(|field| FieldPath::parse(field).map_err(bad))
            .collect::<Result<_, _>>()?,
    };
    let created = state.collections.create_collection(new).await?;
    Ok(Success(created.into()))
}

/// Every collection.
#[utoipa::path(get, path = "/admin/api/collections", tag = "collections", operation_id = "list_collections",
    security(("admin" = [])), responses((status = 200, body = Vec<CollectionView>)))]
async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Vec<CollectionView>> {
    let all = state.collections.collections().await?;
    Ok(Success(all.into_iter().map(Into::into).collect()))
}

/// One collection.
#[utoipa::path(get, path = "/admin/api/collections/{name}", tag = "collections", operation_id = "show_collection",
    security(("admin" = [])), params(("name" = String, Path, description = "The collection's name")), responses((status = 200, body = CollectionView)))]
async fn show(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<CollectionView> {
    Ok(Success(state.collections.collection(&name).await?.into()))
}

/// `schema` or `moderation` absent: unchanged; `null`: removed.
fn present<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<Value>>, D::Error> {
    Option::<Value>::deserialize(deserializer).map(Some)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CollectionChange)]
struct ChangeRequest {
    #[serde(default)]
    permission: Option<String>,
    /// A JSON Schema; `null` removes it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Object>)]
    schema: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    moderation: Option<Option<Value>>,
}

/// Changes the permission mode, the schema or both.
#[utoipa::path(patch, path = "/admin/api/collections/{name}", tag = "collections", operation_id = "change_collection",
    security(("admin" = [])), params(("name" = String, Path, description = "The collection's name")), request_body = ChangeRequest,
    responses((status = 200, body = CollectionView)))]
async fn change(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(request): ApiJson<ChangeRequest>,
) -> ApiResult<CollectionView> {
    let mut changes = Vec::new();
    if let Some(permission) = &request.permission {
        changes.push(CollectionChange::Permission(parse_permission(permission)?));
    }
    if let Some(schema) = request.schema {
        changes.push(CollectionChange::Schema(schema));
    }
    if let Some(moderation) = request.moderation {
        let settings = moderation
            .filter(|value| !value.is_null())
            .map(TextModeration::from_json)
            .transpose()?;
        changes.push(CollectionChange::Moderation(settings));
    }
    if changes.is_empty() {
        return Err(bad("give permission, schema or moderation (null removes either)").into());
    }
    let mut changed = None;
    for change in changes {
        changed = Some(state.collections.change_collection(&name, change).await?);
    }
    let changed = changed.ok_or_else(|| bad("nothing changed"))?;
    Ok(Success(changed.into()))
}

/// Deletes a collection, its documents and indexes.
#[utoipa::path(delete, path = "/admin/api/collections/{name}", tag = "collections", operation_id = "delete_collection",
    security(("admin" = [])), params(("name" = String, Path, description = "The collection's name")), responses((status = 200)))]
async fn remove(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<()> {
    state.collections.delete_collection(&name).await?;
    Ok(Success(()))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct IndexRequest {
    /// A dot path.
    field: String,
}

/// Adds an index on a field.
#[utoipa::path(post, path = "/admin/api/collections/{name}/indexes", tag = "collections", operation_id = "add_index",
    security(("admin" = [])), params(("name" = String, Path, description = "The collection's name")), request_body = IndexRequest,
    responses((status = 200, body = CollectionView)))]
async fn add_index(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(request): ApiJson<IndexRequest>,
) -> ApiResult<CollectionView> {
    let indexed = state.collections.add_index(&name, &request.field).await?;
    Ok(Success(indexed.into()))
}

/// Drops the index on a field.
#[utoipa::path(delete, path = "/admin/api/collections/{name}/indexes/{field}", tag = "collections",
    operation_id = "drop_index", security(("admin" = [])),
    params(("name" = String, Path, description = "The collection's name"), ("field" = String, Path, description = "The indexed dot path")),
    responses((status = 200, body = CollectionView)))]
async fn drop_index(
    _: Admin,
    State(state): State<AppState>,
    Path((name, field)): Path<(String, String)>,
) -> ApiResult<CollectionView> {
    let dropped = state.collections.drop_index(&name, &field).await?;
    Ok(Success(dropped.into()))
}
