//! Copies the WAL back into the database file on its own thread.
//!
//! Checkpoints otherwise run inside the writer thread, and every write queued behind one
//! waits: that was the logins' p99. This thread runs a PASSIVE checkpoint (which never waits
//! for, or blocks, the writer or the readers) every [`CHECKPOINT_EVERY`]; the writer keeps a
//! high automatic threshold as a safety net.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::OpenFlags;
use wxbase_core::StoreError;

/// How often the background checkpointer runs.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// Starts the checkpointer on a connection of its own; it stops once `closed` is set.
pub(super) fn spawn(
    path: &Path,
    busy_timeout: Duration,
    closed: Arc<AtomicBool>,
) -> Result<JoinHandle<()>, StoreError> {
    let conn = super::open(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        busy_timeout,
    )?;
    std::thread::Builder::new()
        .name("wxbase-sqlite-checkpointer".to_owned())
        .spawn(move || {
            while !closed.load(Ordering::SeqCst) {
                std::thread::sleep(CHECKPOINT_EVERY);
                if let Err(error) = checkpoint(&conn) {
                    tracing::warn!(%error, "SQLite: background checkpoint failed");
                }
            }
        })
        .map_err(|e| StoreError::Unavailable(Box::new(e)))
}

/// A PASSIVE checkpoint: copies what it can without waiting for anyone.
fn checkpoint(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
        row.get::<_, i64>(0)
    })
    .map(drop)
}
