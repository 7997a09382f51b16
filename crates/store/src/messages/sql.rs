//! The messages SQL, with SQLite's `?N` placeholders (PostgreSQL's are rewritten).

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

/// Counts `?3` more pending replies to a user (?1 app, ?2 openid) whose first may be claimed
/// from ?4. A user with none pending until now gets ?4 as the due time; otherwise the user's
/// first pending reply keeps its own. Run wherever a reply becomes pending, in the same
/// transaction: on PostgreSQL the row stays locked until the commit, so a claim skips the user
/// until the new reply is visible, and an outcome recorded meanwhile waits for it.
pub const QUEUE_MORE: &str = "INSERT INTO outbox_queues (app_id, openid, pending, due_at)
     VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (app_id, openid) DO UPDATE SET
         pending = outbox_queues.pending + excluded.pending,
         due_at = CASE WHEN outbox_queues.pending > 0 THEN outbox_queues.due_at
                       ELSE excluded.due_at END";

/// SQLite's claim, first step: the due users, earliest due first (?1 now, ?2 limit), each with
/// the id of their first pending reply (`NULL` if none: a count that drifted), read from the
/// partial index `outbox_queues_due` and one probe of `messages_pending_by_user` per user.
pub const DUE_QUEUES: &str = "SELECT q.app_id, q.openid,
         (SELECT id FROM messages AS m
          WHERE m.app_id = q.app_id AND m.openid = q.openid AND m.status = 'pending'
          ORDER BY m.id LIMIT 1)
     FROM outbox_queues AS q
     WHERE q.pending > 0 AND q.due_at <= ?1
     ORDER BY q.due_at LIMIT ?2";

/// SQLite's claim, second step: leases one user's first pending reply if it is due (?1 id,
/// ?2 now, ?3 lease until). A lease left behind (every outcome clears it) means an earlier
/// attempt ended with no outcome recorded: it may have sent the reply (`maybe_sent`).
pub const LEASE_HEAD: &str = "UPDATE messages SET lease_until = ?3, attempts = attempts + 1,
         maybe_sent = CASE WHEN lease_until > 0 THEN 1 ELSE maybe_sent END
     WHERE id = ?1 AND status = 'pending' AND next_attempt_at <= ?2 AND lease_until <= ?2";

/// SQLite's claim: a reply just leased (?1 id), as the worker gets it.
pub const CLAIMED: &str =
    "SELECT id, app_id, openid, content, attempts, maybe_sent FROM messages WHERE id = ?1";

/// SQLite's claim, last step: the user is due again when their first pending reply is (?1 app,
/// ?2 openid, ?3 that reply's id): at the end of the lease just taken, or of its backoff or
/// of a lease renewed since the user's row was last written.
pub const REQUEUE_HEAD: &str = "UPDATE outbox_queues
     SET due_at = (SELECT max(next_attempt_at, lease_until) FROM messages WHERE id = ?3)
     WHERE app_id = ?1 AND openid = ?2";

/// SQLite's claim, for a user counted as having pending replies but with none: the count is
/// set right.
pub const EMPTY_QUEUE: &str =
    "UPDATE outbox_queues SET pending = 0 WHERE app_id = ?1 AND openid = ?2";

