//! `wxbase backup --output FILE` (a consistent archive of a running SQLite deployment: the
//! database and the local files) and `wxbase restore FILE` (into an empty data directory).

use anyhow::Context;
use wxbase_core::backup::{self, BackupError, BackupService};
use wxbase_core::files::StorageSettings;
use wxbase_core::{Config, DatabaseUrl};

use crate::args::{BackupArgs, RestoreArgs};
use crate::database;

/// The SQLite file of `config`; PostgreSQL is refused with the pointer to `pg_dump`.
fn sqlite_file(config: &Config) -> anyhow::Result<&std::path::Path> {
    match &config.database {
        DatabaseUrl::Sqlite(path) => Ok(path),
        DatabaseUrl::Postgres(_) => Err(BackupError::Unsupported.into()),
    }
}

/// `wxbase backup`.
pub async fn backup(args: BackupArgs) -> anyhow::Result<()> {
    let config = args.config.load()?;
    sqlite_file(&config)?;
    let store = database::open(&config).await?;
    let service = BackupService::new(store.clone(), &config.data_dir, &config.files, 1);
    let written = service.write_archive(&args.output).await;
    store.close().await;
    let bytes =
        written.with_context(|| format!("cannot back up into {}", args.output.display()))?;
    println!(
        "backup written to {} ({bytes} bytes)",
        args.output.display()
    );
    Ok(())
}

/// `wxbase restore`.
pub async fn restore(args: RestoreArgs) -> anyhow::Result<()> {
    let config = args.config.load()?;
    let database = sqlite_file(&config)?;
    let files_dir = match &config.files.storage {
        StorageSettings::Local(dir) => Some(dir.as_path()),
        StorageSettings::S3(_) => None,
    };
    let restored = backup::restore(&args.archive, &config.data_dir, database, files_dir)
        .with_context(|| format!("cannot restore {}", args.archive.display()))?;
    println!(
        "restored {} into {} ({} files); start wxbase on it",
        args.archive.display(),
        config.data_dir.display(),
        restored.files
    );
    Ok(())
}
