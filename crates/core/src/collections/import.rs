//! Bulk import (`wxbase import --collection`): each body is checked as a create checks it
//! (limits, then the collection's schema), and the whole file is inserted in one transaction,
//! so a failure leaves nothing half-imported.

use serde_json::Value;
use wxbase_wechat::OpenId;

use super::collection::Collection;
use super::error::CollectionError;
use super::manage::NewCollection;
use super::name::CollectionName;
use super::permission::PermissionMode;
use super::service::CollectionService;
use super::store::NewDocument;
use crate::Timestamp;

impl CollectionService {
    /// The collection `name`, created with `permission` if it does not exist yet (the
    /// default mode when `permission` is `None`). An existing collection keeps its mode.
    pub async fn collection_for_import(
        &self,
        name: &str,
        permission: Option<PermissionMode>,
    ) -> Result<Collection, CollectionError> {
        if let Ok(existing) = self.collection(name).await {
            return Ok(existing);
        }
        let name = CollectionName::parse(name)
            .map_err(|e| CollectionError::BadRequest(format!("collection name: {e}")))?;
        self.create_collection(NewCollection {
            name,
            permission: permission.unwrap_or_default(),
            schema: None,
            indexes: Vec::new(),
        })
        .await
    }

    /// One imported body, checked against `collection`'s limits and schema, as a new
    /// document owned by `owner` (an admin's when `None`).
    pub fn imported_document(
        &self,
        collection: &Collection,
        body: Value,
        owner: Option<OpenId>,
    ) -> Result<NewDocument, CollectionError> {
        let body = self.body(collection, body)?;
        let at = Timestamp::now();
        Ok(NewDocument {
            id: self.ids.next_id(at),
            owner,
            at,
            body,
        })
    }

    /// Inserts every document, all or none.
    pub async fn insert_imported(
        &self,
        collection: &Collection,
        documents: &[NewDocument],
    ) -> Result<(), CollectionError> {
        if self
            .store
            .insert_documents(&collection.name, documents)
            .await?
        {
            Ok(())
        } else {
            Err(CollectionError::UnknownCollection(
                collection.name.to_string(),
            ))
        }
    }
}
