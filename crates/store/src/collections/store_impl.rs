//! The one implementation of `CollectionStore`, as a macro instantiated for each store type.

/// Implements `CollectionStore` for `$store`, reading from `self.$reader`, writing through
/// `self.$writer`, with SQL in `$dialect`. Adding and dropping a field index of an existing
/// collection are the store's inherent methods `$create_index` and `$drop_index` (SQLite uses
/// a transaction; PostgreSQL avoids blocking writes, see `postgres::indexes`).
macro_rules! collection_queries {
    (
        $store:ty, $reader:ident, $writer:ident, $dialect:expr,
        indexes: $create_index:ident, $drop_index:ident
    ) => {
        #[async_trait::async_trait]
        impl wxbase_core::collections::CollectionStore for $store {
            async fn create_collection(
                &self,
                collection: &wxbase_core::collections::Collection,
            ) -> Result<bool, wxbase_core::StoreError> {
                // In a task of its own: a caller that gives up cannot stop it between creating
                // the collection and building its indexes.
                let store = self.clone();
                let collection = collection.clone();
                tokio::spawn(async move { store.create_collection_whole(&collection).await })
                    .await
                    .map_err(|e| wxbase_core::StoreError::Backend(Box::new(e)))?
            }

            async fn collection(
                &self,
                name: &wxbase_core::collections::CollectionName,
            ) -> Result<Option<wxbase_core::collections::Collection>, wxbase_core::StoreError> {
                use crate::collections::{catalog, rows};
                use crate::errors::store_error;
                let d: crate::collections::Dialect = $dialect;
                let row: Option<rows::CollectionRow> =
                    sqlx::query_as(&d.shared(catalog::SELECT_COLLECTION))
                        .bind(name.as_str())
                        .fetch_optional(&self.$reader)
                        .await
                        .map_err(store_error)?;
                let Some(row) = row else {
                    return Ok(None);
                };
                let indexes: Vec<(String, String)> =
                    sqlx::query_as(&d.shared(catalog::SELECT_INDEXES))
                        .bind(name.as_str())
                        .fetch_all(&self.$reader)
                        .await
                        .map_err(store_error)?;
                rows::collection_from_row(row, &indexes).map(Some)
            }

            async fn collections(
                &self,
            ) -> Result<Vec<wxbase_core::collections::Collection>, wxbase_core::StoreError> {
                use crate::collections::{catalog, rows};
                use crate::errors::store_error;
                let d: crate::collections::Dialect = $dialect;
                let found: Vec<rows::CollectionRow> =
                    sqlx::query_as(&d.shared(catalog::SELECT_COLLECTIONS))
                        .fetch_all(&self.$reader)
                        .await
                        .map_err(store_error)?;
                let indexes: Vec<(String, String)> =
                    sqlx::query_as(&d.shared(catalog::SELECT_ALL_INDEXES))
                        .fetch_all(&self.$reader)
                        .await
                        .map_err(store_error)?;
                found
                    .into_iter()
                    .map(|row| rows::collection_from_row(row, &indexes))
                    .collect()
            }

            async fn update_collection(
                &self,
                name: &wxbase_core::collections::CollectionName,
                change: &wxbase_core::collections::CollectionChange,
                at: wxbase_core::Timestamp,
            ) -> Result<bool, wxbase_core::StoreError> {
                use crate::collections::catalog;
                use wxbase_core::collections::CollectionChange;
                let d: crate::collections::Dialect = $dialect;
                let (statement, value) = match change {
                    CollectionChange::Permission(mode) => {
                        (catalog::SET_PERMISSION, Some(mode.as_str().to_owned()))
                    }
                    CollectionChange::Schema(schema) => {
                        (catalog::SET_SCHEMA, schema.as_ref().map(|s| s.to_string()))
                    }
                };
                let done = sqlx::query(&d.shared(statement))
                    .bind(name.as_str())
                    .bind(value)
                    .bind(at.as_millis())
                    .execute(&self.$writer)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn create_index(
                &self,
                name: &wxbase_core::collections::CollectionName,
                field: &wxbase_core::collections::FieldPath,
            ) -> Result<bool, wxbase_core::StoreError> {
                self.$create_index(name, field, crate::collections::Statistics::Refresh)
                    .await
            }

            async fn drop_index(
                &self,
                name: &wxbase_core::collections::CollectionName,
                field: &wxbase_core::collections::FieldPath,
            ) -> Result<bool, wxbase_core::StoreError> {
                self.$drop_index(name, field).await
            }

            async fn delete_collection(
                &self,
                name: &wxbase_core::collections::CollectionName,
            ) -> Result<bool, wxbase_core::StoreError> {
                // In a task of its own: a caller that gives up (a client that disconnects)
                // cannot stop it between dropping the indexes and deleting the collection.
                let store = self.clone();
                let name = name.clone();
                tokio::spawn(async move { store.delete_collection_whole(&name).await })
                    .await
                    .map_err(|e| wxbase_core::StoreError::Backend(Box::new(e)))?
            }

            async fn insert_documents(
                &self,
                collection: &wxbase_core::collections::CollectionName,
                documents: &[wxbase_core::collections::NewDocument],
            ) -> Result<bool, wxbase_core::StoreError> {
                use crate::collections::statements;
                use crate::errors::store_error;
                let d: crate::collections::Dialect = $dialect;
                let mut tx = self.$writer.begin().await.map_err(store_error)?;
                for chunk in documents.chunks(statements::INSERT_CHUNK) {
                    let sql = statements::insert(d, collection, chunk);
                    let inserted =
                        crate::collections::sql::bind_values!(sqlx::query(&sql.text), &sql.values)
                            .execute(&mut *tx)
                            .await;
                    match inserted {
                        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
                            return Ok(false)
                        }
                        other => other.map_err(store_error)?,
                    };
                }
                tx.commit().await.map_err(store_error)?;
                Ok(true)
            }

            async fn document(
                &self,
                collection: &wxbase_core::collections::CollectionName,
                id: &wxbase_core::collections::DocumentId,
                scope: &wxbase_core::collections::Scope,
            ) -> Result<Option<wxbase_core::collections::Document>, wxbase_core::StoreError> {
                let row = crate::collections::sql::run!(
                    query,
                    crate::collections::statements::select_one($dialect, collection, id, scope),
                    fetch_optional,
                    &self.$reader
                )?;
                row.as_ref()
                    .map(crate::collections::rows::document_from_row)
                    .transpose()
            }

            async fn update_document(
                &self,
                collection: &wxbase_core::collections::CollectionName,
                id: &wxbase_core::collections::DocumentId,
                scope: &wxbase_core::collections::Scope,
                update: &wxbase_core::collections::DocumentUpdate,
            ) -> Result<Option<wxbase_core::collections::Document>, wxbase_core::StoreError> {
                let row = crate::collections::sql::run!(
                    query,
                    crate::collections::statements::update($dialect, collection, id, scope, update),
                    fetch_optional,
                    &self.$writer
                )?;
                row.as_ref()
                    .map(crate::collections::rows::document_from_row)
                    .transpose()
            }

            async fn delete_document(
                &self,
                collection: &wxbase_core::collections::CollectionName,
                id: &wxbase_core::collections::DocumentId,
                scope: &wxbase_core::collections::Scope,
            ) -> Result<bool, wxbase_core::StoreError> {
                let done = crate::collections::sql::run!(
                    query,
                    crate::collections::statements::delete($dialect, collection, id, scope),
                    execute,
                    &self.$writer
                )?;
                Ok(done.rows_affected() == 1)
            }

            async fn query_documents(
                &self,
                collection: &wxbase_core::collections::CollectionName,
                query: &wxbase_core::collections::Query,
                scope: &wxbase_core::collections::Scope,
            ) -> Result<Vec<wxbase_core::collections::Document>, wxbase_core::StoreError> {
                let found = crate::collections::sql::run!(
                    query,
                    crate::collections::statements::select_page($dialect, collection, query, scope),
                    fetch_all,
                    &self.$reader
                )?;
                found
                    .iter()
                    .map(crate::collections::rows::document_from_row)
                    .collect()
            }

            async fn count_documents(
                &self,
                collection: &wxbase_core::collections::CollectionName,
                filter: &wxbase_core::collections::Condition,
                scope: &wxbase_core::collections::Scope,
            ) -> Result<u64, wxbase_core::StoreError> {
                let count: i64 = crate::collections::sql::run!(
                    query_scalar,
                    crate::collections::statements::count($dialect, collection, filter, scope),
                    fetch_one,
                    &self.$reader
                )?;
                Ok(u64::try_from(count).unwrap_or_default())
            }
        }

        impl $store {
            /// Creates a collection, then each of its indexes as `create_index` adds one to an
            /// existing collection: on PostgreSQL `CONCURRENTLY`, since even on a new
            /// collection a plain `CREATE INDEX` scans all of `documents`, every collection's,
            /// with their writes locked out. If an index cannot be built, the collection is
            /// deleted again and the error returned.
            async fn create_collection_whole(
                &self,
                collection: &wxbase_core::collections::Collection,
            ) -> Result<bool, wxbase_core::StoreError> {
                use crate::collections::catalog;
                use crate::errors::store_error;
                let d: crate::collections::Dialect = $dialect;
                let schema = collection.schema.as_ref().map(|s| s.to_string());
                let done = sqlx::query(&d.shared(catalog::INSERT_COLLECTION))
                    .bind(collection.name.as_str())
                    .bind(collection.permission.as_str())
                    .bind(schema)
                    .bind(collection.created_at.as_millis())
                    .execute(&self.$writer)
                    .await
                    .map_err(store_error)?;
                if done.rows_affected() == 0 {
                    return Ok(false);
                }
                // A new collection has no documents: its indexes need no fresh statistics.
                let keep = crate::collections::Statistics::Keep;
                for field in &collection.indexes {
                    if let Err(error) = self.$create_index(&collection.name, field, keep).await {
                        if let Err(undo) = self.delete_collection_whole(&collection.name).await {
                            tracing::warn!(error = %undo, collection = collection.name.as_str(),
                                "could not delete a collection whose index failed to build");
                        }
                        return Err(error);
                    }
                }
                Ok(true)
            }

            /// Deletes a collection: its indexes first, each as `drop_index` drops one, then
            /// the collection and its documents in one transaction.
            async fn delete_collection_whole(
                &self,
                name: &wxbase_core::collections::CollectionName,
            ) -> Result<bool, wxbase_core::StoreError> {
                use crate::collections::{catalog, statements};
                use crate::errors::store_error;
                let d: crate::collections::Dialect = $dialect;
                // Each index first, as `drop_index` drops one: on PostgreSQL a `DROP INDEX` in
                // the deleting transaction would lock `documents`, every collection's, until
                // the last of this collection's documents was deleted.
                let select_indexes = d.shared(catalog::SELECT_INDEXES);
                let indexed =
                    || sqlx::query_as::<_, (String, String)>(&select_indexes).bind(name.as_str());
                for (_, field) in indexed()
                    .fetch_all(&self.$writer)
                    .await
                    .map_err(store_error)?
                {
                    if let Ok(field) = wxbase_core::collections::FieldPath::parse(&field) {
                        self.$drop_index(name, &field).await?;
                    }
                }
                let mut tx = self.$writer.begin().await.map_err(store_error)?;
                // An index added meanwhile goes in the transaction, the blocking way.
                for (_, field) in indexed().fetch_all(&mut *tx).await.map_err(store_error)? {
                    if let Ok(field) = wxbase_core::collections::FieldPath::parse(&field) {
                        crate::collections::run_ddl!(tx, statements::drop_index(d, name, &field));
                    }
                }
                let done = sqlx::query(&d.shared(catalog::DELETE_COLLECTION))
                    .bind(name.as_str())
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                tx.commit().await.map_err(store_error)?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use collection_queries;
