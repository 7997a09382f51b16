//! The outbox worker: claims due outbound messages (a lease, so on many instances only one
//! sends a given message), sends each through `/cgi-bin/message/custom/send` (a reply) or
//! `/cgi-bin/message/subscribe/send` (a subscribe message) with the central access_token, and
//! records the outcome at once. An errcode of the send endpoint is final (for a subscribe
//! message 43101 no grant, 47003 bad data, 40003 bad openid, 40037 bad template, recorded with
//! their meaning); `-1` and network failures are retried.
//!
//! Each instance sends up to `send_concurrency` replies at once. A claim leases at most one
//! reply per user (the user's first pending one), so the replies in flight all go to
//! different users, and one user's replies still go out one at a time and in order, across
//! instances. A claim is made when half the sending slots are free, so one claim serves
//! several sends, and a second one may run beside it while sends finish.
//!
//! A subscribe message answered 43101 (no grant) after an attempt whose outcome is unknown (a
//! timeout, a network failure, `-1`, a lease that ran out under a send) is recorded as
//! `unconfirmed`, not failed: that attempt most likely delivered it and used its one-time grant.
//! The claim says whether an earlier attempt may have reached WeChat (`maybe_sent`, kept on the
//! message once set).
//!
//! Delivery is at least once in one narrow case: if the process dies after WeChat accepted a
//! message and before the `sent` mark is written, the lease expires and another attempt sends
//! it again. A reply whose send starts late (a quarter of a lease after its claim, say after a
//! slow typing call) has its lease renewed first, unless another worker claimed it after the
//! lease ran out: then it is skipped here. An outcome is recorded only under the lease it was
//! sent under, so a send that outlived even its renewed lease cannot overwrite the outcome of
//! the worker that took the reply over. Everything else is exactly once: a claimed message is
//! leased, a rejected token (the call did nothing) is the only thing retried at once, and `-1`
//! or a network failure (WeChat may or may not have sent it) goes back to the outbox with a
//! bounded backoff.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinSet;
use wxbase_wechat::api::subscribe_message;
use wxbase_wechat::{ErrCode, WechatError};

use super::model::{ClaimedOutbound, OutboundContent, SendOutcome};
use super::service::{MessageError, MessageService};
use crate::token::TokenError;
use crate::Timestamp;

/// The endpoint whose errcodes are final for a message.
const SEND_ENDPOINT: &str = "/cgi-bin/message/custom/send";

/// Claims one worker keeps in flight at once. While one claim's statement runs, the sends of
/// the previous one finish and their users become due again; a second claim takes them
/// without waiting for the first to return, which matters where a claim's round trip is long
/// (PostgreSQL's claims take several milliseconds). Claims never take the same user twice:
/// on PostgreSQL a claim skips the queue rows another one holds, on SQLite claims run one
/// after the other on the writer.
const CLAIMS_IN_FLIGHT: usize = 2;

/// What a claim asked for and what it leased.
struct ClaimResult {
    asked: usize,
    claimed: Result<Vec<Leased>, MessageError>,
}

/// A claimed reply and the lease its claim took.
struct Leased {
    job: ClaimedOutbound,
    claimed_at: Timestamp,
    held_until: Timestamp,
}

impl MessageService {
    /// Runs the worker until the future is dropped (its owner spawns it as a task). Sends in
    /// flight when it is dropped are abandoned; their leases run out and another claim takes
    /// them.
    pub async fn run_outbox_worker(self: Arc<Self>) {
        let slots = usize::try_from(self.settings.send_concurrency.max(1)).unwrap_or(1);
        tracing::info!(concurrency = slots, "outbox worker started");
        let mut sending: JoinSet<()> = JoinSet::new();
        let mut claiming: JoinSet<ClaimResult> = JoinSet::new();
        // Sending slots promised to the claims in flight.
        let mut reserved = 0;
        loop {
            while sending.try_join_next().is_some() {}
            let free = slots.saturating_sub(sending.len() + reserved);
            // A first claim when half the slots are open (or nothing is being sent); a second
            // one beside it only while sends are finishing and their users may be due again.
            let claim_now = if claiming.is_empty() {
                sending.is_empty() || free * 2 >= slots
            } else {
                claiming.len() < CLAIMS_IN_FLIGHT && !sending.is_empty()
            };
            if free > 0 && claim_now {
                let asked = self.batch_for(free);
                reserved += asked;
                let service = self.clone();
                claiming.spawn(async move { service.claim(asked).await });
                continue;
            }
            tokio::select! {
                Some(finished) = claiming.join_next(), if !claiming.is_empty() => {
                    // Claims are never aborted: an error here is a panic, passed on as if
                    // the claim had run in this task.
                    let ClaimResult { asked, claimed } = finished
                        .unwrap_or_else(|error| std::panic::resume_unwind(error.into_panic()));
                    reserved -= asked.min(reserved);
                    match claimed {
                        Ok(claimed) => {
                            let more_due = claimed.len() == asked;
                            for leased in claimed {
                                let service = self.clone();
                                sending.spawn(async move { service.deliver(leased).await });
                            }
                            if more_due {
                                continue;
                            }
                        }
                        Err(error) => {
                            tracing::warn!(%error, "outbox claim failed; trying again");
                        }
                    }
                    // Nothing more was due: wait for a send, a wake-up or the poll before the
                    // next claim, unless another claim is still in flight.
                    if claiming.is_empty() {
                        tokio::select! {
                            Some(_) = sending.join_next(), if !sending.is_empty() => {}
                            () = self.wake.notified() => {}
                            () = tokio::time::sleep(self.settings.poll) => {}
                        }
                    }
                }
                Some(_) = sending.join_next(), if !sending.is_empty() => {}
                () = self.wake.notified() => {}
                () = tokio::time::sleep(self.settings.poll) => {}
            }
        }
    }

