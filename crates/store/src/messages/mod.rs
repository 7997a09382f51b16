//! The [`MessageStore`](wxbase_core::MessageStore) of both backends: messages with database
//! de-duplication, the outbox with leased claims, and the auto-reply rules. The SQL is shared;
//! only the claim differs (PostgreSQL adds `FOR UPDATE SKIP LOCKED`).

mod queries;
pub mod rows;
pub mod sql;

pub(crate) use queries::{bind_rule, message_queries};
