//! What each user saw and sent in the customer-service chat, and the send window WeChat keeps
//! per (app, openid): the last user message, replies since it, the typing state.
//!
//! `wechat_api::custom_message` sends through it, the push control route records what the
//! user wrote, and `GET /__emulator/conversations/{user}` shows it.

use std::collections::HashMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::wechat_api::reply::{self, WxError};

/// How long after the user's last message the app may send (docs/wechat-protocol.md, "Customer-service messages").
pub const WINDOW: Duration = Duration::from_secs(48 * 3600);
/// Messages the app may send per user message.
pub const REPLIES_PER_MESSAGE: u32 = 5;
/// How recent an interaction must be to show "typing" (same section).
const TYPING_NEEDS_INTERACTION: Duration = Duration::from_secs(30);
/// How long "typing" lasts.
const TYPING_LASTS: Duration = Duration::from_secs(15);

/// One message in a chat.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// `user` (a push) or `app` (a customer-service message).
    pub from: &'static str,
    /// The message type.
    pub msg_type: String,
    /// Its fields.
    pub content: Value,
    /// Emulator time, Unix seconds.
    pub at: u64,
}

/// One user's chat with one app.
#[derive(Debug, Default)]
pub struct Conversation {
    /// Everything in order.
    pub entries: Vec<Entry>,
    last_user_message: Option<Duration>,
    replies_since: u32,
    last_interaction: Option<Duration>,
    typing_until: Option<Duration>,
}

/// Every chat, by (appid, openid).
#[derive(Debug, Default)]
pub struct Conversations {
    chats: HashMap<(String, String), Conversation>,
}

impl Conversations {
    /// Records a message the user sent (a push): it opens a new window of 5 replies.
    pub fn user_sent(&mut self, appid: &str, openid: &str, entry: Entry, now: Duration) {
        let chat = self
            .chats
            .entry((appid.to_owned(), openid.to_owned()))
            .or_default();
        chat.entries.push(entry);
        chat.last_user_message = Some(now);
        chat.replies_since = 0;
        chat.last_interaction = Some(now);
    }

    /// The chat, if the user ever wrote; 40003 for an openid that never did.
    fn open_window(
        &mut self,
        appid: &str,
        openid: &str,
        now: Duration,
    ) -> Result<&mut Conversation, WxError> {
        let chat = self
            .chats
            .get_mut(&(appid.to_owned(), openid.to_owned()))
            .ok_or(reply::INVALID_OPENID)?;
        match chat.last_user_message {
            Some(at) if now.saturating_sub(at) <= WINDOW => Ok(chat),
            _ => Err(reply::OUT_OF_WINDOW),
        }
    }

    /// Delivers a message from the app if the window allows: 45015 outside 48 hours, 45047
    /// after 5 replies. Sending ends "typing".
    pub fn app_sent(
        &mut self,
        appid: &str,
        openid: &str,
        entry: Entry,
        now: Duration,
    ) -> Result<(), WxError> {
        let chat = self.open_window(appid, openid, now)?;
        if chat.replies_since >= REPLIES_PER_MESSAGE {
            return Err(reply::REPLY_LIMIT);
        }
        chat.entries.push(entry);
        chat.replies_since += 1;
        chat.last_interaction = Some(now);
        chat.typing_until = None;
        Ok(())
    }

    /// `Typing` or `CancelTyping`: needs an open window and an interaction in the last 30 s;
    /// `Typing` while typing is 45081.
    pub fn typing(
        &mut self,
        appid: &str,
        openid: &str,
        typing: bool,
        now: Duration,
    ) -> Result<(), WxError> {
        let chat = self.open_window(appid, openid, now)?;
        let recent = chat
            .last_interaction
            .is_some_and(|at| now.saturating_sub(at) <= TYPING_NEEDS_INTERACTION);
        if !recent {
            return Err(reply::NO_RECENT_INTERACTION);
        }
        if !typing {
            chat.typing_until = None;
        } else if chat.typing_until.is_some_and(|until| until > now) {
            return Err(reply::ALREADY_TYPING);
        } else {
            chat.typing_until = Some(now + TYPING_LASTS);
        }
        Ok(())
    }

    /// Everything in the chat of `openid` with `appid`, in order; empty if they never wrote.
    pub fn entries(&self, appid: &str, openid: &str) -> Vec<Entry> {
        self.chats
            .get(&(appid.to_owned(), openid.to_owned()))
            .map(|chat| chat.entries.clone())
            .unwrap_or_default()
    }
}
