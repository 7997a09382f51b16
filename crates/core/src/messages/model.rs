//! Stored messages: what came in, what goes out, and the outbox state of outbound ones.

use serde::Serialize;
use serde_json::Value;
use wxbase_wechat::api::custom_message::CustomMessage;
use wxbase_wechat::api::subscribe_message::SubscribeMessage;
use wxbase_wechat::push::InboundMessage;
use wxbase_wechat::{AppId, OpenId};

use crate::Timestamp;

/// The database id of a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct MessageId(pub i64);

/// Who sent a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The user, through a push.
    Inbound,
    /// The mini-program: an auto-reply, a manual reply or a transfer.
    Outbound,
}

impl Direction {
    /// `inbound` or `outbound`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Outbound => "outbound",
        }
    }

    /// Parses a stored direction.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "inbound" => Some(Self::Inbound),
            "outbound" => Some(Self::Outbound),
            _ => None,
        }
    }
}

/// Where an outbound message is in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SendStatus {
    /// Waiting to be sent, or to be retried.
    Pending,
    /// WeChat accepted it (or, for a transfer, it went out in the push's answer).
    Sent,
    /// Given up: a final errcode, or the attempts ran out.
    Failed,
    /// Cancelled by an operator before it was sent.
    Cancelled,
    /// Refused for lack of a grant (43101) on a retry after an attempt whose outcome is
    /// unknown (a timeout, a network failure, `-1`, a lease that ran out): that attempt most
    /// likely delivered it and used the grant. Final, like `failed`, and never retried.
    Unconfirmed,
}

impl SendStatus {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::Unconfirmed => "unconfirmed",
        }
    }

    /// Parses a stored status.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "sent" => Some(Self::Sent),
            "failed" => Some(Self::Failed),
            "cancelled" => Some(Self::Cancelled),
            "unconfirmed" => Some(Self::Unconfirmed),
            _ => None,
        }
    }
}

/// An accepted push, to record.
#[derive(Debug, Clone)]
pub struct NewInbound {
    /// The mini-program.
    pub app_id: AppId,
    /// The user.
    pub openid: OpenId,
    /// `MsgType`.
    pub msg_type: String,
    /// The typed fields, as JSON.
    pub content: Value,
    /// The message document as received (decrypted in compatible and safe mode).
    pub raw: String,
    /// `msg:<MsgId>` or `evt:<from>:<time>:<event>`: unique per app.
    pub dedup_key: String,
    /// When wxbase received it.
    pub received_at: Timestamp,
}

impl NewInbound {
    /// The record of an accepted push of `app_id`: its typed fields, the document as received,
    /// and the key its retries share.
    pub fn from_push(app_id: &AppId, message: &InboundMessage, raw: &str, now: Timestamp) -> Self {
        Self {
            app_id: app_id.clone(),
            openid: message.from_user.clone(),
            msg_type: message.msg_type().to_owned(),
            content: message.content_json(),
            raw: raw.to_owned(),
            dedup_key: message.dedup_key(),
            received_at: now,
        }
    }
}

/// What an outbound message is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundContent {
    /// A message for `/cgi-bin/message/custom/send`, queued in the outbox.
    Custom(CustomMessage),
    /// The passive `transfer_customer_service` answer: sent with the acknowledgement.
    Transfer,
    /// A subscribe message for `/cgi-bin/message/subscribe/send`, queued in the outbox.
    Subscribe(SubscribeMessage),
}

/// The stored type of a subscribe message.
pub const SUBSCRIBE_MSG_TYPE: &str = "subscribe";

impl OutboundContent {
    /// Reads a queued message's stored content: a subscribe message names its `template_id`,
    /// a custom message its `msgtype`.
    pub fn from_stored(content: &str) -> Result<Self, serde_json::Error> {
        let value: Value = serde_json::from_str(content)?;
        if value.get("template_id").is_some() {
            serde_json::from_value(value).map(Self::Subscribe)
        } else {
            serde_json::from_value(value).map(Self::Custom)
        }
    }
}

/// An outbound message, to record.
#[derive(Debug, Clone)]
pub struct NewOutbound {
    /// The mini-program.
    pub app_id: AppId,
    /// The user.
    pub openid: OpenId,
    /// What to send.
    pub content: OutboundContent,
    /// When it was decided.
    pub created_at: Timestamp,
}

