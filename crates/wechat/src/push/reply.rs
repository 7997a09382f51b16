//! Passive replies: the only one a mini-program may give is `transfer_customer_service`
//! (`docs/wechat-protocol.md`, "Passive replies"); every other reply goes through
//! `/cgi-bin/message/custom/send`.

use super::PushDocument;
use crate::OpenId;

/// The passive reply handing the user's message to the web customer-service tool:
/// `ToUserName` the user, `FromUserName` the mini-program's original id (the push's
/// `ToUserName`), `MsgType` `transfer_customer_service`.
/// Doc: <https://developers.weixin.qq.com/miniprogram/dev/framework/open-ability/customer-message/trans.html>
pub fn transfer_customer_service(user: &OpenId, original_id: &str, now: i64) -> PushDocument {
    PushDocument::new()
        .text("ToUserName", user.as_str())
        .text("FromUserName", original_id)
        .number("CreateTime", now)
        .text("MsgType", "transfer_customer_service")
}

/// Whether a reply body is a plain acknowledgement: exactly `success`, or empty.
pub fn is_acknowledgement(body: &[u8]) -> bool {
    body.is_empty() || body == b"success"
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::push::PushFormat;

    #[test]
    fn the_transfer_reply_swaps_user_and_app_in_both_formats() {
        let user = OpenId::parse("o-alice").expect("openid");
        let reply = transfer_customer_service(&user, "gh_1", 1_399_197_672);
        assert_eq!(
            reply.render(PushFormat::Xml),
            "<xml><ToUserName><![CDATA[o-alice]]></ToUserName><FromUserName><![CDATA[gh_1]]></FromUserName>\
             <CreateTime>1399197672</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>"
        );
        assert_eq!(
            reply.render(PushFormat::Json),
            r#"{"ToUserName":"o-alice","FromUserName":"gh_1","CreateTime":1399197672,"MsgType":"transfer_customer_service"}"#
        );
    }

    #[test]
    fn only_success_or_an_empty_body_acknowledges() {
        assert!(is_acknowledgement(b"success"));
        assert!(is_acknowledgement(b""));
        assert!(!is_acknowledgement(b"success\n"));
        assert!(!is_acknowledgement(b"ok"));
    }
}
