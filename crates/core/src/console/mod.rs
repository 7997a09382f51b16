//! The admin console's domain: admin accounts (argon2id passwords), their browser sessions,
//! the sign-in throttle that slows down and then locks repeated failures, admin API tokens
//! with a scope, and the read-only views the console's pages need (daily counts, user search,
//! the inbox), and WeChat's API errors of the last hour. No HTTP here: the pages are in
//! `wxbase-server`.

mod account;
mod lockout;
mod service;
mod store;
mod wechat_errors;

pub use account::{hash_password, verify_password, AccountError, Password, Username};
pub use lockout::LockoutPolicy;
pub use service::{
    ConsoleError, ConsoleService, ConsoleSettings, NewApiToken, SignIn, SignInRefusal,
};
pub use store::{
    AdminAccount, AdminId, AdminSession, ApiToken, ApiTokenId, ConsoleStore, ConversationSummary,
    DailyCounts, DayCount, NewAdminSession, NewApiTokenRow, TokenScope, UserSessionSummary,
};
pub use wechat_errors::{
    minute_of, BothObservers, WechatErrorCount, WechatErrorLog, FLUSH_INTERVAL, RETENTION,
};
