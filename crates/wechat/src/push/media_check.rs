//! The verdict of an asynchronous media check (`/wxa/media_check_async`): a push with
//! `MsgType=event`, `Event=wxa_media_check`, carrying `trace_id` (the check's ticket),
//! `result: {suggest, label}` (the overall verdict) and `detail` (one entry per strategy; a
//! `status_code` of -1008 says WeChat could not download the file).
//!
//! In XML `result` and each `detail` are child elements whose numbers are text; in JSON they are
//! an object and an array (or an object for one strategy). Both are read.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/sec-center/sec-check/mediaCheckAsync.html>

use serde_json::Value;

use super::message::MessageError;
use super::{FieldKind, PushDocument};
use crate::api::security::{Suggest, Verdict};

/// The `Event` of a media check's verdict.
pub const MEDIA_CHECK_EVENT: &str = "wxa_media_check";

/// WeChat's `status_code` when it could not download the media.
pub const UNFETCHABLE: i64 = -1008;

/// A `wxa_media_check` push.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaCheckEvent {
    /// The ticket `media_check_async` answered.
    pub trace_id: String,
    /// The overall verdict (`result`).
    pub verdict: Verdict,
    /// One entry per strategy, as sent.
    pub detail: Vec<Value>,
}

impl MediaCheckEvent {
    /// The media check verdict a document holds; `None` for any other push.
    pub fn from_document(document: &PushDocument) -> Option<Result<Self, MessageError>> {
        if document.get("MsgType") != Some("event")
            || document.get("Event") != Some(MEDIA_CHECK_EVENT)
        {
            return None;
        }
        Some(read(document))
    }

    /// Whether WeChat reported that it could not download the media (a `detail` with
    /// `status_code` -1008): the verdict is then no judgement of the content.
    pub fn unfetchable(&self) -> bool {
        self.detail
            .iter()
            .any(|entry| integer(entry.get("status_code")) == Some(UNFETCHABLE))
    }
}

fn read(document: &PushDocument) -> Result<MediaCheckEvent, MessageError> {
    let trace_id = document
        .get("trace_id")
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .ok_or(MessageError::Missing("trace_id"))?
        .to_owned();
    let result = document
        .get_structure("result")
        .filter(Value::is_object)
        .ok_or(MessageError::Missing("result"))?;
    let suggest = match result.get("suggest").and_then(Value::as_str).map(str::trim) {
        Some("pass") => Suggest::Pass,
        Some("review") => Suggest::Review,
        Some("risky") => Suggest::Risky,
        Some(other) => {
            return Err(MessageError::Invalid {
                field: "result",
                reason: format!("suggest {other:?} is not pass, review or risky"),
            })
        }
        None => return Err(MessageError::Missing("result.suggest")),
    };
    let label = integer(result.get("label")).unwrap_or_default();
    // XML repeats `<detail>` per strategy (several fields of one name); JSON has one array.
    let detail = document
        .fields()
        .filter(|(name, field)| *name == "detail" && field.kind == FieldKind::Structure)
        .filter_map(|(_, field)| serde_json::from_str::<Value>(&field.value).ok())
        .flat_map(|value| match value {
            Value::Array(entries) => entries,
            entry @ Value::Object(_) => vec![entry],
            _ => Vec::new(),
        })
        .collect();
    Ok(MediaCheckEvent {
        trace_id,
        verdict: Verdict { suggest, label },
        detail,
    })
}

