//! The push sender: WeChat calling the developer's server when a user writes in the
//! customer-service chat, in the configured mode (plaintext, compatible, safe) and format
//! (XML, JSON), with valid signatures, a timeout and retries.
//!
//! `build` makes the document and the signed request, `outgoing` is one push on its way and
//! its report, `deliver` sends it and judges the answers. What starts a push is in the
//! control API: `POST /__emulator/push` (`control::push`, with `push-config`) and the official
//! account's follow and unfollow (`control::official_account`).
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html>

pub(crate) mod build;
mod deliver;
mod outgoing;

use std::time::Duration;

use serde::{Deserialize, Serialize};
pub use wxbase_wechat::push::PushFormat;

pub(crate) use build::original_id;
pub(crate) use outgoing::Outgoing;

/// The three security modes of the push settings (docs/wechat-protocol.md, "Push modes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PushMode {
    /// Plain documents, `signature` only.
    Plaintext,
    /// Plain fields and `Encrypt` side by side, `msg_signature` over `Encrypt`.
    Compatible,
    /// Only `ToUserName` and `Encrypt`.
    Safe,
}

/// Where and how the emulator delivers pushes, as set in the WeChat admin console.
#[derive(Debug, Clone)]
pub struct PushTarget {
    /// The developer server's push URL; pushes fail to send until it is set.
    pub url: Option<String>,
    /// The security mode.
    pub mode: PushMode,
    /// The data format.
    pub format: PushFormat,
    /// The push Token.
    pub token: String,
    /// The EncodingAESKey (43 letters and digits), needed in compatible and safe mode.
    pub encoding_aes_key: Option<String>,
    /// How long to wait for an answer (WeChat: 5 s).
    pub timeout: Duration,
    /// Deliveries in total, first one included (WeChat: 3).
    pub deliveries: u32,
}

impl Default for PushTarget {
    fn default() -> Self {
        Self {
            url: None,
            mode: PushMode::Safe,
            format: PushFormat::Json,
            token: String::new(),
            encoding_aes_key: None,
            timeout: Duration::from_secs(5),
            deliveries: 3,
        }
    }
}
