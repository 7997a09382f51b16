//! The [`SubscriptionStore`](wxbase_core::SubscriptionStore) statements, run on either
//! backend: each function is one trait method, given the pool it writes to or reads from.

use std::collections::BTreeSet;

use sqlx::{Pool, Transaction};
use wxbase_core::messages::{MessageId, NewInbound, NewOutbound, SendStatus, StoredMessage};
use wxbase_core::subscriptions::{
    Audience, CampaignId, CampaignReport, Grant, GrantChange, NewCampaign, SentReceipt,
};
use wxbase_core::webhooks::{event, EventType};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::{AppId, OpenId};

use super::sql;
use crate::backend::{Backend, ReadRow};
use crate::errors::SqlxResultExt;
use crate::messages::queries::insert_inbound_in;
use crate::messages::rows::message_from_row;
use crate::messages::sql as messages_sql;
use crate::sql::Statement;

/// Applies `changes` to the user's grants in `tx`.
async fn apply_changes<DB: Backend>(
    tx: &mut Transaction<'static, DB>,
    app_id: &AppId,
    openid: &OpenId,
    changes: &[GrantChange],
    now: Timestamp,
) -> Result<(), StoreError> {
    for change in changes {
        Statement::new(sql::CHANGE_GRANT)
            .bind(app_id.as_str())
            .bind(openid.as_str())
            .bind(change.template_id.as_str())
            .bind(change.one_time_added())
            .bind(i64::from(change.voids_one_time()))
            .bind(change.long_term().map(i64::from))
            .bind(change.answer.as_str())
            .bind(now.as_millis())
            .execute(&mut *tx)
            .await?;
    }
    // `subscription.changed` for webhook endpoints that take it, in the same transaction.
    crate::webhooks::queries::record_if_subscribed(tx, EventType::SubscriptionChanged, now, || {
        changes
            .iter()
            .map(|change| {
                event::subscription_changed(
                    openid,
                    &change.template_id,
                    change.answer.as_str(),
                    now,
                )
            })
            .collect()
    })
    .await
}

/// Records the event push unless its dedup key is known, then its changes and receipts.
pub async fn record_subscribe_event<DB: Backend>(
    pool: &Pool<DB>,
    inbound: &NewInbound,
    changes: &[GrantChange],
    receipts: &[SentReceipt],
) -> Result<Option<MessageId>, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let Some(id) = insert_inbound_in(&mut tx, inbound).await? else {
        return Ok(None);
    };
    apply_changes(
        &mut tx,
        &inbound.app_id,
        &inbound.openid,
        changes,
        inbound.received_at,
    )
    .await?;
    for receipt in receipts {
        Statement::new(sql::KEEP_RECEIPT)
            .bind(inbound.app_id.as_str())
            .bind(receipt.msg_id.as_str())
            .bind(inbound.openid.as_str())
            .bind(receipt.template_id.as_str())
            .bind(receipt.error_code)
            .bind(receipt.error_status.as_str())
            .bind(inbound.received_at.as_millis())
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await.or_store_error()?;
    Ok(Some(id))
}

/// Applies reported changes.
pub async fn change_grants<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    openid: &OpenId,
    changes: &[GrantChange],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    apply_changes(&mut tx, app_id, openid, changes, now).await?;
    tx.commit().await.or_store_error()
}

/// A user's grants.
pub async fn grants<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    openid: &OpenId,
) -> Result<Vec<Grant>, StoreError> {
    let rows = Statement::new(sql::GRANTS)
        .bind(app_id.as_str())
        .bind(openid.as_str())
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Grant {
                template_id: row.read(0)?,
                one_time: row.read(1)?,
                long_term: row.read::<i64>(2)? == 1,
                last_result: row.read(3)?,
                updated_at: Timestamp::from_millis(row.read(4)?),
            })
        })
        .collect()
}

/// Uses a grant and queues the message, or does nothing without a grant.
pub async fn queue_subscribe<DB: Backend>(
    pool: &Pool<DB>,
    outbound: &NewOutbound,
    template_id: &str,
    long_term: bool,
    send_at: Timestamp,
) -> Result<Option<StoredMessage>, StoreError> {
    let (app_id, openid) = (outbound.app_id.as_str(), outbound.openid.as_str());
    let mut tx = pool.begin().await.or_store_error()?;
    let used = Statement::new(sql::USE_GRANT)
        .bind(app_id)
        .bind(openid)
        .bind(template_id)
        .bind(i64::from(long_term))
        .execute(&mut tx)
        .await?;
    if used == 0 {
        return Ok(None);
    }
    let row = Statement::new(sql::insert_message())
        .bind(app_id)
        .bind(openid)
        .bind(outbound.content_json())
        .bind(outbound.created_at.as_millis())
        .bind(send_at.as_millis())
        .fetch_one(&mut tx)
        .await?;
    let message = message_from_row(&row)?;
    Statement::new(messages_sql::QUEUE_MORE)
        .bind(app_id)
        .bind(openid)
        .bind(1_i64)
        .bind(send_at.as_millis())
        .execute(&mut tx)
        .await?;
    tx.commit().await.or_store_error()?;
    Ok(Some(message))
}

