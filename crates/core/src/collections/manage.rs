//! Collection management, for admins: create, list, change the mode, the schema or the text
//! moderation, add and drop indexes, delete.

use serde_json::Value;

use super::collection::{Collection, CollectionChange};
use super::error::CollectionError;
use super::name::CollectionName;
use super::path::FieldPath;
use super::permission::PermissionMode;
use super::schema::check_schema;
use super::service::CollectionService;
use crate::Timestamp;

/// What an admin asks for when creating a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCollection {
    /// The name.
    pub name: CollectionName,
    /// The permission mode.
    pub permission: PermissionMode,
    /// The schema, if any.
    pub schema: Option<Value>,
    /// Fields to index.
    pub indexes: Vec<FieldPath>,
}

/// Parses a permission mode's name, or says which ones exist.
pub fn parse_permission(name: &str) -> Result<PermissionMode, CollectionError> {
    PermissionMode::parse(name).ok_or_else(|| {
        let known: Vec<&str> = PermissionMode::ALL.iter().map(|m| m.as_str()).collect();
        CollectionError::BadRequest(format!(
            "unknown permission {name:?}; use one of {}",
            known.join(", ")
        ))
    })
}

impl CollectionService {
    /// Creates a collection.
    pub async fn create_collection(
        &self,
        new: NewCollection,
    ) -> Result<Collection, CollectionError> {
        if let Some(schema) = &new.schema {
            check_schema(schema)?;
        }
        let mut indexes = new.indexes;
        indexes.dedup();
        let at = Timestamp::now();
        let collection = Collection {
            name: new.name,
            permission: new.permission,
            schema: new.schema,
            indexes,
            moderation: None,
            created_at: at,
            updated_at: at,
        };
        if !self.store.create_collection(&collection).await? {
            return Err(CollectionError::CollectionExists(
                collection.name.to_string(),
            ));
        }
        Ok(collection)
    }

    /// Every collection.
    pub async fn collections(&self) -> Result<Vec<Collection>, CollectionError> {
        Ok(self.store.collections().await?)
    }

    /// Changes the permission mode, the schema or the text moderation (which apply to later
    /// writes only).
    pub async fn change_collection(
        &self,
        name: &str,
        change: CollectionChange,
    ) -> Result<Collection, CollectionError> {
        let collection = self.collection(name).await?;
        if let CollectionChange::Schema(Some(schema)) = &change {
            check_schema(schema)?;
        }
        if !self
            .store
            .update_collection(&collection.name, &change, Timestamp::now())
            .await?
        {
            return Err(CollectionError::UnknownCollection(name.to_owned()));
        }
        self.collection(name).await
    }

    /// Adds a database index on `field` (nothing changes if it has one).
    pub async fn add_index(&self, name: &str, field: &str) -> Result<Collection, CollectionError> {
        let collection = self.collection(name).await?;
        let field =
            FieldPath::parse(field).map_err(|e| CollectionError::BadRequest(e.to_string()))?;
        self.store.create_index(&collection.name, &field).await?;
        self.collection(name).await
    }

    /// Drops the index on `field`.
    pub async fn drop_index(&self, name: &str, field: &str) -> Result<Collection, CollectionError> {
        let collection = self.collection(name).await?;
        let missing =
            || CollectionError::NotFound(format!("collection {name:?} has no index on {field:?}"));
        let field = FieldPath::parse(field).map_err(|_| missing())?;
        if !self.store.drop_index(&collection.name, &field).await? {
            return Err(missing());
        }
        self.collection(name).await
    }

    /// Deletes a collection with all its documents.
    pub async fn delete_collection(&self, name: &str) -> Result<(), CollectionError> {
        let collection = self.collection(name).await?;
        self.store.delete_collection(&collection.name).await?;
        Ok(())
    }
}
