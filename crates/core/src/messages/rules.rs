//! Auto-reply rules: what a message must look like (keyword, regex, type, the enter-session
//! event, or anything as a default) and what to answer (a custom message or a transfer to
//! customer service). Validated when created, so a stored rule always works.

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};
use wxbase_wechat::api::custom_message::{CustomMessage, ImageBody, LinkBody, PageBody, TextBody};
use wxbase_wechat::push::{InboundMessage, MessageKind};

use crate::Timestamp;

/// Longest pattern (keyword or regex), in bytes.
pub const MAX_PATTERN_LEN: usize = 512;
/// Longest text reply, in bytes (WeChat refuses longer ones with 45002).
pub const MAX_TEXT_LEN: usize = 2048;
/// The compiled size a regex may reach.
const REGEX_SIZE_LIMIT: usize = 256 * 1024;

/// The database id of a rule.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
pub struct RuleId(pub i64);

/// When a rule applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "kind", content = "pattern", rename_all = "snake_case")]
pub enum RuleMatch {
    /// A text message equal to the keyword (surrounding whitespace ignored).
    Exact(String),
    /// A text message containing the keyword.
    Contains(String),
    /// A text message the regular expression matches.
    Regex(String),
    /// Any message of this `MsgType` (`text`, `image`, `miniprogrampage`, `event`, …).
    MsgType(String),
    /// The `user_enter_tempsession` event.
    EnterSession,
    /// Any user message no other rule matched.
    Default,
}

/// What a rule answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReplyAction {
    /// A text message.
    Text {
        /// The text.
        content: String,
    },
    /// A link card.
    Link {
        /// The title.
        title: String,
        /// The description.
        description: String,
        /// Where it leads (http or https).
        url: String,
        /// The thumbnail's URL.
        thumb_url: String,
    },
    /// An image already uploaded as temporary media.
    Image {
        /// Its media id.
        media_id: String,
    },
    /// A mini-program card.
    #[serde(rename = "miniprogrampage")]
    MiniProgramPage {
        /// The title.
        title: String,
        /// The page, with its query.
        pagepath: String,
        /// The thumbnail's media id.
        thumb_media_id: String,
    },
    /// Hand the message to the web customer-service tool (the passive reply).
    TransferCustomerService,
}

/// A rule to create, update or seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRule {
    /// A unique name; rules from the config file are kept in step by name.
    #[serde(default)]
    pub name: Option<String>,
    /// Higher is tried first; ties go to the older rule.
    #[serde(default)]
    pub priority: i64,
    /// When it applies.
    #[serde(rename = "match")]
    pub matcher: RuleMatch,
    /// What it answers.
    pub reply: ReplyAction,
}

/// A stored rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ReplyRule {
    /// Its id.
    pub id: RuleId,
    /// Its name, priority, match and reply.
    #[serde(flatten)]
    #[schema(inline)]
    pub rule: NewRule,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Why a rule is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

fn invalid(message: impl Into<String>) -> RuleError {
    RuleError(message.into())
}

impl RuleMatch {
    /// The stored kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Exact(_) => "exact",
            Self::Contains(_) => "contains",
            Self::Regex(_) => "regex",
            Self::MsgType(_) => "msg_type",
            Self::EnterSession => "enter_session",
            Self::Default => "default",
        }
    }

    /// The stored pattern (empty for kinds without one).
    pub fn pattern(&self) -> &str {
        match self {
            Self::Exact(p) | Self::Contains(p) | Self::Regex(p) | Self::MsgType(p) => p,
            Self::EnterSession | Self::Default => "",
        }
    }

    /// Rebuilds a match from its stored kind and pattern.
    pub fn from_parts(kind: &str, pattern: &str) -> Option<Self> {
        let pattern = pattern.to_owned();
        Some(match kind {
            "exact" => Self::Exact(pattern),
            "contains" => Self::Contains(pattern),
            "regex" => Self::Regex(pattern),
            "msg_type" => Self::MsgType(pattern),
            "enter_session" => Self::EnterSession,
            "default" => Self::Default,
            _ => return None,
        })
    }

    fn applies_to_events(&self) -> bool {
        matches!(self, Self::EnterSession) || matches!(self, Self::MsgType(t) if t == "event")
    }
}

/// Compiles a rule's regex with bounded size.
fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .build()
}

impl NewRule {
    /// Checks everything a stored rule relies on.
    pub fn validate(&self) -> Result<(), RuleError> {
        if let Some(name) = &self.name {
            if name.trim().is_empty() || name.len() > 64 {
                return Err(invalid("name must be 1 to 64 characters"));
            }
        }
        let pattern = self.matcher.pattern();
        if pattern.len() > MAX_PATTERN_LEN {
            return Err(invalid(format!(
                "match.pattern is longer than {MAX_PATTERN_LEN} bytes"
            )));
        }
        match &self.matcher {
            RuleMatch::Exact(p) | RuleMatch::Contains(p) | RuleMatch::MsgType(p)
                if p.trim().is_empty() =>
            {
                return Err(invalid("match.pattern must not be empty"));
            }
            RuleMatch::Regex(p) => {
                compile(p)
                    .map_err(|e| invalid(format!("match.pattern is not a valid regex: {e}")))?;
            }
            _ => {}
        }
        if self.reply == ReplyAction::TransferCustomerService && self.matcher.applies_to_events() {
            return Err(invalid(
                "transfer_customer_service answers user messages only, not events",
            ));
        }
        self.reply.validate()
    }

