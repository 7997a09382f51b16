//! The HTTP client every WeChat API module uses: base URL, timeout and the errcode rule.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{ErrCode, WechatError};

/// Where and how patiently to call WeChat.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Base URL of the API, `https://api.weixin.qq.com` in production, the emulator otherwise.
    pub base_url: String,
    /// How long one call may take, connecting included.
    pub timeout: Duration,
}

impl Default for ClientConfig {
    fn default() -> Self {
        Self {
            base_url: "https://api.weixin.qq.com".to_owned(),
            timeout: Duration::from_secs(5),
        }
    }
}

/// A typed WeChat API client. Cheap to clone; clones share one connection pool.
#[derive(Debug, Clone)]
pub struct WechatClient {
    http: reqwest::Client,
    base_url: String,
}

/// The error fields every WeChat answer may carry.
#[derive(Deserialize)]
struct ErrorFields {
    #[serde(default)]
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: Option<String>,
}

impl WechatClient {
    /// Builds a client. Fails only if the TLS backend cannot be initialised.
    pub fn new(config: &ClientConfig) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()?;
        Ok(Self {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// The base URL this client calls.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `GET {base}{endpoint}?{query}` and decode the answer.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        query: &[(&str, &str)],
    ) -> Result<T, WechatError> {
        let request = self
            .http
            .get(format!("{}{}", self.base_url, endpoint))
            .query(query);
        self.send(endpoint, request).await
    }

    /// `POST {base}{endpoint}?{query}` with a JSON body and decode the answer.
    pub(crate) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        query: &[(&str, &str)],
        body: &B,
    ) -> Result<T, WechatError> {
        let request = self
            .http
            .post(format!("{}{}", self.base_url, endpoint))
            .query(query)
            .json(body);
        self.send(endpoint, request).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, WechatError> {
        let unavailable = |source| WechatError::Unavailable { endpoint, source };
        let response = request.send().await.map_err(unavailable)?;
        let body = response.bytes().await.map_err(unavailable)?;
        decode(endpoint, &body)
    }
}

/// Applies WeChat's rule: success if and only if `errcode` is absent or 0.
fn decode<T: DeserializeOwned>(endpoint: &'static str, body: &[u8]) -> Result<T, WechatError> {
    let bad = |detail: String| WechatError::BadResponse { endpoint, detail };
    let fields: ErrorFields =
        serde_json::from_slice(body).map_err(|e| bad(format!("not a JSON object: {e}")))?;
    match fields.errcode {
        None | Some(0) => serde_json::from_slice(body).map_err(|e| bad(e.to_string())),
        Some(code) => Err(WechatError::Api {
            endpoint,
            code: ErrCode(code),
            message: fields.errmsg.unwrap_or_default(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Answer {
        value: u32,
    }

    #[test]
    fn an_answer_without_errcode_is_a_success() {
        let answer: Answer = decode("/x", br#"{"value": 7}"#).expect("success");
        assert_eq!(answer.value, 7);
    }

    #[test]
    fn errcode_zero_is_a_success() {
        let answer: Answer =
            decode("/x", br#"{"errcode":0,"errmsg":"ok","value":8}"#).expect("success");
        assert_eq!(answer.value, 8);
    }

    #[test]
    fn a_non_zero_errcode_is_kept_in_the_error() {
        let error = decode::<Answer>("/x", br#"{"errcode":40029,"errmsg":"invalid code rid: 1"}"#)
            .expect_err("failure");
        assert_eq!(error.errcode(), Some(ErrCode::INVALID_CODE));
        assert!(error.to_string().contains("invalid code"));
    }

    #[test]
    fn a_non_json_answer_is_a_bad_response() {
        let error = decode::<Answer>("/x", b"<html>").expect_err("failure");
        assert!(matches!(error, WechatError::BadResponse { .. }));
    }
}
