//! Turns endpoint and delivery rows into domain values, refusing rows that make no sense.

use std::collections::BTreeSet;

use wxbase_core::webhooks::{
    Delivery, DeliveryId, DeliveryStatus, Endpoint, EndpointId, EndpointSpec, EventType,
    SigningSecret,
};
use wxbase_core::{StoreError, Timestamp};

use crate::backend::ReadRow;
use crate::errors::corrupt;
use crate::sql::Statement;

/// Reads an endpoint from a row with the `ENDPOINT_COLUMNS`.
pub fn endpoint_from_row(row: &impl ReadRow) -> Result<Endpoint, StoreError> {
    let id = row.read::<i64>("id")?;
    let bad = |what: &str, e: String| corrupt(&format!("webhook_endpoints {id} {what}"), e);
    let names: Vec<String> = serde_json::from_str(&row.read::<String>("events")?)
        .map_err(|e| bad("events", e.to_string()))?;
    let events = names
        .iter()
        .map(|name| EventType::parse(name).ok_or_else(|| bad("events", name.clone())))
        .collect::<Result<BTreeSet<_>, _>>()?;
    let collections = match row.read::<Option<String>>("collections")? {
        None => None,
        Some(text) => {
            Some(serde_json::from_str(&text).map_err(|e| bad("collections", e.to_string()))?)
        }
    };
    let secret =
        SigningSecret::parse(&row.read::<String>("secret")?).map_err(|e| bad("secret", e))?;
    let previous_secret = match row.read::<Option<String>>("previous_secret")? {
        None => None,
        Some(text) => Some((
            SigningSecret::parse(&text).map_err(|e| bad("previous_secret", e))?,
            Timestamp::from_millis(row.read::<i64>("previous_secret_until")?),
        )),
    };
    Ok(Endpoint {
        id: EndpointId(id),
        name: row.read("name")?,
        url: row.read("url")?,
        events,
        collections,
        description: row.read("description")?,
        enabled: row.read::<i64>("enabled")? == 1,
        disabled_reason: row.read("disabled_reason")?,
        secret,
        previous_secret,
        created_at: Timestamp::from_millis(row.read::<i64>("created_at")?),
        updated_at: Timestamp::from_millis(row.read::<i64>("updated_at")?),
    })
}

/// Binds an endpoint's settings in the order of `insert_endpoint` (?1 name … ?6 enabled).
pub fn bind_spec<'a>(statement: Statement<'a>, spec: &EndpointSpec) -> Statement<'a> {
    let events: Vec<&str> = spec.events.iter().map(|e| e.as_str()).collect();
    statement
        .bind(spec.name.clone())
        .bind(spec.url.as_str())
        .bind(serde_json::Value::from(events).to_string())
        .bind(
            spec.collections.as_ref().map(|c| {
                serde_json::Value::from(c.iter().cloned().collect::<Vec<_>>()).to_string()
            }),
        )
        .bind(spec.description.as_str())
        .bind(i64::from(spec.enabled))
}

/// The (event type, collection) rows an endpoint is found by: each type once with `''`, or,
/// for document events limited to some collections, once per collection.
pub fn subscriptions(spec: &EndpointSpec) -> Vec<(&'static str, String)> {
    let mut rows = Vec::new();
    for kind in &spec.events {
        match &spec.collections {
            Some(collections) if kind.is_per_collection() => {
                rows.extend(collections.iter().map(|c| (kind.as_str(), c.clone())));
            }
            _ => rows.push((kind.as_str(), String::new())),
        }
    }
    rows
}

/// Reads a delivery from a row with the `DELIVERY_COLUMNS`.
pub fn delivery_from_row(row: &impl ReadRow) -> Result<Delivery, StoreError> {
    let status = row.read::<String>("status")?;
    let status = DeliveryStatus::parse(&status)
        .ok_or_else(|| corrupt("webhook_deliveries.status", status))?;
    let time = |millis: i64| Timestamp::from_millis(millis).to_rfc3339();
    Ok(Delivery {
        id: DeliveryId(row.read("id")?),
        event_id: row.read("event_id")?,
        event_type: row.read("event_type")?,
        subject: row.read("subject")?,
        status,
        attempts: row.read("attempts")?,
        next_attempt_at: (status == DeliveryStatus::Pending)
            .then(|| row.read::<i64>("next_attempt_at"))
            .transpose()?
            .map(time),
        last_status: row.read("last_status")?,
        last_error: row.read("last_error")?,
        created_at: time(row.read("created_at")?),
        finished_at: row.read::<Option<i64>>("finished_at")?.map(time),
    })
}
