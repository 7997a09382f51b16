//! The three subscribe-message events a mini-program's push receives (`MsgType=event`):
//! `subscribe_msg_popup_event` (the user answered `wx.requestSubscribeMessage`),
//! `subscribe_msg_change_event` (the user changed a long-term subscription in the settings) and
//! `subscribe_msg_sent_event` (how a send went).
//!
//! Each carries a list of items, one per template. In XML they are `<List>` elements under
//! `SubscribeMsgPopupEvent` (or `…ChangeEvent`, `…SentEvent`), repeated for several templates;
//! in JSON the same key holds `{"List": …}`, where `List` is an object for one item and an
//! array for several. Some JSON pushes put `List` at the top level; both are read.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html>

use serde_json::Value;

use super::message::MessageError;
use super::PushDocument;

/// A user's answer for one template, from a popup or a settings change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeChoice {
    /// The template (`TemplateId`).
    pub template_id: String,
    /// `accept`, `reject`, `ban`, `filter`, … as WeChat wrote it (`SubscribeStatusString`).
    pub status: String,
    /// Where the popup appeared (`PopupScene`: 0 in the app, 1 after a payment, 2 elsewhere);
    /// absent in change events.
    pub popup_scene: Option<i64>,
}

/// How one send went (`subscribe_msg_sent_event`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentReport {
    /// The template.
    pub template_id: String,
    /// WeChat's id of the message (`MsgID`).
    pub msg_id: String,
    /// 0 when delivered; 20001 no template, 20004 refused, 20005 banned, 20002 and 20003
    /// other failures (`ErrorCode`).
    pub error_code: i64,
    /// `success`, `fail:user refuse`, … (`ErrorStatus`).
    pub error_status: String,
}

/// A subscribe-message event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscribeEvent {
    /// `subscribe_msg_popup_event`: answers to `wx.requestSubscribeMessage`.
    Popup(Vec<SubscribeChoice>),
    /// `subscribe_msg_change_event`: long-term subscriptions changed in the settings.
    Change(Vec<SubscribeChoice>),
    /// `subscribe_msg_sent_event`: results of sends.
    Sent(Vec<SentReport>),
}

/// The event names and the key holding their items.
const EVENTS: [(&str, &str); 3] = [
    ("subscribe_msg_popup_event", "SubscribeMsgPopupEvent"),
    ("subscribe_msg_change_event", "SubscribeMsgChangeEvent"),
    ("subscribe_msg_sent_event", "SubscribeMsgSentEvent"),
];

impl SubscribeEvent {
    /// The subscribe-message event a document holds; `None` for any other push.
    pub fn from_document(document: &PushDocument) -> Option<Result<Self, MessageError>> {
        if document.get("MsgType") != Some("event") {
            return None;
        }
        let event = document.get("Event")?;
        let (name, key) = EVENTS.iter().find(|(name, _)| *name == event)?;
        Some(read(document, name, key))
    }

    /// The event's name, as in `Event`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Popup(_) => EVENTS[0].0,
            Self::Change(_) => EVENTS[1].0,
            Self::Sent(_) => EVENTS[2].0,
        }
    }
}

fn read(
    document: &PushDocument,
    name: &str,
    key: &'static str,
) -> Result<SubscribeEvent, MessageError> {
    let items = items(document, key)?;
    if name == EVENTS[2].0 {
        return items
            .iter()
            .map(|item| {
                Ok(SentReport {
                    template_id: required(item, "TemplateId")?,
                    msg_id: text(item, "MsgID").unwrap_or_default(),
                    error_code: number(item, "ErrorCode")?.unwrap_or_default(),
                    error_status: text(item, "ErrorStatus").unwrap_or_default(),
                })
            })
            .collect::<Result<_, _>>()
            .map(SubscribeEvent::Sent);
    }
    let choices = items
        .iter()
        .map(|item| {
            Ok(SubscribeChoice {
                template_id: required(item, "TemplateId")?,
                status: required(item, "SubscribeStatusString")?,
                popup_scene: number(item, "PopupScene")?,
            })
        })
        .collect::<Result<Vec<_>, MessageError>>()?;
    Ok(if name == EVENTS[0].0 {
        SubscribeEvent::Popup(choices)
    } else {
        SubscribeEvent::Change(choices)
    })
}

/// The items: `key.List` (an object or an array), or a top-level `List`.
fn items(document: &PushDocument, key: &'static str) -> Result<Vec<Value>, MessageError> {
    let list = document
        .get_structure(key)
        .and_then(|wrapper| match wrapper {
            Value::Object(mut object) => object.remove("List"),
            array @ Value::Array(_) => Some(array),
            _ => None,
        })
        .or_else(|| document.get_structure("List"))
        .ok_or(MessageError::Missing(key))?;
    let items = match list {
        Value::Array(items) => items,
        item @ Value::Object(_) => vec![item],
        _ => {
            return Err(MessageError::Invalid {
                field: key,
                reason: "List is neither an object nor an array".to_owned(),
            })
        }
    };
    if items.iter().any(|item| !item.is_object()) {
        return Err(MessageError::Invalid {
            field: key,
            reason: "a List item is not an object".to_owned(),
        });
    }
    Ok(items)
}

