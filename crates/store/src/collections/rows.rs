//! Reads collections and documents from rows, refusing rows that make no sense.

use serde_json::{Map, Value};
use sqlx::Row;
use wxbase_core::collections::{
    Collection, CollectionName, Document, DocumentId, FieldPath, PermissionMode,
};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::OpenId;

use crate::errors::store_error;

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

/// A document from a row with `id, owner, created_at, updated_at, version, body` (as text).
pub fn document_from_row<'r, R>(row: &'r R) -> Result<Document, StoreError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let id: String = row.try_get("id").map_err(store_error)?;
    let owner: Option<String> = row.try_get("owner").map_err(store_error)?;
    let body: String = row.try_get("body").map_err(store_error)?;
    let body: Map<String, Value> =
        serde_json::from_str(&body).map_err(|e| corrupt("documents.body", e))?;
    Ok(Document {
        id: DocumentId::parse(&id).ok_or_else(|| corrupt("documents.id", &id))?,
        owner: owner
            .map(OpenId::parse)
            .transpose()
            .map_err(|e| corrupt("documents.owner", e))?,
        created_at: Timestamp::from_millis(row.try_get("created_at").map_err(store_error)?),
        updated_at: Timestamp::from_millis(row.try_get("updated_at").map_err(store_error)?),
        version: row.try_get("version").map_err(store_error)?,
        body,
    })
}

/// A collection's columns as read: `name, permission, schema, created_at, updated_at`.
pub type CollectionRow = (String, String, Option<String>, i64, i64);

/// A collection from its row and its indexed fields.
pub fn collection_from_row(
    row: CollectionRow,
    indexes: &[(String, String)],
) -> Result<Collection, StoreError> {
    let (name, permission, schema, created_at, updated_at) = row;
    let indexes = indexes
        .iter()
        .filter(|(collection, _)| *collection == name)
        .map(|(_, field)| {
            FieldPath::parse(field).map_err(|e| corrupt("collection_indexes.field", e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Collection {
        permission: PermissionMode::parse(&permission)
            .ok_or_else(|| corrupt("collections.permission", &permission))?,
        schema: schema
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| corrupt("collections.schema", e))?,
        name: CollectionName::parse(name).map_err(|e| corrupt("collections.name", e))?,
        indexes,
        created_at: Timestamp::from_millis(created_at),
        updated_at: Timestamp::from_millis(updated_at),
    })
}
