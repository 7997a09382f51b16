//! The [`WebhookStore`](wxbase_core::WebhookStore) statements, run on either backend: each
//! public function is one trait method, given the pool the store writes to or reads from;
//! [`record_events_in`] is what other areas' writes call inside their transactions.

use sqlx::{Pool, Transaction};
use wxbase_core::webhooks::{
    ClaimedDelivery, Delivery, DeliveryId, DeliveryOutcome, DeliveryStatus, Endpoint, EndpointId,
    EndpointSpec, Event, EventType, RetryRefusal, SigningSecret, ROTATION_OVERLAP,
};
use wxbase_core::{StoreError, Timestamp};

use super::rows::{bind_spec, delivery_from_row, endpoint_from_row, subscriptions};
use super::sql;
use crate::backend::{Backend, ReadRow};
use crate::errors::{corrupt, SqlxResultExt};
use crate::sql::{Dialect, Statement};

/// A transaction that holds the write lock from its start (SQLite's `BEGIN IMMEDIATE`): the
/// claim reads before it writes, and a deferred SQLite transaction that does so can be refused
/// when another connection wrote in between.
async fn begin_writing<DB: Backend>(
    pool: &Pool<DB>,
) -> Result<Transaction<'static, DB>, StoreError> {
    let begin = match DB::DIALECT {
        Dialect::Sqlite => "BEGIN IMMEDIATE",
        Dialect::Postgres => "BEGIN",
    };
    pool.begin_with(begin).await.or_store_error()
}

/// Records `events` for every enabled endpoint subscribed to them, inside `tx`: the caller's
/// write and its events commit or roll back together. With no endpoint subscribed, each
/// event costs two index probes and writes nothing.
pub async fn record_events_in<DB: Backend>(
    tx: &mut Transaction<'static, DB>,
    events: &[Event],
    now: Timestamp,
) -> Result<(), StoreError> {
    for event in events {
        let collection = event.collection.as_deref().unwrap_or("");
        let inserted = Statement::new(sql::FAN_OUT)
            .bind(event.subject.as_str())
            .bind(event.id.as_str())
            .bind(event.kind.as_str())
            .bind(event.payload.as_str())
            .bind(now.as_millis())
            .bind(collection)
            .execute(&mut *tx)
            .await?;
        if inserted > 0 {
            Statement::new(sql::FAN_OUT_QUEUES)
                .bind(event.subject.as_str())
                .bind(now.as_millis())
                .bind(event.kind.as_str())
                .bind(collection)
                .execute(&mut *tx)
                .await?;
        }
    }
    Ok(())
}

/// Records the events `make` builds if some enabled endpoint takes events of `kind`, inside
/// `tx`: with none subscribed a write pays one index probe and builds no event.
pub async fn record_if_subscribed<DB: Backend>(
    tx: &mut Transaction<'static, DB>,
    kind: EventType,
    now: Timestamp,
    make: impl FnOnce() -> Vec<Event>,
) -> Result<(), StoreError> {
    let subscribed = Statement::new(sql::IS_SUBSCRIBED)
        .bind(kind.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if subscribed.is_some() {
        record_events_in(tx, &make(), now).await?;
    }
    Ok(())
}

/// Records events in a transaction of their own.
pub async fn record_events<DB: Backend>(
    pool: &Pool<DB>,
    events: &[Event],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    record_events_in(&mut tx, events, now).await?;
    tx.commit().await.or_store_error()
}

/// Writes an endpoint's subscriptions afresh, and parks or wakes its queues.
async fn subscribe<DB: Backend>(
    tx: &mut Transaction<'static, DB>,
    id: i64,
    spec: &EndpointSpec,
    now: Timestamp,
) -> Result<(), StoreError> {
    Statement::new(sql::DELETE_SUBSCRIPTIONS)
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (kind, collection) in subscriptions(spec) {
        Statement::new(sql::INSERT_SUBSCRIPTION)
            .bind(kind)
            .bind(collection)
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    let queues = if spec.enabled {
        Statement::new(sql::UNPARK_QUEUES)
            .bind(id)
            .bind(now.as_millis())
    } else {
        Statement::new(sql::PARK_QUEUES).bind(id)
    };
    queues.execute(&mut *tx).await?;
    Ok(())
}

/// Creates an endpoint; `None` when its name is taken.
pub async fn create_endpoint<DB: Backend>(
    pool: &Pool<DB>,
    spec: &EndpointSpec,
    secret: &SigningSecret,
    now: Timestamp,
) -> Result<Option<Endpoint>, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let row = bind_spec(Statement::new(sql::insert_endpoint()), spec)
        .bind(secret.expose())
        .bind(now.as_millis())
        .fetch_optional(&mut tx)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let endpoint = endpoint_from_row(&row)?;
    subscribe(&mut tx, endpoint.id.0, spec, now).await?;
    tx.commit().await.or_store_error()?;
    Ok(Some(endpoint))
}

/// Every endpoint.
pub async fn endpoints<DB: Backend>(pool: &Pool<DB>) -> Result<Vec<Endpoint>, StoreError> {
    let rows = Statement::new(sql::select_endpoints())
        .fetch_all(pool)
        .await?;
    rows.iter().map(endpoint_from_row).collect()
}

/// One endpoint.
pub async fn endpoint<DB: Backend>(
    pool: &Pool<DB>,
    id: EndpointId,
) -> Result<Option<Endpoint>, StoreError> {
    let row = Statement::new(sql::select_endpoint())
        .bind(id.0)
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(endpoint_from_row).transpose()
}

/// Replaces an endpoint's settings.
pub async fn update_endpoint<DB: Backend>(
    pool: &Pool<DB>,
    id: EndpointId,
    spec: &EndpointSpec,
    now: Timestamp,
) -> Result<Option<Endpoint>, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let row = bind_spec(Statement::new(sql::update_endpoint()).bind(id.0), spec)
        .bind(now.as_millis())
        .fetch_optional(&mut tx)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let endpoint = endpoint_from_row(&row)?;
    subscribe(&mut tx, id.0, spec, now).await?;
    tx.commit().await.or_store_error()?;
    Ok(Some(endpoint))
}

