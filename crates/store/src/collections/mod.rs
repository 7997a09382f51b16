//! [`CollectionStore`](wxbase_core::CollectionStore) for both backends: the statements,
//! built for a [`Dialect`](crate::sql::Dialect) (`statements`, over `filter`, `order` and
//! `json`; the catalogue's in `catalog`), and the functions that run them (`queries`). Adding
//! and dropping one index is each backend's own (`queries::CollectionIndexes`).

pub(crate) mod catalog;
mod filter;
mod json;
mod order;
pub mod queries;
pub mod rows;
pub mod sql;
pub(crate) mod statements;

/// Whether adding an index refreshes the planner's statistics of `documents` afterwards: a
/// whole-table `ANALYZE`, worth it for an index on a collection that holds documents, wasted
/// on a collection being created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Statistics {
    /// Run `ANALYZE documents` once the index is built.
    Refresh,
    /// Leave the statistics as they are.
    Keep,
}
