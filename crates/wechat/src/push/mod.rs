//! Message push (WeChat → developer server): the documents WeChat posts (XML or JSON), typed
//! customer-service messages and official-account follow events, signature checks and
//! decryption, and passive replies.
//!
//! Protocol reference: `docs/wechat-protocol.md`, sections "Message push" and
//! "Official-account followers" ("Follow events").

mod document;
mod follow;
mod message;
mod receive;
mod reply;

pub use document::{DocumentError, Field, PushDocument, PushFormat};
pub use follow::{FollowEvent, FollowKind};
pub use message::{InboundMessage, MessageError, MessageKind, MsgId};
pub use receive::{open_encrypted_reply, OpenedPush, PushError, PushQuery, PushReceiver};
pub use reply::{is_acknowledgement, transfer_customer_service};
