//! The app's subscribe-message templates: `GET /wxaapi/newtmpl/gettemplate`, each with its
//! title, its keywords (read from `content`, `{{thing1.DATA}}`) and whether it is one-time
//! or long-term.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/getTemplateList.html>

use serde::{Deserialize, Serialize};

use crate::{Secret, WechatClient, WechatError};

/// One template of the app, as WeChat lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    /// The id to send with (`priTmplId`).
    pub pri_tmpl_id: String,
    /// The title.
    pub title: String,
    /// The body with its keywords, `订单号:{{character_string1.DATA}}\n…`.
    pub content: String,
    /// An example of a filled-in message.
    #[serde(default)]
    pub example: String,
    /// 2 one-time, 3 long-term.
    #[serde(rename = "type")]
    pub kind: i64,
}

impl Template {
    /// The keywords its content names (`thing1`, `time2`, …), in order.
    pub fn keywords(&self) -> Vec<String> {
        let mut keywords = Vec::new();
        let mut rest = self.content.as_str();
        while let Some(start) = rest.find("{{") {
            rest = &rest[start + 2..];
            let Some(end) = rest.find("}}") else { break };
            let inner = &rest[..end];
            let name = inner.strip_suffix(".DATA").unwrap_or(inner).trim();
            if !name.is_empty() && !keywords.iter().any(|k| k == name) {
                keywords.push(name.to_owned());
            }
            rest = &rest[end + 2..];
        }
        keywords
    }

    /// Whether a grant lasts (type 3) rather than allowing one message per accept.
    pub fn is_long_term(&self) -> bool {
        self.kind == 3
    }
}

#[derive(Deserialize)]
struct Listing {
    #[serde(default)]
    data: Vec<Template>,
}

impl WechatClient {
    /// GET /wxaapi/newtmpl/gettemplate?access_token= → the app's templates.
    /// Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/getTemplateList.html>
    pub async fn subscribe_templates(
        &self,
        access_token: &Secret,
    ) -> Result<Vec<Template>, WechatError> {
        let listing: Listing = self
            .get(
                "/wxaapi/newtmpl/gettemplate",
                &[("access_token", access_token.expose())],
            )
            .await?;
        Ok(listing.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::canned::serve_once;

    #[tokio::test]
    async fn the_templates_and_their_keywords_are_read() {
        let (client, received) = serve_once(
            r#"{"errcode":0,"errmsg":"ok","data":[{"priTmplId":"T1","title":"发货通知",
            "content":"单号:{{character_string1.DATA}}\n物品:{{thing2.DATA}}\n","example":"","type":2}]}"#,
        );
        let templates = client
            .subscribe_templates(&Secret::new("TOKEN"))
            .await
            .expect("listed");
        let request = received.recv().expect("a request");
        assert_eq!(request.method, "GET");
        assert_eq!(
            request.target,
            "/wxaapi/newtmpl/gettemplate?access_token=TOKEN"
        );
        assert_eq!(templates[0].keywords(), ["character_string1", "thing2"]);
        assert!(!templates[0].is_long_term());
    }
}
