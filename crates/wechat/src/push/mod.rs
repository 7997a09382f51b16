//! Message push (WeChat → developer server): the documents WeChat posts (XML or JSON), typed
//! customer-service messages, subscribe-message events and official-account follow events, signature checks and
//! decryption, and passive replies.
//!
//! Protocol reference: `docs/wechat-protocol.md`, sections "Message push" and
//! "Official-account followers" ("Follow events").

mod document;
mod follow;
mod message;
mod receive;
mod reply;
mod subscribe;

pub use document::{DocumentError, Field, FieldKind, PushDocument, PushFormat};
pub use follow::{FollowEvent, FollowKind};
pub use message::{InboundMessage, MessageError, MessageKind, MsgId};
pub use receive::{open_encrypted_reply, OpenedPush, PushError, PushQuery, PushReceiver};
pub use reply::{is_acknowledgement, transfer_customer_service};
pub use subscribe::{SentReport, SubscribeChoice, SubscribeEvent};
