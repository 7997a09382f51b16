//! The writes the writer thread makes: a login (user upsert and a new session) and an inbound
//! message with its replies. Each runs inside the caller's transaction or savepoint.
//!
//! None of these statements has a `RETURNING` clause. SQLite runs `RETURNING` as a trigger,
//! which makes an insert a multi-row write that may abort, and such a statement inside a
//! transaction keeps a statement journal: a copy of every page before it changes. That copy
//! was a tenth of the writer thread under push load. The writes instead read
//! `last_insert_rowid()` and the number of changed rows, and a login reads its user back with
//! a point query on a page the write just touched.

use rusqlite::{params, Connection};
use wxbase_core::messages::{MessageId, NewInbound, NewOutbound, SendStatus};
use wxbase_core::NewLogin;

use super::user_columns;
use crate::messages::sql as messages_sql;
use crate::users::{UserColumns, USER_COLUMNS};

/// The SQL texts of the writes that embed [`USER_COLUMNS`], built once per writer: building
/// them per write (and hashing the fresh string to find the prepared statement) showed in
/// profiles.
pub(super) struct WriteSql {
    user_by_id: String,
    user_by_openid: String,
}

impl WriteSql {
    pub(super) fn new() -> Self {
        Self {
            user_by_id: format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
            user_by_openid: format!(
                "SELECT {USER_COLUMNS} FROM users WHERE app_id = ?1 AND openid = ?2"
            ),
        }
    }
}

/// Adds a user unless the app already has one with this openid (?1 app … ?5 at).
const INSERT_USER: &str =
    "INSERT INTO users (app_id, openid, unionid, session_key, created_at, updated_at, last_login_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5)
     ON CONFLICT (app_id, openid) DO NOTHING";

/// Records a returning user's login (?1 app, ?2 openid, ?3 session_key, ?4 unionid, ?5 at).
const UPDATE_USER: &str = "UPDATE users SET session_key = ?3, unionid = COALESCE(?4, unionid),
         updated_at = ?5, last_login_at = ?5
     WHERE app_id = ?1 AND openid = ?2";

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
    let inserted = conn.prepare_cached(INSERT_USER)?.execute(params![
        app_id,
        openid,
        unionid,
        session_key,
        at
    ])?;
    let (columns, is_new) = if inserted == 1 {
        let columns = conn
            .prepare_cached(&sql.user_by_id)?
            .query_row(params![conn.last_insert_rowid()], user_columns)?;
        (columns, true)
    } else {
        conn.prepare_cached(UPDATE_USER)?.execute(params![
            app_id,
            openid,
            session_key,
            unionid,
            at
        ])?;
        let columns = conn
            .prepare_cached(&sql.user_by_openid)?
            .query_row(params![app_id, openid], user_columns)?;
        (columns, false)
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
    inbound: &NewInbound,
    replies: &[NewOutbound],
) -> rusqlite::Result<Option<MessageId>> {
    let inserted = conn
        .prepare_cached(messages_sql::INSERT_INBOUND_ROW)?
        .execute(params![
            inbound.app_id.as_str(),
            inbound.openid.as_str(),
            inbound.msg_type,
            inbound.content.to_string(),
            inbound.raw,
            inbound.dedup_key,
            inbound.received_at.as_millis()
        ])?;
    if inserted == 0 {
        return Ok(None);
    }
    let id = conn.last_insert_rowid();
    let mut insert_reply = conn.prepare_cached(messages_sql::INSERT_OUTBOUND_ROW)?;
    for reply in replies {
        let status = reply.initial_status();
        let sent_at = (status == SendStatus::Sent).then(|| reply.created_at.as_millis());
        insert_reply.execute(params![
            reply.app_id.as_str(),
            reply.openid.as_str(),
            reply.msg_type(),
            reply.content_json(),
            reply.created_at.as_millis(),
            status.as_str(),
            sent_at
        ])?;
    }
    Ok(Some(MessageId(id)))
}
