//! Delivers a push: POSTs it, waits up to the timeout, and retries as WeChat does when no
//! answer comes (timeout, connection failure, HTTP 5xx) until the deliveries are used up.
//! An answer is valid only if it is `success`, empty, or the `transfer_customer_service`
//! reply (sealed with a valid `MsgSignature` and this app's AppID when the push was encrypted).

use std::time::{Duration, Instant};

use serde::Serialize;
use wxbase_wechat::crypto::MessageCrypto;
use wxbase_wechat::push::{is_acknowledgement, open_encrypted_reply, PushDocument};

use super::build::PushRequest;
use super::{PushFormat, PushMode, PushTarget};

/// What one delivery attempt got.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    /// 1 for the first delivery.
    pub attempt: u32,
    /// `accepted`, `transfer`, `invalid` (an answer WeChat does not accept), `refused`
    /// (HTTP 4xx), `error` (HTTP 5xx), `timeout` or `unreachable`.
    pub result: &'static str,
    /// The HTTP status, when an answer came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The answer's body (up to 2 KiB), when one came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// How long it took.
    pub elapsed_ms: u64,
}

impl Attempt {
    /// Whether WeChat would deliver again after this attempt.
    fn retried(&self) -> bool {
        matches!(self.result, "error" | "timeout" | "unreachable")
    }

    /// Whether the answer acknowledged the push.
    pub fn acknowledged(&self) -> bool {
        matches!(self.result, "accepted" | "transfer")
    }
}

/// Sends `request` to the target until it is acknowledged, refused, or the deliveries run out.
pub async fn deliver(
    client: &reqwest::Client,
    target: &PushTarget,
    url: &str,
    request: &PushRequest,
    crypto: Option<&MessageCrypto>,
) -> Vec<Attempt> {
    let content_type = match target.format {
        PushFormat::Xml => "text/xml",
        PushFormat::Json => "application/json",
    };
    let mut attempts = Vec::new();
    for number in 1..=target.deliveries.max(1) {
        let started = Instant::now();
        let sent = client
            .post(url)
            .timeout(target.timeout)
            .query(&request.query)
            .header("content-type", content_type)
            .body(request.body.clone())
            .send()
            .await;
        let (result, status, body) = match sent {
            Err(error) if error.is_timeout() => ("timeout", None, None),
            Err(_) => ("unreachable", None, None),
            Ok(response) => {
                let status = response.status();
                match response.bytes().await {
                    Err(error) if error.is_timeout() => ("timeout", Some(status.as_u16()), None),
                    Err(_) => ("unreachable", Some(status.as_u16()), None),
                    Ok(bytes) => {
                        let result = judge(status, &bytes, target, crypto);
                        let mut text = String::from_utf8_lossy(&bytes).into_owned();
                        text.truncate(2048);
                        (result, Some(status.as_u16()), Some(text))
                    }
                }
            }
        };
        let attempt = Attempt {
            attempt: number,
            result,
            status,
            body,
            elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        };
        let again = attempt.retried();
        attempts.push(attempt);
        if !again {
            break;
        }
    }
    attempts
}

fn judge(
    status: reqwest::StatusCode,
    body: &[u8],
    target: &PushTarget,
    crypto: Option<&MessageCrypto>,
) -> &'static str {
    if status.is_server_error() {
        return "error";
    }
    if !status.is_success() {
        return "refused";
    }
    if is_acknowledgement(body) {
        return "accepted";
    }
    let reply = match (target.mode, crypto) {
        (PushMode::Plaintext, _) => PushDocument::parse(body).ok().map(|(_, doc)| doc),
        (_, Some(crypto)) => open_encrypted_reply(crypto, &target.token, body).ok(),
        (_, None) => None,
    };
    match reply {
        Some(doc) if doc.get("MsgType") == Some("transfer_customer_service") => "transfer",
        _ => "invalid",
    }
}

/// The time WeChat would wait in total, for reports.
pub fn total(attempts: &[Attempt]) -> Duration {
    Duration::from_millis(attempts.iter().map(|a| a.elapsed_ms).sum())
}
