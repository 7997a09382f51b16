//! The official account's follow events: `MsgType=event` with `Event=subscribe` (also when
//! following by scanning a QR code, which adds `EventKey=qrscene_…`) or `Event=unsubscribe`.
//! Official accounts push XML only; anything else they push is not a follow event.
//! Doc: <https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html>

use super::{MessageError, PushDocument};
use crate::OpenId;

/// Whether the user followed or left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FollowKind {
    /// `Event=subscribe`.
    Subscribe,
    /// `Event=unsubscribe`.
    Unsubscribe,
}

impl FollowKind {
    /// The `Event` value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subscribe => "subscribe",
            Self::Unsubscribe => "unsubscribe",
        }
    }
}

/// A user following or leaving the official account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowEvent {
    /// The official account's original id (`gh_…`).
    pub to_user_name: String,
    /// The user's openid in the official account.
    pub openid: OpenId,
    /// When WeChat saw it, in Unix seconds: orders events and identifies retries.
    pub create_time: i64,
    /// Follow or leave.
    pub kind: FollowKind,
}

impl FollowEvent {
    /// The follow event in `document`; `Ok(None)` for any other message or event.
    pub fn from_document(document: &PushDocument) -> Result<Option<Self>, MessageError> {
        let kind = match (document.get("MsgType"), document.get("Event")) {
            (Some("event"), Some("subscribe")) => FollowKind::Subscribe,
            (Some("event"), Some("unsubscribe")) => FollowKind::Unsubscribe,
            (None, _) => return Err(MessageError::Missing("MsgType")),
            _ => return Ok(None),
        };
        let required = |name: &'static str| document.get(name).ok_or(MessageError::Missing(name));
        let invalid = |field: &'static str, reason: String| MessageError::Invalid { field, reason };
        let openid = OpenId::parse(required("FromUserName")?)
            .map_err(|e| invalid("FromUserName", e.to_string()))?;
        let create_time = required("CreateTime")?
            .trim()
            .parse::<i64>()
            .map_err(|e| invalid("CreateTime", e.to_string()))?;
        Ok(Some(Self {
            to_user_name: document.get("ToUserName").unwrap_or_default().to_owned(),
            openid,
            create_time,
            kind,
        }))
    }

    /// The event as WeChat pushes it, for the emulator and tests.
    pub fn to_document(&self) -> PushDocument {
        PushDocument::new()
            .text("ToUserName", self.to_user_name.as_str())
            .text("FromUserName", self.openid.as_str())
            .number("CreateTime", self.create_time)
            .text("MsgType", "event")
            .text("Event", self.kind.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::PushFormat;

    const SUBSCRIBE: &str = "<xml><ToUserName><![CDATA[gh_oa]]></ToUserName>\
        <FromUserName><![CDATA[o-alice]]></FromUserName><CreateTime>1714112445</CreateTime>\
        <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event>\
        <EventKey><![CDATA[qrscene_42]]></EventKey></xml>";

    fn read(xml: &str) -> Result<Option<FollowEvent>, MessageError> {
        let (_, document) = PushDocument::parse(xml.as_bytes()).expect("a document");
        FollowEvent::from_document(&document)
    }

    #[test]
    fn a_subscribe_event_is_read_with_its_user_and_time() {
        let event = read(SUBSCRIBE).expect("valid").expect("a follow event");
        assert_eq!(event.kind, FollowKind::Subscribe);
        assert_eq!(event.openid.as_str(), "o-alice");
        assert_eq!(event.create_time, 1_714_112_445);
        assert_eq!(event.to_user_name, "gh_oa");
    }

    #[test]
    fn an_unsubscribe_event_round_trips_through_xml() {
        let event = FollowEvent {
            to_user_name: "gh_oa".to_owned(),
            openid: OpenId::parse("o-bob").expect("openid"),
            create_time: 7,
            kind: FollowKind::Unsubscribe,
        };
        let xml = event.to_document().render(PushFormat::Xml);
        assert_eq!(read(&xml).expect("valid"), Some(event));
    }

    #[test]
    fn other_messages_and_events_are_not_follow_events() {
        let text = "<xml><FromUserName>o-a</FromUserName><CreateTime>1</CreateTime>\
                    <MsgType>text</MsgType><Content>hi</Content></xml>";
        assert_eq!(read(text).expect("valid"), None);
        let scan = SUBSCRIBE.replace("[subscribe]", "[SCAN]");
        assert_eq!(read(&scan).expect("valid"), None);
    }

    #[test]
    fn a_follow_event_without_a_user_or_a_time_is_refused() {
        let no_user = SUBSCRIBE.replace("<FromUserName><![CDATA[o-alice]]></FromUserName>", "");
        assert_eq!(read(&no_user), Err(MessageError::Missing("FromUserName")));
        let bad_time = SUBSCRIBE.replace("1714112445", "soon");
        assert!(matches!(
            read(&bad_time),
            Err(MessageError::Invalid {
                field: "CreateTime",
                ..
            })
        ));
    }
}
