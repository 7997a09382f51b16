//! Builds a push exactly as WeChat would: the message document of a user's action, then the
//! query string and body for the configured mode and format.

use rand::Rng;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use wxbase_wechat::crypto::{msg_signature, sha1_signature, MessageCrypto};
use wxbase_wechat::push::PushDocument;
use wxbase_wechat::AppId;

use super::{PushMode, PushTarget};
use crate::control::{refuse, Refusal};

/// What the user does, as `POST /__emulator/push` takes it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UserAction {
    /// The test person.
    pub user: String,
    /// The app (default: the first).
    #[serde(default)]
    pub appid: Option<String>,
    /// `text`, `image`, `miniprogrampage` or `event` (user_enter_tempsession).
    pub msg_type: String,
    /// Text: what the user types.
    #[serde(default)]
    pub content: Option<String>,
    /// Image: the media id (default: a random one).
    #[serde(default)]
    pub media_id: Option<String>,
    /// Card: its title.
    #[serde(default)]
    pub title: Option<String>,
    /// Card: its page.
    #[serde(default)]
    pub page_path: Option<String>,
    /// Event: the button's `session-from`.
    #[serde(default)]
    pub session_from: Option<String>,
}

/// The mini-program's original id (`gh_` and 12 hex digits), stable per app.
pub fn original_id(appid: &str) -> String {
    let digest = Sha256::digest(format!("original-id:{appid}").as_bytes());
    format!("gh_{}", &hex::encode(digest)[..12])
}

/// The message document for `action` by `openid` at `now` (Unix seconds); the `MsgId` is
/// above 2^62, so a reader using `f64` would lose digits.
pub fn message_document(
    action: &UserAction,
    appid: &str,
    openid: &str,
    now: u64,
) -> Result<PushDocument, Refusal> {
    let msg_id = rand::rng().random_range(1u64 << 62..1u64 << 63);
    let document = PushDocument::new()
        .text("ToUserName", original_id(appid))
        .text("FromUserName", openid)
        .number("CreateTime", now)
        .text("MsgType", action.msg_type.as_str());
    let text =
        |value: &Option<String>, default: &str| value.clone().unwrap_or_else(|| default.to_owned());
    Ok(match action.msg_type.as_str() {
        "text" => {
            let content = action
                .content
                .clone()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| refuse("a text push needs content"))?;
            document.text("Content", content).number("MsgId", msg_id)
        }
        "image" => document
            .text(
                "PicUrl",
                format!("https://mmbiz.qpic.cn/emulator/{msg_id}/0"),
            )
            .text(
                "MediaId",
                text(&action.media_id, &format!("media-{msg_id}")),
            )
            .number("MsgId", msg_id),
        "miniprogrampage" => document
            .number("MsgId", msg_id)
            .text("Title", text(&action.title, "A page"))
            .text("AppId", appid)
            .text("PagePath", text(&action.page_path, "pages/index/index"))
            .text(
                "ThumbUrl",
                format!("https://mmbiz.qpic.cn/emulator/thumb-{msg_id}"),
            )
            .text("ThumbMediaId", format!("thumb-{msg_id}")),
        "event" => document
            .text("Event", "user_enter_tempsession")
            .text("SessionFrom", text(&action.session_from, "")),
        other => {
            return Err(refuse(format!(
                "msgType {other:?}: expected text, image, miniprogrampage or event"
            )))
        }
    })
}

/// A subscribe-message event (`subscribe_msg_popup_event`, `…_change_event`, `…_sent_event`)
/// from `openid` at `now`, its items under `key` as `{"List": …}`: one item an object, several
/// an array (so XML repeats `<List>`).
pub fn subscribe_event_document(
    appid: &str,
    openid: &str,
    event: &str,
    key: &str,
    mut items: Vec<serde_json::Value>,
    now: u64,
) -> PushDocument {
    let list = if items.len() == 1 {
        items.remove(0)
    } else {
        serde_json::Value::Array(items)
    };
    PushDocument::new()
        .text("ToUserName", original_id(appid))
        .text("FromUserName", openid)
        .number("CreateTime", now)
        .text("MsgType", "event")
        .text("Event", event)
        .structure(key, &serde_json::json!({ "List": list }))
}

/// The verdict of a media check (`wxa_media_check`) for `openid`'s media: `result` and one
/// `detail` strategy, whose `status_code` is -1008 when the media could not be downloaded.
pub fn media_check_document(
    appid: &str,
    openid: &str,
    trace_id: &str,
    (suggest, label): (&str, i64),
    fetched: bool,
    now: u64,
) -> PushDocument {
    let mut detail = serde_json::json!({
        "strategy": "content_model", "errcode": 0, "suggest": suggest, "label": label, "prob": 90,
    });
    if !fetched {
        detail["status_code"] = serde_json::json!(-1008);
        detail["prob"] = serde_json::json!(0);
    }
    PushDocument::new()
        .text("ToUserName", original_id(appid))
        .text("FromUserName", openid)
        .number("CreateTime", now)
        .text("MsgType", "event")
        .text("Event", "wxa_media_check")
        .text("appid", appid)
        .text("trace_id", trace_id)
        .number("version", 2)
        .structure("detail", &detail)
        .number("errcode", 0)
        .text("errmsg", "ok")
        .structure(
            "result",
            &serde_json::json!({ "suggest": suggest, "label": label }),
        )
}

/// A push request: query string pairs and body.
#[derive(Debug, Clone)]
pub struct PushRequest {
    /// The query parameters, in WeChat's order.
    pub query: Vec<(&'static str, String)>,
    /// The body.
    pub body: String,
}

/// The request for `document` in the target's mode and format, signed with its token.
pub fn push_request(
    target: &PushTarget,
    appid: &str,
    openid: &str,
    document: &PushDocument,
    now: u64,
) -> Result<PushRequest, Refusal> {
    let timestamp = now.to_string();
    let nonce = rand::rng()
        .random_range(100_000_000u32..2_000_000_000)
        .to_string();
    let signature = sha1_signature(&[&target.token, &timestamp, &nonce]);
    let mut query = vec![
        ("signature", signature),
        ("timestamp", timestamp.clone()),
        ("nonce", nonce.clone()),
    ];
    if target.mode == PushMode::Plaintext {
        return Ok(PushRequest {
            query,
            body: document.render(target.format),
        });
    }
    let key = target
        .encoding_aes_key
        .as_deref()
        .ok_or_else(|| refuse("compatible and safe mode need an encodingAesKey in push-config"))?;
    let appid = AppId::parse(appid).map_err(|e| refuse(e.to_string()))?;
    let crypto = MessageCrypto::new(key, appid).map_err(|e| refuse(e.to_string()))?;
    let encrypt = crypto.encrypt(document.render(target.format).as_bytes());
    let envelope = match target.mode {
        PushMode::Safe => {
            PushDocument::new().text("ToUserName", document.get("ToUserName").unwrap_or_default())
        }
        _ => document.clone(),
    };
    query.push(("openid", openid.to_owned()));
    query.push(("encrypt_type", "aes".to_owned()));
    query.push((
        "msg_signature",
        msg_signature(&target.token, &timestamp, &nonce, &encrypt),
    ));
    Ok(PushRequest {
        query,
        body: envelope.text("Encrypt", encrypt).render(target.format),
    })
}
