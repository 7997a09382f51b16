//! The outbox worker: claims due outbound messages (a lease, so on many instances only one
//! sends a given message), sends each through `/cgi-bin/message/custom/send` with the central
//! access_token, and records the outcome at once.
//!
//! Delivery is at least once in one narrow case: if the process dies after WeChat accepted a
//! message and before the `sent` mark is written, the lease expires and another attempt sends
//! it again. Each reply's lease is renewed just before it is sent, so a batch that runs long
//! (a slow WeChat) keeps its replies, except those another worker claimed after the batch's
//! lease ran out: those are skipped here. An outcome is recorded only under the lease it was
//! sent under, so a send that outlived even its renewed lease cannot overwrite the outcome of
//! the worker that took the reply over. Everything else is exactly once: a claimed message is
//! leased, a rejected token (the call did nothing) is the only thing retried at once, and `-1`
//! or a network failure (WeChat may or may not have sent it) goes back to the outbox with a
//! bounded backoff.

use std::sync::Arc;
use std::time::Duration;

use wxbase_wechat::api::custom_message::CustomMessage;
use wxbase_wechat::{ErrCode, WechatError};

use super::model::{ClaimedOutbound, SendOutcome};
use super::service::{MessageError, MessageService};
use crate::token::TokenError;
use crate::Timestamp;

/// The endpoint whose errcodes are final for a message.
const SEND_ENDPOINT: &str = "/cgi-bin/message/custom/send";

impl MessageService {
    /// Runs the worker until the future is dropped (its owner spawns it as a task).
    pub async fn run_outbox_worker(self: Arc<Self>) {
        tracing::info!("outbox worker started");
        loop {
            match self.deliver_due().await {
                Ok(0) => {}
                Ok(_) => continue,
                Err(error) => tracing::warn!(%error, "outbox round failed; trying again"),
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
            }
        }
    }

    /// Claims one batch of due messages and sends them in order; how many were claimed.
    pub async fn deliver_due(&self) -> Result<usize, MessageError> {
        let now = Timestamp::now();
        let held_until = now.plus(self.settings.lease);
        let claimed = self
            .store
            .claim_outbound(now, held_until, self.settings.batch)
            .await?;
        let count = claimed.len();
        for job in claimed {
            let Some(lease) = self.renew_lease(&job, held_until).await? else {
                tracing::warn!(
                    message_id = job.id.0,
                    "the batch outlived its lease and another worker took this reply; not sending it here"
                );
                continue;
            };
            let outcome = self.attempt(&job).await;
            log_outcome(&job, &outcome);
            if !self.store.finish_outbound(job.id, lease, &outcome).await? {
                tracing::warn!(
                    message_id = job.id.0,
                    "the send outlived its lease and another worker took this reply; its outcome stands, not this one"
                );
            }
        }
        Ok(count)
    }

    /// Renews `job`'s lease for a whole lease from now, if nobody claimed it since the batch
    /// did; the lease this worker now holds, or `None` when it must not send the reply. A slow
    /// WeChat cannot make the batch's lease run out under a reply that is about to be sent and
    /// let another worker send it too.
    async fn renew_lease(
        &self,
        job: &ClaimedOutbound,
        held_until: Timestamp,
    ) -> Result<Option<Timestamp>, MessageError> {
        let until = Timestamp::now().plus(self.settings.lease);
        let renewed = self
            .store
            .renew_outbound_lease(job.id, held_until, until)
            .await?;
        Ok(renewed.then_some(until))
    }

    async fn attempt(&self, job: &ClaimedOutbound) -> SendOutcome {
        let message: CustomMessage = match serde_json::from_str(&job.content) {
            Ok(message) => message,
            Err(error) => {
                return SendOutcome::Failed {
                    errcode: None,
                    error: format!("the stored message cannot be read: {error}"),
                }
            }
        };
        if self.settings.typing {
            let typing = self
                .tokens
                .call_once(|token| {
                    let openid = job.openid.clone();
                    async move { self.wechat.set_typing(&token, &openid, true).await }
                })
                .await;
            if let Err(error) = typing {
                tracing::info!(message_id = job.id.0, %error, "typing indicator refused; sending anyway");
            }
        }
        let result = self
            .tokens
            .call_once(|token| {
                let (openid, message) = (job.openid.clone(), message.clone());
                async move {
                    self.wechat
                        .send_custom_message(&token, &openid, &message)
                        .await
                }
            })
            .await;
        match result {
            Ok(()) => SendOutcome::Sent {
                at: Timestamp::now(),
            },
            Err(error) => self.failure(job, &error),
        }
    }

    /// Final for an errcode of the send itself (45015 outside the window, 45047 too many,
    /// 40003 bad openid, …); retried later for `-1`, transport errors and token trouble.
    fn failure(&self, job: &ClaimedOutbound, error: &TokenError) -> SendOutcome {
        let errcode = match error {
            TokenError::Wechat(wechat) => wechat.errcode().map(ErrCode::value),
            _ => None,
        };
        let final_answer = matches!(
            error,
            TokenError::Wechat(WechatError::Api { endpoint, code, .. })
                if *endpoint == SEND_ENDPOINT && *code != ErrCode::BUSY && !code.is_stale_token()
        );
        let attempts = u32::try_from(job.attempts).unwrap_or(u32::MAX);
        let text = error.to_string();
        if final_answer || attempts >= self.settings.send_attempts {
            return SendOutcome::Failed {
                errcode,
                error: text,
            };
        }
        let backoff = self.settings.retry_backoff * 2u32.saturating_pow(attempts.saturating_sub(1));
        SendOutcome::Retry {
            errcode,
            error: text,
            next_attempt_at: Timestamp::now().plus(backoff.min(Duration::from_secs(3600))),
        }
    }
}

fn log_outcome(job: &ClaimedOutbound, outcome: &SendOutcome) {
    let id = job.id.0;
    let attempt = job.attempts;
    match outcome {
        SendOutcome::Sent { .. } => tracing::info!(message_id = id, attempt, "reply sent"),
        SendOutcome::Retry { errcode, error, .. } => {
            tracing::warn!(message_id = id, attempt, ?errcode, %error, "reply not sent; will retry")
        }
        SendOutcome::Failed { errcode, error } => {
            tracing::warn!(message_id = id, attempt, ?errcode, %error, "reply failed for good")
        }
    }
}
