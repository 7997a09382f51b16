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

pub(crate) use ddl::{add_index, run_ddl};
pub(crate) use store_impl::collection_queries;
