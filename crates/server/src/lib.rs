//! wxbase's HTTP layer (axum): the `/api` routes a mini-program calls, the response envelope,
//! extractors, health checks and the middleware every request passes through.

mod app;
pub mod envelope;
mod extract;
mod housekeeping;
mod official_account;
mod routes;
mod serve;

pub use app::{api_router, with_middleware, AppSettings, AppState, PushEndpoint};
pub use envelope::{ApiError, ErrorCode};
pub use housekeeping::spawn_session_purge;
pub use official_account::OfficialAccount;
pub use serve::Server;
