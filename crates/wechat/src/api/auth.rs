//! Login: `GET /sns/jscode2session`.
//! Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/user-login/code2Session.html>

use serde::Deserialize;

use crate::{AppId, OpenId, Secret, UnionId, WechatClient, WechatError};

/// What WeChat returns for a valid login code.
#[derive(Debug, Clone, Deserialize)]
pub struct CodeSession {
    /// The user's openid in this mini-program.
    pub openid: OpenId,
    /// The key for this user's encrypted data; never leaves the server.
    pub session_key: Secret,
    /// The user's unionid, when the app is bound to an open-platform account.
    #[serde(default)]
    pub unionid: Option<UnionId>,
}

impl WechatClient {
    /// Exchanges a `wx.login` code for the user's openid, session_key and unionid.
    pub async fn jscode2session(
        &self,
        appid: &AppId,
        secret: &Secret,
        js_code: &str,
    ) -> Result<CodeSession, WechatError> {
        self.get(
            "/sns/jscode2session",
            &[
                ("appid", appid.as_str()),
                ("secret", secret.expose()),
                ("js_code", js_code),
                ("grant_type", "authorization_code"),
            ],
        )
        .await
    }
}
