//! Tests of rule validation and matching.

use super::*;
use wxbase_wechat::push::PushDocument;

fn message(msg_type: &str, extra: &[(&str, &str)]) -> InboundMessage {
    let document = extra.iter().fold(
        PushDocument::new()
            .text("FromUserName", "o-alice")
            .number("CreateTime", 1)
            .text("MsgType", msg_type),
        |doc, (name, value)| doc.text(name, *value),
    );
    InboundMessage::from_document(&document).expect("a message")
}

fn text(content: &str) -> InboundMessage {
    message("text", &[("Content", content), ("MsgId", "1")])
}

fn say(content: &str) -> ReplyAction {
    ReplyAction::Text {
        content: content.to_owned(),
    }
}

fn rule(id: i64, priority: i64, matcher: RuleMatch, reply: ReplyAction) -> ReplyRule {
    ReplyRule {
        id: RuleId(id),
        rule: NewRule {
            name: None,
            priority,
            matcher,
            reply,
        },
        created_at: Timestamp::from_millis(0),
        updated_at: Timestamp::from_millis(0),
    }
}

fn answer(rules: &[ReplyRule], message: &InboundMessage) -> Option<i64> {
    pick(rules, message).map(|r| r.id.0)
}

#[test]
fn keywords_match_exactly_by_substring_or_by_regex() {
    let rules = [
        rule(1, 0, RuleMatch::Exact("hello".into()), say("a")),
        rule(2, 0, RuleMatch::Contains("price".into()), say("b")),
        rule(3, 0, RuleMatch::Regex(r"^order\s+\d+$".into()), say("c")),
    ];
    assert_eq!(answer(&rules, &text("  hello ")), Some(1));
    assert_eq!(answer(&rules, &text("hello there")), None);
    assert_eq!(answer(&rules, &text("what is the price?")), Some(2));
    assert_eq!(answer(&rules, &text("order 42")), Some(3));
    assert_eq!(answer(&rules, &text("order x")), None);
}

#[test]
fn higher_priority_wins_then_the_older_rule() {
    let rules = [
        rule(1, 0, RuleMatch::Contains("a".into()), say("low")),
        rule(2, 5, RuleMatch::Contains("a".into()), say("high")),
        rule(3, 5, RuleMatch::Contains("a".into()), say("high but newer")),
    ];
    assert_eq!(answer(&rules, &text("a")), Some(2));
}

#[test]
fn the_default_rule_answers_user_messages_only_when_nothing_else_matches() {
    let rules = [
        rule(1, 100, RuleMatch::Default, say("default")),
        rule(2, 0, RuleMatch::Exact("hi".into()), say("hi")),
    ];
    assert_eq!(answer(&rules, &text("hi")), Some(2));
    assert_eq!(answer(&rules, &text("anything")), Some(1));
    let enter = message("event", &[("Event", "user_enter_tempsession")]);
    assert_eq!(answer(&rules, &enter), None, "events get no default reply");
}

#[test]
fn types_and_the_enter_session_event_can_be_matched() {
    let rules = [
        rule(
            1,
            0,
            RuleMatch::MsgType("image".into()),
            say("nice picture"),
        ),
        rule(2, 0, RuleMatch::EnterSession, say("welcome")),
    ];
    assert_eq!(
        answer(&rules, &message("image", &[("MsgId", "2")])),
        Some(1)
    );
    let enter = message("event", &[("Event", "user_enter_tempsession")]);
    assert_eq!(answer(&rules, &enter), Some(2));
    assert_eq!(answer(&rules, &text("image")), None);
}

#[test]
fn invalid_rules_are_refused_with_the_reason() {
    let refuse = |matcher: RuleMatch, reply: ReplyAction| {
        NewRule {
            name: None,
            priority: 0,
            matcher,
            reply,
        }
        .validate()
        .expect_err("refused")
        .0
    };
    assert!(refuse(RuleMatch::Regex("(unclosed".into()), say("x")).contains("regex"));
    assert!(refuse(RuleMatch::Regex("a{1000}{1000}".into()), say("x")).contains("regex"));
    assert!(refuse(RuleMatch::Exact(" ".into()), say("x")).contains("pattern"));
    assert!(refuse(RuleMatch::Contains("x".repeat(600)), say("x")).contains("longer"));
    assert!(refuse(RuleMatch::Exact("a".into()), say("")).contains("content"));
    assert!(refuse(
        RuleMatch::EnterSession,
        ReplyAction::TransferCustomerService
    )
    .contains("events"));
    let bad_link = ReplyAction::Link {
        title: "t".into(),
        description: String::new(),
        url: "javascript:alert(1)".into(),
        thumb_url: "https://x".into(),
    };
    assert!(refuse(RuleMatch::Exact("a".into()), bad_link).contains("url"));
}

#[test]
fn rules_read_from_json_and_toml_shapes() {
    let json = r#"{"name":"card","priority":3,"match":{"kind":"contains","pattern":"shop"},
        "reply":{"type":"miniprogrampage","title":"Shop","pagepath":"pages/shop","thumb_media_id":"m"}}"#;
    let rule: NewRule = serde_json::from_str(json).expect("a rule");
    assert!(rule.validate().is_ok());
    assert_eq!(rule.matcher, RuleMatch::Contains("shop".into()));
    assert_eq!(
        rule.reply.custom_message().map(|m| m.msg_type()),
        Some("miniprogrampage")
    );
    let transfer: NewRule = serde_json::from_str(
        r#"{"match":{"kind":"default"},"reply":{"type":"transfer_customer_service"}}"#,
    )
    .expect("a transfer rule");
    assert_eq!(transfer.reply.custom_message(), None);
    assert_eq!(
        RuleMatch::from_parts("default", ""),
        Some(RuleMatch::Default)
    );
    assert_eq!(RuleMatch::from_parts("soundex", "x"), None);
}
