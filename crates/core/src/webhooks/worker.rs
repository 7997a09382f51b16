//! The delivery worker: claims due deliveries (a lease, so on many instances only one sends a
//! given delivery, and one (endpoint, subject) has one delivery in flight, in order), posts
//! each, and records the outcome under the lease it was sent under.
//!
//! A 2xx ends a delivery. `410 Gone` fails it and disables the endpoint. Anything else (another
//! status, a timeout, a refused or failed connection) is tried again after the next wait of
//! `webhooks.retry_schedule`, and marked failed when the schedule has run out. A process that
//! dies mid-attempt leaves the lease to run out; the delivery is then sent again (at least
//! once: receivers de-duplicate by `webhook-id`).

use std::sync::Arc;

use tokio::task::JoinSet;

use super::sender::AttemptResult;
use super::service::WebhookService;
use super::store::{ClaimedDelivery, DeliveryOutcome};
use crate::{StoreError, Timestamp};

impl WebhookService {
    /// How long a claim holds a delivery: longer than one attempt can take.
    fn lease(&self) -> std::time::Duration {
        self.settings.timeout * 2 + std::time::Duration::from_secs(10)
    }

    /// Runs the worker until the future is dropped (its owner spawns it as a task).
    pub async fn run_worker(self: Arc<Self>) {
        let slots = usize::try_from(self.settings.send_concurrency.max(1)).unwrap_or(1);
        tracing::info!(concurrency = slots, "webhook worker started");
        let mut sending: JoinSet<()> = JoinSet::new();
        loop {
            while sending.try_join_next().is_some() {}
            let free = slots - sending.len().min(slots);
            let mut more_due = false;
            if free > 0 && (sending.is_empty() || free * 2 >= slots) {
                let now = Timestamp::now();
                let held_until = now.plus(self.lease());
                let limit = u32::try_from(free).unwrap_or(u32::MAX);
                match self.store.claim_deliveries(now, held_until, limit).await {
                    Ok(claimed) => {
                        more_due = claimed.len() == free;
                        for delivery in claimed {
                            let service = self.clone();
                            sending
                                .spawn(async move { service.deliver(delivery, held_until).await });
                        }
                    }
                    Err(error) => tracing::warn!(%error, "webhook claim failed; trying again"),
                }
            }
            if more_due && sending.len() < slots {
                continue;
            }
            tokio::select! {
                Some(_) = sending.join_next(), if !sending.is_empty() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
            }
        }
    }

    /// Asks the store for the subscribed event types every `interval`, which refreshes its
    /// in-memory [`Interest`](super::Interest): endpoint changes made on other instances reach
    /// this one's hot paths within `interval`. Runs until the future is dropped.
    pub async fn refresh_interest_every(self: Arc<Self>, interval: std::time::Duration) {
        loop {
            tokio::time::sleep(interval).await;
            if let Err(error) = self.store.subscribed_event_types().await {
                tracing::warn!(%error, "reading the webhook subscriptions failed; trying again");
            }
        }
    }

    /// Sends one claimed delivery and records the outcome.
    async fn deliver(&self, delivery: ClaimedDelivery, held_until: Timestamp) {
        if let Err(error) = self.deliver_leased(&delivery, held_until).await {
            tracing::warn!(delivery = delivery.id.0, %error, "webhook: recording an outcome failed; the lease will run out and it is sent again");
        }
    }

    async fn deliver_leased(
        &self,
        delivery: &ClaimedDelivery,
        held_until: Timestamp,
    ) -> Result<(), StoreError> {
        let result = self
            .sender
            .send(&delivery.endpoint, &delivery.event_id, &delivery.payload)
            .await;
        let gone = matches!(result, AttemptResult::Answered { status: 410, .. });
        let outcome = self.outcome(delivery, result);
        tracing::info!(
            delivery = delivery.id.0,
            endpoint = delivery.endpoint.id.0,
            attempt = delivery.attempts,
            ?outcome,
            "webhook attempt"
        );
        // Disabled first: the failed delivery is never seen beside an endpoint still enabled.
        if gone {
            self.store
                .disable_endpoint(
                    delivery.endpoint.id,
                    "the endpoint answered 410 Gone",
                    Timestamp::now(),
                )
                .await?;
        }
        if !self
            .store
            .finish_delivery(delivery, held_until, &outcome)
            .await?
        {
            tracing::warn!(delivery = delivery.id.0, "the attempt outlived its lease; the outcome of the worker that took it over stands");
        }
        Ok(())
    }

    fn outcome(&self, delivery: &ClaimedDelivery, result: AttemptResult) -> DeliveryOutcome {
        let now = Timestamp::now();
        let (status, error) = match result {
            AttemptResult::Answered { status, .. } if (200..300).contains(&status) => {
                return DeliveryOutcome::Delivered { status, at: now }
            }
            AttemptResult::Answered { status: 410, .. } => {
                return DeliveryOutcome::Failed {
                    status: Some(410),
                    error: "410 Gone: the endpoint is disabled".to_owned(),
                    at: now,
                }
            }
            AttemptResult::Answered { status, body } => (
                Some(status),
                format!(
                    "answered {status}: {}",
                    body.chars().take(200).collect::<String>()
                ),
            ),
            AttemptResult::NoAnswer { error } => (None, error),
        };
        let done = usize::try_from(delivery.attempts).unwrap_or(usize::MAX);
        match self.settings.retry_schedule.get(done.saturating_sub(1)) {
            Some(wait) => DeliveryOutcome::Retry {
                status,
                error,
                next_attempt_at: now.plus(*wait),
            },
            None => DeliveryOutcome::Failed {
                status,
                error,
                at: now,
            },
        }
    }
}
