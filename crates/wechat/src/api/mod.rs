//! WeChat server APIs, one module per area; each method names the doc page it follows.

pub mod auth;
