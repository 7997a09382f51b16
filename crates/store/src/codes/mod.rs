//! The [`CodeStore`](wxbase_core::codes::CodeStore) statements for both backends: `sql`
//! (shared SQL) and `queries` (one function per trait method, generic over the backend).

pub mod queries;
mod sql;
