//! The [`MessageStore`](wxbase_core::MessageStore) statements, run on either backend: each
//! function is one trait method, given the pool the store writes to (recording an inbound
//! push is each backend's own hot path).

use sqlx::{Pool, Postgres, Transaction};
use wxbase_core::messages::{
    ClaimedOutbound, MessageId, NewInbound, NewOutbound, NewRule, OutboxRefusal, OutboxStats,
    ReplyRule, RuleId, SendOutcome, SendStatus, StoredMessage,
};
use wxbase_core::webhooks::{event, EventType};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::{AppId, OpenId};

use super::rows::{bind_rule, message_from_row, rule_from_row};
use super::sql;
use crate::backend::{Backend, ReadRow};
use crate::errors::{corrupt, SqlxResultExt};
use crate::sql::Statement;
use crate::webhooks::queries::record_if_subscribed;

/// Queues an outbound message, and counts it in its user's outbox queue if it is pending.
pub async fn queue_outbound<DB: Backend>(
    pool: &Pool<DB>,
    outbound: &NewOutbound,
) -> Result<StoredMessage, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let status = outbound.initial_status();
    let row = Statement::new(sql::insert_outbound())
        .bind(outbound.app_id.as_str())
        .bind(outbound.openid.as_str())
        .bind(outbound.msg_type())
        .bind(outbound.content_json())
        .bind(outbound.created_at.as_millis())
        .bind(status.as_str())
        .bind(None::<i64>)
        .fetch_one(&mut tx)
        .await?;
    let message = message_from_row(&row)?;
    if status == SendStatus::Pending {
        Statement::new(sql::QUEUE_MORE)
            .bind(outbound.app_id.as_str())
            .bind(outbound.openid.as_str())
            .bind(1_i64)
            .bind(outbound.created_at.as_millis())
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await.or_store_error()?;
    Ok(message)
}

