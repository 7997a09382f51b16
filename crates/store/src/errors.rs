//! Maps sqlx errors, and rows that make no sense, onto the core's [`StoreError`].

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

/// `.or_store_error()` on an sqlx result: its error mapped by [`store_error`].
pub trait SqlxResultExt<T> {
    /// The value, or the error as a [`StoreError`].
    fn or_store_error(self) -> Result<T, StoreError>;
}

impl<T> SqlxResultExt<T> for Result<T, sqlx::Error> {
    fn or_store_error(self) -> Result<T, StoreError> {
        self.map_err(store_error)
    }
}

/// A [`StoreError::Corrupt`] naming the column and what is wrong with its value.
pub fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

/// Whether `error` is the database refusing a row whose foreign key points nowhere.
pub fn is_foreign_key_violation(error: &StoreError) -> bool {
    let StoreError::Backend(cause) = error else {
        return false;
    };
    matches!(
        cause.downcast_ref::<sqlx::Error>(),
        Some(sqlx::Error::Database(e)) if e.is_foreign_key_violation()
    )
}
