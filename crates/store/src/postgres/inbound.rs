//! Inbound pushes on PostgreSQL, many per statement: the messages, de-duplicated by
//! `(app_id, dedup_key)`, and the replies of those that were new; or one push alone, in a
//! transaction.

use async_trait::async_trait;
use sqlx::postgres::PgArguments;
use sqlx::query::Query;
use sqlx::{PgPool, Postgres, Row};
use wxbase_core::messages::{MessageId, NewInbound, NewOutbound, SendStatus};
use wxbase_core::StoreError;

use super::rounds::{answer_slot, Statement};
use crate::errors::SqlxResultExt;
use crate::messages::sql;
use crate::sql::Dialect;

/// One push to record: the message and the replies its rule chose.
pub type InboundWrite = (NewInbound, Vec<NewOutbound>);

/// Inserts the messages in key order (two instances' batches holding the same retried push
/// wait for each other in one order, never in a cycle), skipping known dedup keys, then the
/// replies of the inserted ones, each after its own message (a reply's row is made from its
/// message's row, so its id is larger), and counts the pending ones in their users' outbox
/// queues (one row per user, in key order like the messages).
const RECORD_MANY: &str = "WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[],
                              $6::text[], $7::int8[])
             WITH ORDINALITY AS t(app_id, openid, msg_type, content, raw, dedup_key, at, position)
     ), inserted AS (
         INSERT INTO messages (app_id, openid, direction, msg_type, content, raw, dedup_key, created_at)
         SELECT app_id, openid, 'inbound', msg_type, content, raw, dedup_key, at FROM input
         ORDER BY app_id, dedup_key
         ON CONFLICT (app_id, dedup_key) DO NOTHING
         RETURNING id, app_id, dedup_key
     ), recorded AS (
         SELECT input.position, inserted.id FROM input JOIN inserted USING (app_id, dedup_key)
     ), replies AS (
         SELECT * FROM unnest($8::int8[], $9::text[], $10::text[], $11::text[], $12::text[],
                              $13::int8[], $14::text[], $15::int8[])
             WITH ORDINALITY AS r(message, app_id, openid, msg_type, content, created_at,
                                  status, sent_at, position)
     ), queued AS (
         INSERT INTO messages (app_id, openid, direction, msg_type, content, created_at, status,
                               next_attempt_at, sent_at)
         SELECT replies.app_id, replies.openid, 'outbound', replies.msg_type, replies.content,
                replies.created_at, replies.status, replies.created_at, replies.sent_at
         FROM replies JOIN recorded ON recorded.position = replies.message
         ORDER BY replies.position
     ), queues AS (
         INSERT INTO outbox_queues (app_id, openid, pending, due_at)
         SELECT replies.app_id, replies.openid, COUNT(*), MIN(replies.created_at)
         FROM replies JOIN recorded ON recorded.position = replies.message
         WHERE replies.status = 'pending'
         GROUP BY replies.app_id, replies.openid
         ORDER BY replies.app_id, replies.openid
         ON CONFLICT (app_id, openid) DO UPDATE SET
             pending = outbox_queues.pending + excluded.pending,
             due_at = CASE WHEN outbox_queues.pending > 0 THEN outbox_queues.due_at
                           ELSE excluded.due_at END
     )
     SELECT position, id FROM recorded";

/// The replies of a batch as columns, each naming its message's 1-based position.
#[derive(Default)]
struct ReplyColumns {
    message: Vec<i64>,
    app_id: Vec<String>,
    openid: Vec<String>,
    msg_type: Vec<&'static str>,
    content: Vec<String>,
    created_at: Vec<i64>,
    status: Vec<&'static str>,
    sent_at: Vec<Option<i64>>,
}

impl ReplyColumns {
    fn of(writes: &[&InboundWrite]) -> Self {
        let mut columns = Self::default();
        for (position, (_, replies)) in (1_i64..).zip(writes) {
            for reply in replies {
                let status = reply.initial_status();
                columns.message.push(position);
                columns.app_id.push(reply.app_id.as_str().to_owned());
                columns.openid.push(reply.openid.as_str().to_owned());
                columns.msg_type.push(reply.msg_type());
                columns.content.push(reply.content_json());
                columns.created_at.push(reply.created_at.as_millis());
                columns.status.push(status.as_str());
                columns
                    .sent_at
                    .push((status == SendStatus::Sent).then(|| reply.created_at.as_millis()));
            }
        }
        columns
    }
}

/// The SQL of one push alone, rewritten for PostgreSQL once per store rather than per push.
#[derive(Debug)]
pub struct InboundSql {
    insert_inbound: String,
    insert_outbound: String,
    queue_more: String,
}

