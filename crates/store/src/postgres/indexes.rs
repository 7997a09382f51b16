//! Indexing a field of an existing collection on PostgreSQL without blocking writes.
//!
//! A plain `CREATE INDEX` locks `documents` against writes, in every collection, until the
//! index is built: minutes on a large table. `CREATE INDEX CONCURRENTLY` lets writes go on, but
//! it cannot run in a transaction, and a build that fails leaves an invalid index behind. So
//! the index is first recorded in the catalog (one statement: of two admins adding the same
//! index, one wins), then built concurrently; if the build fails, what it left and the catalog
//! row are removed again and the error is returned.

use wxbase_core::collections::{CollectionName, FieldPath};
use wxbase_core::{StoreError, Timestamp};

use super::PostgresStore;
use crate::collections::{catalog, statements, Dialect};
use crate::errors::store_error;

impl PostgresStore {
    /// Records and builds the index; `false` if the field was indexed already.
    pub(super) async fn create_index_concurrently(
        &self,
        collection: &CollectionName,
        field: &FieldPath,
    ) -> Result<bool, StoreError> {
        let recorded = sqlx::query(&Dialect::Postgres.shared(catalog::INSERT_INDEX))
            .bind(collection.as_str())
            .bind(field.as_str())
            .bind(Timestamp::now().as_millis())
            .execute(&self.pool)
            .await
            .map_err(store_error)?;
        if recorded.rows_affected() == 0 {
            return Ok(false);
        }
        if let Err(error) = self.build_concurrently(collection, field).await {
            self.forget_failed_index(collection, field).await;
            return Err(error);
        }
        Ok(true)
    }

    async fn build_concurrently(
        &self,
        collection: &CollectionName,
        field: &FieldPath,
    ) -> Result<(), StoreError> {
        let ddl = statements::create_index_concurrently(collection, field);
        for statement in ddl.iter().map(String::as_str).chain([statements::ANALYZE]) {
            sqlx::query(statement)
                .persistent(false)
                .execute(&self.pool)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    /// Best effort: drops what a failed build left and the catalog row, so that adding the
    /// index again starts afresh. A failure here is logged; the build's error is what matters.
    async fn forget_failed_index(&self, collection: &CollectionName, field: &FieldPath) {
        let cleanup = statements::drop_index(Dialect::Postgres, collection, field);
        for statement in &cleanup {
            if let Err(error) = sqlx::query(statement)
                .persistent(false)
                .execute(&self.pool)
                .await
            {
                tracing::warn!(%error, collection = collection.as_str(), field = field.as_str(),
                    "could not drop what a failed index build left");
            }
        }
        let forgotten = sqlx::query(&Dialect::Postgres.shared(catalog::DELETE_INDEX))
            .bind(collection.as_str())
            .bind(field.as_str())
            .execute(&self.pool)
            .await;
        if let Err(error) = forgotten {
            tracing::warn!(%error, collection = collection.as_str(), field = field.as_str(),
                "could not forget a failed index in the catalog");
        }
    }
}
