//! One push on its way: the request built for the target's mode and format, delivered with
//! WeChat's timeout and retries, and the report the control API answers with. Shared by the
//! customer-service push and the official account's follow events.

use serde_json::{json, Map, Value};
use wxbase_wechat::crypto::MessageCrypto;
use wxbase_wechat::push::PushDocument;
use wxbase_wechat::AppId;

use super::build::{push_request, PushRequest};
use super::deliver::{deliver, total};
use super::{PushMode, PushTarget};
use crate::control::{refuse, Refusal};

/// A push ready to deliver.
pub struct Outgoing {
    target: PushTarget,
    url: String,
    request: PushRequest,
    crypto: Option<MessageCrypto>,
}

impl Outgoing {
    /// The push of `document` from `openid` to `appid`'s server at `now` (Unix seconds);
    /// refused when the target has no URL or lacks what its mode needs.
    pub fn prepare(
        target: &PushTarget,
        appid: &str,
        openid: &str,
        document: &PushDocument,
        now: u64,
    ) -> Result<Self, Refusal> {
        let url = target
            .url
            .clone()
            .ok_or_else(|| refuse("no push URL: set one with the push-config control route"))?;
        let request = push_request(target, appid, openid, document, now)?;
        let crypto = match &target.encoding_aes_key {
            Some(key) if target.mode != PushMode::Plaintext => {
                let appid = AppId::parse(appid).map_err(|e| refuse(e.to_string()))?;
                Some(MessageCrypto::new(key, appid).map_err(|e| refuse(e.to_string()))?)
            }
            _ => None,
        };
        Ok(Self {
            target: target.clone(),
            url,
            request,
            crypto,
        })
    }

    /// Adds a query parameter unless the mode already sent it (an official account sends
    /// `openid` in plaintext mode too).
    pub fn with_query(mut self, name: &'static str, value: &str) -> Self {
        if !self.request.query.iter().any(|(n, _)| *n == name) {
            self.request.query.push((name, value.to_owned()));
        }
        self
    }

    /// Delivers it with `client` until answered, refused or out of deliveries; reports every
    /// attempt and the request sent.
    pub async fn deliver(self, client: &reqwest::Client) -> Value {
        let attempts = deliver(
            client,
            &self.target,
            &self.url,
            &self.request,
            self.crypto.as_ref(),
        )
        .await;
        let last = attempts.last();
        let query: Map<String, Value> = self
            .request
            .query
            .iter()
            .map(|(k, v)| ((*k).to_owned(), json!(v)))
            .collect();
        json!({
            "delivered": last.is_some_and(|a| a.acknowledged()),
            "outcome": last.map_or("unreachable", |a| a.result),
            "retries": attempts.len().saturating_sub(1),
            "totalMs": u64::try_from(total(&attempts).as_millis()).unwrap_or(u64::MAX),
            "attempts": attempts,
            "request": { "url": self.url, "query": query, "body": self.request.body },
        })
    }
}