/// PostgreSQL's claim: leases the first pending reply of up to `limit` due users until
/// `lease_until`, oldest id first (SQLite's runs on its writer thread, `sqlite::fast`).
pub async fn claim_outbound(
    pool: &Pool<Postgres>,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> Result<Vec<ClaimedOutbound>, StoreError> {
    let rows = Statement::new(sql::CLAIM_POSTGRES)
        .bind(now.as_millis())
        .bind(lease_until.as_millis())
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    let mut claimed = rows
        .iter()
        .map(|row| {
            let id: i64 = row.read(0)?;
            let corrupt = |e| corrupt(&format!("messages row {id}"), e);
            Ok(ClaimedOutbound {
                id: MessageId(id),
                app_id: AppId::parse(row.read::<String>(1)?).map_err(corrupt)?,
                openid: OpenId::parse(row.read::<String>(2)?).map_err(corrupt)?,
                content: row.read(3)?,
                attempts: row.read(4)?,
                maybe_sent: row.read::<i64>(5)? == 1,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    claimed.sort_by_key(|job| job.id);
    Ok(claimed)
}

/// Extends a lease, if it is still the one held until `held_until`.
pub async fn renew_outbound_lease<DB: Backend>(
    pool: &Pool<DB>,
    id: MessageId,
    held_until: Timestamp,
    until: Timestamp,
) -> Result<bool, StoreError> {
    let changed = Statement::new(sql::RENEW_LEASE)
        .bind(id.0)
        .bind(held_until.as_millis())
        .bind(until.as_millis())
        .execute(pool)
        .await?;
    Ok(changed == 1)
}

/// PostgreSQL: records how a send went, if the lease it was sent under is still held, and
/// moves the user's outbox queue on in the same statement.
pub async fn finish_outbound(
    pool: &Pool<Postgres>,
    id: MessageId,
    held_until: Timestamp,
    outcome: &SendOutcome,
) -> Result<bool, StoreError> {
    let held = held_until.as_millis();
    let statement = match outcome {
        SendOutcome::Sent { at } => {
            Statement::new(sql::finish_postgres(sql::MARK_SENT, "1", "?3::int8"))
                .bind(id.0)
                .bind(held)
                .bind(at.as_millis())
        }
        SendOutcome::Retry {
            errcode,
            error,
            next_attempt_at,
            maybe_sent,
        } => Statement::new(sql::finish_postgres(sql::MARK_RETRY, "0", "?5::int8"))
            .bind(id.0)
            .bind(held)
            .bind(*errcode)
            .bind(error.as_str())
            .bind(next_attempt_at.as_millis())
            .bind(i64::from(*maybe_sent)),
        SendOutcome::Failed { errcode, error } => {
            Statement::new(sql::finish_postgres(sql::MARK_FAILED, "1", "NULL::int8"))
                .bind(id.0)
                .bind(held)
                .bind(*errcode)
                .bind(error.as_str())
        }
        SendOutcome::Unconfirmed { errcode, error } => Statement::new(sql::finish_postgres(
            sql::MARK_UNCONFIRMED,
            "1",
            "NULL::int8",
        ))
        .bind(id.0)
        .bind(held)
        .bind(*errcode)
        .bind(error.as_str()),
    };
    Ok(statement.fetch_one(pool).await?.read::<i64>(0)? == 1)
}

/// What the outbox of an app holds at `now`.
pub async fn outbox_stats<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    now: Timestamp,
) -> Result<OutboxStats, StoreError> {
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    let pending = Statement::new(sql::OUTBOX_PENDING)
        .bind(app_id.as_str())
        .bind(now.as_millis())
        .fetch_one(pool)
        .await?;
    let failed = Statement::new(sql::OUTBOX_FAILED_COUNT)
        .bind(app_id.as_str())
        .fetch_one(pool)
        .await?;
    let sent = Statement::new(sql::OUTBOX_SENT_SINCE)
        .bind(app_id.as_str())
        .bind(now.as_millis() - 60_000)
        .fetch_one(pool)
        .await?;
    Ok(OutboxStats {
        pending: count(pending.read(0)?),
        in_flight: count(pending.read(1)?),
        failed: count(failed.read(0)?),
        oldest_pending_at: pending.read::<Option<i64>>(2)?.map(Timestamp::from_millis),
        sent_last_minute: count(sent.read(0)?),
    })
}

/// A page of an app's failed replies, newest first.
pub async fn failed_outbound<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    before: Option<MessageId>,
    limit: u32,
) -> Result<Vec<StoredMessage>, StoreError> {
    let rows = Statement::new(sql::failed_page())
        .bind(app_id.as_str())
        .bind(before.map_or(i64::MAX, |id| id.0))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    rows.iter().map(message_from_row).collect()
}

/// Why a retry or cancel changed nothing: the reply's state, read after the change was refused.
async fn refusal<DB: Backend>(
    tx: &mut Transaction<'static, DB>,
    app_id: &AppId,
    id: MessageId,
    now: Timestamp,
) -> Result<OutboxRefusal, StoreError> {
    let row = Statement::new(sql::OUTBOUND_STATE)
        .bind(app_id.as_str())
        .bind(id.0)
        .fetch_optional(tx)
        .await?;
    let Some(row) = row else {
        return Ok(OutboxRefusal::NotFound);
    };
    let status = row.read::<Option<String>>(0)?.unwrap_or_default();
    Ok(match SendStatus::parse(&status) {
        Some(SendStatus::Sent) => OutboxRefusal::Sent,
        Some(SendStatus::Cancelled) => OutboxRefusal::Cancelled,
        Some(SendStatus::Unconfirmed) => OutboxRefusal::Unconfirmed,
        Some(SendStatus::Pending) if row.read::<i64>(1)? > now.as_millis() => {
            OutboxRefusal::InFlight
        }
        // Changed between the write and this read (another operator, or the worker).
        Some(SendStatus::Pending | SendStatus::Failed) | None => OutboxRefusal::InFlight,
    })
}

/// Puts a failed reply back in the outbox, or makes a waiting one due at `now`.
pub async fn retry_outbound<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    id: MessageId,
    now: Timestamp,
) -> Result<Result<(), OutboxRefusal>, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let at = now.as_millis();
    let failed = Statement::new(sql::RETRY_FAILED)
        .bind(app_id.as_str())
        .bind(id.0)
        .bind(at)
        .fetch_optional(&mut tx)
        .await?;
    let queue = if let Some(row) = failed {
        Statement::new(sql::QUEUE_MORE)
            .bind(app_id.as_str())
            .bind(row.read::<String>(0)?)
            .bind(1_i64)
            .bind(at)
    } else {
        let pending = Statement::new(sql::RETRY_PENDING)
            .bind(app_id.as_str())
            .bind(id.0)
            .bind(at)
            .fetch_optional(&mut tx)
            .await?;
        let Some(row) = pending else {
            let refused = refusal(&mut tx, app_id, id, now).await?;
            tx.rollback().await.or_store_error()?;
            return Ok(Err(refused));
        };
        Statement::new(sql::QUEUE_DUE_BY)
            .bind(app_id.as_str())
            .bind(row.read::<String>(0)?)
            .bind(at)
    };
    queue.execute(&mut tx).await?;
    tx.commit().await.or_store_error()?;
    Ok(Ok(()))
}

/// Cancels a pending reply that is not in flight, or a failed one.
pub async fn cancel_outbound<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    id: MessageId,
    now: Timestamp,
) -> Result<Result<(), OutboxRefusal>, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let pending = Statement::new(sql::CANCEL_PENDING)
        .bind(app_id.as_str())
        .bind(id.0)
        .bind(now.as_millis())
        .fetch_optional(&mut tx)
        .await?;
    if let Some(row) = pending {
        Statement::new(sql::QUEUE_LESS)
            .bind(app_id.as_str())
            .bind(row.read::<String>(0)?)
            .execute(&mut tx)
            .await?;
    } else {
        let failed = Statement::new(sql::CANCEL_FAILED)
            .bind(app_id.as_str())
            .bind(id.0)
            .execute(&mut tx)
            .await?;
        if failed == 0 {
            let refused = refusal(&mut tx, app_id, id, now).await?;
            tx.rollback().await.or_store_error()?;
            return Ok(Err(refused));
        }
    }
    tx.commit().await.or_store_error()?;
    Ok(Ok(()))
}

