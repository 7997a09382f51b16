//! WeChat's `subscribe_msg_sent_event` pushes on PostgreSQL, many per statement. A campaign
//! brings one per message sent, at the outbox's rate: each recorded alone (a transaction of
//! its own, waiting for its commit) they queued for the pool faster than they were written.
//! Batched, each push is still acknowledged only after the statement holding it commits.

use async_trait::async_trait;
use sqlx::{PgPool, Row};
use wxbase_core::messages::{MessageId, NewInbound};
use wxbase_core::subscriptions::SentReceipt;
use wxbase_core::StoreError;

use super::inbound::bind_messages;
use super::rounds::{answer_slot, Statement};
use crate::errors::SqlxResultExt;
use crate::subscriptions::queries;

/// One sent event to record: the push and the send results it carries.
pub type SentEventWrite = (NewInbound, Vec<SentReceipt>);

/// Inserts the pushes, skipping known dedup keys, then keeps the send results of those that
/// were new, the latest per message where two pushes of a batch name the same one.
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
         SELECT input.position, inserted.id, input.app_id, input.openid, input.at
         FROM input JOIN inserted USING (app_id, dedup_key)
     ), receipts AS (
         SELECT * FROM unnest($8::int8[], $9::text[], $10::text[], $11::int8[], $12::text[])
             WITH ORDINALITY AS r(event, msg_id, template_id, error_code, error_status, position)
     ), kept AS (
         INSERT INTO subscribe_receipts
             (app_id, msg_id, openid, template_id, error_code, error_status, received_at)
         SELECT DISTINCT ON (recorded.app_id, receipts.msg_id)
                recorded.app_id, receipts.msg_id, recorded.openid, receipts.template_id,
                receipts.error_code, receipts.error_status, recorded.at
         FROM receipts JOIN recorded ON recorded.position = receipts.event
         ORDER BY recorded.app_id, receipts.msg_id, receipts.position DESC
         ON CONFLICT (app_id, msg_id) DO UPDATE SET
             error_code = excluded.error_code, error_status = excluded.error_status,
             received_at = excluded.received_at
     )
     SELECT position, id FROM recorded";

/// The send results of a batch as columns, each naming its push's 1-based position.
#[derive(Default)]
struct ReceiptColumns<'a> {
    event: Vec<i64>,
    msg_id: Vec<&'a str>,
    template_id: Vec<&'a str>,
    error_code: Vec<i64>,
    error_status: Vec<&'a str>,
}

impl<'a> ReceiptColumns<'a> {
    fn of(writes: &[&'a SentEventWrite]) -> Self {
        let mut columns = Self::default();
        for (position, (_, receipts)) in (1_i64..).zip(writes) {
            for receipt in receipts {
                columns.event.push(position);
                columns.msg_id.push(&receipt.msg_id);
                columns.template_id.push(&receipt.template_id);
                columns.error_code.push(receipt.error_code);
                columns.error_status.push(&receipt.error_status);
            }
        }
        columns
    }
}

/// Records sent events with distinct dedup keys in one statement; `None` for a push already
/// known.
async fn record_many(
    pool: &PgPool,
    writes: &[&SentEventWrite],
) -> Result<Vec<Option<MessageId>>, StoreError> {
    let receipts = ReceiptColumns::of(writes);
    let messages: Vec<&NewInbound> = writes.iter().map(|(message, _)| message).collect();
    let rows = bind_messages(sqlx::query(RECORD_MANY), &messages)
        .bind(receipts.event)
        .bind(receipts.msg_id)
        .bind(receipts.template_id)
        .bind(receipts.error_code)
        .bind(receipts.error_status)
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

/// Sent events, one at a time or many in one statement.
#[derive(Debug)]
pub struct SentEvents {
    pub pool: PgPool,
}

#[async_trait]
impl Statement for SentEvents {
    type Request = SentEventWrite;
    type Answer = Option<MessageId>;

    async fn together(
        &self,
        writes: &[&SentEventWrite],
    ) -> Result<Vec<Option<MessageId>>, StoreError> {
        record_many(&self.pool, writes).await
    }

    async fn alone(
        &self,
        (inbound, receipts): &SentEventWrite,
    ) -> Result<Option<MessageId>, StoreError> {
        queries::record_subscribe_event(&self.pool, inbound, &[], receipts).await
    }
}
