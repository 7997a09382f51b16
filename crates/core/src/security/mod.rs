//! Content security: WeChat's text check for what users write, and the moderation settings a
//! collection carries. [`TextSecurity`] asks WeChat (`/wxa/msg_sec_check`, version 2);
//! [`TextModeration`] says which fields of a collection's documents are checked, in which
//! scene, and what happens on a `review` verdict or when WeChat cannot answer.

mod moderation;
mod text;

pub use moderation::{Policy, TextModeration};
pub use text::{TextCheckError, TextSecurity};
pub use wxbase_wechat::api::security::{Scene, Suggest, Verdict, MAX_TEXT_CHARS};