/// Creates the campaign and queues its messages: four set-based statements in one
/// transaction, whatever the audience's size.
pub async fn create_campaign<DB: Backend>(
    pool: &Pool<DB>,
    campaign: &NewCampaign,
) -> Result<CampaignId, StoreError> {
    let content = serde_json::to_string(&campaign.message).unwrap_or_else(|_| "{}".to_owned());
    let mut tx = pool.begin().await.or_store_error()?;
    let id: i64 = Statement::new(sql::INSERT_CAMPAIGN)
        .bind(campaign.app_id.as_str())
        .bind(campaign.message.template_id.as_str())
        .bind(content.as_str())
        .bind(campaign.audience.as_str())
        .bind(campaign.send_at.as_millis())
        .bind(campaign.created_at.as_millis())
        .fetch_one(&mut tx)
        .await?
        .read(0)?;
    let listed: Option<BTreeSet<&str>> = match &campaign.audience {
        Audience::Granted => None,
        Audience::Openids(openids) => Some(openids.iter().map(OpenId::as_str).collect()),
    };
    let mark = Statement::new(sql::use_campaign_grants(DB::DIALECT, listed.is_some()))
        .bind(campaign.app_id.as_str())
        .bind(campaign.message.template_id.as_str())
        .bind(i64::from(campaign.long_term))
        .bind(id);
    let mark = match &listed {
        Some(openids) => mark.bind(serde_json::to_string(openids).unwrap_or_default()),
        None => mark,
    };
    mark.execute(&mut tx).await?;
    let queued = Statement::new(sql::INSERT_CAMPAIGN_MESSAGES)
        .bind(id)
        .bind(content.as_str())
        .bind(campaign.created_at.as_millis())
        .bind(campaign.send_at.as_millis())
        .execute(&mut tx)
        .await?;
    Statement::new(sql::QUEUE_CAMPAIGN)
        .bind(id)
        .bind(campaign.send_at.as_millis())
        .execute(&mut tx)
        .await?;
    let queued = i64::try_from(queued).unwrap_or(i64::MAX);
    let without_grant = listed.map_or(0, |openids| {
        i64::try_from(openids.len()).unwrap_or(i64::MAX) - queued
    });
    Statement::new(sql::CAMPAIGN_QUEUED)
        .bind(id)
        .bind(queued)
        .bind(without_grant)
        .execute(&mut tx)
        .await?;
    tx.commit().await.or_store_error()?;
    Ok(CampaignId(id))
}

/// A campaign and its counts.
pub async fn campaign<DB: Backend>(
    pool: &Pool<DB>,
    app_id: &AppId,
    id: CampaignId,
) -> Result<Option<CampaignReport>, StoreError> {
    let Some(row) = Statement::new(sql::CAMPAIGN)
        .bind(app_id.as_str())
        .bind(id.0)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(None);
    };
    let count = |n: i64| u64::try_from(n).unwrap_or_default();
    let mut report = CampaignReport {
        id,
        template_id: row.read(1)?,
        audience: row.read(2)?,
        queued: count(row.read(3)?),
        without_grant: count(row.read(4)?),
        pending: 0,
        sent: 0,
        refused: 0,
        unconfirmed: 0,
        failed: 0,
        cancelled: 0,
        send_at: Timestamp::from_millis(row.read(5)?),
        created_at: Timestamp::from_millis(row.read(6)?),
    };
    let rows = Statement::new(sql::CAMPAIGN_COUNTS)
        .bind(id.0)
        .fetch_all(pool)
        .await?;
    for row in rows {
        let status = row.read::<Option<String>>(0)?.unwrap_or_default();
        let (all, refused) = (count(row.read(1)?), count(row.read(2)?));
        match SendStatus::parse(&status) {
            Some(SendStatus::Pending) => report.pending += all,
            Some(SendStatus::Sent) => report.sent += all,
            Some(SendStatus::Failed) => {
                report.refused += refused;
                report.failed += all - refused;
            }
            Some(SendStatus::Cancelled) => report.cancelled += all,
            Some(SendStatus::Unconfirmed) => report.unconfirmed += all,
            None => {}
        }
    }
    Ok(Some(report))
}
