//! Message push (WeChat → developer server): the documents WeChat posts (XML or JSON), typed
//! customer-service messages, subscribe-message events, media check verdicts and official-account follow events, signature checks and
//! decryption, and passive replies.
//!
//! Protocol reference: `docs/wechat-protocol.md`, sections "Message push" and
//! "Official-account followers" ("Follow events").

mod document;
mod follow;
mod media_check;
mod message;
mod receive;
mod reply;
mod subscribe;

pub use document::{DocumentError, Field, FieldKind, PushDocument, PushFormat};
pub use follow::{FollowEvent, FollowKind};
pub use media_check::{MediaCheckEvent, MEDIA_CHECK_EVENT, UNFETCHABLE};
pub use message::{InboundMessage, MessageError, MessageKind, MsgId};
pub use receive::{open_encrypted_reply, OpenedPush, PushError, PushQuery, PushReceiver};
pub use reply::{is_acknowledgement, transfer_customer_service};
pub use subscribe::{SentReport, SubscribeChoice, SubscribeEvent};
