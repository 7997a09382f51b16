//! The [`MessageStore`](wxbase_core::MessageStore) statements, run on either backend: each
//! function is one trait method, given the pool the store writes to (recording an inbound
//! push is each backend's own hot path).

use sqlx::Pool;
use wxbase_core::messages::{
    ClaimedOutbound, MessageId, NewOutbound, NewRule, ReplyRule, RuleId, SendOutcome, StoredMessage,
};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::{AppId, OpenId};

use super::rows::{bind_rule, message_from_row, rule_from_row};
use super::sql;
use crate::backend::{Backend, ReadRow};
use crate::errors::{corrupt, SqlxResultExt};
use crate::sql::Statement;

/// Queues an outbound message.
pub async fn queue_outbound<DB: Backend>(
    pool: &Pool<DB>,
    outbound: &NewOutbound,
) -> Result<StoredMessage, StoreError> {
    let row = Statement::new(sql::insert_outbound())
        .bind(outbound.app_id.as_str())
        .bind(outbound.openid.as_str())
        .bind(outbound.msg_type())
        .bind(outbound.content_json())
        .bind(outbound.created_at.as_millis())
        .bind(outbound.initial_status().as_str())
        .bind(None::<i64>)
        .fetch_one(pool)
        .await?;
    message_from_row(&row)
}

/// Leases up to `limit` due messages until `lease_until`, oldest first.
pub async fn claim_outbound<DB: Backend>(
    pool: &Pool<DB>,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> Result<Vec<ClaimedOutbound>, StoreError> {
    let rows = Statement::new(sql::claim(DB::DIALECT))
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

/// Records how a send went, if the lease it was sent under is still held.
pub async fn finish_outbound<DB: Backend>(
    pool: &Pool<DB>,
    id: MessageId,
    held_until: Timestamp,
    outcome: &SendOutcome,
) -> Result<bool, StoreError> {
    let held = held_until.as_millis();
    let statement = match outcome {
        SendOutcome::Sent { at } => Statement::new(sql::MARK_SENT)
            .bind(id.0)
            .bind(held)
            .bind(at.as_millis()),
        SendOutcome::Retry {
            errcode,
            error,
            next_attempt_at,
        } => Statement::new(sql::MARK_RETRY)
            .bind(id.0)
            .bind(held)
            .bind(*errcode)
            .bind(error.as_str())
            .bind(next_attempt_at.as_millis()),
        SendOutcome::Failed { errcode, error } => Statement::new(sql::MARK_FAILED)
            .bind(id.0)
            .bind(held)
            .bind(*errcode)
            .bind(error.as_str()),
    };
    Ok(statement.execute(pool).await? == 1)
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
