//! One module per console page; each calls the core services directly.

pub mod admins;
pub mod backups;
pub mod codes;
pub mod collections;
pub mod dashboard;
pub mod documents;
pub mod files;
pub mod followers;
pub mod messages;
pub mod moderation;
pub mod outbox;
pub mod rules;
pub mod settings;
pub mod subscriptions;
pub mod tokens;
pub mod users;
pub mod webhooks;
