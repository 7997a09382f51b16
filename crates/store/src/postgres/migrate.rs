//! Applies PostgreSQL's migrations with sqlx's migrator, one instance at a time.
//!
//! A database whose `_sqlx_migrations` already lists every migration is only read (two
//! queries, no lock). Otherwise two session advisory locks are held on one connection: first
//! the key wxbase used before sqlx (so an older wxbase starting at the same moment waits, and
//! so does a newer one while it adopts a pre-sqlx database, see [`crate::migrations`]), then,
//! inside the migrator, sqlx's own per-database key. The pending migrations run in one
//! transaction, as before sqlx: all or none, and one commit (sqlx's own way commits twice per
//! migration, which made creating a fresh database markedly slower). If one of
//! them begins with `-- no-transaction` (`CREATE INDEX CONCURRENTLY`, say), sqlx runs each in
//! its own transaction instead, and that one in none. A failed run closes its connection,
//! which releases both locks (sqlx does not unlock after an error).

use sqlx::migrate::Migrate;
use sqlx::pool::PoolConnection;
use sqlx::{Connection, PgConnection, PgPool, Postgres};
use wxbase_core::StoreError;

use crate::migrations::{Applied, Migrations};

/// The advisory lock key wxbase's migrations took before sqlx ("wxbase" in ASCII).
const PRE_SQLX_LOCK: i64 = 0x7778_6261_7365;

/// Applies every migration not yet recorded in `_sqlx_migrations`, adopting a pre-sqlx
/// database first. An up-to-date database is only read, without a lock.
pub async fn apply(pool: &PgPool) -> Result<(), StoreError> {
    let migrations = Migrations::postgres().await?;
    let mut conn: PoolConnection<Postgres> = pool
        .acquire()
        .await
        .map_err(|e| migrations.error(e.into()))?;
    let applied = applied(&mut conn)
        .await
        .map_err(|e| migrations.error(e.into()))?;
    if migrations.up_to_date(applied.as_deref()) {
        return Ok(());
    }
    let own_transactions = migrations.pending_need_own_transactions(applied.as_deref());
    match apply_locked(&mut conn, &migrations, own_transactions).await {
        Ok(()) => Ok(()),
        Err(error) => {
            // Its session may still hold the locks; closing it releases them.
            let _ = conn.close().await;
            Err(error)
        }
    }
}

/// The rows of `_sqlx_migrations`, or `None` if there is no such table.
async fn applied(conn: &mut PgConnection) -> Result<Option<Vec<Applied>>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL")
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

/// Adopts and migrates under the locks. All pending migrations run in one transaction unless
/// `own_transactions` (one of them is `-- no-transaction`).
async fn apply_locked(
    conn: &mut PgConnection,
    migrations: &Migrations,
    own_transactions: bool,
) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(PRE_SQLX_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(|e| migrations.error(e.into()))?;
    adopt_pre_sqlx(conn, migrations).await?;
    if own_transactions {
        migrations
            .migrator
            .run(&mut *conn)
            .await
            .map_err(|e| migrations.error(e))?;
    } else {
        let mut tx = conn.begin().await.map_err(|e| migrations.error(e.into()))?;
        migrations
            .migrator
            .run(&mut *tx)
            .await
            .map_err(|e| migrations.error(e))?;
        tx.commit().await.map_err(|e| migrations.error(e.into()))?;
    }
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(PRE_SQLX_LOCK)
        .execute(&mut *conn)
        .await
        .map_err(|e| migrations.error(e.into()))?;
    Ok(())
}

/// Records the migrations of `wxbase_migrations` in `_sqlx_migrations`, in one transaction, if
/// the database has the first and nothing in the second. The caller holds the lock.
async fn adopt_pre_sqlx(
    conn: &mut PgConnection,
    migrations: &Migrations,
) -> Result<(), StoreError> {
    let (pre_sqlx, sqlx_table): (bool, bool) = sqlx::query_as(
        "SELECT to_regclass('wxbase_migrations') IS NOT NULL,
                to_regclass('_sqlx_migrations') IS NOT NULL",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|e| migrations.adoption_error(e))?;
    if !pre_sqlx {
        return Ok(());
    }
    if sqlx_table {
        let recorded: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM _sqlx_migrations)")
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| migrations.adoption_error(e))?;
        if recorded {
            return Ok(());
        }
    }
    let mut tx = conn
        .begin()
        .await
        .map_err(|e| migrations.adoption_error(e))?;
    let rows: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT version, name, applied_at FROM wxbase_migrations ORDER BY version")
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| migrations.adoption_error(e))?;
    let adopted = migrations.adoption(&rows)?;
    tx.ensure_migrations_table()
        .await
        .map_err(|e| migrations.error(e))?;
    for row in &adopted {
        sqlx::query(
            "INSERT INTO _sqlx_migrations
                 (version, description, installed_on, success, checksum, execution_time)
             VALUES ($1, $2, to_timestamp($3::double precision / 1000), TRUE, $4, -1)",
        )
        .bind(row.version)
        .bind(row.description)
        .bind(row.applied_at)
        .bind(row.checksum)
        .execute(&mut *tx)
        .await
        .map_err(|e| migrations.adoption_error(e))?;
    }
    tx.commit()
        .await
        .map_err(|e| migrations.adoption_error(e))?;
    tracing::info!(
        migrations = adopted.len(),
        "PostgreSQL: recorded the migrations of wxbase_migrations in _sqlx_migrations"
    );
    Ok(())
}
