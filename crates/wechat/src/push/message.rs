//! Typed customer-service messages read from a push document (`docs/wechat-protocol.md`, "Pushed
//! customer-service messages"):
//! text, image, mini-program card and the enter-session event; anything else stays raw.

use serde_json::{json, Value};

use super::PushDocument;
use crate::{IdError, OpenId};

/// A message id: a 64-bit integer that may exceed 2^53, so never held as `f64`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MsgId(pub u64);

/// Why a document is not a customer-service message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MessageError {
    /// A required field is absent.
    #[error("the push has no {0}")]
    Missing(&'static str),
    /// A field has the wrong shape.
    #[error("the push's {field} is invalid: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// What a user sent, by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageKind {
    /// `MsgType=text`.
    Text {
        /// What the user typed.
        content: String,
    },
    /// `MsgType=image`.
    Image {
        /// WeChat's URL of the picture.
        pic_url: String,
        /// The media id (`/cgi-bin/media/get`).
        media_id: String,
    },
    /// `MsgType=miniprogrampage`: a mini-program card.
    MiniProgramPage {
        /// The card's title.
        title: String,
        /// The card's mini-program.
        app_id: String,
        /// The page it opens.
        page_path: String,
        /// A temporary CDN URL of the thumbnail.
        thumb_url: String,
        /// The thumbnail's media id.
        thumb_media_id: String,
    },
    /// `MsgType=event`, `Event=user_enter_tempsession`: the user opened the chat.
    EnterSession {
        /// The button's `session-from` attribute.
        session_from: String,
    },
    /// Any other type or event, kept as it came (the raw document is stored too).
    Other {
        /// The `MsgType`.
        msg_type: String,
        /// The `Event`, for events.
        event: Option<String>,
    },
}

/// One inbound customer-service message or event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// The mini-program's original id (`gh_…`).
    pub to_user_name: String,
    /// The user.
    pub from_user: OpenId,
    /// When WeChat received it, in Unix seconds.
    pub create_time: i64,
    /// The message id; events have none.
    pub msg_id: Option<MsgId>,
    /// What it is.
    pub kind: MessageKind,
}

impl InboundMessage {
    /// Reads the common fields and the type's own fields.
    pub fn from_document(document: &PushDocument) -> Result<Self, MessageError> {
        let required = |name: &'static str| document.get(name).ok_or(MessageError::Missing(name));
        let optional = |name: &str| document.get(name).unwrap_or_default().to_owned();
        let from_user = OpenId::parse(required("FromUserName")?).map_err(|e: IdError| {
            MessageError::Invalid {
                field: "FromUserName",
                reason: e.to_string(),
            }
        })?;
        let create_time =
            required("CreateTime")?
                .trim()
                .parse::<i64>()
                .map_err(|e| MessageError::Invalid {
                    field: "CreateTime",
                    reason: e.to_string(),
                })?;
        let msg_id = document
            .get("MsgId")
            .map(|id| id.trim().parse::<u64>().map(MsgId))
            .transpose()
            .map_err(|e| MessageError::Invalid {
                field: "MsgId",
                reason: format!("not a 64-bit integer ({e})"),
            })?;
        let msg_type = required("MsgType")?;
        let kind = match msg_type {
            "text" => MessageKind::Text {
                content: required("Content")?.to_owned(),
            },
            "image" => MessageKind::Image {
                pic_url: optional("PicUrl"),
                media_id: optional("MediaId"),
            },
            "miniprogrampage" => MessageKind::MiniProgramPage {
                title: optional("Title"),
                app_id: optional("AppId"),
                page_path: optional("PagePath"),
                thumb_url: optional("ThumbUrl"),
                thumb_media_id: optional("ThumbMediaId"),
            },
            "event" if document.get("Event") == Some("user_enter_tempsession") => {
                MessageKind::EnterSession {
                    session_from: optional("SessionFrom"),
                }
            }
            other => MessageKind::Other {
                msg_type: other.to_owned(),
                event: document.get("Event").map(str::to_owned),
            },
        };
        Ok(Self {
            to_user_name: optional("ToUserName"),
            from_user,
            create_time,
            msg_id,
            kind,
        })
    }

    /// The `MsgType`.
    pub fn msg_type(&self) -> &str {
        match &self.kind {
            MessageKind::Text { .. } => "text",
            MessageKind::Image { .. } => "image",
            MessageKind::MiniProgramPage { .. } => "miniprogrampage",
            MessageKind::EnterSession { .. } => "event",
            MessageKind::Other { msg_type, .. } => msg_type,
        }
    }

    /// The `Event`, for events.
    pub fn event(&self) -> Option<&str> {
        match &self.kind {
            MessageKind::EnterSession { .. } => Some("user_enter_tempsession"),
            MessageKind::Other { event, .. } => event.as_deref(),
            _ => None,
        }
    }

    /// Whether the user sent it (as opposed to an event about the session).
    pub fn is_user_message(&self) -> bool {
        self.msg_type() != "event"
    }

    /// What identifies a delivery and its retries: `MsgId` when present, else
    /// `FromUserName + CreateTime + Event` (`docs/wechat-protocol.md`, "Acknowledgement and
    /// retries").
    pub fn dedup_key(&self) -> String {
        match self.msg_id {
            Some(MsgId(id)) => format!("msg:{id}"),
            None => format!(
                "evt:{}:{}:{}",
                self.from_user,
                self.create_time,
                self.event().unwrap_or(self.msg_type())
            ),
        }
    }

