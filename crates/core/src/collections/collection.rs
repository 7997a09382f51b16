//! A collection's settings as stored: its name, permission mode, schema, indexes and text
//! moderation.

use serde_json::Value;

use super::name::CollectionName;
use super::path::FieldPath;
use super::permission::PermissionMode;
use crate::security::TextModeration;
use crate::Timestamp;

/// A collection of documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Collection {
    /// Its name.
    pub name: CollectionName,
    /// Who may read and write its documents.
    pub permission: PermissionMode,
    /// The JSON Schema every written body must match, if any.
    pub schema: Option<Value>,
    /// The fields with a database index, in the order they were added.
    pub indexes: Vec<FieldPath>,
    /// The text fields WeChat checks before a user's write is stored, if any.
    pub moderation: Option<TextModeration>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When its settings last changed.
    pub updated_at: Timestamp,
}

/// A change to a collection's settings.
#[derive(Debug, Clone, PartialEq)]
pub enum CollectionChange {
    /// A new permission mode.
    Permission(PermissionMode),
    /// A new schema, or none.
    Schema(Option<Value>),
    /// New text moderation settings, or none.
    Moderation(Option<TextModeration>),
}
