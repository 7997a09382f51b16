//! Links that open the mini-program from outside WeChat: `POST /wxa/generate_urllink`
//! (`https://wxaurl.cn/…`, for SMS, email and web pages) and `POST /wxa/generatescheme`
//! (`weixin://dl/business/?t=…`).
//!
//! Protocol reference: `docs/codes.md`. Both expire: here always after a number of days
//! (`expire_type` 1), at most 30.

use serde::{Deserialize, Serialize};

use crate::api::wxacode::EnvVersion;
use crate::{Secret, WechatClient, WechatError};

/// The longest life WeChat gives a link, in days.
pub const MAX_EXPIRY_DAYS: u32 = 30;

/// Where a link leads and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRequest {
    /// The page, without a leading `/`; empty opens the home page.
    pub path: String,
    /// The page's query string, without `?` (at most 1024 characters).
    pub query: String,
    /// Which version opens.
    pub env_version: EnvVersion,
    /// Days until the link expires, 1 to [`MAX_EXPIRY_DAYS`].
    pub expire_days: u32,
}

#[derive(Serialize)]
struct UrlLinkBody<'a> {
    path: &'a str,
    query: &'a str,
    env_version: EnvVersion,
    expire_type: u8,
    expire_interval: u32,
}

#[derive(Serialize)]
struct JumpWxa<'a> {
    path: &'a str,
    query: &'a str,
    env_version: EnvVersion,
}

#[derive(Serialize)]
struct SchemeBody<'a> {
    jump_wxa: JumpWxa<'a>,
    expire_type: u8,
    expire_interval: u32,
}

#[derive(Deserialize)]
struct UrlLinkAnswer {
    url_link: String,
}

#[derive(Deserialize)]
struct SchemeAnswer {
    openlink: String,
}

impl WechatClient {
    /// POST /wxa/generate_urllink?access_token= {"path", "query", "env_version",
    /// "expire_type": 1, "expire_interval"}; the `url_link`.
    ///
    /// Not idempotent: each call makes another link. Doc:
    /// <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/url-link/generateUrlLink.html>
    pub async fn generate_urllink(
        &self,
        access_token: &Secret,
        link: &LinkRequest,
    ) -> Result<String, WechatError> {
        let body = UrlLinkBody {
            path: &link.path,
            query: &link.query,
            env_version: link.env_version,
            expire_type: 1,
            expire_interval: link.expire_days,
        };
        let answer: UrlLinkAnswer = self
            .post(
                "/wxa/generate_urllink",
                &[("access_token", access_token.expose())],
                &body,
            )
            .await?;
        Ok(answer.url_link)
    }

    /// POST /wxa/generatescheme?access_token= {"jump_wxa": {"path", "query", "env_version"},
    /// "expire_type": 1, "expire_interval"}; the `openlink`.
    ///
    /// Not idempotent: each call makes another scheme. Doc:
    /// <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/url-scheme/generateScheme.html>
    pub async fn generate_scheme(
        &self,
        access_token: &Secret,
        link: &LinkRequest,
    ) -> Result<String, WechatError> {
        let body = SchemeBody {
            jump_wxa: JumpWxa {
                path: &link.path,
                query: &link.query,
                env_version: link.env_version,
            },
            expire_type: 1,
            expire_interval: link.expire_days,
        };
        let answer: SchemeAnswer = self
            .post(
                "/wxa/generatescheme",
                &[("access_token", access_token.expose())],
                &body,
            )
            .await?;
        Ok(answer.openlink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::canned::serve_once;

    fn link() -> LinkRequest {
        LinkRequest {
            path: "pages/a".to_owned(),
            query: "x=1".to_owned(),
            env_version: EnvVersion::Release,
            expire_days: 7,
        }
    }

    #[tokio::test]
    async fn a_scheme_puts_the_page_inside_jump_wxa() {
        let (client, received) =
            serve_once(r#"{"errcode":0,"errmsg":"ok","openlink":"weixin://dl/business/?t=abc"}"#);
        let openlink = client
            .generate_scheme(&Secret::new("T"), &link())
            .await
            .expect("a scheme");
        assert_eq!(openlink, "weixin://dl/business/?t=abc");
        let body: serde_json::Value =
            serde_json::from_str(&received.recv().expect("a request").body).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({"jump_wxa":{"path":"pages/a","query":"x=1","env_version":"release"},"expire_type":1,"expire_interval":7})
        );
    }

    #[tokio::test]
    async fn a_url_link_is_read_from_url_link() {
        let (client, received) =
            serve_once(r#"{"errcode":0,"errmsg":"ok","url_link":"https://wxaurl.cn/abc"}"#);
        let url = client
            .generate_urllink(&Secret::new("T"), &link())
            .await
            .expect("a link");
        assert_eq!(url, "https://wxaurl.cn/abc");
        assert_eq!(
            received.recv().expect("a request").target,
            "/wxa/generate_urllink?access_token=T"
        );
    }
}
