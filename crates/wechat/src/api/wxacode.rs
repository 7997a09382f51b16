//! Mini-program codes: `POST /wxa/getwxacodeunlimit`, unlimited in number, each carrying a
//! short `scene` string the page reads as `query.scene`.
//!
//! Protocol reference: `docs/codes.md`. Success is the image itself; failure a JSON error
//! (41030 page not found or not published, 45009 quota, 40097 bad parameters).

use serde::Serialize;

use crate::client::RawAnswer;
use crate::{Secret, WechatClient, WechatError};

/// The longest scene WeChat takes, in characters.
pub const MAX_SCENE_CHARS: usize = 32;

/// Whether `scene` is one WeChat takes as is: 1 to 32 characters from
/// `[0-9A-Za-z!#$&'()*+,/:;=?@-._~]`.
pub fn is_valid_scene(scene: &str) -> bool {
    !scene.is_empty()
        && scene.chars().count() <= MAX_SCENE_CHARS
        && scene
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$&'()*+,/:;=?@-._~".contains(c))
}

/// Which version of the mini-program a code or link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvVersion {
    /// The published version (the default).
    Release,
    /// The trial version.
    Trial,
    /// The development version.
    Develop,
}

impl EnvVersion {
    /// WeChat's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Release => "release",
            Self::Trial => "trial",
            Self::Develop => "develop",
        }
    }
}

/// What a code opens and how it looks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CodeRequest {
    /// Up to 32 characters the page receives as `query.scene` (see [`is_valid_scene`]).
    pub scene: String,
    /// The page, without a leading `/` and without a query; `None` opens the home page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
    /// Width in pixels, 280 to 1280 (WeChat's default 430).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Which version opens.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env_version: Option<EnvVersion>,
    /// Whether the page must exist in the published version (WeChat's default true).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_path: Option<bool>,
    /// A transparent background.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_hyaline: Option<bool>,
}

/// A code's image.
#[derive(Debug, Clone)]
pub struct CodeImage {
    /// `image/png` or `image/jpeg`, as WeChat declared it.
    pub content_type: String,
    /// The image.
    pub bytes: Vec<u8>,
}

impl WechatClient {
    /// POST /wxa/getwxacodeunlimit?access_token= {"scene", "page"?, "width"?, …}; the image.
    ///
    /// Safe to repeat. Doc:
    /// <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/qrcode-link/qr-code/getUnlimitedQRCode.html>
    pub async fn get_wxacode_unlimit(
        &self,
        access_token: &Secret,
        request: &CodeRequest,
    ) -> Result<CodeImage, WechatError> {
        let RawAnswer {
            content_type,
            bytes,
        } = self
            .post_for_bytes(
                "/wxa/getwxacodeunlimit",
                &[("access_token", access_token.expose())],
                request,
            )
            .await?;
        let content_type = if content_type.starts_with("image/") {
            content_type
        } else {
            "image/jpeg".to_owned()
        };
        Ok(CodeImage {
            content_type,
            bytes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::canned::{serve_once, serve_raw_once};
    use crate::ErrCode;

    fn request() -> CodeRequest {
        CodeRequest {
            scene: "a=1".to_owned(),
            page: Some("pages/index/index".to_owned()),
            width: None,
            env_version: Some(EnvVersion::Trial),
            check_path: Some(false),
            is_hyaline: None,
        }
    }

    #[tokio::test]
    async fn an_image_answer_is_the_code() {
        let image_bytes = "PNG image bytes";
        let (client, received) = serve_raw_once(format!(
            "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{image_bytes}",
            image_bytes.len(),
        ));
        let image = client
            .get_wxacode_unlimit(&Secret::new("T"), &request())
            .await
            .expect("an image");
        assert_eq!(image.content_type, "image/png");
        assert_eq!(image.bytes, image_bytes.as_bytes());
        let sent = received.recv().expect("a request");
        let body: serde_json::Value = serde_json::from_str(&sent.body).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({"scene":"a=1","page":"pages/index/index","env_version":"trial","check_path":false})
        );
    }

    #[tokio::test]
    async fn a_json_answer_is_wechats_error() {
        let (client, _) = serve_once(r#"{"errcode":41030,"errmsg":"invalid page rid: 1"}"#);
        let error = client
            .get_wxacode_unlimit(&Secret::new("T"), &request())
            .await
            .expect_err("an error");
        assert_eq!(error.errcode(), Some(ErrCode(41030)));
    }

    #[test]
    fn scenes_are_short_and_from_a_restricted_set() {
        assert!(is_valid_scene("id=42&from=share"));
        assert!(!is_valid_scene(""));
        assert!(!is_valid_scene("a%20b"));
        assert!(!is_valid_scene("中文"));
        assert!(!is_valid_scene(&"x".repeat(33)));
        assert!(is_valid_scene(&"x".repeat(32)));
    }
}
