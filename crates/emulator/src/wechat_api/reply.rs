//! WeChat-style answers: always HTTP 200, errors as `errcode` + `errmsg` ending in a `rid:`.

use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// A WeChat API error answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WxError {
    /// The errcode.
    pub code: i64,
    /// The errmsg, before the rid suffix.
    pub message: &'static str,
}

impl WxError {
    /// An error with `code` and `message`.
    pub const fn new(code: i64, message: &'static str) -> Self {
        Self { code, message }
    }

    /// The error WeChat gives for `code`, with its usual errmsg (docs/wechat-protocol.md, "Errcodes"), or
    /// `emulated fault` as the errmsg for a code this table does not know.
    pub fn for_code(code: i64) -> Self {
        KNOWN
            .iter()
            .copied()
            .find(|known| known.code == code)
            .unwrap_or(Self::new(code, "emulated fault"))
    }
}

/// -1: busy, retry.
pub const SYSTEM_ERROR: WxError = WxError::new(-1, "system error");
/// 40001: a superseded, revoked or unknown access_token.
pub const INVALID_CREDENTIAL: WxError = WxError::new(
    40001,
    "invalid credential, access_token is invalid or not latest",
);
/// 40002: `grant_type` is not `client_credential`.
pub const INVALID_GRANT_TYPE: WxError = WxError::new(40002, "invalid grant_type");
/// 40013: unknown appid.
pub const INVALID_APPID: WxError = WxError::new(40013, "invalid appid");
/// 40014: an access_token that cannot be one (wrong length or characters).
pub const INVALID_ACCESS_TOKEN: WxError = WxError::new(40014, "invalid access_token");
/// 40029: unknown, used, expired or foreign code.
pub const INVALID_CODE: WxError = WxError::new(40029, "invalid code");
/// 40125: wrong AppSecret.
pub const INVALID_APPSECRET: WxError = WxError::new(40125, "invalid appsecret");
/// 41001: no `access_token` query parameter.
pub const ACCESS_TOKEN_MISSING: WxError = WxError::new(41001, "access_token missing");
/// 41002: no appid.
pub const APPID_MISSING: WxError = WxError::new(41002, "appid missing");
/// 41004: no secret.
pub const APPSECRET_MISSING: WxError = WxError::new(41004, "appsecret missing");
/// 41008: no code.
pub const CODE_MISSING: WxError = WxError::new(41008, "missing code");
/// 42001: the access_token outlived its lifetime.
pub const ACCESS_TOKEN_EXPIRED: WxError = WxError::new(42001, "access_token expired");
/// 43002: the endpoint takes POST only.
pub const REQUIRE_POST: WxError = WxError::new(43002, "require POST method");
/// 44002: the POST body is empty.
pub const EMPTY_POST_DATA: WxError = WxError::new(44002, "empty post data");
/// 45009: a daily quota is used up.
pub const DAILY_QUOTA: WxError = WxError::new(45009, "reach max api daily quota limit");
/// 47001: the body is not the JSON the endpoint expects.
pub const DATA_FORMAT_ERROR: WxError = WxError::new(47001, "data format error");

/// 40003: the openid is unknown to the app.
pub const INVALID_OPENID: WxError = WxError::new(40003, "invalid openid");
/// 40032: an openid list that is empty or longer than the API takes.
pub const INVALID_OPENID_LIST: WxError = WxError::new(40032, "invalid openid list size");
/// 48001: the account may not call this API (a mini-program calling an official-account API).
pub const API_UNAUTHORIZED: WxError = WxError::new(48001, "api unauthorized");
/// 40007: an empty or unknown media_id.
pub const INVALID_MEDIA_ID: WxError = WxError::new(40007, "invalid media_id");
/// 40008: an unknown message type.
pub const INVALID_MESSAGE_TYPE: WxError = WxError::new(40008, "invalid message type");
/// 45002: the content is too long.
pub const CONTENT_TOO_LONG: WxError = WxError::new(45002, "content size out of limit");
/// 45015: the user's last message is more than 48 hours old (or there is none).
pub const OUT_OF_WINDOW: WxError = WxError::new(
    45015,
    "response out of time limit or subscription is canceled",
);
/// 45047: more than 5 messages for one user message.
pub const REPLY_LIMIT: WxError = WxError::new(45047, "out of response count limit");
/// 45072: the typing command is neither `Typing` nor `CancelTyping`.
pub const INVALID_COMMAND: WxError = WxError::new(45072, "invalid command");
/// 45080: no message in either direction in the last 30 seconds.
pub const NO_RECENT_INTERACTION: WxError =
    WxError::new(45080, "has not sent message to user in 30 seconds");
