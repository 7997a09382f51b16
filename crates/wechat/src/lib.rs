//! WeChat's server protocol for a mini-program backend: identifiers, errcodes, crypto and a
//! typed async API client. No HTTP server and no SQL live here.

pub mod api;
pub mod client;
pub mod crypto;
pub mod errcode;
pub mod error;
pub mod ids;
pub mod push;
pub mod secret;

pub use client::{CallObserver, CallResult, ClientBuildError, ClientConfig, WechatClient};
pub use errcode::ErrCode;
pub use error::WechatError;
pub use ids::{AppId, IdError, OpenId, UnionId};
pub use secret::Secret;
