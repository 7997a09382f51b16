//! The [`FileStore`](wxbase_core::FileStore) statements for both backends: `sql` (shared SQL
//! and the permission condition), `rows`, and `queries` (one function per trait method,
//! generic over the backend).

pub mod queries;
mod rows;
mod sql;