/// A page of one user's conversation, newest first, before `before` if given.
pub async fn conversation<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    openid: &OpenId,
    before: Option<MessageId>,
    limit: u32,
) -> Result<Vec<StoredMessage>, StoreError> {
    let rows = Statement::new(sql::conversation())
        .bind(app_id.as_str())
        .bind(openid.as_str())
        .bind(before.map_or(i64::MAX, |id| id.0))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    rows.iter().map(message_from_row).collect()
}

/// How many messages an app has.
pub async fn count_messages<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
) -> Result<u64, StoreError> {
    let row = Statement::new(sql::COUNT_MESSAGES)
        .bind(app_id.as_str())
        .fetch_one(pool)
        .await?;
    Ok(u64::try_from(row.read::<i64>(0)?).unwrap_or_default())
}

/// Every rule, highest priority first.
pub async fn list_rules<DB: Backend>(pool: &Pool<DB>) -> Result<Vec<ReplyRule>, StoreError> {
    let rows = Statement::new(sql::list_rules()).fetch_all(pool).await?;
    rows.iter().map(rule_from_row).collect()
}

/// Creates a rule.
pub async fn create_rule<DB: Backend>(
    pool: &Pool<DB>,
    rule: &NewRule,
    now: Timestamp,
) -> Result<ReplyRule, StoreError> {
    let row = bind_rule(Statement::new(sql::create_rule()), rule)
        .bind(now.as_millis())
        .fetch_one(pool)
        .await?;
    rule_from_row(&row)
}

/// Replaces a rule; `None` if there is no such rule.
pub async fn update_rule<DB: Backend>(
    pool: &Pool<DB>,
    id: RuleId,
    rule: &NewRule,
    now: Timestamp,
) -> Result<Option<ReplyRule>, StoreError> {
    let row = bind_rule(Statement::new(sql::update_rule()).bind(id.0), rule)
        .bind(now.as_millis())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(rule_from_row).transpose()
}

/// Deletes a rule; `false` if there was no such rule.
pub async fn delete_rule<DB: Backend>(pool: &Pool<DB>, id: RuleId) -> Result<bool, StoreError> {
    let deleted = Statement::new(sql::DELETE_RULE)
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(deleted > 0)
}