/// 45081: already typing.
pub const ALREADY_TYPING: WxError = WxError::new(45081, "you are already typing");
/// 43101: a subscribe message to a user holding no grant for the template.
pub const NO_SUBSCRIPTION: WxError = WxError::new(43101, "user refuse to accept the msg");
/// 47003: a subscribe message's data does not fit the template.
pub const INVALID_ARGUMENT: WxError = WxError::new(47003, "argument invalid! data.value invalid");
/// 40037: no such template.
pub const INVALID_TEMPLATE: WxError = WxError::new(40037, "invalid template_id");

/// 40097: invalid arguments (a code's width, page or scene).
pub const INVALID_ARGS: WxError = WxError::new(40097, "invalid args");
/// 40129: the content check's scene is not 1 to 4.
pub const INVALID_SCENE: WxError = WxError::new(40129, "invalid scene");
/// 40169: a code's scene is longer than 32 characters.
pub const SCENE_TOO_LONG: WxError = WxError::new(40169, "invalid length for scene");
/// 41030: the page does not exist in the published version, or nothing is published.
pub const INVALID_PAGE: WxError = WxError::new(41030, "invalid page");
/// 85401: a link's expiry is out of range.
pub const EXPIRY_OUT_OF_RANGE: WxError = WxError::new(85401, "time limit between 1min and 30days");

/// Every error above, for [`WxError::for_code`].
const KNOWN: &[WxError] = &[
    INVALID_ARGS,
    INVALID_SCENE,
    SCENE_TOO_LONG,
    INVALID_PAGE,
    EXPIRY_OUT_OF_RANGE,
    NO_SUBSCRIPTION,
    INVALID_ARGUMENT,
    INVALID_TEMPLATE,
    INVALID_OPENID,
    INVALID_OPENID_LIST,
    API_UNAUTHORIZED,
    INVALID_MEDIA_ID,
    INVALID_MESSAGE_TYPE,
    CONTENT_TOO_LONG,
    OUT_OF_WINDOW,
    REPLY_LIMIT,
    INVALID_COMMAND,
    NO_RECENT_INTERACTION,
    ALREADY_TYPING,
    SYSTEM_ERROR,
    INVALID_CREDENTIAL,
    INVALID_GRANT_TYPE,
    INVALID_APPID,
    INVALID_ACCESS_TOKEN,
    INVALID_CODE,
    INVALID_APPSECRET,
    ACCESS_TOKEN_MISSING,
    APPID_MISSING,
    APPSECRET_MISSING,
    CODE_MISSING,
    ACCESS_TOKEN_EXPIRED,
    REQUIRE_POST,
    EMPTY_POST_DATA,
    DAILY_QUOTA,
    DATA_FORMAT_ERROR,
    WxError::new(40163, "code been used"),
    WxError::new(
        45011,
        "api minute-quota reach limit mustslower retry next minute",
    ),
];

/// A request id in WeChat's format: three groups of 8 hex digits.
pub fn rid() -> String {
    format!(
        "{:08x}-{:08x}-{:08x}",
        rand::random::<u32>(),
        rand::random::<u32>(),
        rand::random::<u32>()
    )
}

impl IntoResponse for WxError {
    fn into_response(self) -> Response {
        Json(json!({
            "errcode": self.code,
            "errmsg": format!("{} rid: {}", self.message, rid()),
        }))
        .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_code_gets_its_usual_errmsg_and_others_a_generic_one() {
        assert_eq!(WxError::for_code(-1).message, "system error");
        assert_eq!(WxError::for_code(45009), DAILY_QUOTA);
        assert_eq!(WxError::for_code(12345).message, "emulated fault");
    }

    #[test]
    fn a_rid_is_three_groups_of_eight_hex_digits() {
        let rid = rid();
        let groups: Vec<&str> = rid.split('-').collect();
        assert_eq!(groups.len(), 3);
        assert!(groups
            .iter()
            .all(|g| g.len() == 8 && g.bytes().all(|b| b.is_ascii_hexdigit())));
    }
}
