//! Schema migrations: the numbered SQL files under `migrations/sqlite/` and
//! `migrations/postgres/`, embedded at build time (`build.rs` lists them) and applied by sqlx's
//! [`Migrator`], which records each in `_sqlx_migrations` with a checksum of its SQL. A
//! migration file must therefore never change once released; a new one is a new file.
//!
//! Databases made before wxbase used sqlx's migrator record their migrations in
//! `wxbase_migrations` instead. Opening one *adopts* it first: the versions recorded there are
//! written to `_sqlx_migrations` with the checksums sqlx computes for the same files, all in one
//! transaction, so the migrator then applies only newer ones. `wxbase_migrations` is kept as it
//! was (nothing writes it any more).
//!
//! A database whose `_sqlx_migrations` lists every migration of this build with its checksum
//! is up to date: opening it only reads that table. Versions this build does not know (a newer
//! wxbase applied them) are ignored, as before sqlx, so an older instance still starts during a
//! rolling upgrade. The backends' `migrate` modules take the locks and run the statements; this
//! module holds what they share: the embedded lists, the [`Migrator`], the checks and the
//! errors, each naming the migration's version and description.

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, MigrationType, Migrator};
use wxbase_core::store::BoxError;
use wxbase_core::StoreError;

use crate::errors::store_error;

/// One migration file, as `build.rs` embedded it.
#[derive(Debug)]
pub struct EmbeddedMigration {
    /// From the file name, before the first `_`.
    pub version: i64,
    /// From the rest of the file name, as sqlx derives it (`_` as spaces).
    pub description: &'static str,
    /// The file's text.
    pub sql: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

/// The table where wxbase recorded applied migrations before it used sqlx's migrator.
pub const PRE_SQLX_TABLE: &str = "wxbase_migrations";

/// A row of `_sqlx_migrations`: version, checksum, success.
pub type Applied = (i64, Vec<u8>, bool);

/// One backend's migrations, ready to run.
pub struct Migrations {
    backend: &'static str,
    /// sqlx's migrator over the embedded files.
    pub migrator: Migrator,
}

impl Migrations {
    /// SQLite's.
    pub async fn sqlite() -> Result<Self, StoreError> {
        Self::load("SQLite", SQLITE).await
    }

    /// PostgreSQL's.
    pub async fn postgres() -> Result<Self, StoreError> {
        Self::load("PostgreSQL", POSTGRES).await
    }

    async fn load(
        backend: &'static str,
        files: &'static [EmbeddedMigration],
    ) -> Result<Self, StoreError> {
        let mut migrator = Migrator::new(Embedded(files)).await.map_err(|error| {
            failure(
                format!("reading the embedded {backend} migrations failed"),
                error,
            )
        })?;
        // Versions a newer wxbase applied are left alone, as before sqlx: an older instance
        // keeps working during a rolling upgrade or after a rollback.
        migrator.set_ignore_missing(true);
        Ok(Self { backend, migrator })
    }

    /// Whether `applied` (the rows of `_sqlx_migrations`, if it exists) records every
    /// migration of this build as applied with its checksum. The migrator would then do nothing,
    /// so opening an up-to-date database reads that table and takes no lock. Anything else, even
    /// a mismatch the migrator will refuse, takes the full way.
    pub fn up_to_date(&self, applied: Option<&[Applied]>) -> bool {
        let Some(applied) = applied else {
            return false;
        };
        applied.iter().all(|(_, _, success)| *success)
            && self.migrator.iter().all(|migration| {
                applied.iter().any(|(version, checksum, _)| {
                    *version == migration.version && *checksum == *migration.checksum
                })
            })
    }

    /// Whether a migration missing from `applied` is marked `-- no-transaction`: then each
    /// migration runs in its own transaction (as sqlx does by default), otherwise all of them in
    /// one, with one commit instead of two per migration.
    pub fn pending_need_own_transactions(&self, applied: Option<&[Applied]>) -> bool {
        let applied = applied.unwrap_or_default();
        self.migrator.iter().any(|migration| {
            migration.no_tx
                && !applied
                    .iter()
                    .any(|(version, ..)| *version == migration.version)
        })
    }

