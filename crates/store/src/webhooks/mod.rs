//! Webhook endpoints and deliveries (migration 0013), on either backend: the admin's
//! statements, the fan-out that records an event for every endpoint subscribed to it inside
//! the caller's transaction, and the claim and outcomes of the delivery queues.

pub mod queries;
mod rows;
mod sql;
