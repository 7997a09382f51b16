//! Subscribe messages (订阅消息): the grants users give per template (from WeChat's push
//! events, or reported by the mini-program), the app's templates and the check of a message's
//! data against them, single sends and campaigns queued in the outbox, which sends them through
//! `/cgi-bin/message/subscribe/send`.
//!
//! A one-time grant is used when the message is queued, in the same transaction: a second send
//! without a grant is refused at once, and WeChat is never called for it.

mod keywords;
mod model;
mod service;
mod store;

pub use keywords::{check_data, KeywordError};
pub use model::{
    Answer, Audience, CampaignId, CampaignReport, Grant, GrantChange, GrantSource, NewCampaign,
    SentReceipt,
};
pub use service::{
    keyword_values, CampaignRequest, SendRequest, SubscriptionError, SubscriptionService,
    TEMPLATE_CACHE_TTL,
};
pub use store::SubscriptionStore;