/// PostgreSQL's claim, one statement (?1 now, ?2 lease until, ?3 limit): locks up to ?3 due
/// users (`SKIP LOCKED`: a user whose row another claim, an outcome or an uncommitted new reply
/// holds is left for the next round), takes each one's first pending reply (one probe of
/// `messages_pending_by_user`), leases it if it is due, and sets the user's due time to the
/// end of that lease (or to when the reply is due, if it is not; a user with no pending reply
/// left is counted empty). A lease left behind (every outcome clears it) marks the reply
/// `maybe_sent`, as SQLite's [`LEASE_HEAD`] does. Rows read: the users returned, and one reply each. The users' rows
/// are written back by the row ids the lock read (a TID scan; on a table of a page or two the
/// planner reads it whole instead, which costs the same).
pub const CLAIM_POSTGRES: &str = "WITH due AS (
         SELECT ctid AS queue_row, app_id, openid FROM outbox_queues
         WHERE pending > 0 AND due_at <= ?1
         ORDER BY due_at LIMIT ?3
         FOR UPDATE SKIP LOCKED
     ), heads AS (
         SELECT due.queue_row, due.app_id, due.openid, head.id, head.next_attempt_at, head.lease_until,
                head.next_attempt_at <= ?1 AND head.lease_until <= ?1 AS ready
         FROM due LEFT JOIN LATERAL (
             SELECT id, next_attempt_at, lease_until FROM messages
             WHERE messages.app_id = due.app_id AND messages.openid = due.openid
               AND messages.status = 'pending'
             ORDER BY id LIMIT 1
         ) AS head ON true
     ), leased AS (
         UPDATE messages SET lease_until = ?2, attempts = messages.attempts + 1,
             maybe_sent = CASE WHEN messages.lease_until > 0 THEN 1 ELSE messages.maybe_sent END
         FROM heads
         WHERE messages.id = heads.id AND heads.ready
           AND messages.status = 'pending' AND messages.lease_until <= ?1
         RETURNING messages.id, messages.app_id, messages.openid, messages.content,
                   messages.attempts, messages.maybe_sent
     ), requeued AS (
         UPDATE outbox_queues AS q
         SET pending = CASE WHEN heads.id IS NULL THEN 0 ELSE q.pending END,
             due_at = CASE WHEN heads.id IS NULL THEN q.due_at
                           WHEN heads.ready THEN ?2
                           ELSE GREATEST(heads.next_attempt_at, heads.lease_until) END
         FROM heads
         WHERE q.ctid = heads.queue_row
     )
     SELECT id, app_id, openid, content, attempts, maybe_sent FROM leased";

/// Extends a lease if it is still the one the claimer holds (?1 id, ?2 held until, ?3 until).
pub const RENEW_LEASE: &str = "UPDATE messages SET lease_until = ?3
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// Marks a message sent (?1 id, ?2 held until, ?3 at). Like every outcome, it is recorded only
/// while the claimer still holds the lease: after another claimer took the message, the later
/// outcome is that claimer's to write.
pub const MARK_SENT: &str = "UPDATE messages
     SET status = 'sent', sent_at = ?3, lease_until = 0, errcode = NULL, error = NULL
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// Schedules another attempt (?1 id, ?2 held until, ?3 errcode, ?4 error, ?5 next attempt,
/// ?6 1 when the attempt may have reached WeChat: `maybe_sent` is kept once set).
pub const MARK_RETRY: &str = "UPDATE messages
     SET errcode = ?3, error = ?4, next_attempt_at = ?5, lease_until = 0,
         maybe_sent = CASE WHEN ?6 = 1 THEN 1 ELSE maybe_sent END
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// Gives up (?1 id, ?2 held until, ?3 errcode, ?4 error).
pub const MARK_FAILED: &str = "UPDATE messages
     SET status = 'failed', errcode = ?3, error = ?4, lease_until = 0
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// Ends a subscribe message as `unconfirmed`: 43101 after an attempt that may have sent it
/// (?1 id, ?2 held until, ?3 errcode, ?4 error).
pub const MARK_UNCONFIRMED: &str = "UPDATE messages
     SET status = 'unconfirmed', errcode = ?3, error = ?4, lease_until = 0
     WHERE id = ?1 AND lease_until = ?2 AND status = 'pending'";

/// After an outcome (?1 the reply's id, ?2 how many pending replies it ends: 1 when sent or
/// failed, 0 for a retry, ?3 when the user is due next: the retry's time, else when the reply
/// was sent, or for a failure `NULL`, meaning when the failed reply was due). SQLite; on
/// PostgreSQL [`finish_postgres`] does both in one statement.
pub const FINISH_QUEUE: &str = "UPDATE outbox_queues
     SET pending = pending - ?2,
         due_at = COALESCE(?3, (SELECT next_attempt_at FROM messages WHERE id = ?1))
     WHERE app_id = (SELECT app_id FROM messages WHERE id = ?1)
       AND openid = (SELECT openid FROM messages WHERE id = ?1)";

/// One of [`MARK_SENT`], [`MARK_RETRY`], [`MARK_FAILED`] or [`MARK_UNCONFIRMED`] and the user's queue row in one
/// PostgreSQL statement (placeholders of the mark, then `ends` and `due` as in
/// [`FINISH_QUEUE`], given as SQL); one row, the count of replies marked.
pub fn finish_postgres(mark: &str, ends: &str, due: &str) -> String {
    format!(
        "WITH done AS ({mark} RETURNING app_id, openid, next_attempt_at),
         queue AS (
             UPDATE outbox_queues AS q
             SET pending = q.pending - {ends}, due_at = COALESCE({due}, done.next_attempt_at)
             FROM done WHERE q.app_id = done.app_id AND q.openid = done.openid
         )
         SELECT COUNT(*) FROM done"
    )
}

