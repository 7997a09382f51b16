//! Opens the configured store: the one place that names both backends.

use std::sync::Arc;

use anyhow::Context;
use wxbase_core::{Config, DatabaseUrl, Store};
use wxbase_store::{PostgresStore, SqliteStore};

use crate::args::ConfigArgs;

/// Opens the database of `config` and applies pending migrations.
pub async fn open(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    Ok(match &config.database {
        DatabaseUrl::Sqlite(path) => Arc::new(
            SqliteStore::open(path, config.database_max_connections)
                .await
                .with_context(|| format!("cannot open the SQLite database {}", path.display()))?,
        ),
        DatabaseUrl::Postgres(url) => Arc::new(
            PostgresStore::connect(url, config.database_max_connections)
                .await
                .context("cannot connect to the PostgreSQL database (database.url)")?,
        ),
    })
}

/// A short description of the database for the start-up banner (no credentials).
pub fn describe(config: &Config) -> String {
    match &config.database {
        DatabaseUrl::Sqlite(path) => format!("SQLite {}", path.display()),
        DatabaseUrl::Postgres(_) => "PostgreSQL".to_owned(),
    }
}

/// `wxbase migrate`.
pub async fn migrate(args: ConfigArgs) -> anyhow::Result<()> {
    let config = args.load()?;
    let store = open(&config).await?;
    store.close().await;
    println!("database is up to date ({})", describe(&config));
    Ok(())
}
