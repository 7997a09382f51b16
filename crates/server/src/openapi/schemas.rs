//! Schemas of bodies that handlers read as free JSON (documents, queries, patches), for the
//! document only: the collection service parses these bodies itself, so the types here are
//! never built. docs/collections.md explains each field.
#![allow(dead_code)]

use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

/// A stored document: its body's fields beside the four that wxbase keeps.
#[derive(Serialize, ToSchema)]
pub struct Document {
    /// 26 characters, ordered by creation time.
    #[serde(rename = "_id")]
    id: String,
    /// The creator's openid; `null` when an admin created it.
    #[serde(rename = "_openid")]
    openid: Option<String>,
    /// When it was created (RFC 3339).
    #[serde(rename = "_createdAt")]
    created_at: String,
    /// When it last changed (RFC 3339).
    #[serde(rename = "_updatedAt")]
    updated_at: String,
    /// The body's own fields.
    #[serde(flatten)]
    body: Map<String, Value>,
}

/// A document's body: a JSON object whose top-level keys do not start with `_`.
#[derive(Serialize, ToSchema)]
pub struct NewDocument(Map<String, Value>);

/// A change to a document: `set`, then `unset`, then `inc`, on dot paths.
#[derive(Serialize, ToSchema)]
pub struct Patch {
    /// Fields to set, by dot path.
    set: Option<Map<String, Value>>,
    /// Fields to remove, by dot path.
    unset: Option<Vec<String>>,
    /// Numbers to add, by dot path (a missing field counts as 0).
    inc: Option<Map<String, Value>>,
}

/// Conditions that must all hold: `{"field": value}`, `{"field": {"gte": 2}}`,
/// `"and"`/`"or": [where, ...]`.
#[derive(Serialize, ToSchema)]
pub struct Where(Map<String, Value>);

/// A sort direction.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SortDirection {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// A query: every field optional.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Query {
    /// The conditions.
    #[serde(rename = "where")]
    filter: Option<Where>,
    /// Up to 4 `["field", "asc" | "desc"]` pairs.
    order_by: Option<Vec<(String, SortDirection)>>,
    /// 1 to 100 (default 20).
    limit: Option<u32>,
    /// At most 10,000.
    skip: Option<u32>,
    /// The fields to return (`_id` always comes back).
    fields: Option<Vec<String>>,
    /// The `cursor` of the previous page.
    cursor: Option<String>,
}

/// What a count counts.
#[derive(Serialize, ToSchema)]
pub struct CountQuery {
    /// The conditions.
    #[serde(rename = "where")]
    filter: Option<Where>,
}

/// What `wx.uploadFile` sends: the part `file` and the field `bucket`.
#[derive(Serialize, ToSchema)]
pub struct Upload {
    /// The file's bytes (the part's filename is kept as its name).
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// The bucket's name.
    bucket: String,
}

/// A decrypted JSON object.
#[derive(Serialize, ToSchema)]
pub struct Decrypted(Map<String, Value>);

/// A file's bytes.
#[derive(Serialize, ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Bytes(Vec<u8>);
