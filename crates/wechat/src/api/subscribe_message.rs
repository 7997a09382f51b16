//! Subscribe messages: `POST /cgi-bin/message/subscribe/send`, one message to one user who
//! granted the template (`wx.requestSubscribeMessage`).
//!
//! Errcodes that are final for a send: 43101 (no grant left), 47003 (a data value WeChat
//! refuses), 40003 (not a user of the app), 40037 (no such template). `-1` is worth retrying.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html>

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{ErrCode, OpenId, Secret, WechatClient, WechatError};

/// The endpoint, as errors name it.
pub const SEND_ENDPOINT: &str = "/cgi-bin/message/subscribe/send";

/// 43101: the user holds no grant for the template (refused, or one-time grants used up).
pub const NO_GRANT: ErrCode = ErrCode(43101);

/// One keyword's value: `{"value": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeywordValue {
    /// The text shown.
    pub value: String,
}

/// A subscribe message, as sent (without `touser`) and as stored in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscribeMessage {
    /// The template (`priTmplId`).
    pub template_id: String,
    /// The page a tap opens, with its query; WeChat's default is none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// The values by keyword (`thing1`, `time2`, …).
    pub data: BTreeMap<String, KeywordValue>,
    /// `developer`, `trial` or `formal` (WeChat's default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub miniprogram_state: Option<String>,
    /// `zh_CN` (WeChat's default), `en_US`, `zh_HK` or `zh_TW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// What a send's errcode means, for the outbox's record; `None` for codes not particular to it.
pub fn meaning(code: ErrCode) -> Option<&'static str> {
    Some(match code.value() {
        43101 => "the user holds no grant for this template (refused, or one-time grants used up)",
        47003 => "WeChat refused a data value",
        40003 => "the openid is not a user of this mini-program",
        40037 => "the template id is invalid (or a long-term template sent without the permission)",
        41030 => "the page does not exist in the published mini-program",
        _ => return None,
    })
}

#[derive(Serialize)]
struct SendRequest<'a> {
    touser: &'a str,
    #[serde(flatten)]
    message: &'a SubscribeMessage,
}

/// `{"errcode":0,"errmsg":"ok"}`, sometimes with WeChat's message id.
#[derive(Deserialize)]
struct Sent {}

impl WechatClient {
    /// POST /cgi-bin/message/subscribe/send?access_token= {"touser", "template_id", "page",
    /// "data", "miniprogram_state", "lang"}.
    ///
    /// Not idempotent: each success uses one of the user's one-time grants.
    /// Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/sendMessage.html>
    pub async fn send_subscribe_message(
        &self,
        access_token: &Secret,
        touser: &OpenId,
        message: &SubscribeMessage,
    ) -> Result<(), WechatError> {
        let body = SendRequest {
            touser: touser.as_str(),
            message,
        };
        let _: Sent = self
            .post(
                SEND_ENDPOINT,
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

    fn message() -> SubscribeMessage {
        SubscribeMessage {
            template_id: "T1".to_owned(),
            page: Some("pages/order?id=7".to_owned()),
            data: BTreeMap::from([(
                "thing1".to_owned(),
                KeywordValue {
                    value: "已发货".to_owned(),
                },
            )]),
            miniprogram_state: None,
            lang: Some("zh_CN".to_owned()),
        }
    }

    #[tokio::test]
    async fn a_send_is_posted_in_wechats_shape() {
        let (client, received) = serve_once(r#"{"errcode":0,"errmsg":"ok","msgid":17}"#);
        let openid = OpenId::parse("o-alice").expect("openid");
        client
            .send_subscribe_message(&Secret::new("TOKEN"), &openid, &message())
            .await
            .expect("sent");
        let request = received.recv().expect("a request");
        assert_eq!(
            request.target,
            "/cgi-bin/message/subscribe/send?access_token=TOKEN"
        );
        let body: serde_json::Value = serde_json::from_str(&request.body).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({"touser": "o-alice", "template_id": "T1", "page": "pages/order?id=7",
                "data": {"thing1": {"value": "已发货"}}, "lang": "zh_CN"})
        );
    }

    #[tokio::test]
    async fn no_grant_is_an_api_error_with_43101() {
        let (client, _received) =
            serve_once(r#"{"errcode":43101,"errmsg":"user refuse to accept the msg rid: 1"}"#);
        let openid = OpenId::parse("o-alice").expect("openid");
        let error = client
            .send_subscribe_message(&Secret::new("T"), &openid, &message())
            .await
            .expect_err("refused");
        assert_eq!(error.errcode(), Some(ErrCode(43101)));
        assert!(meaning(ErrCode(43101)).is_some());
    }
}
