//! The [`CollectionStore`](wxbase_core::collections::CollectionStore) statements, run on
//! either backend: each function is one trait method, given the pool it reads from or writes
//! to. Adding and dropping one index is each backend's own ([`CollectionIndexes`]); creating
//! and deleting a whole collection is written once over it.

use std::future::Future;

use sqlx::{Pool, Transaction};
use wxbase_core::collections::{
    Collection, CollectionChange, CollectionName, Condition, Document, DocumentId, DocumentUpdate,
    FieldPath, NewDocument, Query, Scope,
};
use wxbase_core::security::TextModeration;
use wxbase_core::webhooks::{event, EventType};
use wxbase_core::{StoreError, Timestamp};

use super::rows::{collection_from_row, collection_row, document_from_row, index_row};
use super::{catalog, statements, Statistics};
use crate::backend::{Backend, Driver, ReadRow};
use crate::errors::{is_foreign_key_violation, SqlxResultExt};
use crate::sql::Statement;
use crate::webhooks::queries::record_if_subscribed;

/// How a store adds and drops one field index of an existing collection: SQLite in a
/// transaction on its one writer connection, PostgreSQL `CONCURRENTLY`, so that writes to
/// `documents` go on meanwhile (`postgres::indexes`).
pub trait CollectionIndexes: Clone + Send + Sync + 'static {
    /// The store's database.
    type DB: Backend;

    /// The pool writes go to.
    fn writer(&self) -> &Pool<Self::DB>;

    /// Records and builds the index, then refreshes the planner's statistics if asked;
    /// `false` if the field was indexed already.
    fn add_field_index(
        &self,
        name: &CollectionName,
        field: &FieldPath,
        statistics: Statistics,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Forgets and drops the index; `false` if the field was not indexed.
    fn drop_field_index(
        &self,
        name: &CollectionName,
        field: &FieldPath,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Runs `work` in a task of its own, to the end even if the caller stops waiting for it.
pub async fn in_own_task<T: Send + 'static>(
    work: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::spawn(work)
        .await
        .map_err(|e| StoreError::Backend(Box::new(e)))?
}

/// Creates a collection and its indexes, in a task of its own: a caller that gives up cannot
/// stop it between creating the collection and building its indexes.
pub async fn create_collection<S: CollectionIndexes>(
    store: &S,
    collection: &Collection,
) -> Result<bool, StoreError> {
    let (store, collection) = (store.clone(), collection.clone());
    in_own_task(async move { create_collection_whole(&store, &collection).await }).await
}

/// Creates a collection, then each of its indexes as `create_index` adds one to an existing
/// collection: on PostgreSQL `CONCURRENTLY`, since even on a new collection a plain `CREATE
/// INDEX` scans all of `documents`, every collection's, with their writes locked out. If an
/// index cannot be built, the collection is deleted again and the error returned.
async fn create_collection_whole<S: CollectionIndexes>(
    store: &S,
    collection: &Collection,
) -> Result<bool, StoreError> {
    let created = Statement::new(catalog::INSERT_COLLECTION)
        .bind(collection.name.as_str())
        .bind(collection.permission.as_str())
        .bind(collection.schema.as_ref().map(|s| s.to_string()))
        .bind(collection.created_at.as_millis())
        .bind(moderation_text(collection.moderation.as_ref()))
        .execute(store.writer())
        .await?;
    if created == 0 {
        return Ok(false);
    }
    // A new collection has no documents: its indexes need no fresh statistics.
    for field in &collection.indexes {
        let built = store
            .add_field_index(&collection.name, field, Statistics::Keep)
            .await;
        if let Err(error) = built {
            if let Err(undo) = delete_collection_whole(store, &collection.name).await {
                tracing::warn!(error = %undo, collection = collection.name.as_str(),
                    "could not delete a collection whose index failed to build");
            }
            return Err(error);
        }
    }
    Ok(true)
}

/// One collection with its indexed fields.
pub async fn collection<DB: Backend>(
    reader: &Pool<DB>,
    name: &CollectionName,
) -> Result<Option<Collection>, StoreError> {
    let row = Statement::new(catalog::SELECT_COLLECTION)
        .bind(name.as_str())
        .fetch_optional(reader)
        .await?;
    let Some(row) = row.as_ref().map(collection_row).transpose()? else {
        return Ok(None);
    };
    let indexes = Statement::new(catalog::SELECT_INDEXES)
        .bind(name.as_str())
        .fetch_all(reader)
        .await?;
    let indexes = read_all(&indexes, index_row)?;
    collection_from_row(row, &indexes).map(Some)
}

/// Every collection with its indexed fields, by name.
pub async fn collections<DB: Backend>(reader: &Pool<DB>) -> Result<Vec<Collection>, StoreError> {
    let found = Statement::new(catalog::SELECT_COLLECTIONS)
        .fetch_all(reader)
        .await?;
    let found = read_all(&found, collection_row)?;
    let indexes = Statement::new(catalog::SELECT_ALL_INDEXES)
        .fetch_all(reader)
        .await?;
    let indexes = read_all(&indexes, index_row)?;
    found
        .into_iter()
        .map(|row| collection_from_row(row, &indexes))
        .collect()
}

/// Each of `rows`, read by `read`.
fn read_all<R: ReadRow, T>(
    rows: &[R],
    read: impl Fn(&R) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    rows.iter().map(read).collect()
}

/// Text moderation settings as stored: JSON text.
fn moderation_text(moderation: Option<&TextModeration>) -> Option<String> {
    moderation.and_then(|settings| serde_json::to_string(settings).ok())
}

/// Changes a collection's permission mode, schema or text moderation; `false` if there is no such collection.
pub async fn update_collection<DB: Backend>(
    writer: &Pool<DB>,
    name: &CollectionName,
    change: &CollectionChange,
    at: Timestamp,
) -> Result<bool, StoreError> {
    let (statement, value) = match change {
        CollectionChange::Permission(mode) => {
            (catalog::SET_PERMISSION, Some(mode.as_str().to_owned()))
        }
        CollectionChange::Schema(schema) => {
            (catalog::SET_SCHEMA, schema.as_ref().map(|s| s.to_string()))
        }
        CollectionChange::Moderation(moderation) => (
            catalog::SET_MODERATION,
            moderation_text(moderation.as_ref()),
        ),
    };
    let changed = Statement::new(statement)
        .bind(name.as_str())
        .bind(value)
        .bind(at.as_millis())
        .execute(writer)
        .await?;
    Ok(changed == 1)
}

/// Deletes a collection, its indexes and its documents, in a task of its own: a caller that
/// gives up (a client that disconnects) cannot stop it between dropping the indexes and
/// deleting the collection.
pub async fn delete_collection<S: CollectionIndexes>(
    store: &S,
    name: &CollectionName,
) -> Result<bool, StoreError> {
    let (store, name) = (store.clone(), name.clone());
    in_own_task(async move { delete_collection_whole(&store, &name).await }).await
}

/// Deletes a collection: its indexes first, each as `drop_index` drops one, then the
/// collection and its documents in one transaction.
async fn delete_collection_whole<S: CollectionIndexes>(
    store: &S,
    name: &CollectionName,
) -> Result<bool, StoreError> {
    // Each index first, as `drop_index` drops one: on PostgreSQL a `DROP INDEX` in the
    // deleting transaction would lock `documents`, every collection's, until the last of this
    // collection's documents was deleted.
    let indexed = Statement::new(catalog::SELECT_INDEXES).bind(name.as_str());
    let rows = indexed.fetch_all(store.writer()).await?;
    for (_, field) in read_all(&rows, index_row)? {
        if let Ok(field) = FieldPath::parse(&field) {
            store.drop_field_index(name, &field).await?;
        }
    }
    let mut tx = store.writer().begin().await.or_store_error()?;
    // An index added meanwhile goes in the transaction, the blocking way.
    let rows = indexed.fetch_all(&mut tx).await?;
    for (_, field) in read_all(&rows, index_row)? {
        if let Ok(field) = FieldPath::parse(&field) {
            run_ddl(
                &mut tx,
                statements::drop_index(S::DB::DIALECT, name, &field),
            )
            .await?;
        }
    }
    let deleted = Statement::new(catalog::DELETE_COLLECTION)
        .bind(name.as_str())
        .execute(&mut tx)
        .await?;
    tx.commit().await.or_store_error()?;
    Ok(deleted == 1)
}

/// Runs each DDL statement in the transaction, unprepared.
pub async fn run_ddl<DB: Backend>(
    tx: &mut Transaction<'static, DB>,
    ddl: Vec<String>,
) -> Result<(), StoreError> {
    for text in ddl {
        Statement::built(DB::DIALECT, text, Vec::new())
            .unprepared()
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Inserts documents in one transaction, [`statements::INSERT_CHUNK`] per statement; `false`
/// (and nothing inserted) if the collection does not exist.
pub async fn insert_documents<DB: Backend>(
    writer: &Pool<DB>,
    collection: &CollectionName,
    documents: &[NewDocument],
) -> Result<bool, StoreError> {
    let mut tx = writer.begin().await.or_store_error()?;
    for chunk in documents.chunks(statements::INSERT_CHUNK) {
        let inserted = Statement::from(statements::insert(DB::DIALECT, collection, chunk))
            .execute(&mut tx)
            .await;
        match inserted {
            Err(error) if is_foreign_key_violation(&error) => return Ok(false),
            other => other?,
        };
        // Each chunk's events with it: a later chunk that fails takes them back with it.
        let at = chunk.first().map_or_else(Timestamp::now, |d| d.at);
        record_if_subscribed(&mut tx, EventType::DocumentCreated, at, || {
            chunk
                .iter()
                .map(|new| event::document_created(collection, &new_document(new)))
                .collect()
        })
        .await?;
    }
    tx.commit().await.or_store_error()?;
    Ok(true)
}

/// A document just inserted, as a read would return it.
fn new_document(new: &NewDocument) -> Document {
    Document {
        id: new.id.clone(),
        owner: new.owner.clone(),
        created_at: new.at,
        updated_at: new.at,
        version: 1,
        body: new.body.fields().clone(),
    }
}

/// One document, if in scope.
pub async fn document<DB: Backend>(
    reader: &Pool<DB>,
    collection: &CollectionName,
    id: &DocumentId,
    scope: &Scope,
) -> Result<Option<Document>, StoreError> {
    let row = Statement::from(statements::select_one(DB::DIALECT, collection, id, scope))
        .fetch_optional(reader)
        .await?;
    row.as_ref().map(document_from_row).transpose()
}

/// Writes a document's new body, if in scope (and at the expected version, if given); the
/// document as written.
pub async fn update_document<DB: Backend>(
    writer: &Pool<DB>,
    collection: &CollectionName,
    id: &DocumentId,
    scope: &Scope,
    update: &DocumentUpdate,
) -> Result<Option<Document>, StoreError> {
    let statement = statements::update(DB::DIALECT, collection, id, scope, update);
    let mut tx = writer.begin().await.or_store_error()?;
    let row = Statement::from(statement).fetch_optional(&mut tx).await?;
    let Some(document) = row.as_ref().map(document_from_row).transpose()? else {
        return Ok(None);
    };
    record_if_subscribed(&mut tx, EventType::DocumentUpdated, update.at, || {
        vec![event::document_updated(collection, &document)]
    })
    .await?;
    tx.commit().await.or_store_error()?;
    Ok(Some(document))
}

/// Deletes one document, if in scope; whether it did.
pub async fn delete_document<DB: Backend>(
    writer: &Pool<DB>,
    collection: &CollectionName,
    id: &DocumentId,
    scope: &Scope,
) -> Result<bool, StoreError> {
    let mut tx = writer.begin().await.or_store_error()?;
    let deleted = Statement::from(statements::delete(DB::DIALECT, collection, id, scope))
        .execute(&mut tx)
        .await?;
    if deleted != 1 {
        return Ok(false);
    }
    let now = Timestamp::now();
    record_if_subscribed(&mut tx, EventType::DocumentDeleted, now, || {
        vec![event::document_deleted(collection, id, now)]
    })
    .await?;
    tx.commit().await.or_store_error()?;
    Ok(true)
}

/// One page of a query.
pub async fn query_documents<DB: Backend>(
    reader: &Pool<DB>,
    collection: &CollectionName,
    query: &Query,
    scope: &Scope,
) -> Result<Vec<Document>, StoreError> {
    let statement = statements::select_page(DB::DIALECT, collection, query, scope);
    let rows = Statement::from(statement).fetch_all(reader).await?;
    read_all(&rows, document_from_row)
}

/// How many documents match.
pub async fn count_documents<DB: Backend>(
    reader: &Pool<DB>,
    collection: &CollectionName,
    filter: &Condition,
    scope: &Scope,
) -> Result<u64, StoreError> {
    let row = Statement::from(statements::count(DB::DIALECT, collection, filter, scope))
        .fetch_one(reader)
        .await?;
    Ok(u64::try_from(row.read::<i64>(0)?).unwrap_or_default())
}
