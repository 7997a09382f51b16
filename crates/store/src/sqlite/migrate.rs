//! Applies SQLite's migrations inside one immediate transaction.

use sqlx::SqlitePool;
use wxbase_core::{StoreError, Timestamp};

use crate::errors::store_error;
use crate::migrations::SQLITE;

/// Applies every migration not yet recorded in `wxbase_migrations`.
pub async fn apply(pool: &SqlitePool) -> Result<(), StoreError> {
    let mut conn = pool.acquire().await.map_err(store_error)?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS wxbase_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )
    .execute(&mut *conn)
    .await
    .map_err(store_error)?;
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    let result = apply_pending(&mut conn).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    sqlx::raw_sql(end)
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
    result
}

async fn apply_pending(conn: &mut sqlx::SqliteConnection) -> Result<(), StoreError> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM wxbase_migrations")
        .fetch_all(&mut *conn)
        .await
        .map_err(store_error)?;
    for migration in SQLITE.iter().filter(|m| !applied.contains(&m.version)) {
        sqlx::raw_sql(migration.sql)
            .execute(&mut *conn)
            .await
            .map_err(store_error)?;
        sqlx::query(
            "INSERT INTO wxbase_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(Timestamp::now().as_millis())
        .execute(&mut *conn)
        .await
        .map_err(store_error)?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied SQLite migration"
        );
    }
    Ok(())
}
