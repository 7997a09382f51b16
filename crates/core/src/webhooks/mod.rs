//! Webhooks: a team's own service is told of wxbase's events, signed to the Standard Webhooks
//! specification and delivered durably. Events are recorded as deliveries in the transaction
//! of the write that caused them (by the store), queued per (endpoint, subject), and posted by
//! the [`WebhookService`] worker with retries; admins manage endpoints and see deliveries.

mod endpoint;
pub mod event;
mod interest;
mod secret;
mod sender;
mod service;
mod ssrf;
mod store;
mod worker;

pub use endpoint::{
    check_url, Endpoint, EndpointId, EndpointRequest, EndpointSpec, EndpointView,
    EndpointWithSecret, ROTATION_OVERLAP,
};
pub use event::{Event, EventType};
pub use interest::Interest;
pub use secret::{signature_header, SigningSecret};
pub use sender::{AttemptResult, MAX_RESPONSE_BYTES};
pub use service::{TestResult, WebhookError, WebhookService, WebhookSettings, MAX_DELIVERY_PAGE};
pub use ssrf::is_public;
pub use store::{
    ClaimedDelivery, Delivery, DeliveryId, DeliveryOutcome, DeliveryStatus, RetryRefusal,
    WebhookStore,
};