/// Turns an endpoint off and parks its queues.
pub async fn disable_endpoint<DB: Backend>(
    pool: &Pool<DB>,
    id: EndpointId,
    reason: &str,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let changed = Statement::new(sql::DISABLE_ENDPOINT)
        .bind(id.0)
        .bind(reason)
        .bind(now.as_millis())
        .execute(&mut tx)
        .await?;
    Statement::new(sql::PARK_QUEUES)
        .bind(id.0)
        .execute(&mut tx)
        .await?;
    tx.commit().await.or_store_error()?;
    Ok(changed == 1)
}

/// Deletes an endpoint and everything of it.
pub async fn delete_endpoint<DB: Backend>(
    pool: &Pool<DB>,
    id: EndpointId,
) -> Result<bool, StoreError> {
    let deleted = Statement::new(sql::DELETE_ENDPOINT)
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(deleted == 1)
}

/// A new secret, the old one signing until `previous_until`.
pub async fn rotate_endpoint_secret<DB: Backend>(
    pool: &Pool<DB>,
    id: EndpointId,
    secret: &SigningSecret,
    previous_until: Timestamp,
    now: Timestamp,
) -> Result<Option<Endpoint>, StoreError> {
    let row = Statement::new(sql::rotate_secret())
        .bind(id.0)
        .bind(secret.expose())
        .bind(previous_until.as_millis())
        .bind(now.as_millis())
        .fetch_optional(pool)
        .await?;
    row.as_ref().map(endpoint_from_row).transpose()
}

/// Creates or updates each named endpoint, in one transaction.
pub async fn sync_named_endpoints<DB: Backend>(
    pool: &Pool<DB>,
    endpoints: &[(EndpointSpec, SigningSecret)],
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    for (spec, secret) in endpoints {
        let row = bind_spec(Statement::new(sql::SYNC_ENDPOINT), spec)
            .bind(secret.expose())
            .bind(now.as_millis())
            .bind(now.plus(ROTATION_OVERLAP).as_millis())
            .fetch_one(&mut tx)
            .await?;
        subscribe(&mut tx, row.read::<i64>(0)?, spec, now).await?;
    }
    tx.commit().await.or_store_error()
}

/// The event types some enabled endpoint takes.
pub async fn subscribed_event_types<DB: Backend>(
    pool: &Pool<DB>,
) -> Result<Vec<EventType>, StoreError> {
    let rows = Statement::new(sql::SUBSCRIBED_TYPES)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            let name = row.read::<String>(0)?;
            EventType::parse(&name).ok_or_else(|| corrupt("webhook_subscriptions.event_type", name))
        })
        .collect()
}

/// Leases the first pending delivery of up to `limit` due queues, in one transaction: the due
/// queues (on PostgreSQL locked, skipping those another claim or an uncommitted event holds),
/// then per queue its first delivery leased if due, and the queue due again when that delivery
/// is. Rows read: the queues returned and one delivery each.
pub async fn claim_deliveries<DB: Backend>(
    pool: &Pool<DB>,
    now: Timestamp,
    lease_until: Timestamp,
    limit: u32,
) -> Result<Vec<ClaimedDelivery>, StoreError> {
    let mut tx = begin_writing(pool).await?;
    let lock = match DB::DIALECT {
        Dialect::Sqlite => "",
        Dialect::Postgres => " FOR UPDATE OF q SKIP LOCKED",
    };
    let due = Statement::new(format!("{}{lock}", sql::DUE_QUEUES))
        .bind(now.as_millis())
        .bind(i64::from(limit))
        .fetch_all(&mut tx)
        .await?;
    let mut claimed = Vec::with_capacity(due.len());
    for queue in &due {
        let endpoint_id: i64 = queue.read(0)?;
        let subject: String = queue.read(1)?;
        let enabled = queue.read::<i64>(2)? == 1;
        let fix = match (enabled, queue.read::<Option<i64>>(3)?) {
            (false, _) => Some(sql::PARK_QUEUE),
            (true, None) => Some(sql::EMPTY_QUEUE),
            (true, Some(head)) => {
                let leased = Statement::new(sql::LEASE_HEAD)
                    .bind(head)
                    .bind(now.as_millis())
                    .bind(lease_until.as_millis())
                    .execute(&mut tx)
                    .await?;
                if leased == 1 {
                    let row = Statement::new(sql::claimed())
                        .bind(head)
                        .fetch_one(&mut tx)
                        .await?;
                    claimed.push(ClaimedDelivery {
                        id: DeliveryId(row.read("delivery_id")?),
                        endpoint: endpoint_from_row(&row)?,
                        subject: row.read("subject")?,
                        event_id: row.read("event_id")?,
                        payload: row.read("payload")?,
                        attempts: row.read("attempts")?,
                    });
                }
                Statement::new(sql::REQUEUE_HEAD)
                    .bind(endpoint_id)
                    .bind(subject.as_str())
                    .bind(head)
                    .execute(&mut tx)
                    .await?;
                None
            }
        };
        if let Some(fix) = fix {
            Statement::new(fix)
                .bind(endpoint_id)
                .bind(subject.as_str())
                .execute(&mut tx)
                .await?;
        }
    }
    tx.commit().await.or_store_error()?;
    Ok(claimed)
}

