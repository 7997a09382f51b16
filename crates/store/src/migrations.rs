//! Schema migrations: numbered SQL files compiled into the binary, applied once each, in order.
//! Each is recorded by its version, so a number may be left free for another branch's migration.

/// One migration.
pub struct Migration {
    /// Its number; applied in ascending order.
    pub version: i64,
    /// A short name, recorded with it.
    pub name: &'static str,
    /// The SQL, possibly several statements.
    pub sql: &'static str,
}

/// SQLite's migrations.
pub const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "users_and_sessions",
        sql: include_str!("../migrations/sqlite/0001_users_and_sessions.sql"),
    },
    Migration {
        version: 2,
        name: "tokens_and_profiles",
        sql: include_str!("../migrations/sqlite/0002_tokens_and_profiles.sql"),
    },
    Migration {
        version: 3,
        name: "messages",
        sql: include_str!("../migrations/sqlite/0003_messages.sql"),
    },
    Migration {
        version: 4,
        name: "collections",
        sql: include_str!("../migrations/sqlite/0004_collections.sql"),
    },
    Migration {
        version: 5,
        name: "official_account",
        sql: include_str!("../migrations/sqlite/0005_official_account.sql"),
    },
    Migration {
        version: 6,
        name: "outbox_order",
        sql: include_str!("../migrations/sqlite/0006_outbox_order.sql"),
    },
    Migration {
        version: 7,
        name: "unused_unionid_index",
        sql: include_str!("../migrations/sqlite/0007_unused_unionid_index.sql"),
    },
    Migration {
        version: 8,
        name: "sync_resume",
        sql: include_str!("../migrations/sqlite/0008_sync_resume.sql"),
    },
];

/// PostgreSQL's migrations.
pub const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "users_and_sessions",
        sql: include_str!("../migrations/postgres/0001_users_and_sessions.sql"),
    },
    Migration {
        version: 2,
        name: "tokens_and_profiles",
        sql: include_str!("../migrations/postgres/0002_tokens_and_profiles.sql"),
    },
    Migration {
        version: 3,
        name: "messages",
        sql: include_str!("../migrations/postgres/0003_messages.sql"),
    },
    Migration {
        version: 4,
        name: "collections",
        sql: include_str!("../migrations/postgres/0004_collections.sql"),
    },
    Migration {
        version: 5,
        name: "official_account",
        sql: include_str!("../migrations/postgres/0005_official_account.sql"),
    },
    Migration {
        version: 6,
        name: "outbox_order",
        sql: include_str!("../migrations/postgres/0006_outbox_order.sql"),
    },
    Migration {
        version: 7,
        name: "unused_unionid_index",
        sql: include_str!("../migrations/postgres/0007_unused_unionid_index.sql"),
    },
    Migration {
        version: 8,
        name: "sync_resume",
        sql: include_str!("../migrations/postgres/0008_sync_resume.sql"),
    },
];
