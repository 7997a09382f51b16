//! [`WebhookService`]: endpoints for admins (create with a secret shown once, change, rotate,
//! delete, the config file's endpoints kept in step), the operators' view of deliveries, the
//! test ping, and the delivery worker.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::endpoint::{Endpoint, EndpointId, EndpointRequest, EndpointSpec, ROTATION_OVERLAP};
use super::event::ping;
use super::secret::SigningSecret;
use super::sender::{AttemptResult, Sender};
use super::store::{Delivery, DeliveryId, RetryRefusal};
use crate::{Store, StoreError, Timestamp};

/// Most deliveries listed per page.
pub const MAX_DELIVERY_PAGE: u32 = 200;

/// How webhooks are delivered (`[webhooks]`).
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// Longest one attempt may take, connecting included (`webhooks.timeout_ms`).
    pub timeout: Duration,
    /// Whether endpoints may be `http://` and reach loopback and private addresses
    /// (`webhooks.allow_private`; `serve --dev` turns it on).
    pub allow_private: bool,
    /// The waits before each retry (`webhooks.retry_schedule`); the attempts are one more than
    /// its length, after which a delivery is marked failed.
    pub retry_schedule: Vec<Duration>,
    /// Most deliveries being sent at once by this instance (`webhooks.send_concurrency`).
    pub send_concurrency: u32,
    /// How often an idle worker looks for due deliveries.
    pub poll: Duration,
    /// Whether this instance runs the delivery worker.
    pub worker: bool,
    /// The `[[webhooks.endpoints]]` of the config file.
    pub endpoints: Vec<EndpointRequest>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(5),
            allow_private: false,
            retry_schedule: [5, 60, 300, 1800, 7200, 18000, 28800, 28800]
                .into_iter()
                .map(Duration::from_secs)
                .collect(),
            send_concurrency: 32,
            poll: Duration::from_millis(500),
            worker: true,
            endpoints: Vec::new(),
        }
    }
}

/// Why a webhook call failed.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The request is invalid; the text says why.
    #[error("{0}")]
    BadRequest(String),
    /// No such endpoint or delivery.
    #[error("{0}")]
    NotFound(String),
    /// A name taken, or a delivery being sent.
    #[error("{0}")]
    Conflict(String),
    /// The database failed.
    #[error("the database failed")]
    Store(#[from] StoreError),
}

/// What the endpoint answered to the test ping.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TestResult {
    /// The ping's `webhook-id`.
    pub event_id: String,
    /// Whether it answered 2xx.
    pub delivered: bool,
    /// Its HTTP status, if it answered.
    pub status: Option<u16>,
    /// The start of its body (up to 1 KiB).
    pub body: Option<String>,
    /// Why there was no answer.
    pub error: Option<String>,
    /// How long the attempt took.
    pub duration_ms: u64,
}

/// Webhook endpoints and their deliveries.
pub struct WebhookService {
    pub(super) store: Arc<dyn Store>,
    pub(super) sender: Sender,
    pub(super) settings: WebhookSettings,
}

impl WebhookService {
    /// The service over `store`; fails only if the HTTP client cannot be built.
    pub fn new(store: Arc<dyn Store>, settings: WebhookSettings) -> Result<Self, reqwest::Error> {
        Ok(Self {
            sender: Sender::new(settings.timeout, settings.allow_private)?,
            store,
            settings,
        })
    }

    /// Its settings.
    pub fn settings(&self) -> &WebhookSettings {
        &self.settings
    }

    fn spec(&self, request: &EndpointRequest) -> Result<EndpointSpec, WebhookError> {
        if request.secret.is_some() {
            return Err(WebhookError::BadRequest(
                "secret: made by wxbase (rotate it with POST /admin/api/webhooks/{id}/rotate)"
                    .to_owned(),
            ));
        }
        request
            .validate(self.settings.allow_private)
            .map_err(WebhookError::BadRequest)
    }

    /// Creates an endpoint with a new secret.
    pub async fn create(&self, request: &EndpointRequest) -> Result<Endpoint, WebhookError> {
        let spec = self.spec(request)?;
        self.store
            .create_endpoint(&spec, &SigningSecret::generate(), Timestamp::now())
            .await?
            .ok_or_else(|| name_taken(&spec))
    }

    /// Every endpoint.
    pub async fn endpoints(&self) -> Result<Vec<Endpoint>, WebhookError> {
        Ok(self.store.endpoints().await?)
    }