/// The outbox of an app at ?2 (?1 app): pending replies, of those in flight, and the oldest
/// pending reply's creation. Read from the users' queue rows and each one's first pending reply
/// (one probe each), so the cost is the number of users waiting, not of replies.
pub const OUTBOX_PENDING: &str = "SELECT CAST(COALESCE(SUM(q.pending), 0) AS BIGINT),
         COALESCE(SUM(CASE WHEN q.due_at > ?2 AND head.lease_until > ?2 THEN 1 ELSE 0 END), 0),
         MIN(head.created_at)
     FROM outbox_queues AS q
     JOIN messages AS head ON head.id = (
         SELECT m.id FROM messages AS m
         WHERE m.app_id = q.app_id AND m.openid = q.openid AND m.status = 'pending'
         ORDER BY m.id LIMIT 1)
     WHERE q.app_id = ?1 AND q.pending > 0";

/// Failed replies of an app (?1), through `messages_failed`.
pub const OUTBOX_FAILED_COUNT: &str =
    "SELECT COUNT(*) FROM messages WHERE app_id = ?1 AND status = 'failed'";

/// Replies of an app (?1) sent since ?2, through `messages_sent_at`.
pub const OUTBOX_SENT_SINCE: &str =
    "SELECT COUNT(*) FROM messages WHERE app_id = ?1 AND status = 'sent' AND sent_at >= ?2";

/// A page of an app's failed replies, newest first (?1 app, ?2 before id, ?3 limit).
pub fn failed_page() -> String {
    format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages
         WHERE app_id = ?1 AND status = 'failed' AND id < ?2
         ORDER BY id DESC LIMIT ?3"
    )
}

/// Puts a failed reply back in the outbox, due at once, with its attempts counted afresh
/// (?1 app, ?2 id, ?3 now).
pub const RETRY_FAILED: &str = "UPDATE messages
     SET status = 'pending', attempts = 0, next_attempt_at = ?3, lease_until = 0,
         errcode = NULL, error = NULL
     WHERE app_id = ?1 AND id = ?2 AND direction = 'outbound' AND status = 'failed'
     RETURNING openid";

/// Makes a pending reply that is not being sent due at once (?1 app, ?2 id, ?3 now): a
/// retry's backoff is skipped.
pub const RETRY_PENDING: &str = "UPDATE messages SET next_attempt_at = ?3
     WHERE app_id = ?1 AND id = ?2 AND direction = 'outbound' AND status = 'pending'
       AND lease_until <= ?3
     RETURNING openid";

/// The user is due at ?3 at the latest (?1 app, ?2 openid); if their first pending reply is
/// not, the next claim sets the right time.
pub const QUEUE_DUE_BY: &str = "UPDATE outbox_queues SET due_at = ?3
     WHERE app_id = ?1 AND openid = ?2 AND due_at > ?3";

/// Cancels a pending reply that is not being sent (?1 app, ?2 id, ?3 now).
pub const CANCEL_PENDING: &str = "UPDATE messages SET status = 'cancelled', lease_until = 0
     WHERE app_id = ?1 AND id = ?2 AND direction = 'outbound' AND status = 'pending'
       AND lease_until <= ?3
     RETURNING openid";

/// Cancels a failed reply (?1 app, ?2 id).
pub const CANCEL_FAILED: &str = "UPDATE messages SET status = 'cancelled'
     WHERE app_id = ?1 AND id = ?2 AND direction = 'outbound' AND status = 'failed'";

/// One fewer pending reply to a user (?1 app, ?2 openid).
pub const QUEUE_LESS: &str = "UPDATE outbox_queues SET pending = pending - 1
     WHERE app_id = ?1 AND openid = ?2 AND pending > 0";

/// An outbound reply's status and lease (?1 app, ?2 id).
pub const OUTBOUND_STATE: &str = "SELECT status, lease_until FROM messages
     WHERE app_id = ?1 AND id = ?2 AND direction = 'outbound'";

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
