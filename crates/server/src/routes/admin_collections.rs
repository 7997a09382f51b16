//! Collection management for admins (`/admin/api/collections`, admin token): create, list,
//! show, change the permission mode, the schema or the text moderation, add and drop indexes,
//! delete.

use axum::extract::{Path, State};
use axum::routing::{delete, get, post};
use axum::Router;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use wxbase_core::collections::{
    parse_permission, Collection, CollectionChange, CollectionError, CollectionName, FieldPath,
    NewCollection, PermissionMode,
};

use wxbase_core::security::TextModeration;

use crate::app::AppState;
use crate::envelope::{ApiResult, Success};
use crate::extract::{Admin, ApiJson};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/api/collections", post(create).get(list))
        .route(
            "/admin/api/collections/{name}",
            get(show).patch(change).delete(remove),
        )
        .route("/admin/api/collections/{name}/indexes", post(add_index))
        .route(
            "/admin/api/collections/{name}/indexes/{field}",
            delete(drop_index),
        )
}

/// A collection as the admin API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
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

async fn list(_: Admin, State(state): State<AppState>) -> ApiResult<Vec<CollectionView>> {
    let all = state.collections.collections().await?;
    Ok(Success(all.into_iter().map(Into::into).collect()))
}

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeRequest {
    #[serde(default)]
    permission: Option<String>,
    #[serde(default, deserialize_with = "present")]
    schema: Option<Option<Value>>,
    #[serde(default, deserialize_with = "present")]
    moderation: Option<Option<Value>>,
}

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

async fn remove(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<()> {
    state.collections.delete_collection(&name).await?;
    Ok(Success(()))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndexRequest {
    field: String,
}

async fn add_index(
    _: Admin,
    State(state): State<AppState>,
    Path(name): Path<String>,
    ApiJson(request): ApiJson<IndexRequest>,
) -> ApiResult<CollectionView> {
    let indexed = state.collections.add_index(&name, &request.field).await?;
    Ok(Success(indexed.into()))
}

async fn drop_index(
    _: Admin,
    State(state): State<AppState>,
    Path((name, field)): Path<(String, String)>,
) -> ApiResult<CollectionView> {
    let dropped = state.collections.drop_index(&name, &field).await?;
    Ok(Success(dropped.into()))
}
