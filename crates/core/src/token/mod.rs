//! The central access_token: one per app for the whole deployment, kept in the database,
//! refreshed by one caller at a time, replaced when WeChat rejects it.

mod fetch;
mod manager;
mod store;

pub use manager::{TokenError, TokenManager, TokenSettings};
pub use store::{force_limits, StoredToken, TokenMode, TokenStore};
