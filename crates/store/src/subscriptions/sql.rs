//! The subscribe-messages SQL, with SQLite's `?N` placeholders (PostgreSQL's are rewritten).

use crate::sql::Dialect;

/// Applies one grant change (?1 app, ?2 openid, ?3 template, ?4 one-time grants added, ?5 1
/// when the one-time grants left become void, ?6 the long-term grant after it or `NULL` for
/// unchanged, ?7 the answer, ?8 now).
pub const CHANGE_GRANT: &str = "INSERT INTO subscribe_grants
         (app_id, openid, template_id, one_time, long_term, last_result, updated_at)
     VALUES (?1, ?2, ?3, ?4, COALESCE(?6, 0), ?7, ?8)
     ON CONFLICT (app_id, openid, template_id) DO UPDATE SET
         one_time = CASE WHEN ?5 = 1 THEN 0 ELSE subscribe_grants.one_time + excluded.one_time END,
         long_term = COALESCE(?6, subscribe_grants.long_term),
         last_result = excluded.last_result,
         updated_at = excluded.updated_at";

/// Keeps a send's latest result (?1 app, ?2 WeChat's msg id, ?3 openid, ?4 template, ?5 error
/// code, ?6 error status, ?7 now).
pub const KEEP_RECEIPT: &str = "INSERT INTO subscribe_receipts
         (app_id, msg_id, openid, template_id, error_code, error_status, received_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
     ON CONFLICT (app_id, msg_id) DO UPDATE SET
         error_code = excluded.error_code, error_status = excluded.error_status,
         received_at = excluded.received_at";

/// A user's grants (?1 app, ?2 openid).
pub const GRANTS: &str =
    "SELECT template_id, one_time, long_term, last_result, updated_at FROM subscribe_grants
     WHERE app_id = ?1 AND openid = ?2 ORDER BY template_id";

/// Uses a grant for one message (?1 app, ?2 openid, ?3 template, ?4 1 for a long-term
/// template): a long-term template needs the long-term grant on; otherwise one one-time grant
/// is used. No row changes without a grant.
pub const USE_GRANT: &str = "UPDATE subscribe_grants SET one_time = one_time - (1 - ?4)
     WHERE app_id = ?1 AND openid = ?2 AND template_id = ?3
       AND ((?4 = 1 AND long_term = 1) OR (?4 = 0 AND one_time > 0))";

/// Queues a subscribe message (?1 app, ?2 openid, ?3 content, ?4 now, ?5 due), returning the
/// message.
pub fn insert_message() -> String {
    format!(
        "INSERT INTO messages
             (app_id, openid, direction, msg_type, content, created_at, status, next_attempt_at)
         VALUES (?1, ?2, 'outbound', 'subscribe', ?3, ?4, 'pending', ?5)
         RETURNING {}",
        crate::messages::sql::MESSAGE_COLUMNS
    )
}

/// Creates a campaign (?1 app, ?2 template, ?3 content, ?4 audience, ?5 send at, ?6 now).
pub const INSERT_CAMPAIGN: &str = "INSERT INTO subscribe_campaigns
         (app_id, template_id, content, audience, send_at, created_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id";

/// Uses the grant of every user of a campaign's audience who holds one, marking each with the
/// campaign (?1 app, ?2 template, ?3 1 for a long-term template, ?4 campaign, and for a listed
/// audience ?5 the openids as a JSON array). One statement over the template's grants.
pub fn use_campaign_grants(dialect: Dialect, listed: bool) -> String {
    let audience = match (listed, dialect) {
        (false, _) => "",
        (true, Dialect::Sqlite) => " AND openid IN (SELECT value FROM json_each(?5))",
        (true, Dialect::Postgres) => {
            " AND openid IN (SELECT jsonb_array_elements_text(CAST(?5 AS jsonb)))"
        }
    };
    format!(
        "UPDATE subscribe_grants SET one_time = one_time - (1 - ?3), campaign_id = ?4
         WHERE app_id = ?1 AND template_id = ?2
           AND ((?3 = 1 AND long_term = 1) OR (?3 = 0 AND one_time > 0)){audience}"
    )
}

/// Queues a message to every user marked with the campaign (?1 campaign, ?2 content, ?3 now,
/// ?4 due).
pub const INSERT_CAMPAIGN_MESSAGES: &str = "INSERT INTO messages
         (app_id, openid, direction, msg_type, content, created_at, status, next_attempt_at,
          campaign_id)
     SELECT app_id, openid, 'outbound', 'subscribe', ?2, ?3, 'pending', ?4, ?1
     FROM subscribe_grants WHERE campaign_id = ?1 ORDER BY openid";

/// Counts one more pending message for every user marked with the campaign (?1 campaign, ?2
/// due), as `messages::sql::QUEUE_MORE` does for one user.
pub const QUEUE_CAMPAIGN: &str = "INSERT INTO outbox_queues (app_id, openid, pending, due_at)
     SELECT app_id, openid, 1, ?2 FROM subscribe_grants WHERE campaign_id = ?1
     ON CONFLICT (app_id, openid) DO UPDATE SET
         pending = outbox_queues.pending + excluded.pending,
         due_at = CASE WHEN outbox_queues.pending > 0 THEN outbox_queues.due_at
                       ELSE excluded.due_at END";

/// Records how many were queued (?1 campaign, ?2 queued, ?3 listed users without a grant).
pub const CAMPAIGN_QUEUED: &str =
    "UPDATE subscribe_campaigns SET queued = ?2, without_grant = ?3 WHERE id = ?1";

/// A campaign (?1 app, ?2 id).
pub const CAMPAIGN: &str = "SELECT id, template_id, audience, queued, without_grant, send_at,
         created_at
     FROM subscribe_campaigns WHERE app_id = ?1 AND id = ?2";

/// A campaign's messages counted by status, with how many of each WeChat refused for lack of
/// a grant (43101) (?1 campaign).
pub const CAMPAIGN_COUNTS: &str = "SELECT status, COUNT(*),
         SUM(CASE WHEN errcode = 43101 THEN 1 ELSE 0 END)
     FROM messages WHERE campaign_id = ?1 GROUP BY status";
