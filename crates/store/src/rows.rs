//! Turns database rows into domain values, refusing rows that make no sense.

use sqlx::Row;
use wxbase_core::StoreError;

use crate::errors::store_error;

/// A [`StoreError::Corrupt`] naming the column and what is wrong with its value.
pub fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {detail}"))
}

/// One column of `row`, as the type the caller wants.
pub fn get<'r, R, T>(row: &'r R, name: &'r str) -> Result<T, StoreError>
where
    R: Row,
    &'r str: sqlx::ColumnIndex<R>,
    T: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    row.try_get(name).map_err(store_error)
}
