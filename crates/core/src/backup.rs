//! Backups of an SQLite deployment: one tar archive holding a consistent copy of the database
//! (`wxbase.db`, made by the store while it serves) and the local file storage (`files/`),
//! written by `wxbase backup`, `POST /admin/api/backups` and the scheduled backup into
//! `<data_dir>/backups`; and the restore of such an archive into an empty data directory.
//!
//! The database is copied first, then the files: a file uploaded meanwhile is in the archive
//! without a row (the hourly sweep deletes it after a restore); a file deleted between the two
//! steps is missing while its row is there.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::OffsetDateTime;

use crate::files::{FileSettings, StorageSettings};
use crate::store::{Store, StoreError};

/// The database's name inside an archive.
const DATABASE_ENTRY: &str = "wxbase.db";
/// The local files' folder inside an archive.
const FILES_ENTRY: &str = "files";
/// Scheduled and admin backups are named `wxbase-<UTC time>.tar`.
const PREFIX: &str = "wxbase-";
const SUFFIX: &str = ".tar";

/// Why a backup or restore failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// The database backs itself up with its own tools.
    #[error(
        "this database is PostgreSQL: back it up with pg_dump (docs/operations.md, \
         \"PostgreSQL\"); wxbase backup copies SQLite deployments only"
    )]
    Unsupported,
    /// The database could not be copied.
    #[error("the database could not be copied")]
    Store(#[from] StoreError),
    /// A file could not be read or written.
    #[error("{what}")]
    Io {
        /// What was being done.
        what: String,
        /// What the operating system said.
        #[source]
        source: io::Error,
    },
    /// `restore` was pointed at a data directory that is in use.
    #[error("{0} is not empty: restore only into an empty data directory")]
    NotEmpty(PathBuf),
    /// The archive is not a wxbase backup.
    #[error("{0} is not a wxbase backup (no wxbase.db inside)")]
    NotABackup(PathBuf),
}

fn io_error(what: impl Into<String>) -> impl FnOnce(io::Error) -> BackupError {
    let what = what.into();
    move |source| BackupError::Io { what, source }
}

/// One backup in `<data_dir>/backups`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackupInfo {
    /// The archive's file name.
    pub name: String,
    /// Its size.
    pub bytes: u64,
    /// When it was made (from its name), RFC 3339.
    pub created_at: String,
}

/// Makes and lists backups of one deployment.
pub struct BackupService {
    store: Arc<dyn Store>,
    dir: PathBuf,
    files_dir: Option<PathBuf>,
    keep: usize,
}

impl BackupService {
    /// Backups of `store` and the local files of `files`, kept in `<data_dir>/backups`, the
    /// newest `keep` of them.
    pub fn new(store: Arc<dyn Store>, data_dir: &Path, files: &FileSettings, keep: usize) -> Self {
        let files_dir = match &files.storage {
            StorageSettings::Local(dir) => Some(dir.clone()),
            StorageSettings::S3(_) => None,
        };
        Self {
            store,
            dir: data_dir.join("backups"),
            files_dir,
            keep: keep.max(1),
        }
    }

    /// Where scheduled and admin backups go.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes an archive to `output`: the database copy, then the local files. `output`
    /// appears only when complete. Returns its size.
    pub async fn write_archive(&self, output: &Path) -> Result<u64, BackupError> {
        let partial = output.with_extension("partial");
        let snapshot = output.with_extension("db.partial");
        for leftover in [&partial, &snapshot] {
            let _ = fs::remove_file(leftover);
        }
        if !self.store.backup_into(&snapshot).await? {
            return Err(BackupError::Unsupported);
        }
        let files_dir = self.files_dir.clone();
        let (archive, target) = (partial.clone(), output.to_owned());
        let snapshot_copy = snapshot.clone();
        let written = tokio::task::spawn_blocking(move || {
            let written = pack(&archive, &snapshot_copy, files_dir.as_deref())?;
            fs::rename(&archive, &target).map_err(io_error(format!(
                "cannot move the archive to {}",
                target.display()
            )))?;
            Ok(written)
        })
        .await
        .map_err(|e| BackupError::Io {
            what: "the archive writer stopped".to_owned(),
            source: io::Error::other(e.to_string()),
        })
        .and_then(|written| written);
        let _ = fs::remove_file(&snapshot);
        if written.is_err() {
            let _ = fs::remove_file(&partial);
        }
        written
    }