    /// Whether the rule applies to `message` (a [`RuleMatch::Default`] rule is tried by
    /// [`pick`] only after every other rule).
    fn matches(&self, message: &InboundMessage) -> bool {
        let text = match &message.kind {
            MessageKind::Text { content } => Some(content.as_str()),
            _ => None,
        };
        let applies = match &self.matcher {
            RuleMatch::Exact(p) => text.is_some_and(|t| t.trim() == p.trim()),
            RuleMatch::Contains(p) => text.is_some_and(|t| t.contains(p.as_str())),
            RuleMatch::Regex(p) => {
                text.is_some_and(|t| compile(p).is_ok_and(|regex| regex.is_match(t)))
            }
            RuleMatch::MsgType(t) => message.msg_type() == t,
            RuleMatch::EnterSession => matches!(message.kind, MessageKind::EnterSession { .. }),
            RuleMatch::Default => message.is_user_message(),
        };
        applies && (message.is_user_message() || self.reply != ReplyAction::TransferCustomerService)
    }
}

impl ReplyAction {
    /// Checks the fields WeChat needs (non-empty, bounded, http(s) URLs).
    pub fn validate(&self) -> Result<(), RuleError> {
        let required = |field: &str, value: &str| {
            if value.trim().is_empty() {
                Err(invalid(format!("reply.{field} must not be empty")))
            } else {
                Ok(())
            }
        };
        match self {
            Self::Text { content } => {
                required("content", content)?;
                if content.len() > MAX_TEXT_LEN {
                    return Err(invalid(format!(
                        "reply.content is longer than {MAX_TEXT_LEN} bytes"
                    )));
                }
            }
            Self::Link {
                title,
                url,
                thumb_url,
                ..
            } => {
                required("title", title)?;
                for (field, value) in [("url", url), ("thumb_url", thumb_url)] {
                    if !(value.starts_with("https://") || value.starts_with("http://")) {
                        return Err(invalid(format!("reply.{field} must be an http(s) URL")));
                    }
                }
            }
            Self::Image { media_id } => required("media_id", media_id)?,
            Self::MiniProgramPage {
                title,
                pagepath,
                thumb_media_id,
            } => {
                required("title", title)?;
                required("pagepath", pagepath)?;
                required("thumb_media_id", thumb_media_id)?;
            }
            Self::TransferCustomerService => {}
        }
        Ok(())
    }

    /// The custom message to send, or `None` for a transfer (a passive reply).
    pub fn custom_message(&self) -> Option<CustomMessage> {
        Some(match self.clone() {
            Self::Text { content } => CustomMessage::Text {
                text: TextBody { content },
            },
            Self::Link {
                title,
                description,
                url,
                thumb_url,
            } => CustomMessage::Link {
                link: LinkBody {
                    title,
                    description,
                    url,
                    thumb_url,
                },
            },
            Self::Image { media_id } => CustomMessage::Image {
                image: ImageBody { media_id },
            },
            Self::MiniProgramPage {
                title,
                pagepath,
                thumb_media_id,
            } => CustomMessage::Miniprogrampage {
                miniprogrampage: PageBody {
                    title,
                    pagepath,
                    thumb_media_id,
                },
            },
            Self::TransferCustomerService => return None,
        })
    }
}

/// The rule that answers `message`: the first matching non-default rule by priority (higher
/// first, then older first), else the first default rule.
pub fn pick<'r>(rules: &'r [ReplyRule], message: &InboundMessage) -> Option<&'r ReplyRule> {
    let mut ordered: Vec<&ReplyRule> = rules.iter().collect();
    ordered.sort_by_key(|r| (std::cmp::Reverse(r.rule.priority), r.id));
    let (defaults, specific): (Vec<&ReplyRule>, Vec<&ReplyRule>) = ordered
        .into_iter()
        .partition(|r| r.rule.matcher == RuleMatch::Default);
    specific
        .into_iter()
        .chain(defaults)
        .find(|r| r.rule.matches(message))
}

/// The example rule `serve --dev` seeds into an empty rule table: `hello` gets a greeting.
pub fn example_rule() -> NewRule {
    NewRule {
        name: Some("example-hello".to_owned()),
        priority: 0,
        matcher: RuleMatch::Exact("hello".to_owned()),
        reply: ReplyAction::Text {
            content: "Hello from wxbase! This reply comes from an auto-reply rule.".to_owned(),
        },
    }
}

#[cfg(test)]
mod tests;
