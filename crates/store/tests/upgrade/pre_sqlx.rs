//! The pre-sqlx migration layout: how wxbase made and migrated databases before it used sqlx's
//! migrator, kept to make such databases in tests. A faithful copy of `src/migrations.rs`,
//! `src/sqlite/migrate.rs` and `src/postgres/migrate.rs` at commit bd03ee0 (the runners'
//! `StoreError` mapping left out): migrations 1 to 8, applied in order, each recorded in
//! `wxbase_migrations (version, name, applied_at)` with `applied_at` in Unix milliseconds; all of
//! a run in one transaction, on SQLite `BEGIN IMMEDIATE`, on PostgreSQL under
//! `pg_advisory_xact_lock(0x7778_6261_7365)`. Do not change it to follow newer migrations.

use sqlx::{PgPool, SqlitePool};
use wxbase_core::Timestamp;

/// One migration.
pub struct Migration {
    /// Its number; applied in ascending order.
    pub version: i64,
    /// A short name, recorded with it.
    pub name: &'static str,
    /// The SQL, possibly several statements.
    pub sql: &'static str,
}

/// SQLite's migrations.
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "users_and_sessions",
        sql: include_str!("../../migrations/sqlite/0001_users_and_sessions.sql"),
    },
    Migration {
        version: 2,
        name: "tokens_and_profiles",
        sql: include_str!("../../migrations/sqlite/0002_tokens_and_profiles.sql"),
    },
    Migration {
        version: 3,
        name: "messages",
        sql: include_str!("../../migrations/sqlite/0003_messages.sql"),
    },
    Migration {
        version: 4,
        name: "collections",
        sql: include_str!("../../migrations/sqlite/0004_collections.sql"),
    },
    Migration {
        version: 5,
        name: "official_account",
        sql: include_str!("../../migrations/sqlite/0005_official_account.sql"),
    },
    Migration {
        version: 6,
        name: "outbox_order",
        sql: include_str!("../../migrations/sqlite/0006_outbox_order.sql"),
    },
    Migration {
        version: 7,
        name: "unused_unionid_index",
        sql: include_str!("../../migrations/sqlite/0007_unused_unionid_index.sql"),
    },
    Migration {
        version: 8,
        name: "sync_resume",
        sql: include_str!("../../migrations/sqlite/0008_sync_resume.sql"),
    },
];

/// PostgreSQL's migrations.
pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "users_and_sessions",
        sql: include_str!("../../migrations/postgres/0001_users_and_sessions.sql"),
    },
    Migration {
        version: 2,
        name: "tokens_and_profiles",
        sql: include_str!("../../migrations/postgres/0002_tokens_and_profiles.sql"),
    },
    Migration {
        version: 3,
        name: "messages",
        sql: include_str!("../../migrations/postgres/0003_messages.sql"),
    },
    Migration {
        version: 4,
        name: "collections",
        sql: include_str!("../../migrations/postgres/0004_collections.sql"),
    },
    Migration {
        version: 5,
        name: "official_account",
        sql: include_str!("../../migrations/postgres/0005_official_account.sql"),
    },
    Migration {
        version: 6,
        name: "outbox_order",
        sql: include_str!("../../migrations/postgres/0006_outbox_order.sql"),
    },
    Migration {
        version: 7,
        name: "unused_unionid_index",
        sql: include_str!("../../migrations/postgres/0007_unused_unionid_index.sql"),
    },
    Migration {
        version: 8,
        name: "sync_resume",
        sql: include_str!("../../migrations/postgres/0008_sync_resume.sql"),
    },
];

// The SQLite runner.

/// Applies every migration not yet recorded in `wxbase_migrations`.
pub async fn apply_sqlite(pool: &SqlitePool, migrations: &[Migration]) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS wxbase_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    sqlx::raw_sql("BEGIN IMMEDIATE").execute(&mut *conn).await?;
    let result = apply_pending(&mut conn, migrations).await;
    let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
    sqlx::raw_sql(end).execute(&mut *conn).await?;
    result
}

async fn apply_pending(
    conn: &mut sqlx::SqliteConnection,
    migrations: &[Migration],
) -> Result<(), sqlx::Error> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM wxbase_migrations")
        .fetch_all(&mut *conn)
        .await?;
    for migration in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        sqlx::raw_sql(migration.sql).execute(&mut *conn).await?;
        sqlx::query(
            "INSERT INTO wxbase_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(Timestamp::now().as_millis())
        .execute(&mut *conn)
        .await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied SQLite migration"
        );
    }
    Ok(())
}

// The PostgreSQL runner.

/// Advisory lock key for migrations ("wxbase" in ASCII).
const MIGRATION_LOCK: i64 = 0x7778_6261_7365;

/// Applies every migration not yet recorded in `wxbase_migrations`, in one transaction.
pub async fn apply_postgres(pool: &PgPool, migrations: &[Migration]) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS wxbase_migrations (
             version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(&mut *tx)
    .await?;
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM wxbase_migrations")
        .fetch_all(&mut *tx)
        .await?;
    for migration in migrations.iter().filter(|m| !applied.contains(&m.version)) {
        sqlx::raw_sql(migration.sql).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO wxbase_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(Timestamp::now().as_millis())
        .execute(&mut *tx)
        .await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied PostgreSQL migration"
        );
    }
    tx.commit().await
}
