//! Applies PostgreSQL's migrations under an advisory lock, so instances starting together
//! apply each migration exactly once.

use sqlx::PgPool;
use wxbase_core::{StoreError, Timestamp};

use crate::errors::store_error;
use crate::migrations::POSTGRES;

/// Advisory lock key for migrations ("wxbase" in ASCII).
const MIGRATION_LOCK: i64 = 0x7778_6261_7365;

/// Applies every migration not yet recorded in `wxbase_migrations`, in one transaction.
pub async fn apply(pool: &PgPool) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(store_error)?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS wxbase_migrations (
             version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await
    .map_err(store_error)?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM wxbase_migrations")
        .fetch_all(&mut *tx)
        .await
        .map_err(store_error)?;
    for migration in POSTGRES.iter().filter(|m| !applied.contains(&m.version)) {
        sqlx::raw_sql(migration.sql)
            .execute(&mut *tx)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO wxbase_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(Timestamp::now().as_millis())
        .execute(&mut *tx)
        .await
        .map_err(store_error)?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied PostgreSQL migration"
        );
    }
    tx.commit().await.map_err(store_error)
}
