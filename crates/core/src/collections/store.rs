//! What collections need from the database. The [`Scope`] of every document call must become
//! part of the statement's `WHERE` clause: a document outside it is never read, changed,
//! deleted, counted or returned.

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use wxbase_wechat::OpenId;

use super::collection::{Collection, CollectionChange};
use super::document::{Body, Document};
use super::id::DocumentId;
use super::name::CollectionName;
use super::path::FieldPath;
use super::permission::Scope;
use super::query::{Condition, Query};
use crate::{StoreError, Timestamp};

/// A document to insert.
#[derive(Debug, Clone)]
pub struct NewDocument {
    /// Its new id.
    pub id: DocumentId,
    /// Its creator (`None`: an admin).
    pub owner: Option<OpenId>,
    /// Creation time, also its first `_updatedAt`.
    pub at: Timestamp,
    /// Its body.
    pub body: Body,
}

/// A new body for a stored document.
#[derive(Debug, Clone)]
pub struct DocumentUpdate {
    /// The new body.
    pub body: Body,
    /// The new `_updatedAt`.
    pub at: Timestamp,
    /// Write only if the stored version is still this one (`None`: whatever it is).
    pub expected_version: Option<i64>,
}

/// The name of the database index on `field` of `collection`: `wxidx_` and 24 hex digits of a
/// hash, short enough for every backend and free of anything that needs quoting.
pub fn index_name(collection: &CollectionName, field: &FieldPath) -> String {
    let digest = Sha256::digest(format!("{collection}\n{field}").as_bytes());
    format!("wxidx_{}", &hex::encode(digest)[..24])
}

/// Storage of collections and their documents. Every method is atomic, except that creating
/// and deleting a collection build and drop its indexes one at a time (see each).
#[async_trait]
pub trait CollectionStore: Send + Sync + 'static {
    /// Creates a collection, then builds its indexes one at a time, as
    /// [`Self::create_index`] adds one. Returns `false` if one with the name exists. If an index
    /// cannot be built, the collection is deleted again and the error returned.
    async fn create_collection(&self, collection: &Collection) -> Result<bool, StoreError>;

    /// The collection with this name.
    async fn collection(&self, name: &CollectionName) -> Result<Option<Collection>, StoreError>;

    /// Every collection, by name.
    async fn collections(&self) -> Result<Vec<Collection>, StoreError>;

    /// Changes a collection's settings. Returns `false` if there is no such collection.
    async fn update_collection(
        &self,
        name: &CollectionName,
        change: &CollectionChange,
        at: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Adds a database index on `field`. Returns `false` if the field already has one.
    async fn create_index(
        &self,
        name: &CollectionName,
        field: &FieldPath,
    ) -> Result<bool, StoreError>;

    /// Drops the index on `field`. Returns `false` if there was none.
    async fn drop_index(
        &self,
        name: &CollectionName,
        field: &FieldPath,
    ) -> Result<bool, StoreError>;

    /// Deletes a collection, its documents and its indexes. Returns whether it existed. The
    /// indexes go first, each as [`Self::drop_index`] drops one, then the collection and its
    /// documents at once; a deletion that fails after the first step leaves the collection
    /// whole, with fewer (or no) indexes.
    async fn delete_collection(&self, name: &CollectionName) -> Result<bool, StoreError>;

    /// Inserts documents, all or none. Returns `false` if the collection does not exist.
    async fn insert_documents(
        &self,
        collection: &CollectionName,
        documents: &[NewDocument],
    ) -> Result<bool, StoreError>;

    /// The document with this id, if it is in `scope`.
    async fn document(
        &self,
        collection: &CollectionName,
        id: &DocumentId,
        scope: &Scope,
    ) -> Result<Option<Document>, StoreError>;

    /// Writes a new body if the document is in `scope` (and at the expected version); returns
    /// the document as stored, or `None` if nothing was written.
    async fn update_document(
        &self,
        collection: &CollectionName,
        id: &DocumentId,
        scope: &Scope,
        update: &DocumentUpdate,
    ) -> Result<Option<Document>, StoreError>;

    /// Deletes the document if it is in `scope`. Returns whether it did.
    async fn delete_document(
        &self,
        collection: &CollectionName,
        id: &DocumentId,
        scope: &Scope,
    ) -> Result<bool, StoreError>;

    /// The documents in `scope` matching the query, in its order, one page.
    async fn query_documents(
        &self,
        collection: &CollectionName,
        query: &Query,
        scope: &Scope,
    ) -> Result<Vec<Document>, StoreError>;

    /// How many documents in `scope` match `filter`.
    async fn count_documents(
        &self,
        collection: &CollectionName,
        filter: &Condition,
        scope: &Scope,
    ) -> Result<u64, StoreError>;
}