/// A string or number field of an item, as text.
fn text(item: &Value, name: &str) -> Option<String> {
    match item.get(name)? {
        Value::String(text) => Some(text.trim().to_owned()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

fn required(item: &Value, name: &'static str) -> Result<String, MessageError> {
    text(item, name)
        .filter(|value| !value.is_empty())
        .ok_or(MessageError::Missing(name))
}

/// An integer field, written as a number or as digits in a string.
fn number(item: &Value, name: &'static str) -> Result<Option<i64>, MessageError> {
    text(item, name)
        .map(|value| {
            value.parse::<i64>().map_err(|e| MessageError::Invalid {
                field: name,
                reason: e.to_string(),
            })
        })
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POPUP_XML_TWO: &str = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\
        <FromUserName><![CDATA[o-alice]]></FromUserName><CreateTime>1610969440</CreateTime>\
        <MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe_msg_popup_event]]></Event>\
        <SubscribeMsgPopupEvent>\
          <List><TemplateId><![CDATA[T1]]></TemplateId>\
            <SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>2</PopupScene></List>\
          <List><TemplateId><![CDATA[T2]]></TemplateId>\
            <SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString><PopupScene>2</PopupScene></List>\
        </SubscribeMsgPopupEvent></xml>";

    fn parse(body: &str) -> SubscribeEvent {
        let (_, document) = PushDocument::parse(body.as_bytes()).expect("a document");
        SubscribeEvent::from_document(&document)
            .expect("a subscribe event")
            .expect("readable")
    }

    #[test]
    fn repeated_xml_list_elements_are_several_items() {
        let SubscribeEvent::Popup(choices) = parse(POPUP_XML_TWO) else {
            panic!("a popup event");
        };
        assert_eq!(choices.len(), 2);
        assert_eq!(choices[0].template_id, "T1");
        assert_eq!(choices[0].status, "accept");
        assert_eq!(choices[0].popup_scene, Some(2));
        assert_eq!(choices[1].status, "reject");
    }

    #[test]
    fn a_json_list_is_an_object_for_one_item_and_an_array_for_several() {
        let one = r#"{"FromUserName":"o-a","CreateTime":1,"MsgType":"event","Event":"subscribe_msg_change_event",
            "SubscribeMsgChangeEvent":{"List":{"TemplateId":"T1","SubscribeStatusString":"reject"}}}"#;
        assert_eq!(
            parse(one),
            SubscribeEvent::Change(vec![SubscribeChoice {
                template_id: "T1".to_owned(),
                status: "reject".to_owned(),
                popup_scene: None
            }])
        );
        let several = r#"{"FromUserName":"o-a","CreateTime":1,"MsgType":"event","Event":"subscribe_msg_sent_event",
            "List":[{"TemplateId":"T1","MsgID":"17","ErrorCode":"0","ErrorStatus":"success"},
                    {"TemplateId":"T2","MsgID":18,"ErrorCode":20004,"ErrorStatus":"fail:user refuse"}]}"#;
        let SubscribeEvent::Sent(reports) = parse(several) else {
            panic!("a sent event");
        };
        assert_eq!(reports[0].error_code, 0);
        assert_eq!(reports[1].msg_id, "18");
        assert_eq!(reports[1].error_code, 20004);
    }

    #[test]
    fn a_document_written_as_xml_reads_back_the_same_items() {
        let (_, document) = PushDocument::parse(POPUP_XML_TWO.as_bytes()).expect("XML");
        let again = document.render(crate::push::PushFormat::Json);
        assert_eq!(parse(&again), parse(POPUP_XML_TWO));
        let one = PushDocument::new()
            .text("FromUserName", "o-a")
            .number("CreateTime", 1)
            .text("MsgType", "event")
            .text("Event", "subscribe_msg_popup_event")
            .structure(
                "SubscribeMsgPopupEvent",
                &serde_json::json!({"List": {"TemplateId": "T9", "SubscribeStatusString": "accept", "PopupScene": "0"}}),
            );
        let SubscribeEvent::Popup(choices) = parse(&one.to_xml()) else {
            panic!("a popup event");
        };
        assert_eq!(choices[0].template_id, "T9");
    }

    #[test]
    fn other_events_are_not_subscribe_events_and_a_missing_list_is_an_error() {
        let (_, enter) = PushDocument::parse(
            br#"{"FromUserName":"o","CreateTime":1,"MsgType":"event","Event":"user_enter_tempsession"}"#,
        )
        .expect("JSON");
        assert!(SubscribeEvent::from_document(&enter).is_none());
        let (_, empty) = PushDocument::parse(
            br#"{"FromUserName":"o","CreateTime":1,"MsgType":"event","Event":"subscribe_msg_popup_event"}"#,
        )
        .expect("JSON");
        assert!(matches!(
            SubscribeEvent::from_document(&empty),
            Some(Err(MessageError::Missing("SubscribeMsgPopupEvent")))
        ));
    }
}
