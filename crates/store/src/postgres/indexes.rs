//! Adding and dropping a field index of an existing collection on PostgreSQL without blocking
//! writes.
//!
//! A plain `CREATE INDEX` locks `documents` against writes, in every collection, until the
//! index is built: minutes on a large table. `CREATE INDEX CONCURRENTLY` lets writes go on, but
//! it cannot run in a transaction, and a build that dies leaves an invalid index behind. So:
//! - Every change to one index runs on its own connection holding a session advisory lock
//!   named after the index: two admins never build or drop the same index at once, and the
//!   lock goes with the connection if the process dies.
//! - The build runs in its own task, so a caller that gives up (a client that disconnects)
//!   cannot stop it halfway.
//! - The catalog row is written first. If the build fails, what it left and the catalog row
//!   are removed again. If a process died mid-build, the catalog row has no valid index: adding
//!   the index again rebuilds it.

use sqlx::{PgConnection, PgPool, Postgres};
use wxbase_core::collections::{index_name, CollectionName, FieldPath};
use wxbase_core::{StoreError, Timestamp};

use super::PostgresStore;
use crate::collections::queries::{in_own_task, CollectionIndexes};
use crate::collections::{catalog, statements, Statistics};
use crate::errors::SqlxResultExt;
use crate::sql::Dialect;

impl CollectionIndexes for PostgresStore {
    type DB = Postgres;

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// Records and builds the index, then refreshes the planner's statistics if asked;
    /// `false` if the field was indexed already (or another admin is building it right now).
    async fn add_field_index(
        &self,
        collection: &CollectionName,
        field: &FieldPath,
        statistics: Statistics,
    ) -> Result<bool, StoreError> {
        let store = self.clone();
        let (collection, field) = (collection.clone(), field.clone());
        in_own_task(async move {
            let mut conn = store.index_connection(&collection, &field, false).await?;
            let Some(conn) = conn.as_mut() else {
                return Ok(false);
            };
            let built = create_on(conn, &collection, &field, statistics).await;
            release(conn).await;
            built
        })
        .await
    }

    /// Forgets and drops the index, after any build of it finished; `false` if the field was
    /// not indexed.
    async fn drop_field_index(
        &self,
        collection: &CollectionName,
        field: &FieldPath,
    ) -> Result<bool, StoreError> {
        let mut conn = self.index_connection(collection, field, true).await?;
        let Some(conn) = conn.as_mut() else {
            return Ok(false);
        };
        let dropped = drop_on(conn, collection, field).await;
        release(conn).await;
        dropped
    }
}

impl PostgresStore {
    /// A connection of its own holding the index's advisory lock: waiting for it if `wait`,
    /// `None` if another connection holds it and not `wait`. The connection is taken out of the
    /// pool and closed when dropped, which releases the lock whatever happened.
    async fn index_connection(
        &self,
        collection: &CollectionName,
        field: &FieldPath,
        wait: bool,
    ) -> Result<Option<PgConnection>, StoreError> {
        let mut conn = self.pool.acquire().await.or_store_error()?.detach();
        let name = index_name(collection, field);
        let locked = if wait {
            sqlx::query(&format!("SELECT pg_advisory_lock({LOCK_KEY})"))
                .bind(&name)
                .execute(&mut conn)
                .await
                .or_store_error()?;
            true
        } else {
            sqlx::query_scalar(&format!("SELECT pg_try_advisory_lock({LOCK_KEY})"))
                .bind(&name)
                .fetch_one(&mut conn)
                .await
                .or_store_error()?
        };
        if locked {
            Ok(Some(conn))
        } else {
            release(&mut conn).await;
            Ok(None)
        }
    }
}

