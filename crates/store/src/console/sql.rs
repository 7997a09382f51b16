//! SQL of the console's tables and views, shared by both backends (`?N` placeholders).

/// The columns of an admin.
pub const ADMIN_COLUMNS: &str = "id, username, password_hash, created_at, updated_at";

/// Creates an admin unless the name is taken.
pub const INSERT_ADMIN: &str =
    "INSERT INTO admins (username, password_hash, created_at, updated_at)
     VALUES (?1, ?2, ?3, ?3) ON CONFLICT (username) DO NOTHING";

/// An admin's new password (?1 username); returns the id to end the sessions of.
pub const SET_PASSWORD: &str =
    "UPDATE admins SET password_hash = ?2, updated_at = ?3 WHERE username = ?1 RETURNING id";

/// Every session of an admin (?1 admin id).
pub const DELETE_ADMIN_SESSIONS: &str = "DELETE FROM admin_sessions WHERE admin_id = ?1";

/// An admin (?1 username); returns the id to end the sessions of.
pub const DELETE_ADMIN: &str = "DELETE FROM admins WHERE username = ?1 RETURNING id";

/// A console session.
pub const INSERT_SESSION: &str = "INSERT INTO admin_sessions
     (token_hash, admin_id, csrf_token, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)";

/// A live console session and its admin (?1 key, ?2 now).
pub const SESSION: &str = "SELECT s.admin_id, a.username, s.csrf_token, s.expires_at
     FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
     WHERE s.token_hash = ?1 AND s.expires_at > ?2";

/// A console session (?1 key).
pub const DELETE_SESSION: &str = "DELETE FROM admin_sessions WHERE token_hash = ?1";

/// Ended console sessions (?1 now).
pub const PURGE_SESSIONS: &str = "DELETE FROM admin_sessions WHERE expires_at <= ?1";

/// Forgotten failures (?1 forget before).
pub const PURGE_FAILURES: &str =
    "DELETE FROM admin_sign_in_failures WHERE last_failure_at < ?1 AND locked_until < ?1";

/// One failure more of a key (?1 key, ?2 now); the count restarts after ?3 (the window's start).
pub const RECORD_FAILURE: &str = "INSERT INTO admin_sign_in_failures
     (key, failures, last_failure_at, locked_until) VALUES (?1, 1, ?2, 0)
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN admin_sign_in_failures.last_failure_at < ?3 THEN 1
                       ELSE admin_sign_in_failures.failures + 1 END,
       last_failure_at = ?2
     RETURNING failures";

/// Locks a key (?1 key, ?2 until).
pub const LOCK: &str = "UPDATE admin_sign_in_failures SET locked_until = ?2 WHERE key = ?1";

/// A key's failures (?1 key).
pub const CLEAR_FAILURES: &str = "DELETE FROM admin_sign_in_failures WHERE key = ?1";

/// The columns of an admin API token.
pub const TOKEN_COLUMNS: &str = "id, name, scope, created_by, created_at";

/// An admin API token.
pub const INSERT_TOKEN: &str = "INSERT INTO admin_api_tokens
     (name, token_hash, scope, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
     RETURNING id, name, scope, created_by, created_at";

/// An admin API token's scope (?1 key).
pub const TOKEN_SCOPE: &str = "SELECT scope FROM admin_api_tokens WHERE token_hash = ?1";

/// An admin API token (?1 id).
pub const DELETE_TOKEN: &str = "DELETE FROM admin_api_tokens WHERE id = ?1";

/// Users created per day (?1 app, ?2 since).
pub const NEW_USERS_PER_DAY: &str = "SELECT created_at / 86400000 AS day, COUNT(*) AS n
     FROM users WHERE app_id = ?1 AND created_at >= ?2 GROUP BY created_at / 86400000";

/// Sessions started per day (?1 app, ?2 since).
pub const LOGINS_PER_DAY: &str = "SELECT s.created_at / 86400000 AS day, COUNT(*) AS n
     FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE u.app_id = ?1 AND s.created_at >= ?2 GROUP BY s.created_at / 86400000";

/// Messages per day one way (?1 app, ?2 since, ?3 direction).
pub const MESSAGES_PER_DAY: &str = "SELECT created_at / 86400000 AS day, COUNT(*) AS n
     FROM messages WHERE app_id = ?1 AND created_at >= ?2 AND direction = ?3
     GROUP BY created_at / 86400000";

/// The condition of a user search (?1 app, ?2 needle, ?3 the needle as a `LIKE` prefix
/// pattern, escaped with `\\`).
pub const USER_SEARCH: &str = "app_id = ?1 AND (?2 = '' OR openid LIKE ?3 ESCAPE '\\'
     OR unionid = ?2 OR pure_phone_number = ?2 OR phone_number = ?2)";

/// A user's sessions (?1 user id).
pub const USER_SESSIONS: &str = "SELECT created_at, expires_at FROM sessions
     WHERE user_id = ?1 ORDER BY created_at DESC LIMIT 100";

/// Every session of a user (?1 user id).
pub const DELETE_USER_SESSIONS: &str = "DELETE FROM sessions WHERE user_id = ?1";

/// Users with messages, latest first (?1 app, ?2 limit).
pub const RECENT_CONVERSATIONS: &str = "SELECT openid, COUNT(*) AS n, MAX(id) AS last_id,
     MAX(created_at) AS last_at FROM messages WHERE app_id = ?1
     GROUP BY openid ORDER BY last_id DESC LIMIT ?2";

/// Replies waiting in the outbox, the soonest due first, through `messages_outbox`
/// (?1 app, ?2 limit).
pub fn pending_replies() -> String {
    format!(
        "SELECT {} FROM messages WHERE app_id = ?1 AND status = 'pending'
         ORDER BY next_attempt_at, id LIMIT ?2",
        crate::messages::sql::MESSAGE_COLUMNS
    )
}

/// Adds to a minute's count of failed WeChat calls (?1 minute, ?2 endpoint, ?3 errcode,
/// ?4 count, ?5 last seen).
pub const ADD_WECHAT_ERRORS: &str =
    "INSERT INTO wechat_api_errors (minute, endpoint, errcode, count, last_seen)
     VALUES (?1, ?2, ?3, ?4, ?5)
     ON CONFLICT (minute, endpoint, errcode) DO UPDATE SET
         count = wechat_api_errors.count + excluded.count,
         last_seen = CASE WHEN excluded.last_seen > wechat_api_errors.last_seen
                          THEN excluded.last_seen ELSE wechat_api_errors.last_seen END";

/// Forgets the minutes before ?1.
pub const PURGE_WECHAT_ERRORS: &str = "DELETE FROM wechat_api_errors WHERE minute < ?1";

/// Failed WeChat calls from the minute ?1, by endpoint and errcode, the most first.
pub const WECHAT_ERRORS: &str =
    "SELECT endpoint, errcode, CAST(SUM(count) AS BIGINT) AS n, MAX(last_seen) AS last_seen
     FROM wechat_api_errors WHERE minute >= ?1
     GROUP BY endpoint, errcode ORDER BY n DESC, last_seen DESC";