impl NewOutbound {
    /// The stored type: the `msgtype`, or `transfer_customer_service`.
    pub fn msg_type(&self) -> &'static str {
        match &self.content {
            OutboundContent::Custom(message) => message.msg_type(),
            OutboundContent::Transfer => "transfer_customer_service",
            OutboundContent::Subscribe(_) => SUBSCRIBE_MSG_TYPE,
        }
    }

    /// The stored content: the custom message's JSON (`{"msgtype", …}`), the subscribe
    /// message's (`{"template_id", "data", …}`), or `{}`.
    pub fn content_json(&self) -> String {
        let json = match &self.content {
            OutboundContent::Custom(message) => serde_json::to_string(message),
            OutboundContent::Subscribe(message) => serde_json::to_string(message),
            OutboundContent::Transfer => return "{}".to_owned(),
        };
        json.unwrap_or_else(|_| "{}".to_owned())
    }

    /// The status it starts in: a transfer is already sent, the others are pending.
    pub fn initial_status(&self) -> SendStatus {
        match self.content {
            OutboundContent::Custom(_) | OutboundContent::Subscribe(_) => SendStatus::Pending,
            OutboundContent::Transfer => SendStatus::Sent,
        }
    }
}

/// How an outbound message fared, for the admin API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// Pending, sent or failed.
    pub status: SendStatus,
    /// Send attempts so far.
    pub attempts: i64,
    /// WeChat's errcode of the last failed attempt.
    pub errcode: Option<i64>,
    /// What went wrong last.
    pub error: Option<String>,
    /// When WeChat accepted it.
    pub sent_at: Option<Timestamp>,
}

/// A stored message, either way.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StoredMessage {
    /// Its id; later messages have larger ids.
    pub id: MessageId,
    /// The user.
    #[schema(value_type = String)]
    pub openid: OpenId,
    /// Who sent it.
    pub direction: Direction,
    /// `text`, `image`, `event`, `link`, … or `transfer_customer_service`.
    pub msg_type: String,
    /// The typed fields (inbound) or the custom message (outbound).
    pub content: Value,
    /// The message document as received (inbound only).
    pub raw: Option<String>,
    /// When it was received or decided.
    pub created_at: Timestamp,
    /// The outbox state (outbound only).
    pub delivery: Option<Delivery>,
}

/// An outbound message claimed by one worker for one attempt.
#[derive(Debug, Clone)]
pub struct ClaimedOutbound {
    /// Its id.
    pub id: MessageId,
    /// The mini-program.
    pub app_id: AppId,
    /// The user.
    pub openid: OpenId,
    /// The stored custom message JSON.
    pub content: String,
    /// Attempts including this one.
    pub attempts: i64,
    /// Whether an earlier attempt may have reached WeChat without wxbase learning how it
    /// went (a timeout, a network failure, `-1`, or a lease that ran out under a send).
    pub maybe_sent: bool,
}

/// The result of one send attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    /// WeChat accepted it.
    Sent {
        /// When.
        at: Timestamp,
    },
    /// It failed in a way a later attempt may fix.
    Retry {
        /// WeChat's errcode, if it answered.
        errcode: Option<i64>,
        /// What went wrong.
        error: String,
        /// When to try again.
        next_attempt_at: Timestamp,
        /// Whether this attempt may have reached WeChat (a timeout, a network failure, `-1`),
        /// rather than failing before it (a rejected token, the token endpoint).
        maybe_sent: bool,
    },
    /// It failed for good.
    Failed {
        /// WeChat's errcode, if it answered.
        errcode: Option<i64>,
        /// What went wrong.
        error: String,
    },
    /// WeChat refused it for lack of a grant (43101) after an earlier attempt whose outcome is
    /// unknown: most likely delivered by that attempt ([`SendStatus::Unconfirmed`]).
    Unconfirmed {
        /// WeChat's errcode (43101).
        errcode: i64,
        /// What WeChat answered, and why it most likely went through.
        error: String,
    },
}

/// What the outbox of an app holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OutboxStats {
    /// Replies waiting to be sent, in flight included.
    pub pending: u64,
    /// Pending replies being sent now (under a lease).
    pub in_flight: u64,
    /// Replies given up on.
    pub failed: u64,
    /// When the oldest pending reply was queued.
    pub oldest_pending_at: Option<Timestamp>,
    /// Replies WeChat accepted in the minute before the count.
    pub sent_last_minute: u64,
}

/// Why an operator's retry or cancel of a reply was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxRefusal {
    /// No outbound message of the app has that id.
    NotFound,
    /// The reply was sent already.
    Sent,
    /// The reply is being sent right now (its lease is held).
    InFlight,
    /// The reply was cancelled.
    Cancelled,
    /// The subscribe message is unconfirmed: most likely delivered, its grant used.
    Unconfirmed,
}
