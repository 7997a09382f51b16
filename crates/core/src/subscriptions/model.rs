//! Grants, what changes them, campaigns and send receipts.

use serde::Serialize;
use wxbase_wechat::api::subscribe_message::SubscribeMessage;
use wxbase_wechat::push::{SubscribeChoice, SubscribeEvent};
use wxbase_wechat::{AppId, OpenId};

use crate::Timestamp;

/// What a user answered for a template, as `wx.requestSubscribeMessage` and the events say it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `accept` (and `acceptWithAlert`, `acceptWithAudio`): a grant.
    Accept,
    /// `reject`: no grant; a long-term grant is off.
    Reject,
    /// `ban`: the user blocked the template; grants left are void.
    Ban,
    /// `filter` or anything else: recorded, no change to the grant.
    Other(String),
}

impl Answer {
    /// Reads WeChat's status text.
    pub fn parse(text: &str) -> Self {
        match text {
            "accept" | "acceptWithAlert" | "acceptWithAudio" => Self::Accept,
            "reject" => Self::Reject,
            "ban" => Self::Ban,
            other => Self::Other(other.to_owned()),
        }
    }

    /// As recorded.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Accept => "accept",
            Self::Reject => "reject",
            Self::Ban => "ban",
            Self::Other(text) => text,
        }
    }
}

/// Where a grant change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantSource {
    /// `subscribe_msg_popup_event`: the user tapped an answer.
    Popup,
    /// `subscribe_msg_change_event`: the user changed a long-term subscription in the settings.
    Settings,
    /// `POST /api/me/subscriptions`: the mini-program reported what the popup answered.
    Report,
}

/// One change to one grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantChange {
    /// The template.
    pub template_id: String,
    /// What the user answered.
    pub answer: Answer,
    /// Where it came from.
    pub source: GrantSource,
}

impl GrantChange {
    /// The changes a popup or settings event makes; `None` for a sent event.
    pub fn from_event(event: &SubscribeEvent) -> Vec<Self> {
        let of = |choices: &[SubscribeChoice], source| {
            choices
                .iter()
                .map(|choice| Self {
                    template_id: choice.template_id.clone(),
                    answer: Answer::parse(&choice.status),
                    source,
                })
                .collect()
        };
        match event {
            SubscribeEvent::Popup(choices) => of(choices, GrantSource::Popup),
            SubscribeEvent::Change(choices) => of(choices, GrantSource::Settings),
            SubscribeEvent::Sent(_) => Vec::new(),
        }
    }

    /// One-time grants it adds: one per accepted popup (a settings change only switches
    /// long-term grants).
    pub fn one_time_added(&self) -> i64 {
        i64::from(self.answer == Answer::Accept && self.source != GrantSource::Settings)
    }

    /// Whether the one-time grants left become void (a ban).
    pub fn voids_one_time(&self) -> bool {
        self.answer == Answer::Ban
    }

    /// The long-term grant after it: on for an accept, off for a reject or ban, unchanged
    /// otherwise.
    pub fn long_term(&self) -> Option<bool> {
        match self.answer {
            Answer::Accept => Some(true),
            Answer::Reject | Answer::Ban => Some(false),
            Answer::Other(_) => None,
        }
    }
}

/// A user's grant for one template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Grant {
    /// The template.
    pub template_id: String,
    /// One-time grants not used yet (each allows one message).
    pub one_time: i64,
    /// Whether a long-term grant is on (used by long-term templates only).
    pub long_term: bool,
    /// The user's latest answer: `accept`, `reject`, `ban`, `filter`, …
    pub last_result: String,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// The result of one send, from `subscribe_msg_sent_event`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReceipt {
    /// WeChat's message id.
    pub msg_id: String,
    /// The template.
    pub template_id: String,
    /// 0 when delivered.
    pub error_code: i64,
    /// WeChat's text for it.
    pub error_status: String,
}

/// A campaign's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct CampaignId(pub i64);

/// Who a campaign goes to; in both cases only users holding a grant get a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Every user holding a grant for the template.
    Granted,
    /// These users, those of them holding a grant.
    Openids(Vec<OpenId>),
}

impl Audience {
    /// As stored: `granted`, or `openids`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Openids(_) => "openids",
        }
    }
}

/// A campaign to queue.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// The mini-program.
    pub app_id: AppId,
    /// What every user gets.
    pub message: SubscribeMessage,
    /// Whether the template is long-term (grants are then not used up).
    pub long_term: bool,
    /// Who gets it.
    pub audience: Audience,
    /// When the messages are due.
    pub send_at: Timestamp,
    /// When it was made.
    pub created_at: Timestamp,
}

/// A campaign and how its messages fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CampaignReport {
    /// Its id.
    pub id: CampaignId,
    /// The template.
    pub template_id: String,
    /// `granted` or `openids`.
    pub audience: String,
    /// Messages queued (one per user holding a grant).
    pub queued: u64,
    /// Listed users not queued for lack of a grant (always 0 for `granted`).
    pub without_grant: u64,
    /// Waiting to be sent.
    pub pending: u64,
    /// Accepted by WeChat.
    pub sent: u64,
    /// Refused by WeChat for lack of a grant (43101).
    pub refused: u64,
    /// Answered 43101 on a retry after an attempt whose outcome is unknown (a timeout, say):
    /// most likely delivered by that attempt, which used the grant. Not in `sent` or `refused`.
    pub unconfirmed: u64,
    /// Failed for another reason (bad data, bad openid, attempts used up).
    pub failed: u64,
    /// Cancelled by an operator.
    pub cancelled: u64,
    /// When the messages are due.
    pub send_at: Timestamp,
    /// When it was made.
    pub created_at: Timestamp,
}
