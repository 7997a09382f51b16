//! The writes the writer thread makes: a login (user upsert and a new session) and an inbound
//! message with its replies. Each runs inside the caller's transaction or savepoint.

use rusqlite::{params, Connection, OptionalExtension};
use wxbase_core::messages::{MessageId, NewInbound, NewOutbound, SendStatus};
use wxbase_core::NewLogin;

use super::user_columns;
use crate::messages::sql as messages_sql;
use crate::rows::{UserColumns, USER_COLUMNS};

/// The SQL texts of the writes, built once per writer: building them per write (and hashing
/// the fresh string to find the prepared statement) showed in profiles.
pub(super) struct WriteSql {
    insert_user: String,
    update_user: String,
    insert_outbound: String,
}

impl WriteSql {
    pub(super) fn new() -> Self {
        Self {
            insert_user: format!(
                "INSERT INTO users (app_id, openid, unionid, session_key, created_at, updated_at, last_login_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)
                 ON CONFLICT (app_id, openid) DO NOTHING
                 RETURNING {USER_COLUMNS}"
            ),
            update_user: format!(
                "UPDATE users SET session_key = ?3, unionid = COALESCE(?4, unionid),
                     updated_at = ?5, last_login_at = ?5
                 WHERE app_id = ?1 AND openid = ?2
                 RETURNING {USER_COLUMNS}"
            ),
            insert_outbound: messages_sql::insert_outbound(),
        }
    }
}

const INSERT_SESSION: &str =
    "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES (?1, ?2, ?3, ?4)";

/// Creates or updates the user and adds the session; the user's columns and whether the user
/// is new.
pub(super) fn login(
    conn: &Connection,
    sql: &WriteSql,
    login: &NewLogin,
) -> rusqlite::Result<(UserColumns, bool)> {
    let at = login.at.as_millis();
    let unionid = login.unionid.as_ref().map(|u| u.as_str());
    let app_id = login.app_id.as_str();
    let openid = login.openid.as_str();
    let session_key = login.session_key.expose();
    let inserted = conn
        .prepare_cached(&sql.insert_user)?
        .query_row(
            params![app_id, openid, unionid, session_key, at],
            user_columns,
        )
        .optional()?;
    let (columns, is_new) = match inserted {
        Some(columns) => (columns, true),
        None => {
            let columns = conn.prepare_cached(&sql.update_user)?.query_row(
                params![app_id, openid, session_key, unionid, at],
                user_columns,
            )?;
            (columns, false)
        }
    };
    conn.prepare_cached(INSERT_SESSION)?.execute(params![
        login.token_hash.as_bytes(),
        columns.id,
        at,
        login.expires_at.as_millis()
    ])?;
    Ok((columns, is_new))
}

/// Records an inbound message and its replies unless its dedup key is known (then `None`).
pub(super) fn inbound(
    conn: &Connection,
    sql: &WriteSql,
    inbound: &NewInbound,
    replies: &[NewOutbound],
) -> rusqlite::Result<Option<MessageId>> {
    let id: Option<i64> = conn
        .prepare_cached(messages_sql::INSERT_INBOUND)?
        .query_row(
            params![
                inbound.app_id.as_str(),
                inbound.openid.as_str(),
                inbound.msg_type,
                inbound.content.to_string(),
                inbound.raw,
                inbound.dedup_key,
                inbound.received_at.as_millis()
            ],
            |row| row.get(0),
        )
        .optional()?;
    let Some(id) = id else {
        return Ok(None);
    };
    let mut insert_reply = conn.prepare_cached(&sql.insert_outbound)?;
    for reply in replies {
        let status = reply.initial_status();
        let sent_at = (status == SendStatus::Sent).then(|| reply.created_at.as_millis());
        let mut rows = insert_reply.query(params![
            reply.app_id.as_str(),
            reply.openid.as_str(),
            reply.msg_type(),
            reply.content_json(),
            reply.created_at.as_millis(),
            status.as_str(),
            sent_at
        ])?;
        while rows.next()?.is_some() {}
    }
    Ok(Some(MessageId(id)))
}
