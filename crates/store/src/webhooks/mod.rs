//! Webhook endpoints and deliveries (migration 0013), on either backend: the admin's
//! statements, the fan-out that records an event for every endpoint subscribed to it inside
//! the caller's transaction, and the claim and outcomes of the delivery queues.

pub mod queries;
mod rows;
mod sql;

use wxbase_core::webhooks::EventType;

/// The events of a login: while no endpoint takes either, logins stay on the hot paths.
pub const LOGIN_EVENTS: [EventType; 2] = [EventType::UserCreated, EventType::UserLogin];