    /// Claims one batch of due messages (at most one per user) and sends them at once; how
    /// many were claimed.
    pub async fn deliver_due(self: &Arc<Self>) -> Result<usize, MessageError> {
        let slots = usize::try_from(self.settings.send_concurrency.max(1)).unwrap_or(1);
        let claimed = self.claim(self.batch_for(slots)).await.claimed?;
        let count = claimed.len();
        let mut sending = JoinSet::new();
        for leased in claimed {
            let service = self.clone();
            sending.spawn(async move { service.deliver(leased).await });
        }
        while sending.join_next().await.is_some() {}
        Ok(count)
    }

    /// How many replies to ask a claim for when `free` sending slots are open: at most one
    /// batch.
    fn batch_for(&self, free: usize) -> usize {
        free.min(usize::try_from(self.settings.batch.max(1)).unwrap_or(1))
    }

    /// Leases up to `asked` due replies, at most one per user.
    async fn claim(&self, asked: usize) -> ClaimResult {
        ClaimResult {
            asked,
            claimed: self.lease_due(asked).await,
        }
    }

    async fn lease_due(&self, asked: usize) -> Result<Vec<Leased>, MessageError> {
        let claimed_at = Timestamp::now();
        let held_until = claimed_at.plus(self.settings.lease);
        let started = std::time::Instant::now();
        let claimed = self
            .store
            .claim_outbound(
                claimed_at,
                held_until,
                u32::try_from(asked).unwrap_or(u32::MAX),
            )
            .await?;
        // What the load benchmark reads for the claim's latency.
        tracing::debug!(
            claimed = claimed.len(),
            elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "outbox claim"
        );
        let claimed = claimed
            .into_iter()
            .map(|job| Leased {
                job,
                claimed_at,
                held_until,
            })
            .collect();
        Ok(claimed)
    }

    /// Sends one claimed reply and records the outcome under the lease it was sent under.
    async fn deliver(&self, leased: Leased) {
        if let Err(error) = self.deliver_leased(&leased).await {
            tracing::warn!(message_id = leased.job.id.0, %error, "outbox: recording a reply's outcome failed; its lease will run out and it is tried again");
        }
    }

    async fn deliver_leased(&self, leased: &Leased) -> Result<(), MessageError> {
        let job = &leased.job;
        let Some(lease) = self.lease_for_send(leased).await? else {
            tracing::warn!(
                message_id = job.id.0,
                "the claim outlived its lease and another worker took this reply; not sending it here"
            );
            return Ok(());
        };
        let outcome = self.attempt(job).await;
        log_outcome(job, &outcome);
        let counted = match outcome {
            SendOutcome::Sent { .. } => "sent",
            SendOutcome::Retry { .. } => "retry",
            SendOutcome::Failed { .. } => "failed",
            SendOutcome::Unconfirmed { .. } => "unconfirmed",
        };
        self.metrics
            .increment(crate::telemetry::SENDS, &[("outcome", counted)]);
        if !self.store.finish_outbound(job.id, lease, &outcome).await? {
            tracing::warn!(
                message_id = job.id.0,
                "the send outlived its lease and another worker took this reply; its outcome stands, not this one"
            );
        }
        Ok(())
    }