    /// A new backup in [`Self::dir`], then the oldest beyond `keep` deleted.
    pub async fn create(&self) -> Result<BackupInfo, BackupError> {
        fs::create_dir_all(&self.dir)
            .map_err(io_error(format!("cannot create {}", self.dir.display())))?;
        let now = OffsetDateTime::now_utc();
        let stamp = now
            .format(format_description!(
                "[year][month][day]T[hour][minute][second][subsecond digits:3]Z"
            ))
            .map_err(|e| BackupError::Io {
                what: "cannot name the backup".to_owned(),
                source: io::Error::other(e.to_string()),
            })?;
        let name = format!("{PREFIX}{stamp}{SUFFIX}");
        let bytes = self.write_archive(&self.dir.join(&name)).await?;
        self.prune()?;
        Ok(BackupInfo {
            created_at: now.format(&Rfc3339).unwrap_or_default(),
            name,
            bytes,
        })
    }

    /// The backups in [`Self::dir`], newest first.
    pub fn list(&self) -> Result<Vec<BackupInfo>, BackupError> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(error) => {
                return Err(io_error(format!("cannot list {}", self.dir.display()))(
                    error,
                ))
            }
        };
        let mut found = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(stamp) = name
                .strip_prefix(PREFIX)
                .and_then(|rest| rest.strip_suffix(SUFFIX))
            else {
                continue;
            };
            let bytes = entry.metadata().map(|m| m.len()).unwrap_or_default();
            found.push(BackupInfo {
                created_at: created_at(stamp),
                name,
                bytes,
            });
        }
        found.sort_by(|a, b| b.name.cmp(&a.name));
        Ok(found)
    }

    fn prune(&self) -> Result<(), BackupError> {
        for old in self.list()?.into_iter().skip(self.keep) {
            let path = self.dir.join(&old.name);
            fs::remove_file(&path)
                .map_err(io_error(format!("cannot delete {}", path.display())))?;
        }
        Ok(())
    }

    /// Makes a backup every `interval`, forever; a failure is logged and tried again at the
    /// next tick.
    pub async fn run_scheduled(self: Arc<Self>, interval: Duration) {
        let mut ticks = tokio::time::interval(interval);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            match self.create().await {
                Ok(made) => {
                    tracing::info!(name = %made.name, bytes = made.bytes, "scheduled backup made")
                }
                Err(error) => tracing::error!(%error, "scheduled backup failed"),
            }
        }
    }
}

/// `20261203T001900123Z` as RFC 3339.
fn created_at(stamp: &str) -> String {
    let parts = (
        stamp.get(0..4),
        stamp.get(4..6),
        stamp.get(6..8),
        stamp.get(9..11),
        stamp.get(11..13),
        stamp.get(13..15),
        stamp.get(15..18),
    );
    match parts {
        (Some(y), Some(mo), Some(d), Some(h), Some(mi), Some(s), Some(ms)) => {
            format!("{y}-{mo}-{d}T{h}:{mi}:{s}.{ms}Z")
        }
        _ => String::new(),
    }
}

/// The tar archive: the database snapshot as `wxbase.db`, the files under `files/`.
fn pack(archive: &Path, snapshot: &Path, files_dir: Option<&Path>) -> Result<u64, BackupError> {
    let file = fs::File::create(archive)
        .map_err(io_error(format!("cannot create {}", archive.display())))?;
    let mut builder = tar::Builder::new(io::BufWriter::new(file));
    builder.follow_symlinks(false);
    builder.sparse(false);
    builder
        .append_path_with_name(snapshot, DATABASE_ENTRY)
        .map_err(io_error("cannot add the database to the archive"))?;
    if let Some(dir) = files_dir.filter(|dir| dir.is_dir()) {
        append_stored_files(&mut builder, dir, Path::new(FILES_ENTRY))?;
    }
    let mut writer = builder
        .into_inner()
        .map_err(io_error("cannot finish the archive"))?;
    io::Write::flush(&mut writer).map_err(io_error("cannot finish the archive"))?;
    let file = writer
        .into_inner()
        .map_err(|e| io_error("cannot finish the archive")(e.into_error()))?;
    file.sync_all()
        .map_err(io_error("cannot sync the archive"))?;
    Ok(file.metadata().map(|m| m.len()).unwrap_or_default())
}

