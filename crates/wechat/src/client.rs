//! The HTTP client every WeChat API module uses: base URL, timeout and the errcode rule.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Url;
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
#[derive(Clone)]
pub struct WechatClient {
    http: reqwest::Client,
    /// The base URL, parsed once: each call copies it and sets the path and query, instead of
    /// formatting a string and parsing it again (a few percent of a login's CPU, profiled).
    base: Url,
    /// Told about every call, for metrics.
    observer: Option<Arc<dyn CallObserver>>,
}

impl std::fmt::Debug for WechatClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WechatClient")
            .field("base", &self.base.as_str())
            .field("observed", &self.observer.is_some())
            .finish()
    }
}

/// How a call ended, as an observer sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallResult {
    /// WeChat answered without an errcode (or with 0).
    Ok,
    /// WeChat answered with this errcode.
    Errcode(i64),
    /// No answer: connection failure or timeout.
    Unavailable,
    /// An answer that is not WeChat's JSON, or a redirect.
    BadResponse,
}

/// Told about each call a [`WechatClient`] makes (metrics); it must not block.
pub trait CallObserver: Send + Sync {
    /// `endpoint` (the API path) ended with `result` after `elapsed`.
    fn observe(&self, endpoint: &'static str, result: CallResult, elapsed: Duration);
}

/// Why a [`WechatClient`] could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ClientBuildError {
    /// The base URL is not an absolute `http` or `https` URL.
    #[error("the WeChat API base URL {url:?} is not an absolute http(s) URL: {reason}")]
    BaseUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The HTTP client (its TLS backend) could not be initialised.
    #[error("the HTTP client cannot be built: {0}")]
    Http(#[from] reqwest::Error),
}

/// Bytes WeChat answered instead of JSON, with their declared type.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    /// The `Content-Type` header, lowercased (empty when absent).
    pub content_type: String,
    /// The body.
    pub bytes: Vec<u8>,
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
    /// Builds a client. Fails if the base URL is not an absolute http(s) URL or the TLS backend
    /// cannot be initialised.
    ///
    /// Redirects are never followed: WeChat's APIs do not redirect, and every call carries the
    /// appsecret or an access_token in its query, which a redirect would hand to another host.
    pub fn new(config: &ClientConfig) -> Result<Self, ClientBuildError> {
        let invalid = |reason: String| ClientBuildError::BaseUrl {
            url: config.base_url.clone(),
            reason,
        };
        let base = Url::parse(&config.base_url).map_err(|e| invalid(e.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(invalid("the scheme must be http or https".to_owned()));
        }
        if base.query().is_some() || base.fragment().is_some() {
            return Err(invalid("it may not have a query or a fragment".to_owned()));
        }
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            http,
            base,
            observer: None,
        })
    }

    /// The same client, telling `observer` about every call.
    pub fn with_observer(mut self, observer: Arc<dyn CallObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The base URL this client calls, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    /// `GET {base}{endpoint}?{query}` and decode the answer.
    pub(crate) async fn get<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        query: &[(&str, &str)],
    ) -> Result<T, WechatError> {
        let request = self.http.get(self.url(endpoint, query));
        self.send(endpoint, request).await
    }

    /// `POST {base}{endpoint}?{query}` with a JSON body and decode the answer.
    pub(crate) async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        query: &[(&str, &str)],
        body: &B,
    ) -> Result<T, WechatError> {
        let request = self.http.post(self.url(endpoint, query)).json(body);
        self.send(endpoint, request).await
    }

    /// `POST {base}{endpoint}?{query}` with a JSON body, for an API that answers raw bytes on
    /// success (an image) and a JSON error object on failure. The answer is JSON when its
    /// `Content-Type` says so or its first byte is `{`: then WeChat's errcode rule applies.
    pub(crate) async fn post_for_bytes<B: Serialize + ?Sized>(
        &self,
        endpoint: &'static str,
        query: &[(&str, &str)],
        body: &B,
    ) -> Result<RawAnswer, WechatError> {
        let unavailable = |source| WechatError::Unavailable { endpoint, source };
        let response = self
            .http
            .post(self.url(endpoint, query))
            .json(body)
            .send()
            .await
            .map_err(unavailable)?;
        let content_type = response
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let bytes = response.bytes().await.map_err(unavailable)?;
        let looks_json = content_type.contains("json") || bytes.first() == Some(&b'{');
        if looks_json {
            let _: serde::de::IgnoredAny = decode(endpoint, &bytes)?;
            return Err(WechatError::BadResponse {
                endpoint,
                detail: "a JSON answer without an errcode where bytes were expected".to_owned(),
            });
        }
        Ok(RawAnswer {
            content_type,
            bytes: bytes.to_vec(),
        })
    }

    /// `{base}{endpoint}?{query}`, the query form-encoded as WeChat expects.
    fn url(&self, endpoint: &str, query: &[(&str, &str)]) -> Url {
        let mut url = self.base.clone();
        let base_path = self.base.path().trim_end_matches('/');
        url.set_path(&format!("{base_path}{endpoint}"));
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }

    async fn send<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, WechatError> {
        let Some(observer) = &self.observer else {
            return self.send_unobserved(endpoint, request).await;
        };
        let started = Instant::now();
        let result = self.send_unobserved(endpoint, request).await;
        let seen = match &result {
            Ok(_) => CallResult::Ok,
            Err(WechatError::Api { code, .. }) => CallResult::Errcode(code.0),
            Err(WechatError::Unavailable { .. }) => CallResult::Unavailable,
            Err(_) => CallResult::BadResponse,
        };
        observer.observe(endpoint, seen, started.elapsed());
        result
    }

    async fn send_unobserved<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<T, WechatError> {
        let unavailable = |source| WechatError::Unavailable { endpoint, source };
        let response = request.send().await.map_err(unavailable)?;
        if response.status().is_redirection() {
            return Err(WechatError::BadResponse {
                endpoint,
                detail: format!(
                    "HTTP {} redirect, not followed: WeChat's APIs never redirect, and the call \
                     carries credentials",
                    response.status().as_u16()
                ),
            });
        }
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
    use crate::api::canned;

    fn client_at(base_url: &str) -> Result<WechatClient, ClientBuildError> {
        WechatClient::new(&ClientConfig {
            base_url: base_url.to_owned(),
            timeout: Duration::from_secs(5),
        })
    }

    #[test]
    fn a_call_goes_under_the_base_path_with_a_form_encoded_query() {
        let client = client_at("http://127.0.0.1:9/wechat/").expect("a client");
        assert_eq!(client.base_url(), "http://127.0.0.1:9/wechat");
        let url = client.url(
            "/cgi-bin/token",
            &[("grant_type", "client_credential"), ("secret", "a b&c")],
        );
        assert_eq!(
            url.as_str(),
            "http://127.0.0.1:9/wechat/cgi-bin/token?grant_type=client_credential&secret=a+b%26c"
        );
        let bare = client_at("https://api.weixin.qq.com").expect("a client");
        assert_eq!(bare.base_url(), "https://api.weixin.qq.com");
        assert_eq!(
            bare.url("/sns/jscode2session", &[]).as_str(),
            "https://api.weixin.qq.com/sns/jscode2session"
        );
    }

    #[test]
    fn a_base_url_that_is_not_plain_http_is_refused() {
        for base in [
            "ftp://example.com",
            "api.weixin.qq.com",
            "http://h/?x=1",
            "mailto:a@b",
        ] {
            let error = client_at(base).expect_err(base);
            assert!(
                matches!(error, ClientBuildError::BaseUrl { .. }),
                "{base}: {error}"
            );
        }
    }

    #[tokio::test]
    async fn a_redirect_is_not_followed_so_credentials_never_leave_for_another_host() {
        let (client, received) = canned::serve_raw_once(
            "HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/elsewhere\r\n\
             Content-Length: 0\r\nConnection: close\r\n\r\n"
                .to_owned(),
        );
        let error = client
            .get::<Answer>("/cgi-bin/token", &[("secret", "s3cret")])
            .await
            .expect_err("a redirect is an error");
        let WechatError::BadResponse { detail, .. } = &error else {
            panic!("expected a bad response, got {error}");
        };
        assert!(detail.contains("302"), "{detail}");
        let request = received.recv().expect("the one request");
        assert_eq!(request.target, "/cgi-bin/token?secret=s3cret");
    }

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
