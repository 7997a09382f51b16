//! Applies SQLite's migrations with sqlx's migrator, inside one `BEGIN IMMEDIATE` transaction:
//! the write lock is taken before anything is read, so processes opening the file together
//! take turns (each waits up to the busy timeout), and a failure leaves the file as it was. A
//! file made before sqlx is adopted in the same transaction (see [`crate::migrations`]).
//!
//! sqlx's SQLite migrator takes no lock of its own (without this transaction, a second process
//! fails with "database is locked" halfway through) and runs each migration in a transaction,
//! here a savepoint inside this one. A file whose `_sqlx_migrations` already lists every
//! migration is only read (two queries, no write lock).

use sqlx::migrate::Migrate;
use sqlx::{Connection, SqliteConnection, SqlitePool};
use wxbase_core::StoreError;

use crate::migrations::{Applied, Migrations, PRE_SQLX_TABLE};

/// Applies every migration not yet recorded in `_sqlx_migrations`, adopting a pre-sqlx file
/// first. An up-to-date file is only read.
pub async fn apply(pool: &SqlitePool) -> Result<(), StoreError> {
    let migrations = Migrations::sqlite().await?;
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| migrations.error(e.into()))?;
    let applied = applied(&mut conn)
        .await
        .map_err(|e| migrations.error(e.into()))?;
    if migrations.up_to_date(applied.as_deref()) {
        return Ok(());
    }
    let mut tx = conn
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(|e| migrations.error(e.into()))?;
    adopt_pre_sqlx(&mut tx, &migrations).await?;
    migrations
        .migrator
        .run(&mut *tx)
        .await
        .map_err(|e| migrations.error(e))?;
    tx.commit().await.map_err(|e| migrations.error(e.into()))
}

/// The rows of `_sqlx_migrations`, or `None` if there is no such table.
async fn applied(conn: &mut SqliteConnection) -> Result<Option<Vec<Applied>>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master
                        WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(&mut *conn)
    .await?;
    if !exists {
        return Ok(None);
    }
    sqlx::query_as("SELECT version, checksum, success FROM _sqlx_migrations")
        .fetch_all(&mut *conn)
        .await
        .map(Some)
}

/// Records the migrations of `wxbase_migrations` in `_sqlx_migrations` if the file has the
/// first and nothing in the second. Runs inside the caller's transaction.
async fn adopt_pre_sqlx(
    conn: &mut SqliteConnection,
    migrations: &Migrations,
) -> Result<(), StoreError> {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master
         WHERE type = 'table' AND name IN ('wxbase_migrations', '_sqlx_migrations')",
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(|e| migrations.adoption_error(e))?;
    if !tables.iter().any(|t| t == PRE_SQLX_TABLE) {
        return Ok(());
    }
    if tables.iter().any(|t| t == "_sqlx_migrations") {
        let recorded: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM _sqlx_migrations)")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| migrations.adoption_error(e))?;
        if recorded {
            return Ok(());
        }
    }
    let rows: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT version, name, applied_at FROM wxbase_migrations ORDER BY version")
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| migrations.adoption_error(e))?;
    let adopted = migrations.adoption(&rows)?;
    conn.ensure_migrations_table()
        .await
        .map_err(|e| migrations.error(e))?;
    for row in &adopted {
        sqlx::query(
            "INSERT INTO _sqlx_migrations
                 (version, description, installed_on, success, checksum, execution_time)
             VALUES (?1, ?2, datetime(?3 / 1000, 'unixepoch'), TRUE, ?4, -1)",
        )
        .bind(row.version)
        .bind(row.description)
        .bind(row.applied_at)
        .bind(row.checksum)
        .execute(&mut *conn)
        .await
        .map_err(|e| migrations.adoption_error(e))?;
    }
    tracing::info!(
        migrations = adopted.len(),
        "SQLite: recorded the migrations of wxbase_migrations in _sqlx_migrations"
    );
    Ok(())
}