/// Creates each named rule, or brings the rule of its name in step, in one transaction.
pub async fn sync_named_rules<DB: Backend>(
    pool: &Pool<DB>,
    rules: &[NewRule],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    for rule in rules {
        bind_rule(Statement::new(sql::SYNC_RULE), rule)
            .bind(now.as_millis())
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await.or_store_error()
}

/// Creates the rule only if there is no rule at all.
pub async fn seed_rule_if_none<DB: Backend>(
    pool: &Pool<DB>,
    rule: &NewRule,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let created = bind_rule(Statement::new(sql::SEED_RULE), rule)
        .bind(now.as_millis())
        .execute(pool)
        .await?;
    Ok(created == 1)
}

/// Inserts an inbound message in `tx`; `None` when its dedup key is known (a retried push).
pub async fn insert_inbound_in<DB: Backend>(
    tx: &mut Transaction<'static, DB>,
    inbound: &NewInbound,
) -> Result<Option<MessageId>, StoreError> {
    let row = Statement::new(sql::insert_inbound())
        .bind(inbound.app_id.as_str())
        .bind(inbound.openid.as_str())
        .bind(inbound.msg_type.as_str())
        .bind(inbound.content.to_string())
        .bind(inbound.raw.as_str())
        .bind(inbound.dedup_key.as_str())
        .bind(inbound.received_at.as_millis())
        .fetch_optional(&mut *tx)
        .await?;
    row.map(|row| row.read(0).map(MessageId)).transpose()
}

/// Records an inbound message and its replies, unless its dedup key is known (`None`), in one
/// transaction with its `message.received` event: what both backends' hot paths give way to
/// while some endpoint takes that event. Event pushes (`msg_type` `event`) are not messages a
/// user sent and record none.
pub async fn record_inbound_with_events<DB: Backend>(
    pool: &Pool<DB>,
    inbound: &NewInbound,
    replies: &[NewOutbound],
) -> Result<Option<MessageId>, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let Some(id) = insert_inbound_in(&mut tx, inbound).await? else {
        return Ok(None);
    };
    for reply in replies {
        let status = reply.initial_status();
        let sent_at = (status == SendStatus::Sent).then(|| reply.created_at.as_millis());
        Statement::new(sql::INSERT_OUTBOUND_ROW)
            .bind(reply.app_id.as_str())
            .bind(reply.openid.as_str())
            .bind(reply.msg_type())
            .bind(reply.content_json())
            .bind(reply.created_at.as_millis())
            .bind(status.as_str())
            .bind(sent_at)
            .execute(&mut tx)
            .await?;
        if status == SendStatus::Pending {
            Statement::new(sql::QUEUE_MORE)
                .bind(reply.app_id.as_str())
                .bind(reply.openid.as_str())
                .bind(1_i64)
                .bind(reply.created_at.as_millis())
                .execute(&mut tx)
                .await?;
        }
    }
    if inbound.msg_type != "event" {
        let at = inbound.received_at;
        record_if_subscribed(&mut tx, EventType::MessageReceived, at, || {
            vec![event::message_received(
                &inbound.openid,
                id.0,
                &inbound.msg_type,
                &inbound.content,
                at,
            )]
        })
        .await?;
    }
    tx.commit().await.or_store_error()?;
    Ok(Some(id))
}

/// Marks a reply failed under the lease it was sent under, moves its user's queue on and
/// records `message.reply_failed`, in one transaction: what both backends' outcome paths give
/// way to for a failure while some endpoint takes that event.
pub async fn fail_outbound_with_events<DB: Backend>(
    pool: &Pool<DB>,
    id: MessageId,
    held_until: Timestamp,
    errcode: Option<i64>,
    error: &str,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let row = Statement::new(format!("{} RETURNING openid", sql::MARK_FAILED))
        .bind(id.0)
        .bind(held_until.as_millis())
        .bind(errcode)
        .bind(error)
        .fetch_optional(&mut tx)
        .await?;
    let Some(row) = row else {
        return Ok(false);
    };
    let openid = OpenId::parse(row.read::<String>(0)?)
        .map_err(|e| corrupt(&format!("messages row {}", id.0), e))?;
    Statement::new(sql::FINISH_QUEUE)
        .bind(id.0)
        .bind(1_i64)
        .bind(None::<i64>)
        .execute(&mut tx)
        .await?;
    let now = Timestamp::now();
    record_if_subscribed(&mut tx, EventType::MessageReplyFailed, now, || {
        vec![event::message_reply_failed(
            &openid, id.0, errcode, error, now,
        )]
    })
    .await?;
    tx.commit().await.or_store_error()?;
    Ok(true)
}