    /// The lease to send `leased` under: the claim's own while it is fresh (under a quarter of
    /// a lease old), else renewed for a whole lease from now if nobody claimed the reply since;
    /// `None` when this worker must not send it. A slow start cannot make the lease run out
    /// under a reply that is about to be sent and let another worker send it too.
    async fn lease_for_send(&self, leased: &Leased) -> Result<Option<Timestamp>, MessageError> {
        let now = Timestamp::now();
        if now < leased.claimed_at.plus(self.settings.lease / 4) {
            return Ok(Some(leased.held_until));
        }
        let until = now.plus(self.settings.lease);
        let renewed = self
            .store
            .renew_outbound_lease(leased.job.id, leased.held_until, until)
            .await?;
        Ok(renewed.then_some(until))
    }

    async fn attempt(&self, job: &ClaimedOutbound) -> SendOutcome {
        let (result, endpoint) = match OutboundContent::from_stored(&job.content) {
            Ok(OutboundContent::Custom(message)) => {
                self.show_typing(job).await;
                let sent = self
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
                (sent, SEND_ENDPOINT)
            }
            Ok(OutboundContent::Subscribe(message)) => {
                let sent = self
                    .tokens
                    .call_once(|token| {
                        let (openid, message) = (job.openid.clone(), message.clone());
                        async move {
                            self.wechat
                                .send_subscribe_message(&token, &openid, &message)
                                .await
                        }
                    })
                    .await;
                (sent, subscribe_message::SEND_ENDPOINT)
            }
            Ok(OutboundContent::Transfer) => {
                return SendOutcome::Failed {
                    errcode: None,
                    error: "a transfer is answered with its push, never queued".to_owned(),
                }
            }
            Err(error) => {
                return SendOutcome::Failed {
                    errcode: None,
                    error: format!("the stored message cannot be read: {error}"),
                }
            }
        };
        match result {
            Ok(()) => SendOutcome::Sent {
                at: Timestamp::now(),
            },
            Err(error) => self.failure(job, &error, endpoint),
        }
    }

    /// Shows "typing" before a reply when configured; a refusal is logged and the reply sent
    /// anyway.
    async fn show_typing(&self, job: &ClaimedOutbound) {
        if !self.settings.typing {
            return;
        }
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

    /// Final for an errcode of the send endpoint itself (45015 outside the window, 45047 too
    /// many, 43101 no grant, 40003 bad openid, …; a subscribe message's error says what its
    /// code means); retried later for `-1`, transport errors and token trouble. A subscribe
    /// message's 43101 after an earlier attempt that may have sent it is `unconfirmed`.
    fn failure(
        &self,
        job: &ClaimedOutbound,
        error: &TokenError,
        send_endpoint: &str,
    ) -> SendOutcome {
        let code = match error {
            TokenError::Wechat(wechat) => wechat.errcode(),
            _ => None,
        };
        let errcode = code.map(ErrCode::value);
        let final_answer = matches!(
            error,
            TokenError::Wechat(WechatError::Api { endpoint, code, .. })
                if *endpoint == send_endpoint && *code != ErrCode::BUSY && !code.is_stale_token()
        );
        let attempts = u32::try_from(job.attempts).unwrap_or(u32::MAX);
        let text = match code.and_then(subscribe_message::meaning) {
            Some(meaning) if send_endpoint == subscribe_message::SEND_ENDPOINT => {
                format!("{meaning}: {error}")
            }
            _ => error.to_string(),
        };
        if final_answer
            && job.maybe_sent
            && send_endpoint == subscribe_message::SEND_ENDPOINT
            && code == Some(subscribe_message::NO_GRANT)
        {
            return SendOutcome::Unconfirmed {
                errcode: subscribe_message::NO_GRANT.value(),
                error: format!(
                    "most likely delivered: an earlier attempt's outcome is unknown (it may have \
                     reached WeChat and used the grant), and this retry was answered: {text}"
                ),
            };
        }
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
            maybe_sent: may_have_reached(error, send_endpoint),
        }
    }
}

/// Whether a failed call may have reached WeChat's send endpoint and been acted on: a
/// transport failure or timeout of the send, `-1`, or an answer that cannot be read. A
/// refused token, or trouble getting one, means the send was never made.
fn may_have_reached(error: &TokenError, send_endpoint: &str) -> bool {
    match error {
        TokenError::Wechat(WechatError::Api { endpoint, code, .. }) => {
            *endpoint == send_endpoint && *code == ErrCode::BUSY
        }
        TokenError::Wechat(
            WechatError::Unavailable { endpoint, .. } | WechatError::BadResponse { endpoint, .. },
        ) => *endpoint == send_endpoint,
        TokenError::Store(_) | TokenError::LeaseTimeout(_) | TokenError::ForceRefreshLimited => {
            false
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
        SendOutcome::Unconfirmed { errcode, error } => {
            tracing::warn!(message_id = id, attempt, errcode, %error, "subscribe message unconfirmed: most likely delivered by an earlier attempt")
        }
    }
}