/// An integer written as a number or as digits in a string (XML).
fn integer(value: Option<&Value>) -> Option<i64> {
    match value? {
        Value::Number(number) => number.as_i64(),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const XML: &str = "<xml><ToUserName><![CDATA[gh_38cc49f9733b]]></ToUserName>\
        <FromUserName><![CDATA[oH1fu0FdHqpToe2T6gBj0WyB8iS1]]></FromUserName>\
        <CreateTime>1626959646</CreateTime><MsgType><![CDATA[event]]></MsgType>\
        <Event><![CDATA[wxa_media_check]]></Event><appid><![CDATA[wx8f16a5e7cbd6ea4a]]></appid>\
        <trace_id><![CDATA[60f96f1d-3845297a-1976a3ea]]></trace_id><version>2</version>\
        <detail><strategy><![CDATA[content_model]]></strategy><errcode>0</errcode>\
        <suggest><![CDATA[risky]]></suggest><label>20002</label><prob>90</prob></detail>\
        <errcode>0</errcode><errmsg><![CDATA[ok]]></errmsg>\
        <result><suggest><![CDATA[risky]]></suggest><label>20002</label></result></xml>";

    const JSON: &str = r#"{"ToUserName":"gh_38cc49f9733b","FromUserName":"oH1fu0FdHqpToe2T6gBj0WyB8iS1",
        "CreateTime":1626959646,"MsgType":"event","Event":"wxa_media_check","appid":"wx8f16a5e7cbd6ea4a",
        "trace_id":"60f96f1d-3845297a-1976a3ea","version":2,
        "detail":[{"strategy":"content_model","errcode":0,"suggest":"pass","label":100,"prob":90}],
        "errcode":0,"errmsg":"ok","result":{"suggest":"pass","label":100}}"#;

    fn parse(body: &str) -> Option<Result<MediaCheckEvent, MessageError>> {
        let (_, document) = PushDocument::parse(body.as_bytes()).expect("a document");
        MediaCheckEvent::from_document(&document)
    }

    #[test]
    fn an_xml_verdict_is_read_with_its_numbers_as_text() {
        let event = parse(XML).expect("a media check").expect("readable");
        assert_eq!(event.trace_id, "60f96f1d-3845297a-1976a3ea");
        assert_eq!(
            event.verdict,
            Verdict {
                suggest: Suggest::Risky,
                label: 20002
            }
        );
        assert_eq!(event.detail.len(), 1);
        assert!(!event.unfetchable());
    }

    #[test]
    fn every_xml_detail_is_read_and_a_download_failure_in_any_is_seen() {
        let second = "<detail><strategy><![CDATA[ocr]]></strategy><errcode>0</errcode>\
            <status_code>-1008</status_code></detail><errcode>0</errcode>";
        let body = XML.replacen(
            "<errcode>0</errcode><errmsg>",
            &format!("{second}<errmsg>"),
            1,
        );
        let event = parse(&body).expect("a media check").expect("readable");
        assert_eq!(event.detail.len(), 2, "{:?}", event.detail);
        assert_eq!(event.detail[1]["strategy"], "ocr");
        assert!(event.unfetchable());
    }

    #[test]
    fn a_json_verdict_is_read() {
        let event = parse(JSON).expect("a media check").expect("readable");
        assert_eq!(event.trace_id, "60f96f1d-3845297a-1976a3ea");
        assert_eq!(event.verdict.suggest, Suggest::Pass);
        assert_eq!(event.verdict.label, 100);
        assert_eq!(event.detail[0]["strategy"], "content_model");
    }

    #[test]
    fn a_download_failure_is_told_apart() {
        let body = JSON.replace(r#""prob":90"#, r#""prob":0,"status_code":-1008"#);
        let event = parse(&body).expect("a media check").expect("readable");
        assert!(event.unfetchable());
    }

    #[test]
    fn other_events_are_not_media_checks_and_a_verdict_needs_its_trace_id() {
        assert!(parse(&JSON.replace("wxa_media_check", "subscribe_msg_popup_event")).is_none());
        let without = JSON.replace(r#""trace_id":"60f96f1d-3845297a-1976a3ea","#, "");
        assert!(matches!(
            parse(&without),
            Some(Err(MessageError::Missing("trace_id")))
        ));
        let odd = JSON.replace(r#"{"suggest":"pass""#, r#"{"suggest":"maybe""#);
        assert!(matches!(
            parse(&odd),
            Some(Err(MessageError::Invalid { .. }))
        ));
    }
}