/// Adds the stored files under `dir` to the archive as `entry/…`. Stored files never change
/// once in place (an upload is written beside its final name and renamed), so the archive
/// skips what is still being written (object_store stages an upload as `name#suffix`) and what
/// is deleted while the archive is made: a backup taken while uploads come in holds every file
/// complete, or not at all.
fn append_stored_files<W: io::Write>(
    builder: &mut tar::Builder<W>,
    dir: &Path,
    entry: &Path,
) -> Result<(), BackupError> {
    let unreadable = || io_error(format!("cannot read {}", dir.display()));
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(unreadable()(error)),
    };
    for child in entries {
        let child = child.map_err(unreadable())?;
        let name = child.file_name();
        let (path, entry) = (child.path(), entry.join(&name));
        let Ok(kind) = child.file_type() else {
            continue;
        };
        if kind.is_dir() {
            append_stored_files(builder, &path, &entry)?;
        } else if kind.is_file() && !name.to_string_lossy().contains('#') {
            let mut file = match fs::File::open(&path) {
                Ok(file) => file,
                Err(error) if error.kind() == io::ErrorKind::NotFound => continue,
                Err(error) => {
                    return Err(io_error(format!("cannot read {}", path.display()))(error))
                }
            };
            builder
                .append_file(&entry, &mut file)
                .map_err(io_error(format!(
                    "cannot add {} to the archive",
                    path.display()
                )))?;
        }
    }
    Ok(())
}

/// What a restore wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Restored {
    /// Files restored into the local storage directory.
    pub files: u64,
}

/// Unpacks `archive`: the database to `database`, the files into `files_dir`. Refuses when
/// `data_dir` holds anything, so a live deployment is never overwritten.
pub fn restore(
    archive: &Path,
    data_dir: &Path,
    database: &Path,
    files_dir: Option<&Path>,
) -> Result<Restored, BackupError> {
    let occupied = match fs::read_dir(data_dir) {
        Ok(mut entries) => entries.next().is_some(),
        Err(error) if error.kind() == io::ErrorKind::NotFound => false,
        Err(error) => {
            return Err(io_error(format!("cannot read {}", data_dir.display()))(
                error,
            ))
        }
    };
    if occupied || database.exists() {
        return Err(BackupError::NotEmpty(data_dir.to_owned()));
    }
    let file =
        fs::File::open(archive).map_err(io_error(format!("cannot open {}", archive.display())))?;
    let mut entries = tar::Archive::new(io::BufReader::new(file));
    let mut found_database = false;
    let mut files = 0;
    let unreadable = || io_error(format!("cannot read {}", archive.display()));
    for entry in entries.entries().map_err(unreadable())? {
        let mut entry = entry.map_err(unreadable())?;
        let path = entry.path().map_err(unreadable())?.into_owned();
        // The target is computed here from the two known prefixes; an entry climbing out
        // with `..` is skipped.
        if path
            .components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
        {
            continue;
        }
        let target = if path == Path::new(DATABASE_ENTRY) {
            found_database = true;
            database.to_owned()
        } else if let (Ok(rest), Some(dir)) = (path.strip_prefix(FILES_ENTRY), files_dir) {
            if entry.header().entry_type().is_file() {
                files += 1;
            }
            dir.join(rest)
        } else {
            continue;
        };
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .map_err(io_error(format!("cannot create {}", parent.display())))?;
        }
        if entry.header().entry_type().is_dir() {
            fs::create_dir_all(&target)
                .map_err(io_error(format!("cannot create {}", target.display())))?;
            continue;
        }
        entry
            .unpack(&target)
            .map_err(io_error(format!("cannot write {}", target.display())))?;
    }
    if !found_database {
        let _ = fs::remove_file(database);
        return Err(BackupError::NotABackup(archive.to_owned()));
    }
    Ok(Restored { files })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upload in progress is staged beside its final name as `name#suffix`, growing while
    /// the archive is made: the archive leaves it out and keeps every file in place.
    #[test]
    fn the_archive_skips_uploads_still_being_written() {
        let dir = tempfile::tempdir().expect("a temp dir");
        let files = dir.path().join("files");
        fs::create_dir_all(files.join("photos/ab")).expect("the files directory");
        fs::write(files.join("photos/ab/stored"), b"stored bytes").expect("a stored file");
        fs::write(files.join("photos/ab/uploading#7"), b"half").expect("a staged upload");
        let snapshot = dir.path().join("snapshot.db");
        fs::write(&snapshot, b"database").expect("a snapshot");
        let archive = dir.path().join("backup.tar");

        pack(&archive, &snapshot, Some(&files)).expect("packed");

        let mut entries = tar::Archive::new(fs::File::open(&archive).expect("the archive"));
        let mut names: Vec<String> = entries
            .entries()
            .expect("entries")
            .map(|entry| {
                let entry = entry.expect("an entry");
                entry.path().expect("a path").display().to_string()
            })
            .collect();
        names.sort();
        assert_eq!(names, ["files/photos/ab/stored", DATABASE_ENTRY]);
    }
}