    /// The description of migration `version`, or "unknown".
    fn description(&self, version: i64) -> &str {
        self.migrator
            .iter()
            .find(|m| m.version == version)
            .map_or("unknown", |m| &m.description)
    }

    /// `error` from running the migrator, saying which migration failed and how.
    pub fn error(&self, error: MigrateError) -> StoreError {
        let backend = self.backend;
        match error {
            MigrateError::ExecuteMigration(error, version) => with_context(
                error,
                format!(
                    "{backend} migration {version} ({}) failed",
                    self.description(version)
                ),
            ),
            MigrateError::Execute(error) => {
                with_context(error, format!("running the {backend} migrations failed"))
            }
            MigrateError::VersionMismatch(version) => failure(
                format!(
                    "{backend} migration {version} ({}) was applied with other SQL than this \
                     build's file: a released migration must never change",
                    self.description(version)
                ),
                error,
            ),
            other => failure(format!("running the {backend} migrations failed"), other),
        }
    }

    /// `error` from a statement of the adoption of a pre-sqlx database.
    pub fn adoption_error(&self, error: sqlx::Error) -> StoreError {
        with_context(
            error,
            format!(
                "recording the {} migrations of {PRE_SQLX_TABLE} in _sqlx_migrations failed",
                self.backend
            ),
        )
    }

    /// What to write to `_sqlx_migrations` for the rows of `wxbase_migrations` (version, name,
    /// applied_at): each version's description and checksum from this build's files. A
    /// version this build does not have, or has under another name, is an error: sqlx could
    /// not validate it, and applying this build's file of that number would be wrong.
    pub fn adoption<'a>(
        &'a self,
        recorded: &[(i64, String, i64)],
    ) -> Result<Vec<Adopted<'a>>, StoreError> {
        recorded
            .iter()
            .map(|(version, name, applied_at)| {
                let Some(migration) = self.migrator.iter().find(|m| m.version == *version) else {
                    return Err(message(format!(
                        "{PRE_SQLX_TABLE} records {} migration {version} ({name}), which this \
                         build does not have: the database was migrated by another wxbase build",
                        self.backend
                    )));
                };
                if name.replace('_', " ") != migration.description {
                    return Err(message(format!(
                        "{PRE_SQLX_TABLE} records {} migration {version} as {name}, but this \
                         build's migration {version} is {}",
                        self.backend, migration.description
                    )));
                }
                Ok(Adopted {
                    version: *version,
                    description: &migration.description,
                    checksum: &migration.checksum,
                    applied_at: *applied_at,
                })
            })
            .collect()
    }
}

/// A row for `_sqlx_migrations` recording a migration the pre-sqlx runner applied.
pub struct Adopted<'a> {
    /// Its version.
    pub version: i64,
    /// sqlx's description of it.
    pub description: &'a str,
    /// The SHA-384 of its SQL, as sqlx computes it.
    pub checksum: &'a [u8],
    /// When it was applied, Unix milliseconds (from `wxbase_migrations`).
    pub applied_at: i64,
}

/// The embedded files as a source for [`Migrator::new`].
#[derive(Debug)]
struct Embedded(&'static [EmbeddedMigration]);

impl MigrationSource<'static> for Embedded {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 'static>> {
        let migrations = self
            .0
            .iter()
            .map(|file| {
                Migration::new(
                    file.version,
                    Cow::Borrowed(file.description),
                    MigrationType::Simple,
                    Cow::Borrowed(file.sql),
                    // As sqlx's own file source decides it.
                    file.sql.starts_with("-- no-transaction"),
                )
            })
            .collect();
        Box::pin(std::future::ready(Ok(migrations)))
    }
}

/// An error saying what failed, over its cause.
#[derive(Debug, thiserror::Error)]
#[error("{what}")]
struct Context {
    what: String,
    #[source]
    source: BoxError,
}

