//! The writes the writer thread makes: a login (user upsert and a new session), an inbound
//! message with its replies, a subscribe-message sent event with its send results, and the
//! outbox's claims and outcomes. Each runs inside the caller's transaction or savepoint.
//!
//! None of these statements has a `RETURNING` clause. SQLite runs `RETURNING` as a trigger,
//! which makes an insert a multi-row write that may abort, and such a statement inside a
//! transaction keeps a statement journal: a copy of every page before it changes. That copy
//! was a tenth of the writer thread under push load. The writes instead read
//! `last_insert_rowid()` and the number of changed rows, and a login reads its user back with
//! a point query on a page the write just touched.

use rusqlite::{params, Connection};
use wxbase_core::messages::{
    ClaimedOutbound, MessageId, NewInbound, NewOutbound, SendOutcome, SendStatus,
};
use wxbase_core::subscriptions::SentReceipt;
use wxbase_core::{NewLogin, Timestamp};
use wxbase_wechat::{AppId, OpenId};

use super::user_columns;
use crate::messages::sql as messages_sql;
use crate::subscriptions::sql as subscriptions_sql;
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
        if status == SendStatus::Pending {
            conn.prepare_cached(messages_sql::QUEUE_MORE)?
                .execute(params![
                    reply.app_id.as_str(),
                    reply.openid.as_str(),
                    1_i64,
                    reply.created_at.as_millis()
                ])?;
        }
    }
    Ok(Some(MessageId(id)))
}

/// Records a `subscribe_msg_sent_event` push and keeps each send result it carries, unless its
/// dedup key is known (then `None`, and nothing is written).
pub(super) fn sent_event(
    conn: &Connection,
    event: &NewInbound,
    receipts: &[SentReceipt],
) -> rusqlite::Result<Option<MessageId>> {
    let Some(id) = inbound(conn, event, &[])? else {
        return Ok(None);
    };
    let mut keep = conn.prepare_cached(subscriptions_sql::KEEP_RECEIPT)?;
    for receipt in receipts {
        keep.execute(params![
            event.app_id.as_str(),
            receipt.msg_id,
            event.openid.as_str(),
            receipt.template_id,
            receipt.error_code,
            receipt.error_status,
            event.received_at.as_millis()
        ])?;
    }
    Ok(Some(id))
}

/// A claim of the outbox: the time it is made at, the lease it takes and the most replies.
#[derive(Debug, Clone, Copy)]
pub(super) struct Claim {
    pub now: Timestamp,
    pub lease_until: Timestamp,
    pub limit: u32,
}

/// Leases the first pending reply of up to `limit` due users: reads that many rows of
/// `outbox_queues_due`, probes `messages_pending_by_user` once per user, and writes each user's
/// next due time. Nothing here reads more rows than the batch holds.
pub(super) fn claim(conn: &Connection, claim: &Claim) -> rusqlite::Result<Vec<ClaimedOutbound>> {
    let (now, until) = (claim.now.as_millis(), claim.lease_until.as_millis());
    let due: Vec<(String, String, Option<i64>)> = conn
        .prepare_cached(messages_sql::DUE_QUEUES)?
        .query_map(params![now, i64::from(claim.limit)], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut claimed = Vec::with_capacity(due.len());
    for (app_id, openid, head) in due {
        let Some(head) = head else {
            tracing::warn!(%app_id, %openid, "outbox: a user counted with pending replies has none; counting none");
            conn.prepare_cached(messages_sql::EMPTY_QUEUE)?
                .execute(params![app_id, openid])?;
            continue;
        };
        let leased = conn
            .prepare_cached(messages_sql::LEASE_HEAD)?
            .execute(params![head, now, until])?;
        if leased == 1 {
            let job =
                conn.prepare_cached(messages_sql::CLAIMED)?
                    .query_row(params![head], |row| {
                        Ok((
                            row.get::<_, String>(1)?,
                            row.get::<_, String>(2)?,
                            row.get::<_, String>(3)?,
                            row.get::<_, i64>(4)?,
                            row.get::<_, i64>(5)?,
                        ))
                    })?;
            let (app, user, content, attempts, maybe_sent) = job;
            match (AppId::parse(app), OpenId::parse(user)) {
                (Ok(app_id), Ok(openid)) => claimed.push(ClaimedOutbound {
                    id: MessageId(head),
                    app_id,
                    openid,
                    content,
                    attempts,
                    maybe_sent: maybe_sent == 1,
                }),
                _ => tracing::error!(
                    message_id = head,
                    "outbox: a stored reply has a malformed app id or openid"
                ),
            }
        }
        conn.prepare_cached(messages_sql::REQUEUE_HEAD)?
            .execute(params![app_id, openid, head])?;
    }
    claimed.sort_by_key(|job| job.id);
    Ok(claimed)
}

/// An outcome to record: the reply, the lease it was sent under and how it went.
#[derive(Debug, Clone)]
pub(super) struct Finish {
    pub id: MessageId,
    pub held_until: Timestamp,
    pub outcome: SendOutcome,
}

/// Records an outcome if the lease it was sent under is still held, and moves the user's
/// queue on; whether it was recorded.
pub(super) fn finish(conn: &Connection, finish: &Finish) -> rusqlite::Result<bool> {
    let (id, held) = (finish.id.0, finish.held_until.as_millis());
    let (marked, ends, due) = match &finish.outcome {
        SendOutcome::Sent { at } => (
            conn.prepare_cached(messages_sql::MARK_SENT)?
                .execute(params![id, held, at.as_millis()])?,
            1_i64,
            Some(at.as_millis()),
        ),
        SendOutcome::Retry {
            errcode,
            error,
            next_attempt_at,
            maybe_sent,
        } => (
            conn.prepare_cached(messages_sql::MARK_RETRY)?
                .execute(params![
                    id,
                    held,
                    errcode,
                    error,
                    next_attempt_at.as_millis(),
                    i64::from(*maybe_sent)
                ])?,
            0,
            Some(next_attempt_at.as_millis()),
        ),
        SendOutcome::Failed { errcode, error } => (
            conn.prepare_cached(messages_sql::MARK_FAILED)?
                .execute(params![id, held, errcode, error])?,
            1,
            None,
        ),
        SendOutcome::Unconfirmed { errcode, error } => (
            conn.prepare_cached(messages_sql::MARK_UNCONFIRMED)?
                .execute(params![id, held, errcode, error])?,
            1,
            None,
        ),
    };
    if marked != 1 {
        return Ok(false);
    }
    conn.prepare_cached(messages_sql::FINISH_QUEUE)?
        .execute(params![id, ends, due])?;
    Ok(true)
}
