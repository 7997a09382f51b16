//! Customer-service messages: `POST /cgi-bin/message/custom/send` and the typing indicator
//! `POST /cgi-bin/message/custom/business/typing`.
//!
//! Protocol reference: `docs/wechat-protocol.md`, section "Customer-service messages". A
//! mini-program may send up to 5 messages per user message, within 48 hours of it (45047 and
//! 45015 otherwise).

use serde::{Deserialize, Serialize};

use crate::{OpenId, Secret, WechatClient, WechatError};

/// A customer-service message, in WeChat's JSON shape (`msgtype` plus a body of that name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "msgtype", rename_all = "lowercase")]
pub enum CustomMessage {
    /// `{"msgtype":"text","text":{"content"}}`.
    Text {
        /// The body.
        text: TextBody,
    },
    /// `{"msgtype":"image","image":{"media_id"}}`.
    Image {
        /// The body.
        image: ImageBody,
    },
    /// `{"msgtype":"link","link":{"title","description","url","thumb_url"}}`.
    Link {
        /// The body.
        link: LinkBody,
    },
    /// `{"msgtype":"miniprogrampage","miniprogrampage":{"title","pagepath","thumb_media_id"}}`.
    Miniprogrampage {
        /// The body.
        miniprogrampage: PageBody,
    },
}

/// A text message's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextBody {
    /// The text (may hold `<a href>` and mini-program links).
    pub content: String,
}

/// An image message's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageBody {
    /// A media id from `/cgi-bin/media/upload`.
    pub media_id: String,
}

/// A link card's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkBody {
    /// The title.
    pub title: String,
    /// The description.
    pub description: String,
    /// Where it leads.
    pub url: String,
    /// The thumbnail's URL.
    pub thumb_url: String,
}

/// A mini-program card's body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageBody {
    /// The title.
    pub title: String,
    /// The page it opens, with its query.
    pub pagepath: String,
    /// The thumbnail's media id.
    pub thumb_media_id: String,
}

impl CustomMessage {
    /// The `msgtype`.
    pub fn msg_type(&self) -> &'static str {
        match self {
            Self::Text { .. } => "text",
            Self::Image { .. } => "image",
            Self::Link { .. } => "link",
            Self::Miniprogrampage { .. } => "miniprogrampage",
        }
    }
}

#[derive(Serialize)]
struct SendRequest<'a> {
    touser: &'a str,
    #[serde(flatten)]
    message: &'a CustomMessage,
}

#[derive(Serialize)]
struct TypingRequest<'a> {
    touser: &'a str,
    command: &'static str,
}

/// `{"errcode":0,"errmsg":"ok"}`: nothing else to read.
#[derive(Deserialize)]
struct Done {}

impl WechatClient {
    /// POST /cgi-bin/message/custom/send?access_token= {"touser", "msgtype", ...}.
    ///
    /// Not idempotent: a repeated call sends the message again.
    /// Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/kf-mgnt/kf-message/sendCustomMessage.html>
    pub async fn send_custom_message(
        &self,
        access_token: &Secret,
        touser: &OpenId,
        message: &CustomMessage,
    ) -> Result<(), WechatError> {
        let body = SendRequest {
            touser: touser.as_str(),
            message,
        };
        let _: Done = self
            .post(
                "/cgi-bin/message/custom/send",
                &[("access_token", access_token.expose())],
                &body,
            )
            .await?;
        Ok(())
    }

    /// POST /cgi-bin/message/custom/business/typing?access_token= {"touser", "command"}:
    /// `Typing` (lasts 15 s) or `CancelTyping`.
    /// Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/kf-mgnt/kf-message/setTyping.html>
    pub async fn set_typing(
        &self,
        access_token: &Secret,
        touser: &OpenId,
        typing: bool,
    ) -> Result<(), WechatError> {
        let body = TypingRequest {
            touser: touser.as_str(),
            command: if typing { "Typing" } else { "CancelTyping" },
        };
        let _: Done = self
            .post(
                "/cgi-bin/message/custom/business/typing",
                &[("access_token", access_token.expose())],
                &body,
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::canned::serve_once;
    use crate::ErrCode;

    fn alice() -> OpenId {
        OpenId::parse("o-alice").expect("openid")
    }

    #[tokio::test]
    async fn a_text_message_is_posted_in_wechats_shape_with_the_token_in_the_query() {
        let (client, received) = serve_once(r#"{"errcode":0,"errmsg":"ok"}"#);
        let message = CustomMessage::Text {
            text: TextBody {
                content: "你好".to_owned(),
            },
        };
        client
            .send_custom_message(&Secret::new("TOKEN"), &alice(), &message)
            .await
            .expect("sent");
        let request = received.recv().expect("a request");
        assert_eq!(
            request.target,
            "/cgi-bin/message/custom/send?access_token=TOKEN"
        );
        let body: serde_json::Value = serde_json::from_str(&request.body).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({"touser":"o-alice","msgtype":"text","text":{"content":"你好"}})
        );
        assert!(request.body.contains("你好"), "raw UTF-8, not \\u escapes");
    }

    #[tokio::test]
    async fn outside_the_window_is_an_api_error_with_45015() {
        let (client, _received) = serve_once(
            r#"{"errcode":45015,"errmsg":"response out of time limit or subscription is canceled rid: 1"}"#,
        );
        let message = CustomMessage::Image {
            image: ImageBody {
                media_id: "m".to_owned(),
            },
        };
        let error = client
            .send_custom_message(&Secret::new("T"), &alice(), &message)
            .await
            .expect_err("refused");
        assert_eq!(error.errcode(), Some(ErrCode(45015)));
    }

    #[tokio::test]
    async fn typing_sends_the_command() {
        let (client, received) = serve_once(r#"{"errcode":0,"errmsg":"ok"}"#);
        client
            .set_typing(&Secret::new("T"), &alice(), true)
            .await
            .expect("typing");
        let request = received.recv().expect("a request");
        assert_eq!(request.body, r#"{"touser":"o-alice","command":"Typing"}"#);
    }

    #[test]
    fn every_message_type_reads_back_from_its_json() {
        let json = r#"{"msgtype":"miniprogrampage","miniprogrampage":{"title":"T","pagepath":"p","thumb_media_id":"m"}}"#;
        let message: CustomMessage = serde_json::from_str(json).expect("a card");
        assert_eq!(message.msg_type(), "miniprogrampage");
        assert_eq!(serde_json::to_string(&message).expect("JSON"), json);
    }
}
