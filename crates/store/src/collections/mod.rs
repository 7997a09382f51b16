//! [`CollectionStore`](wxbase_core::CollectionStore) for both backends: one implementation,
//! instantiated per store by `collection_queries!` (in `store_impl`), over statements built
//! for a [`Dialect`].

pub(crate) mod catalog;
mod ddl;
mod filter;
mod json;
mod order;
pub mod rows;
pub mod sql;
pub(crate) mod statements;
mod store_impl;

pub use sql::Dialect;

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

pub(crate) use ddl::run_ddl;
pub(crate) use store_impl::collection_queries;