async fn create_on(
    conn: &mut PgConnection,
    collection: &CollectionName,
    field: &FieldPath,
    statistics: Statistics,
) -> Result<bool, StoreError> {
    let recorded = sqlx::query(&Dialect::Postgres.shared(catalog::INSERT_INDEX))
        .bind(collection.as_str())
        .bind(field.as_str())
        .bind(Timestamp::now().as_millis())
        .execute(&mut *conn)
        .await
        .or_store_error()?;
    if recorded.rows_affected() == 0 && index_is_valid(conn, collection, field).await? {
        return Ok(false);
    }
    if let Err(error) = build(conn, collection, field, statistics).await {
        forget_failed(conn, collection, field).await;
        return Err(error);
    }
    Ok(true)
}

async fn drop_on(
    conn: &mut PgConnection,
    collection: &CollectionName,
    field: &FieldPath,
) -> Result<bool, StoreError> {
    let forgotten = sqlx::query(&Dialect::Postgres.shared(catalog::DELETE_INDEX))
        .bind(collection.as_str())
        .bind(field.as_str())
        .execute(&mut *conn)
        .await
        .or_store_error()?;
    if forgotten.rows_affected() == 0 {
        return Ok(false);
    }
    for statement in statements::drop_index_concurrently(collection, field) {
        sqlx::query(&statement)
            .persistent(false)
            .execute(&mut *conn)
            .await
            .or_store_error()?;
    }
    Ok(true)
}

async fn build(
    conn: &mut PgConnection,
    collection: &CollectionName,
    field: &FieldPath,
    statistics: Statistics,
) -> Result<(), StoreError> {
    let ddl = statements::create_index_concurrently(collection, field);
    let analyze = (statistics == Statistics::Refresh).then_some(statements::ANALYZE);
    for statement in ddl.iter().map(String::as_str).chain(analyze) {
        sqlx::query(statement)
            .persistent(false)
            .execute(&mut *conn)
            .await
            .or_store_error()?;
    }
    Ok(())
}

/// Whether the index exists and a build of it completed.
async fn index_is_valid(
    conn: &mut PgConnection,
    collection: &CollectionName,
    field: &FieldPath,
) -> Result<bool, StoreError> {
    let valid: Option<bool> = sqlx::query_scalar(
        "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace",
    )
    .bind(index_name(collection, field))
    .fetch_optional(&mut *conn)
    .await
    .or_store_error()?;
    Ok(valid == Some(true))
}

/// Best effort: drops what a failed build left and the catalog row, so that adding the index
/// again starts afresh. A failure here is logged; the build's error is what matters.
async fn forget_failed(conn: &mut PgConnection, collection: &CollectionName, field: &FieldPath) {
    for statement in statements::drop_index_concurrently(collection, field) {
        if let Err(error) = sqlx::query(&statement)
            .persistent(false)
            .execute(&mut *conn)
            .await
        {
            tracing::warn!(%error, collection = collection.as_str(), field = field.as_str(),
                "could not drop what a failed index build left");
        }
    }
    let forgotten = sqlx::query(&Dialect::Postgres.shared(catalog::DELETE_INDEX))
        .bind(collection.as_str())
        .bind(field.as_str())
        .execute(&mut *conn)
        .await;
    if let Err(error) = forgotten {
        tracing::warn!(%error, collection = collection.as_str(), field = field.as_str(),
            "could not forget a failed index in the catalog");
    }
}

/// The advisory lock of one index ($1: its name). Advisory locks are shared by the whole
/// database, so the key hashes the schema too: two deployments in one database, each in its
/// own schema, never wait for each other's index of the same name.
/// (`current_schema()` is NULL only when no schema on the search path exists; the index could
/// not be built then anyway, but the lock must still be a lock.)
const LOCK_KEY: &str = "hashtextextended(coalesce(current_schema(), '') || '.' || $1, 0)";

/// Releases the index's advisory lock before the connection (out of the pool) is dropped;
/// dropping it ends the session, which releases the lock anyway.
async fn release(conn: &mut PgConnection) {
    if let Err(error) = sqlx::query("SELECT pg_advisory_unlock_all()")
        .execute(&mut *conn)
        .await
    {
        tracing::debug!(%error, "could not release an index lock; closing its connection does");
    }
}