/// Records an outcome under the lease it was made under, and moves the queue on.
pub async fn finish_delivery<DB: Backend>(
    pool: &Pool<DB>,
    delivery: &ClaimedDelivery,
    held_until: Timestamp,
    outcome: &DeliveryOutcome,
) -> Result<bool, StoreError> {
    let status = |s: &Option<u16>| s.map(i64::from);
    let (mark, ends, due) = match outcome {
        DeliveryOutcome::Delivered { status, at } => (
            Statement::new(sql::MARK_DELIVERED)
                .bind(delivery.id.0)
                .bind(held_until.as_millis())
                .bind(i64::from(*status))
                .bind(at.as_millis()),
            1,
            *at,
        ),
        DeliveryOutcome::Retry {
            status: code,
            error,
            next_attempt_at,
        } => (
            Statement::new(sql::MARK_RETRY)
                .bind(delivery.id.0)
                .bind(held_until.as_millis())
                .bind(status(code))
                .bind(error.as_str())
                .bind(next_attempt_at.as_millis()),
            0,
            *next_attempt_at,
        ),
        DeliveryOutcome::Failed {
            status: code,
            error,
            at,
        } => (
            Statement::new(sql::MARK_FAILED)
                .bind(delivery.id.0)
                .bind(held_until.as_millis())
                .bind(status(code))
                .bind(error.as_str())
                .bind(at.as_millis()),
            1,
            *at,
        ),
    };
    let mut tx = pool.begin().await.or_store_error()?;
    if mark.execute(&mut tx).await? != 1 {
        return Ok(false);
    }
    Statement::new(sql::FINISH_QUEUE)
        .bind(delivery.endpoint.id.0)
        .bind(delivery.subject.as_str())
        .bind(ends)
        .bind(due.as_millis())
        .execute(&mut tx)
        .await?;
    tx.commit().await.or_store_error()?;
    Ok(true)
}

/// An endpoint's deliveries, newest first.
pub async fn deliveries<DB: Backend>(
    pool: &Pool<DB>,
    endpoint: EndpointId,
    before: Option<DeliveryId>,
    limit: u32,
) -> Result<Vec<Delivery>, StoreError> {
    let rows = Statement::new(sql::delivery_page())
        .bind(endpoint.0)
        .bind(before.map_or(i64::MAX, |id| id.0))
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await?;
    rows.iter().map(delivery_from_row).collect()
}

/// Sends a delivery again as soon as its queue allows.
pub async fn retry_delivery<DB: Backend>(
    pool: &Pool<DB>,
    endpoint: EndpointId,
    delivery: DeliveryId,
    now: Timestamp,
) -> Result<Result<(), RetryRefusal>, StoreError> {
    let mut tx = pool.begin().await.or_store_error()?;
    let row = Statement::new(sql::DELIVERY_STATE)
        .bind(endpoint.0)
        .bind(delivery.0)
        .fetch_optional(&mut tx)
        .await?;
    let Some(row) = row else {
        return Ok(Err(RetryRefusal::NotFound));
    };
    let subject: String = row.read(0)?;
    let status = row.read::<String>(1)?;
    let pending = DeliveryStatus::parse(&status) == Some(DeliveryStatus::Pending);
    let (change, more) = if pending {
        if row.read::<i64>(2)? > now.as_millis() {
            return Ok(Err(RetryRefusal::InFlight));
        }
        (sql::DUE_NOW, 0_i64)
    } else {
        (sql::REOPEN, 1_i64)
    };
    Statement::new(change)
        .bind(delivery.0)
        .bind(now.as_millis())
        .execute(&mut tx)
        .await?;
    Statement::new(sql::QUEUE_AGAIN)
        .bind(endpoint.0)
        .bind(subject)
        .bind(more)
        .bind(now.as_millis())
        .execute(&mut tx)
        .await?;
    tx.commit().await.or_store_error()?;
    Ok(Ok(()))
}
