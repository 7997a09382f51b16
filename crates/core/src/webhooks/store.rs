//! What webhooks need from the database: endpoints, and deliveries queued per (endpoint,
//! subject). Events are recorded by the store's own writes (documents, logins, …) in their
//! transactions; [`WebhookStore::record_events`] is for a change that has no write of its own
//! here.

use async_trait::async_trait;
use serde::Serialize;

use super::endpoint::{Endpoint, EndpointId, EndpointSpec};
use super::event::{Event, EventType};
use super::secret::SigningSecret;
use crate::{StoreError, Timestamp};

/// The database id of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct DeliveryId(pub i64);

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt, or being sent.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// The retry schedule ran out, or the endpoint answered 410.
    Failed,
}

impl DeliveryStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    /// From its stored name.
    pub fn parse(text: &str) -> Option<Self> {
        [Self::Pending, Self::Delivered, Self::Failed]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// A delivery, as operators list it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Its id.
    pub id: DeliveryId,
    /// The event's id (`webhook-id`).
    pub event_id: String,
    /// The event's type.
    pub event_type: String,
    /// What it is ordered by.
    pub subject: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<String>,
    /// The HTTP status of the last attempt, if it got one.
    pub last_status: Option<i64>,
    /// What went wrong in the last attempt.
    pub last_error: Option<String>,
    /// When the event happened.
    pub created_at: String,
    /// When it was delivered or marked failed.
    pub finished_at: Option<String>,
}

/// A delivery leased for one attempt, with what sending it needs.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    /// Its id.
    pub id: DeliveryId,
    /// Its endpoint, as stored when it was claimed.
    pub endpoint: Endpoint,
    /// Its queue.
    pub subject: String,
    /// `webhook-id`.
    pub event_id: String,
    /// The body.
    pub payload: String,
    /// Attempts made, this one included.
    pub attempts: i64,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// 2xx.
    Delivered {
        /// The status.
        status: u16,
        /// When.
        at: Timestamp,
    },
    /// Another attempt at `next_attempt_at`.
    Retry {
        /// The status, if the endpoint answered.
        status: Option<u16>,
        /// What went wrong.
        error: String,
        /// When to try again.
        next_attempt_at: Timestamp,
    },
    /// No more attempts.
    Failed {
        /// The status, if the endpoint answered.
        status: Option<u16>,
        /// What went wrong.
        error: String,
        /// When.
        at: Timestamp,
    },
}

/// Why an operator's retry changed nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryRefusal {
    /// No such delivery of this endpoint.
    NotFound,
    /// It is being sent right now.
    InFlight,
}

/// Storage of endpoints and deliveries. Every method is atomic.
#[async_trait]
pub trait WebhookStore: Send + Sync + 'static {
    /// Creates an endpoint; `None` when its name is taken.
    async fn create_endpoint(
        &self,
        spec: &EndpointSpec,
        secret: &SigningSecret,
        now: Timestamp,
    ) -> Result<Option<Endpoint>, StoreError>;

    /// Every endpoint, by id.
    async fn endpoints(&self) -> Result<Vec<Endpoint>, StoreError>;

    /// One endpoint.
    async fn endpoint(&self, id: EndpointId) -> Result<Option<Endpoint>, StoreError>;

    /// Replaces an endpoint's settings (its secrets stay); `None` if there is none.
    async fn update_endpoint(
        &self,
        id: EndpointId,
        spec: &EndpointSpec,
        now: Timestamp,
    ) -> Result<Option<Endpoint>, StoreError>;

    /// Turns an endpoint off (its pending deliveries wait) with a reason; `false` if there is
    /// none.
    async fn disable_endpoint(
        &self,
        id: EndpointId,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Deletes an endpoint and its deliveries; whether it existed.
    async fn delete_endpoint(&self, id: EndpointId) -> Result<bool, StoreError>;

    /// Replaces the secret; the old one keeps signing until `previous_until`.
    async fn rotate_endpoint_secret(
        &self,
        id: EndpointId,
        secret: &SigningSecret,
        previous_until: Timestamp,
        now: Timestamp,
    ) -> Result<Option<Endpoint>, StoreError>;

    /// Creates each named endpoint, or brings the endpoint of that name in step (its secret
    /// too; the old one keeps signing for the overlap when it changes).
    async fn sync_named_endpoints(
        &self,
        endpoints: &[(EndpointSpec, SigningSecret)],
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// The event types some enabled endpoint takes.
    async fn subscribed_event_types(&self) -> Result<Vec<EventType>, StoreError>;

    /// Records events for every enabled endpoint subscribed to them, in one transaction.
    async fn record_events(&self, events: &[Event], now: Timestamp) -> Result<(), StoreError>;

    /// Leases the first pending delivery of up to `limit` due (endpoint, subject) queues until
    /// `lease_until`, counting an attempt each.
    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError>;

    /// Records an attempt's outcome if the lease it was made under is still held; whether it
    /// was.
    async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        held_until: Timestamp,
        outcome: &DeliveryOutcome,
    ) -> Result<bool, StoreError>;

    /// An endpoint's deliveries, newest first, older than `before`.
    async fn deliveries(
        &self,
        endpoint: EndpointId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError>;

    /// Sends a delivery again as soon as its queue allows: a failed or delivered one becomes
    /// pending with its attempts counted afresh; a pending one waiting for a retry is due now.
    async fn retry_delivery(
        &self,
        endpoint: EndpointId,
        delivery: DeliveryId,
        now: Timestamp,
    ) -> Result<Result<(), RetryRefusal>, StoreError>;
}
