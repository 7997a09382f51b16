//! Content security: the text check `POST /wxa/msg_sec_check` (version 2) and the
//! asynchronous image and audio check `POST /wxa/media_check_async` (version 2), whose verdict
//! arrives later as a `wxa_media_check` push ([`crate::push::MediaCheckEvent`]).
//!
//! Protocol reference: `docs/security.md`. The verdict is `result.suggest`: `pass`, `review`
//! or `risky`, with a numeric `label` (100 normal, 20001 politics, 20002 porn, …). The user
//! must have opened the mini-program in the last two hours (40003 otherwise).

use serde::{Deserialize, Serialize};

use crate::{OpenId, Secret, WechatClient, WechatError};

/// The longest content, in characters, one check takes.
pub const MAX_TEXT_CHARS: usize = 2500;

/// Where the text will appear, which selects WeChat's rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum Scene {
    /// 1: a profile (nickname, signature).
    Profile,
    /// 2: a comment.
    Comment,
    /// 3: a forum post.
    Forum,
    /// 4: a social log.
    SocialLog,
}

impl Scene {
    /// WeChat's number for the scene.
    pub fn number(self) -> u8 {
        match self {
            Self::Profile => 1,
            Self::Comment => 2,
            Self::Forum => 3,
            Self::SocialLog => 4,
        }
    }

    /// The scene numbered `number` (1 to 4).
    pub fn from_number(number: u8) -> Option<Self> {
        match number {
            1 => Some(Self::Profile),
            2 => Some(Self::Comment),
            3 => Some(Self::Forum),
            4 => Some(Self::SocialLog),
            _ => None,
        }
    }
}

impl From<Scene> for u8 {
    fn from(scene: Scene) -> Self {
        scene.number()
    }
}

impl TryFrom<u8> for Scene {
    type Error = String;

    fn try_from(number: u8) -> Result<Self, Self::Error> {
        Self::from_number(number).ok_or_else(|| format!("scene must be 1 to 4, not {number}"))
    }
}

/// WeChat's advice on a piece of content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Suggest {
    /// Nothing wrong found.
    Pass,
    /// Unsure: a person should look.
    Review,
    /// Breaks the rules.
    Risky,
}

impl Suggest {
    /// The name WeChat uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Review => "review",
            Self::Risky => "risky",
        }
    }
}

/// A verdict: the advice and the label that explains it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// `pass`, `review` or `risky`.
    pub suggest: Suggest,
    /// The category: 100 normal, 10001 ad, 20001 politics, 20002 porn, 20003 abuse,
    /// 20006 illegal, 20008 fraud, 20012 vulgar, 20013 copyright, 21000 other.
    pub label: i64,
}

/// The answer of a text check.
#[derive(Debug, Clone, Deserialize)]
pub struct TextCheck {
    /// WeChat's id for the check, for support requests.
    #[serde(default)]
    pub trace_id: Option<String>,
    /// The verdict.
    pub result: Verdict,
}

#[derive(Serialize)]
struct TextRequest<'a> {
    version: u8,
    openid: &'a str,
    scene: Scene,
    content: &'a str,
}

impl WechatClient {
    /// POST /wxa/msg_sec_check?access_token= {"version": 2, "openid", "scene", "content"}.
    ///
    /// `content` must be at most [`MAX_TEXT_CHARS`] characters; the caller splits longer text.
    /// Safe to repeat. Doc:
    /// <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/sec-center/sec-check/msgSecCheck.html>
    pub async fn msg_sec_check(
        &self,
        access_token: &Secret,
        openid: &OpenId,
        scene: Scene,
        content: &str,
    ) -> Result<TextCheck, WechatError> {
        let body = TextRequest {
            version: 2,
            openid: openid.as_str(),
            scene,
            content,
        };
        self.post(
            "/wxa/msg_sec_check",
            &[("access_token", access_token.expose())],
            &body,
        )
        .await
    }
}

/// What kind of media an asynchronous check looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum MediaType {
    /// 1: audio.
    Audio,
    /// 2: an image.
    Image,
}

impl MediaType {
    /// The media type of a file of `content_type`, if WeChat checks such files.
    pub fn of_content_type(content_type: &str) -> Option<Self> {
        match content_type.split_once('/').map(|(family, _)| family) {
            Some("image") => Some(Self::Image),
            Some("audio") => Some(Self::Audio),
            _ => None,
        }
    }
}

impl From<MediaType> for u8 {
    fn from(kind: MediaType) -> Self {
        match kind {
            MediaType::Audio => 1,
            MediaType::Image => 2,
        }
    }
}

impl TryFrom<u8> for MediaType {
    type Error = String;

