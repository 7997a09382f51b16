//! Maps sqlx errors onto the core's [`StoreError`].

use wxbase_core::StoreError;

/// Connection-level failures are `Unavailable`; everything else is a backend error.
pub fn store_error(error: sqlx::Error) -> StoreError {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => StoreError::Unavailable(Box::new(error)),
        other => StoreError::Backend(Box::new(other)),
    }
}