    /// One endpoint.
    pub async fn endpoint(&self, id: EndpointId) -> Result<Endpoint, WebhookError> {
        self.store.endpoint(id).await?.ok_or_else(|| not_found(id))
    }

    /// Replaces an endpoint's settings.
    pub async fn update(
        &self,
        id: EndpointId,
        request: &EndpointRequest,
    ) -> Result<Endpoint, WebhookError> {
        let spec = self.spec(request)?;
        if let Some(name) = &spec.name {
            let taken = self
                .store
                .endpoints()
                .await?
                .into_iter()
                .any(|e| e.id != id && e.name.as_ref() == Some(name));
            if taken {
                return Err(name_taken(&spec));
            }
        }
        self.store
            .update_endpoint(id, &spec, Timestamp::now())
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Deletes an endpoint and its deliveries.
    pub async fn delete(&self, id: EndpointId) -> Result<(), WebhookError> {
        if self.store.delete_endpoint(id).await? {
            Ok(())
        } else {
            Err(not_found(id))
        }
    }

    /// A new secret; the old one signs beside it for 24 hours.
    pub async fn rotate_secret(&self, id: EndpointId) -> Result<Endpoint, WebhookError> {
        let now = Timestamp::now();
        self.store
            .rotate_endpoint_secret(
                id,
                &SigningSecret::generate(),
                now.plus(ROTATION_OVERLAP),
                now,
            )
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Brings the config file's endpoints into the database, by name.
    pub async fn sync_configured(&self, requests: &[EndpointRequest]) -> Result<(), WebhookError> {
        let mut endpoints = Vec::with_capacity(requests.len());
        for request in requests {
            let spec = request
                .validate(self.settings.allow_private)
                .map_err(WebhookError::BadRequest)?;
            let secret = request
                .secret
                .as_deref()
                .ok_or_else(|| {
                    WebhookError::BadRequest("secret: required in the config file".to_owned())
                })
                .and_then(|s| SigningSecret::parse(s).map_err(WebhookError::BadRequest))?;
            endpoints.push((spec, secret));
        }
        Ok(self
            .store
            .sync_named_endpoints(&endpoints, Timestamp::now())
            .await?)
    }

    /// An endpoint's deliveries, newest first.
    pub async fn deliveries(
        &self,
        id: EndpointId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> Result<Vec<Delivery>, WebhookError> {
        self.endpoint(id).await?;
        Ok(self
            .store
            .deliveries(id, before, limit.clamp(1, MAX_DELIVERY_PAGE))
            .await?)
    }

    /// Sends a delivery again (see [`crate::webhooks::WebhookStore::retry_delivery`]).
    pub async fn retry(&self, id: EndpointId, delivery: DeliveryId) -> Result<(), WebhookError> {
        match self
            .store
            .retry_delivery(id, delivery, Timestamp::now())
            .await?
        {
            Ok(()) => Ok(()),
            Err(RetryRefusal::NotFound) => Err(WebhookError::NotFound(format!(
                "endpoint {} has no delivery {}",
                id.0, delivery.0
            ))),
            Err(RetryRefusal::InFlight) => Err(WebhookError::Conflict(format!(
                "delivery {} is being sent",
                delivery.0
            ))),
        }
    }

    /// Sends a `ping` event to the endpoint now (not stored, not retried) and tells what it
    /// answered.
    pub async fn test(&self, id: EndpointId) -> Result<TestResult, WebhookError> {
        let endpoint = self.endpoint(id).await?;
        let event = ping(id.0, Timestamp::now());
        let started = std::time::Instant::now();
        let result = self.sender.send(&endpoint, &event.id, &event.payload).await;
        let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        Ok(match result {
            AttemptResult::Answered { status, body } => TestResult {
                event_id: event.id,
                delivered: (200..300).contains(&status),
                status: Some(status),
                body: Some(body),
                error: None,
                duration_ms,
            },
            AttemptResult::NoAnswer { error } => TestResult {
                event_id: event.id,
                delivered: false,
                status: None,
                body: None,
                error: Some(error),
                duration_ms,
            },
        })
    }
}

fn not_found(id: EndpointId) -> WebhookError {
    WebhookError::NotFound(format!("no webhook endpoint {}", id.0))
}

fn name_taken(spec: &EndpointSpec) -> WebhookError {
    WebhookError::Conflict(format!(
        "an endpoint named {:?} exists",
        spec.name.as_deref().unwrap_or_default()
    ))
}
