//! The messages SQL, with SQLite's `?N` placeholders (PostgreSQL's are rewritten).

use crate::sql::Dialect;

/// The columns `rows::message_from_row` reads.
pub const MESSAGE_COLUMNS: &str = "id, openid, direction, msg_type, content, raw, created_at, \
     status, attempts, errcode, error, sent_at";

/// The columns `rows::rule_from_row` reads.
pub const RULE_COLUMNS: &str =
    "id, name, priority, match_kind, pattern, reply, created_at, updated_at";

/// Records an inbound message unless its dedup key is known (?1 app … ?7 received); changes
/// no row when it is known.
pub const INSERT_INBOUND_ROW: &str = "INSERT INTO messages
         (app_id, openid, direction, msg_type, content, raw, dedup_key, created_at)
     VALUES (?1, ?2, 'inbound', ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (app_id, dedup_key) DO NOTHING";

/// [`INSERT_INBOUND_ROW`], returning the new message's id (no row when the key is known).
pub fn insert_inbound() -> String {
    format!("{INSERT_INBOUND_ROW} RETURNING id")
}

/// Records an outbound message (?1 app, ?2 openid, ?3 type, ?4 content, ?5 at, ?6 status,
/// ?7 sent at).
pub const INSERT_OUTBOUND_ROW: &str = "INSERT INTO messages
         (app_id, openid, direction, msg_type, content, created_at, status, next_attempt_at, sent_at)
     VALUES (?1, ?2, 'outbound', ?3, ?4, ?5, ?6, ?5, ?7)";

/// [`INSERT_OUTBOUND_ROW`], returning the message.
pub fn insert_outbound() -> String {
    format!("{INSERT_OUTBOUND_ROW} RETURNING {MESSAGE_COLUMNS}")
}

/// Leases due pending messages (?1 now, ?2 lease until, ?3 limit). On PostgreSQL the rows
/// are selected `FOR UPDATE SKIP LOCKED`; the outer conditions are checked again on the
/// locked row, so two claimers never both take one (SQLite has one writer). A message is due only when no other
/// message to the same user is pending before it (leased, waiting for a retry, or due itself)
/// or in flight (leased, whatever its id: PostgreSQL hands out ids before commit, so a reply
/// can become visible after a later one was claimed). One user's replies go out one at a
/// time, in order, whichever instance sends them.
pub fn claim(dialect: Dialect) -> String {
    let lock = match dialect {
        Dialect::Sqlite => "",
        Dialect::Postgres => "FOR UPDATE SKIP LOCKED",
    };
    format!(
        "UPDATE messages SET lease_until = ?2, attempts = attempts + 1
         WHERE id IN (SELECT id FROM messages AS due
                      WHERE status = 'pending' AND next_attempt_at <= ?1 AND lease_until <= ?1
                        AND NOT EXISTS (SELECT 1 FROM messages AS earlier
                                        WHERE earlier.app_id = due.app_id
                                          AND earlier.openid = due.openid
                                          AND earlier.status = 'pending'
                                          AND (earlier.id < due.id OR earlier.lease_until > ?1))
                      ORDER BY id LIMIT ?3 {lock})
           AND status = 'pending' AND lease_until <= ?1
         RETURNING id, app_id, openid, content, attempts"
    )
}

/// Extends a lease if it is still the one the claimer holds (?1 id, ?2 held until, ?3 until).
pub const RENEW_LEASE: &str = "UPDATE messages SET lease_until = ?3
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// Marks a message sent (?1 id, ?2 held until, ?3 at). Like every outcome, it is recorded only
/// while the claimer still holds the lease: after another claimer took the message, the later
/// outcome is that claimer's to write.
pub const MARK_SENT: &str = "UPDATE messages
     SET status = 'sent', sent_at = ?3, lease_until = 0, errcode = NULL, error = NULL
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// Schedules another attempt (?1 id, ?2 held until, ?3 errcode, ?4 error, ?5 next attempt).
pub const MARK_RETRY: &str = "UPDATE messages
     SET errcode = ?3, error = ?4, next_attempt_at = ?5, lease_until = 0
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// Gives up (?1 id, ?2 held until, ?3 errcode, ?4 error).
pub const MARK_FAILED: &str = "UPDATE messages
     SET status = 'failed', errcode = ?3, error = ?4, lease_until = 0
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// A page of a conversation (?1 app, ?2 openid, ?3 before id, ?4 limit).
pub fn conversation() -> String {
    format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages
         WHERE app_id = ?1 AND openid = ?2 AND id < ?3
         ORDER BY id DESC LIMIT ?4"
    )
}

/// Messages of an app.
pub const COUNT_MESSAGES: &str = "SELECT COUNT(*) FROM messages WHERE app_id = ?1";

/// Every rule.
pub fn list_rules() -> String {
    format!("SELECT {RULE_COLUMNS} FROM reply_rules ORDER BY priority DESC, id")
}

/// Creates a rule (?1 name … ?5 reply, ?6 now).
pub fn create_rule() -> String {
    format!(
        "INSERT INTO reply_rules (name, priority, match_kind, pattern, reply, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
         RETURNING {RULE_COLUMNS}"
    )
}

/// Replaces a rule (?1 id, ?2 name … ?6 reply, ?7 now).
pub fn update_rule() -> String {
    format!(
        "UPDATE reply_rules
         SET name = ?2, priority = ?3, match_kind = ?4, pattern = ?5, reply = ?6, updated_at = ?7
         WHERE id = ?1
         RETURNING {RULE_COLUMNS}"
    )
}

/// Deletes a rule.
pub const DELETE_RULE: &str = "DELETE FROM reply_rules WHERE id = ?1";

/// Creates the named rule, or brings the rule of that name in step (same placeholders as
/// [`create_rule`]).
pub const SYNC_RULE: &str =
    "INSERT INTO reply_rules (name, priority, match_kind, pattern, reply, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)
     ON CONFLICT (name) DO UPDATE SET priority = excluded.priority,
         match_kind = excluded.match_kind, pattern = excluded.pattern, reply = excluded.reply,
         updated_at = excluded.updated_at
     WHERE reply_rules.priority <> excluded.priority OR reply_rules.match_kind <> excluded.match_kind
        OR reply_rules.pattern <> excluded.pattern OR reply_rules.reply <> excluded.reply";

/// Creates the rule only into an empty table (same placeholders as [`create_rule`]).
pub const SEED_RULE: &str =
    "INSERT INTO reply_rules (name, priority, match_kind, pattern, reply, created_at, updated_at)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?6
     WHERE NOT EXISTS (SELECT 1 FROM reply_rules)";
