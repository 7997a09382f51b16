//! Reads collections and documents from rows, refusing rows that make no sense.

use serde_json::{Map, Value};
use wxbase_core::collections::{
    Collection, CollectionName, Document, DocumentId, FieldPath, PermissionMode,
};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::OpenId;

use crate::backend::ReadRow;
use crate::errors::corrupt;

/// A document from a row with `id, owner, created_at, updated_at, version, body` (as text).
pub fn document_from_row(row: &impl ReadRow) -> Result<Document, StoreError> {
    let id: String = row.read("id")?;
    let owner: Option<String> = row.read("owner")?;
    let body: String = row.read("body")?;
    let body: Map<String, Value> =
        serde_json::from_str(&body).map_err(|e| corrupt("documents.body", e))?;
    Ok(Document {
        id: DocumentId::parse(&id).ok_or_else(|| corrupt("documents.id", &id))?,
        owner: owner
            .map(OpenId::parse)
            .transpose()
            .map_err(|e| corrupt("documents.owner", e))?,
        created_at: Timestamp::from_millis(row.read("created_at")?),
        updated_at: Timestamp::from_millis(row.read("updated_at")?),
        version: row.read("version")?,
        body,
    })
}

/// A collection's columns as read: `name, permission, schema, created_at, updated_at,
/// moderation`.
pub type CollectionRow = (String, String, Option<String>, i64, i64, Option<String>);

/// The [`CollectionRow`] of a row of `catalog::SELECT_COLLECTION(S)`.
pub fn collection_row(row: &impl ReadRow) -> Result<CollectionRow, StoreError> {
    Ok((
        row.read(0)?,
        row.read(1)?,
        row.read(2)?,
        row.read(3)?,
        row.read(4)?,
        row.read(5)?,
    ))
}

/// An indexed field as read: `collection, field`.
pub type IndexRow = (String, String);

/// The [`IndexRow`] of a row of `catalog::SELECT_(ALL_)INDEXES`.
pub fn index_row(row: &impl ReadRow) -> Result<IndexRow, StoreError> {
    Ok((row.read(0)?, row.read(1)?))
}

/// A collection from its row and its indexed fields.
pub fn collection_from_row(
    row: CollectionRow,
    indexes: &[IndexRow],
) -> Result<Collection, StoreError> {
    let (name, permission, schema, created_at, updated_at, moderation) = row;
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
        moderation: moderation
            .map(|text| serde_json::from_str(&text))
            .transpose()
            .map_err(|e| corrupt("collections.moderation", e))?,
        name: CollectionName::parse(name).map_err(|e| corrupt("collections.name", e))?,
        indexes,
        created_at: Timestamp::from_millis(created_at),
        updated_at: Timestamp::from_millis(updated_at),
    })
}
