//! wxbase's HTTP layer (axum): the `/api` routes a mini-program calls, the response envelope,
//! extractors, health checks, the admin console at `/admin`, the middleware every request passes through, and
//! [`Application`], the composition root that builds one instance from its configuration.

mod app;
mod application;
pub mod console;
pub mod envelope;
mod extract;
mod housekeeping;
mod metrics;
pub mod openapi;
mod routes;
mod shutdown;

pub use app::{AppState, OfficialAccount, PushEndpoint};
pub use application::{Application, BuildError};
pub use envelope::{ApiError, ApiResult, ErrorCode, Success};
pub use extract::{Admin, ApiJson, CurrentUser, CurrentUserWithKey};
pub use metrics::Telemetry;
pub use shutdown::signal as shutdown_signal;
