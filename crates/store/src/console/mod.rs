//! The [`ConsoleStore`](wxbase_core::ConsoleStore) statements for both backends: `sql`
//! (shared SQL), `rows`, and `queries` (one function per trait method, generic over the
//! backend).

pub mod queries;
mod rows;
mod sql;
