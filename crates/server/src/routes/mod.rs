//! The routes, one module per resource; each exports `router()`.

pub mod admin;
pub mod admin_buckets;
pub mod admin_collections;
pub mod auth;
pub mod backups;
pub mod codes;
pub mod collections;
pub mod conversations;
pub mod files;
pub mod health;
pub mod me;
mod message_page;
pub mod moderation;
pub mod oa_push;
pub mod official_account;
pub mod open_data;
pub mod outbox;
pub mod push;
pub mod rules;
pub mod security;
pub mod subscribe_messages;
pub mod subscriptions;
pub mod webhooks;
