//! Background chores: purging expired sessions.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use wxbase_core::{Store, Timestamp};

/// Deletes expired sessions every `every`, logging failures and carrying on.
pub fn spawn_session_purge(store: Arc<dyn Store>, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(every);
        loop {
            ticker.tick().await;
            match store.delete_expired_sessions(Timestamp::now()).await {
                Ok(0) => {}
                Ok(purged) => tracing::info!(purged, "purged expired sessions"),
                Err(error) => tracing::warn!(%error, "could not purge expired sessions"),
            }
        }
    })
}
