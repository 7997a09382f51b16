//! Background chores: purging expired sessions (the mini-program's and the console's).

use std::sync::Arc;
use std::time::Duration;

use wxbase_core::{ConsoleService, Store, Timestamp};

/// Deletes expired sessions every `every`, logging failures and carrying on, until the future
/// is dropped.
pub async fn purge_expired_sessions(store: Arc<dyn Store>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        match store.delete_expired_sessions(Timestamp::now()).await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged expired sessions"),
            Err(error) => tracing::warn!(%error, "could not purge expired sessions"),
        }
    }
}

/// Deletes ended console sessions and forgotten sign-in failures every `every`, until the
/// future is dropped.
pub async fn purge_console(console: Arc<ConsoleService>, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    loop {
        ticker.tick().await;
        match console.purge().await {
            Ok(0) => {}
            Ok(purged) => tracing::info!(purged, "purged ended console sessions"),
            Err(error) => tracing::warn!(%error, "could not purge console sessions"),
        }
    }
}
