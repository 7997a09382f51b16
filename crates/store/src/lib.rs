//! The [`Store`](wxbase_core::Store) implementations: SQLite (one machine, the default) and
//! PostgreSQL (many instances sharing one database). Each runs its own migrations at start, and
//! both pass the same conformance suite (`tests/conformance.rs`).

mod backend;
mod codes;
mod collections;
mod console;
mod errors;
mod files;
mod followers;
mod messages;
mod migrations;
pub mod postgres;
mod sql;
pub mod sqlite;
mod subscriptions;
#[cfg(feature = "testing")]
pub mod testing;
mod tokens;
mod users;
mod webhooks;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;