/// `error` under `what`, as unavailable or failed as [`store_error`] judges the sqlx error.
fn with_context(error: sqlx::Error, what: String) -> StoreError {
    match store_error(error) {
        StoreError::Unavailable(source) => {
            StoreError::Unavailable(Box::new(Context { what, source }))
        }
        StoreError::Backend(source) => StoreError::Backend(Box::new(Context { what, source })),
        other => other,
    }
}

/// A failure described by `what`, caused by `error`.
fn failure(what: String, error: impl Into<BoxError>) -> StoreError {
    StoreError::Backend(Box::new(Context {
        what,
        source: error.into(),
    }))
}

/// A failure with no cause beyond its description.
fn message(what: String) -> StoreError {
    StoreError::Backend(what.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_migrators_match_what_sqlx_reads_from_the_directories() {
        for (migrations, dir) in [
            (Migrations::sqlite().await, "sqlite"),
            (Migrations::postgres().await, "postgres"),
        ] {
            let migrations = migrations.expect("migrations");
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("migrations")
                .join(dir);
            let from_files = Migrator::new(dir).await.expect("sqlx reads the directory");
            let ours: Vec<_> = migrations.migrator.iter().collect();
            let sqlx: Vec<_> = from_files.iter().collect();
            assert!(!ours.is_empty());
            assert_eq!(ours.len(), sqlx.len());
            for (ours, sqlx) in ours.iter().zip(sqlx) {
                assert_eq!(ours.version, sqlx.version);
                assert_eq!(ours.description, sqlx.description);
                assert_eq!(ours.sql, sqlx.sql);
                assert_eq!(ours.checksum, sqlx.checksum);
                assert_eq!(ours.no_tx, sqlx.no_tx);
            }
        }
    }

    #[tokio::test]
    async fn up_to_date_means_every_migration_applied_with_its_checksum() {
        let migrations = Migrations::postgres().await.expect("migrations");
        let all: Vec<Applied> = migrations
            .migrator
            .iter()
            .map(|m| (m.version, m.checksum.to_vec(), true))
            .collect();
        assert!(migrations.up_to_date(Some(&all)));
        let mut later = all.clone();
        later.push((10_000, vec![1], true));
        assert!(
            migrations.up_to_date(Some(&later)),
            "a later build's are ignored"
        );

        assert!(!migrations.up_to_date(None));
        assert!(!migrations.up_to_date(Some(&all[1..])));
        let mut changed = all.clone();
        changed[0].1 = vec![0; 48];
        assert!(!migrations.up_to_date(Some(&changed)));
        let mut failed = all.clone();
        failed[0].2 = false;
        assert!(!migrations.up_to_date(Some(&failed)));

        assert!(!migrations.pending_need_own_transactions(None));
        assert!(!migrations.pending_need_own_transactions(Some(&all)));
    }

    #[tokio::test]
    async fn adoption_takes_sqlxs_checksums_and_refuses_unknown_or_renamed_versions() {
        let migrations = Migrations::sqlite().await.expect("migrations");
        let adopted = migrations
            .adoption(&[(1, "users_and_sessions".to_owned(), 5_000)])
            .expect("known");
        assert_eq!(adopted[0].description, "users and sessions");
        assert_eq!(adopted[0].applied_at, 5_000);
        assert_eq!(adopted[0].checksum.len(), 48);
        for (row, expected) in [
            (
                (99, "later".to_owned(), 0),
                "migration 99 (later), which this build does not have",
            ),
            (
                (2, "renamed".to_owned(), 0),
                "migration 2 as renamed, but this build's migration 2 is tokens and profiles",
            ),
        ] {
            let error = migrations.adoption(&[row]).err().expect("refused");
            let cause = std::error::Error::source(&error).map(ToString::to_string);
            assert!(
                cause.as_deref().is_some_and(|c| c.contains(expected)),
                "{cause:?}"
            );
        }
    }
}