    fn try_from(number: u8) -> Result<Self, Self::Error> {
        match number {
            1 => Ok(Self::Audio),
            2 => Ok(Self::Image),
            _ => Err(format!(
                "media_type must be 1 (audio) or 2 (image), not {number}"
            )),
        }
    }
}

/// The answer of an asynchronous media check: the id its verdict push will carry.
#[derive(Debug, Clone, Deserialize)]
pub struct MediaCheckTicket {
    /// Matches the `trace_id` of the `wxa_media_check` push.
    pub trace_id: String,
}

#[derive(Serialize)]
struct MediaRequest<'a> {
    media_url: &'a str,
    media_type: MediaType,
    version: u8,
    openid: &'a str,
    scene: Scene,
}

impl WechatClient {
    /// POST /wxa/media_check_async?access_token= {"media_url", "media_type", "version": 2,
    /// "openid", "scene"}: asks WeChat to download `media_url` (public, up to 10 MB) and check
    /// it; the verdict comes within 30 minutes as a `wxa_media_check` push with the ticket's
    /// `trace_id`. Doc:
    /// <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/sec-center/sec-check/mediaCheckAsync.html>
    pub async fn media_check_async(
        &self,
        access_token: &Secret,
        openid: &OpenId,
        scene: Scene,
        media_type: MediaType,
        media_url: &str,
    ) -> Result<MediaCheckTicket, WechatError> {
        let body = MediaRequest {
            media_url,
            media_type,
            version: 2,
            openid: openid.as_str(),
            scene,
        };
        self.post(
            "/wxa/media_check_async",
            &[("access_token", access_token.expose())],
            &body,
        )
        .await
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
    async fn a_check_posts_version_2_and_reads_the_verdict() {
        let (client, received) = serve_once(
            r#"{"errcode":0,"errmsg":"ok","trace_id":"t-1","result":{"suggest":"risky","label":20006},"detail":[]}"#,
        );
        let check = client
            .msg_sec_check(&Secret::new("T"), &alice(), Scene::Forum, "你好")
            .await
            .expect("a verdict");
        assert_eq!(
            check.result,
            Verdict {
                suggest: Suggest::Risky,
                label: 20006
            }
        );
        assert_eq!(check.trace_id.as_deref(), Some("t-1"));
        let request = received.recv().expect("a request");
        assert_eq!(request.target, "/wxa/msg_sec_check?access_token=T");
        let body: serde_json::Value = serde_json::from_str(&request.body).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({"version":2,"openid":"o-alice","scene":3,"content":"你好"})
        );
    }

    #[tokio::test]
    async fn an_unknown_openid_is_an_api_error() {
        let (client, _) = serve_once(r#"{"errcode":40003,"errmsg":"invalid openid rid: 1"}"#);
        let error = client
            .msg_sec_check(&Secret::new("T"), &alice(), Scene::Comment, "x")
            .await
            .expect_err("refused");
        assert_eq!(error.errcode(), Some(ErrCode::INVALID_OPENID));
    }

    #[tokio::test]
    async fn a_media_check_posts_the_url_and_answers_the_trace_id() {
        let (client, received) =
            serve_once(r#"{"errcode":0,"errmsg":"ok","trace_id":"60f96f1d-1"}"#);
        let ticket = client
            .media_check_async(
                &Secret::new("T"),
                &alice(),
                Scene::Comment,
                MediaType::Image,
                "https://example.com/a.png",
            )
            .await
            .expect("a ticket");
        assert_eq!(ticket.trace_id, "60f96f1d-1");
        let request = received.recv().expect("a request");
        assert_eq!(request.target, "/wxa/media_check_async?access_token=T");
        let body: serde_json::Value = serde_json::from_str(&request.body).expect("JSON");
        assert_eq!(
            body,
            serde_json::json!({"media_url":"https://example.com/a.png","media_type":2,
                "version":2,"openid":"o-alice","scene":2})
        );
    }

    #[test]
    fn images_and_audio_are_the_media_wechat_checks() {
        assert_eq!(
            MediaType::of_content_type("image/png"),
            Some(MediaType::Image)
        );
        assert_eq!(
            MediaType::of_content_type("audio/mpeg"),
            Some(MediaType::Audio)
        );
        assert_eq!(MediaType::of_content_type("video/mp4"), None);
        assert_eq!(MediaType::of_content_type("application/pdf"), None);
    }

    #[test]
    fn scenes_are_numbers_1_to_4() {
        for number in 1..=4 {
            let scene = Scene::from_number(number).expect("a scene");
            assert_eq!(scene.number(), number);
        }
        assert!(Scene::try_from(5).is_err());
        assert!(serde_json::from_str::<Scene>("0").is_err());
    }
}
