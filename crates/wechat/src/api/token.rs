//! Access tokens: `GET /cgi-bin/token` (legacy) and `POST /cgi-bin/stable_token`.
//!
//! The two endpoints are isolated: a token from one never invalidates a token from the other.
//! Protocol reference: `docs/wechat-protocol.md`, section "Access tokens".

use serde::{Deserialize, Serialize};

use crate::{AppId, Secret, WechatClient, WechatError};

/// What /cgi-bin/token and /cgi-bin/stable_token return.
#[derive(Debug, Clone, Deserialize)]
pub struct AccessTokenGrant {
    /// The token, sent as the `access_token` query parameter of later calls.
    pub access_token: Secret,
    /// Seconds the token stays valid from now (the remaining lifetime for a stable token).
    pub expires_in: u64,
}

/// The JSON body of `POST /cgi-bin/stable_token`.
#[derive(Serialize)]
struct StableTokenRequest<'a> {
    grant_type: &'static str,
    appid: &'a str,
    secret: &'a str,
    force_refresh: bool,
}

impl WechatClient {
    /// GET /cgi-bin/token?grant_type=client_credential&appid=&secret=
    ///
    /// Every call mints a new token; the previous one keeps working for 5 minutes only.
    /// Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getAccessToken.html>
    pub async fn get_access_token(
        &self,
        appid: &AppId,
        secret: &Secret,
    ) -> Result<AccessTokenGrant, WechatError> {
        self.get(
            "/cgi-bin/token",
            &[
                ("grant_type", "client_credential"),
                ("appid", appid.as_str()),
                ("secret", secret.expose()),
            ],
        )
        .await
    }

    /// POST /cgi-bin/stable_token {"grant_type":"client_credential","appid","secret","force_refresh"}
    ///
    /// Without `force_refresh` it returns the current token and its remaining lifetime (always
    /// at least 300 s); with it, the previous token stops working at once (20 per day, 30 s apart).
    /// Doc: <https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-access-token/getStableAccessToken.html>
    pub async fn get_stable_access_token(
        &self,
        appid: &AppId,
        secret: &Secret,
        force_refresh: bool,
    ) -> Result<AccessTokenGrant, WechatError> {
        let body = StableTokenRequest {
            grant_type: "client_credential",
            appid: appid.as_str(),
            secret: secret.expose(),
            force_refresh,
        };
        self.post("/cgi-bin/stable_token", &[], &body).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::canned::serve_once;
    use crate::ErrCode;

    fn appid() -> AppId {
        AppId::parse("wxapp").expect("valid appid")
    }

    #[tokio::test]
    async fn the_legacy_token_is_fetched_with_a_get_and_credentials_in_the_query() {
        let (client, received) = serve_once(r#"{"access_token":"ACCESS_TOKEN","expires_in":7200}"#);
        let grant = client
            .get_access_token(&appid(), &Secret::new("s3"))
            .await
            .expect("a grant");
        assert_eq!(grant.access_token.expose(), "ACCESS_TOKEN");
        assert_eq!(grant.expires_in, 7200);
        let request = received.recv().expect("a request");
        assert_eq!(request.method, "GET");
        assert_eq!(
            request.target,
            "/cgi-bin/token?grant_type=client_credential&appid=wxapp&secret=s3"
        );
    }

    #[tokio::test]
    async fn the_stable_token_is_posted_as_json_with_force_refresh() {
        let (client, received) = serve_once(
            r#"{"errcode":0,"errmsg":"ok","access_token":"T0P-SECRET","expires_in":300}"#,
        );
        let grant = client
            .get_stable_access_token(&appid(), &Secret::new("s3"), true)
            .await
            .expect("a grant");
        assert_eq!(grant.expires_in, 300);
        assert!(!format!("{grant:?}").contains("T0P-SECRET"));
        let request = received.recv().expect("a request");
        assert_eq!(request.method, "POST");
        assert_eq!(request.target, "/cgi-bin/stable_token");
        let body: serde_json::Value = serde_json::from_str(&request.body).expect("a JSON body");
        assert_eq!(
            body,
            serde_json::json!({
                "grant_type": "client_credential",
                "appid": "wxapp",
                "secret": "s3",
                "force_refresh": true,
            })
        );
    }

    #[tokio::test]
    async fn a_daily_quota_answer_is_an_api_error_with_its_errcode() {
        let (client, _received) = serve_once(
            r#"{"errcode":45009,"errmsg":"reach max api daily quota limit rid: 1-2-3"}"#,
        );
        let error = client
            .get_stable_access_token(&appid(), &Secret::new("s3"), false)
            .await
            .expect_err("an error");
        assert_eq!(error.errcode(), Some(ErrCode::DAILY_QUOTA));
        assert!(error.to_string().contains("/cgi-bin/stable_token"));
    }

    #[tokio::test]
    async fn a_grant_without_a_token_is_a_bad_response() {
        let (client, _received) = serve_once(r#"{"expires_in":7200}"#);
        let error = client
            .get_access_token(&appid(), &Secret::new("s3"))
            .await
            .expect_err("an error");
        assert!(
            matches!(error, WechatError::BadResponse { .. }),
            "{error:?}"
        );
    }
}