impl InboundSql {
    pub fn new() -> Self {
        Self {
            insert_inbound: Dialect::Postgres
                .shared(&sql::insert_inbound())
                .into_owned(),
            insert_outbound: Dialect::Postgres
                .shared(&sql::insert_outbound())
                .into_owned(),
            queue_more: Dialect::Postgres.shared(sql::QUEUE_MORE).into_owned(),
        }
    }
}

/// Records one push and, if it is new, its replies.
pub async fn record_one(
    pool: &PgPool,
    sql: &InboundSql,
    (inbound, replies): &InboundWrite,
) -> Result<Option<MessageId>, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let id: Option<i64> = sqlx::query_scalar(&sql.insert_inbound)
        .bind(inbound.app_id.as_str())
        .bind(inbound.openid.as_str())
        .bind(&inbound.msg_type)
        .bind(inbound.content.to_string())
        .bind(&inbound.raw)
        .bind(&inbound.dedup_key)
        .bind(inbound.received_at.as_millis())
        .fetch_optional(&mut *tx)
        .await
        .or_store_error()?;
    let Some(id) = id else {
        tx.rollback().await.or_store_error()?;
        return Ok(None);
    };
    for reply in replies {
        let status = reply.initial_status();
        let sent_at = (status == SendStatus::Sent).then(|| reply.created_at.as_millis());
        sqlx::query(&sql.insert_outbound)
            .bind(reply.app_id.as_str())
            .bind(reply.openid.as_str())
            .bind(reply.msg_type())
            .bind(reply.content_json())
            .bind(reply.created_at.as_millis())
            .bind(status.as_str())
            .bind(sent_at)
            .execute(&mut *tx)
            .await
            .or_store_error()?;
        if status == SendStatus::Pending {
            sqlx::query(&sql.queue_more)
                .bind(reply.app_id.as_str())
                .bind(reply.openid.as_str())
                .bind(1_i64)
                .bind(reply.created_at.as_millis())
                .execute(&mut *tx)
                .await
                .or_store_error()?;
        }
    }
    tx.commit().await.or_store_error()?;
    Ok(Some(MessageId(id)))
}

/// Records pushes with distinct dedup keys in one statement; `None` for a push already known.
pub async fn record_many(
    pool: &PgPool,
    writes: &[&InboundWrite],
) -> Result<Vec<Option<MessageId>>, StoreError> {
    let replies = ReplyColumns::of(writes);
    let messages: Vec<&NewInbound> = writes.iter().map(|(message, _)| message).collect();
    let rows = bind_messages(sqlx::query(RECORD_MANY), &messages)
        .bind(replies.message)
        .bind(replies.app_id)
        .bind(replies.openid)
        .bind(replies.msg_type)
        .bind(replies.content)
        .bind(replies.created_at)
        .bind(replies.status)
        .bind(replies.sent_at)
        .fetch_all(pool)
        .await
        .or_store_error()?;
    let mut ids = vec![None; writes.len()];
    for row in &rows {
        let id: i64 = row.try_get("id").or_store_error()?;
        *answer_slot(&mut ids, row)? = Some(MessageId(id));
    }
    Ok(ids)
}

/// Binds pushes as the columns `$1` to `$7` of a batched statement: app, openid, type, content,
/// raw body, dedup key, time.
pub fn bind_messages<'q>(
    query: Query<'q, Postgres, PgArguments>,
    messages: &[&'q NewInbound],
) -> Query<'q, Postgres, PgArguments> {
    let column = |read: fn(&'q NewInbound) -> &'q str| -> Vec<&'q str> {
        messages.iter().map(|m| read(m)).collect()
    };
    query
        .bind(column(|m| m.app_id.as_str()))
        .bind(column(|m| m.openid.as_str()))
        .bind(column(|m| m.msg_type.as_str()))
        .bind(
            messages
                .iter()
                .map(|m| m.content.to_string())
                .collect::<Vec<_>>(),
        )
        .bind(column(|m| m.raw.as_str()))
        .bind(column(|m| m.dedup_key.as_str()))
        .bind(
            messages
                .iter()
                .map(|m| m.received_at.as_millis())
                .collect::<Vec<_>>(),
        )
}

/// Inbound pushes, one at a time or many in one statement.
#[derive(Debug)]
pub struct Inbound {
    pub pool: PgPool,
    pub sql: InboundSql,
}

#[async_trait]
impl Statement for Inbound {
    type Request = InboundWrite;
    type Answer = Option<MessageId>;

    async fn together(
        &self,
        writes: &[&InboundWrite],
    ) -> Result<Vec<Option<MessageId>>, StoreError> {
        record_many(&self.pool, writes).await
    }

    async fn alone(&self, write: &InboundWrite) -> Result<Option<MessageId>, StoreError> {
        record_one(&self.pool, &self.sql, write).await
    }
}
