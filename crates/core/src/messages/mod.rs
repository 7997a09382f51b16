//! Customer-service messages: recording pushes (de-duplicated in the database), auto-reply
//! rules, and the durable outbox that sends replies through `/cgi-bin/message/custom/send`
//! and subscribe messages through `/cgi-bin/message/subscribe/send`.

mod model;
mod outbox;
mod rules;
mod rules_cache;
mod service;
mod store;

pub use model::{
    ClaimedOutbound, Delivery, Direction, MessageId, NewInbound, NewOutbound, OutboundContent,
    OutboxRefusal, OutboxStats, SendOutcome, SendStatus, StoredMessage, SUBSCRIBE_MSG_TYPE,
};
pub use rules::{
    example_rule, pick, NewRule, ReplyAction, ReplyRule, RuleError, RuleId, RuleMatch,
    MAX_PATTERN_LEN, MAX_TEXT_LEN,
};
pub use service::{Acknowledgement, MessageError, MessageService, MessageSettings, MAX_PAGE};
pub use store::MessageStore;
