//! One HTTP attempt of a delivery: a signed `POST` with the Standard Webhooks headers, bounded
//! in time, never following a redirect, reading at most [`MAX_RESPONSE_BYTES`] of the answer,
//! and connecting only to public addresses unless private ones are allowed.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE};

use super::endpoint::{check_url, Endpoint};
use super::secret::signature_header;
use super::ssrf::GuardedResolver;
use crate::Timestamp;

/// The most of a response body read; a longer one is cut there (and one announced as longer
/// is not read at all).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// How much of a response body an attempt keeps, for operators.
const KEPT_BODY_BYTES: usize = 1024;

/// What one attempt got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResult {
    /// The endpoint answered.
    Answered {
        /// Its status.
        status: u16,
        /// The start of its body (up to 1 KiB, lossy UTF-8).
        body: String,
    },
    /// No answer: refused by the guard, connection failure, timeout.
    NoAnswer {
        /// What happened.
        error: String,
    },
}

/// Posts signed deliveries.
#[derive(Debug, Clone)]
pub struct Sender {
    http: reqwest::Client,
    allow_private: bool,
}

impl Sender {
    /// A sender with `timeout` per attempt (connecting included); with `allow_private` off,
    /// names resolving only to private addresses cannot be reached.
    pub fn new(timeout: Duration, allow_private: bool) -> Result<Self, reqwest::Error> {
        let mut builder = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("wxbase-webhooks/", env!("CARGO_PKG_VERSION")));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(GuardedResolver));
        }
        Ok(Self {
            http: builder.build()?,
            allow_private,
        })
    }

    /// Posts `payload` as event `event_id` to `endpoint`, signed with its secrets as of now.
    pub async fn send(&self, endpoint: &Endpoint, event_id: &str, payload: &str) -> AttemptResult {
        // The URL was checked when saved; checked again in case the setting changed since.
        if let Err(error) = check_url(&endpoint.url, self.allow_private) {
            return AttemptResult::NoAnswer { error };
        }
        let now = Timestamp::now();
        let timestamp = now.as_millis() / 1000;
        let signature =
            signature_header(&endpoint.signing_secrets(now), event_id, timestamp, payload);
        let sent = self
            .http
            .post(&endpoint.url)
            .header(CONTENT_TYPE, "application/json")
            .header("webhook-id", event_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(payload.to_owned())
            .send()
            .await;
        let mut response = match sent {
            Ok(response) => response,
            Err(error) => {
                return AttemptResult::NoAnswer {
                    error: error_text(&error),
                }
            }
        };
        let status = response.status().as_u16();
        let announced = response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        if announced.is_some_and(|n| n > MAX_RESPONSE_BYTES) {
            return AttemptResult::Answered {
                status,
                body: String::new(),
            };
        }
        let mut body = Vec::new();
        while body.len() < MAX_RESPONSE_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                // A body that breaks off or times out still leaves the status.
                Ok(None) | Err(_) => break,
            }
        }
        body.truncate(KEPT_BODY_BYTES);
        AttemptResult::Answered {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }
}

/// A reqwest error with its causes (the guard's refusal is a cause of the connect error).
fn error_text(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
