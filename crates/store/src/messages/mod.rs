//! The [`MessageStore`](wxbase_core::MessageStore) of both backends: messages with database
//! de-duplication, the outbox with leased claims, and the auto-reply rules. The SQL (`sql`),
//! the rows (`rows`) and the statements that run them (`queries`) are shared; only the claim's
//! row lock differs, and recording an inbound push is each backend's own hot path
//! (`sqlite::fast`, `postgres::inbound`).

pub mod queries;
pub mod rows;
pub mod sql;
