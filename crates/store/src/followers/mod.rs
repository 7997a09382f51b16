//! The [`FollowerStore`](wxbase_core::FollowerStore) of both backends: the official account's
//! followers, the follow-event log and the sync's lease and generations. The SQL (`sql`), the
//! rows (`rows`) and the statements that run them (`queries`) are shared.

pub mod queries;
pub mod rows;
pub mod sql;