    /// The type's own fields as JSON, for storage and display.
    pub fn content_json(&self) -> Value {
        match &self.kind {
            MessageKind::Text { content } => json!({ "content": content }),
            MessageKind::Image { pic_url, media_id } => {
                json!({ "picUrl": pic_url, "mediaId": media_id })
            }
            MessageKind::MiniProgramPage {
                title,
                app_id,
                page_path,
                thumb_url,
                thumb_media_id,
            } => json!({
                "title": title, "appId": app_id, "pagePath": page_path,
                "thumbUrl": thumb_url, "thumbMediaId": thumb_media_id,
            }),
            MessageKind::EnterSession { session_from } => {
                json!({ "event": "user_enter_tempsession", "sessionFrom": session_from })
            }
            MessageKind::Other { event, .. } => json!({ "event": event }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(pairs: &[(&str, &str)]) -> PushDocument {
        pairs
            .iter()
            .fold(PushDocument::new(), |doc, (name, value)| {
                doc.text(name, *value)
            })
    }

    fn base(msg_type: &str) -> Vec<(&'static str, String)> {
        vec![
            ("ToUserName", "gh_97417a04a28d".to_owned()),
            ("FromUserName", "o9AgO5Kd5ggOC-bXrbNODIiE3bGY".to_owned()),
            ("CreateTime", "1714112445".to_owned()),
            ("MsgType", msg_type.to_owned()),
        ]
    }

    fn read(msg_type: &str, extra: &[(&str, &str)]) -> Result<InboundMessage, MessageError> {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        let common = base(msg_type);
        pairs.extend(common.iter().map(|(n, v)| (*n, v.as_str())));
        pairs.extend_from_slice(extra);
        InboundMessage::from_document(&document(&pairs))
    }

    #[test]
    fn a_text_message_is_typed_and_deduplicated_by_its_msgid() {
        let message = read(
            "text",
            &[("Content", "hello"), ("MsgId", "18446744073709551615")],
        )
        .expect("a text message");
        assert_eq!(
            message.kind,
            MessageKind::Text {
                content: "hello".to_owned()
            }
        );
        assert_eq!(message.msg_id, Some(MsgId(u64::MAX)));
        assert_eq!(message.dedup_key(), "msg:18446744073709551615");
        assert!(message.is_user_message());
    }

    #[test]
    fn images_cards_and_the_enter_session_event_are_typed() {
        let image = read(
            "image",
            &[("PicUrl", "http://p"), ("MediaId", "m1"), ("MsgId", "1")],
        )
        .expect("image");
        assert_eq!(
            image.content_json(),
            json!({ "picUrl": "http://p", "mediaId": "m1" })
        );
        let card = read(
            "miniprogrampage",
            &[("Title", "T"), ("PagePath", "pages/a"), ("MsgId", "2")],
        )
        .expect("card");
        assert_eq!(card.msg_type(), "miniprogrampage");
        assert_eq!(card.content_json()["pagePath"], "pages/a");
        let enter = read(
            "event",
            &[("Event", "user_enter_tempsession"), ("SessionFrom", "btn")],
        )
        .expect("event");
        assert_eq!(
            enter.kind,
            MessageKind::EnterSession {
                session_from: "btn".to_owned()
            }
        );
        assert!(!enter.is_user_message());
        assert_eq!(
            enter.dedup_key(),
            "evt:o9AgO5Kd5ggOC-bXrbNODIiE3bGY:1714112445:user_enter_tempsession"
        );
    }

    #[test]
    fn other_types_and_events_are_kept_raw() {
        let debug = read(
            "event",
            &[("Event", "debug_demo"), ("debug_str", "hello world")],
        )
        .expect("an event");
        assert_eq!(
            debug.kind,
            MessageKind::Other {
                msg_type: "event".to_owned(),
                event: Some("debug_demo".to_owned())
            }
        );
        let voice = read("voice", &[("MsgId", "3")]).expect("a voice message");
        assert_eq!(voice.msg_type(), "voice");
        assert_eq!(voice.dedup_key(), "msg:3");
    }

    #[test]
    fn missing_or_malformed_common_fields_are_refused() {
        assert_eq!(
            read("text", &[]).expect_err("no content"),
            MessageError::Missing("Content")
        );
        assert!(matches!(
            read("text", &[("Content", "x"), ("MsgId", "6.05e18")]),
            Err(MessageError::Invalid { field: "MsgId", .. })
        ));
        let no_sender = document(&[("MsgType", "text"), ("CreateTime", "1"), ("Content", "x")]);
        assert_eq!(
            InboundMessage::from_document(&no_sender),
            Err(MessageError::Missing("FromUserName"))
        );
        let bad_time = document(&[
            ("FromUserName", "o1"),
            ("MsgType", "text"),
            ("CreateTime", "soon"),
        ]);
        assert!(matches!(
            InboundMessage::from_document(&bad_time),
            Err(MessageError::Invalid {
                field: "CreateTime",
                ..
            })
        ));
    }
}
