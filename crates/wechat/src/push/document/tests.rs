//! Tests of reading and writing push documents.

use super::*;

const TEXT_XML: &str = "<xml><ToUserName><![CDATA[gh_1]]></ToUserName>\n  \
    <FromUserName><![CDATA[o-alice]]></FromUserName><CreateTime>1714112445</CreateTime>\
    <MsgType><![CDATA[text]]></MsgType><Content><![CDATA[a < b & c]]></Content>\
    <MsgId>6054768590064713728</MsgId></xml>";

#[test]
fn the_format_is_decided_by_the_first_non_whitespace_byte() {
    assert_eq!(PushFormat::detect(b"  \n<xml/>"), Some(PushFormat::Xml));
    assert_eq!(PushFormat::detect(b"\t{}"), Some(PushFormat::Json));
    assert_eq!(PushFormat::detect(b"success"), None);
    assert_eq!(PushFormat::detect(b""), None);
}

#[test]
fn xml_fields_are_read_with_cdata_and_bare_numbers() {
    let (format, document) = PushDocument::parse(TEXT_XML.as_bytes()).expect("valid XML");
    assert_eq!(format, PushFormat::Xml);
    assert_eq!(document.get("FromUserName"), Some("o-alice"));
    assert_eq!(document.get("Content"), Some("a < b & c"));
    assert_eq!(document.get("MsgId"), Some("6054768590064713728"));
    assert_eq!(document.get("Missing"), None);
}

#[test]
fn predefined_entities_and_character_references_are_resolved() {
    let xml = "<xml><Content>&lt;hi&gt; &amp; &#x4F60;&#22909;</Content></xml>";
    let (_, document) = PushDocument::parse(xml.as_bytes()).expect("valid XML");
    assert_eq!(document.get("Content"), Some("<hi> & 你好"));
}

#[test]
fn a_doctype_or_an_unknown_entity_is_refused() {
    let laughs =
        "<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY a \"aaaa\">]><xml><C>&a;</C></xml>";
    assert_eq!(
        PushDocument::parse(laughs.as_bytes()),
        Err(DocumentError::Doctype)
    );
    let unknown = "<xml><C>&a;</C></xml>";
    assert!(matches!(
        PushDocument::parse(unknown.as_bytes()),
        Err(DocumentError::Xml(message)) if message.contains("&a;")
    ));
}

#[test]
fn malformed_or_foreign_xml_is_refused() {
    for bad in [
        "<xml><A>1</B></xml>",
        "<xml><A>1</A>",
        "<notxml><A>1</A></notxml>",
        "<xml>loose text<A>1</A></xml>",
        "<xml><A>1</A></xml><xml></xml>",
        "<xml/>",
    ] {
        assert!(
            matches!(
                PushDocument::parse(bad.as_bytes()),
                Err(DocumentError::Xml(_))
            ),
            "{bad} accepted"
        );
    }
}

#[test]
fn deeply_nested_xml_is_refused() {
    let xml = format!("<xml>{}{}</xml>", "<a>".repeat(20), "</a>".repeat(20));
    assert_eq!(
        PushDocument::parse(xml.as_bytes()),
        Err(DocumentError::TooComplex)
    );
}

#[test]
fn json_integers_keep_every_digit_of_a_64_bit_msgid() {
    let json =
        br#"{"MsgId":6054768590064713729,"CreateTime":1714112445,"Content":"hi","Extra":{"a":1}}"#;
    let (format, document) = PushDocument::parse(json).expect("valid JSON");
    assert_eq!(format, PushFormat::Json);
    // 6054768590064713729 is not representable as f64 (it would read ...728).
    assert_eq!(document.get("MsgId"), Some("6054768590064713729"));
    assert_eq!(document.get("Extra"), Some(r#"{"a":1}"#));
}

#[test]
fn malformed_json_or_a_json_array_is_refused() {
    assert!(matches!(
        PushDocument::parse(br#"{"a":"#),
        Err(DocumentError::Json(_))
    ));
    assert!(matches!(
        PushDocument::parse(b"{\"a\":1}   [1]"),
        Err(DocumentError::Json(_))
    ));
    assert_eq!(
        PushDocument::parse(b"\xff\xfe"),
        Err(DocumentError::UnknownFormat)
    );
    assert_eq!(
        PushDocument::parse(b"<xml>\xff</xml>"),
        Err(DocumentError::NotUtf8)
    );
}

#[test]
fn documents_render_in_both_formats_and_read_back() {
    let document = PushDocument::new()
        .text("ToUserName", "o-bob")
        .number("CreateTime", 1_399_197_672)
        .text("Content", "ends with ]]> and \"quotes\"");
    assert_eq!(
        document.to_json(),
        r#"{"ToUserName":"o-bob","CreateTime":1399197672,"Content":"ends with ]]> and \"quotes\""}"#
    );
    assert_eq!(
        document.to_xml(),
        "<xml><ToUserName><![CDATA[o-bob]]></ToUserName><CreateTime>1399197672</CreateTime>\
         <Content><![CDATA[ends with ]]]]><![CDATA[> and \"quotes\"]]></Content></xml>"
    );
    for format in [PushFormat::Xml, PushFormat::Json] {
        let (_, back) = PushDocument::parse(document.render(format).as_bytes()).expect("reads");
        assert_eq!(back.get("Content"), document.get("Content"), "{format:?}");
        assert_eq!(back.get("CreateTime"), Some("1399197672"), "{format:?}");
    }
}
