//! What the messages feature needs from the database: messages with de-duplication, the
//! outbox, and the auto-reply rules. Shared by every instance on one database.

use async_trait::async_trait;
use wxbase_wechat::{AppId, OpenId};

use super::model::{
    ClaimedOutbound, MessageId, NewInbound, NewOutbound, OutboxRefusal, OutboxStats, SendOutcome,
    StoredMessage,
};
use super::rules::{NewRule, ReplyRule, RuleId};
use crate::{StoreError, Timestamp};

/// Storage for messages, the outbox and rules. Every method is atomic.
#[async_trait]
pub trait MessageStore: Send + Sync + 'static {
    /// Records an inbound message and, in the same transaction, its replies. Returns `None`
    /// (and records nothing) when a message with the same app and dedup key exists: a retried
    /// push, possibly delivered to another instance.
    async fn record_inbound(
        &self,
        inbound: &NewInbound,
        replies: &[NewOutbound],
    ) -> Result<Option<MessageId>, StoreError>;

    /// Queues one outbound message (a manual reply).
    async fn queue_outbound(&self, outbound: &NewOutbound) -> Result<StoredMessage, StoreError>;

    /// Claims up to `limit` pending messages due at `now` whose lease expired, leasing them
    /// until `lease_until` and counting an attempt. Concurrent claimers never get the same one.
    async fn claim_outbound(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedOutbound>, StoreError>;

    /// Extends the lease of a claimed message to `until`, if it is still the lease this claimer
    /// holds (`held_until`) and the message is still pending. `false` means another claimer took
    /// it after the lease ran out: this claimer must not send it.
    async fn renew_outbound_lease(
        &self,
        id: MessageId,
        held_until: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError>;

    /// Records the outcome of a claimed message's attempt and releases its lease, if the
    /// claimer still holds it (`held_until`, as claimed or last renewed). `false` means another
    /// claimer took the message after the lease ran out: nothing was recorded, and that
    /// claimer's outcome stands (a stale failure never overwrites another worker's `sent`).
    async fn finish_outbound(
        &self,
        id: MessageId,
        held_until: Timestamp,
        outcome: &SendOutcome,
    ) -> Result<bool, StoreError>;

    /// What the outbox of `app_id` holds at `now`.
    async fn outbox_stats(&self, app_id: &AppId, now: Timestamp)
        -> Result<OutboxStats, StoreError>;

    /// Failed replies of `app_id`, newest first, older than `before` if given.
    async fn failed_outbound(
        &self,
        app_id: &AppId,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// Puts a failed reply back in the outbox with fresh attempts, or makes a pending reply
    /// that waits for a retry due at `now`. Refused for a reply sent, cancelled, unconfirmed or in
    /// flight.
    async fn retry_outbound(
        &self,
        app_id: &AppId,
        id: MessageId,
        now: Timestamp,
    ) -> Result<Result<(), OutboxRefusal>, StoreError>;

    /// Cancels a pending reply not in flight, or a failed one: it is never sent. Refused for a
    /// reply sent, cancelled already, unconfirmed or in flight.
    async fn cancel_outbound(
        &self,
        app_id: &AppId,
        id: MessageId,
        now: Timestamp,
    ) -> Result<Result<(), OutboxRefusal>, StoreError>;

    /// One user's messages, both ways, newest first, older than `before` if given.
    async fn conversation(
        &self,
        app_id: &AppId,
        openid: &OpenId,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError>;

    /// How many messages an app has, both ways.
    async fn count_messages(&self, app_id: &AppId) -> Result<u64, StoreError>;

    /// Every rule.
    async fn list_rules(&self) -> Result<Vec<ReplyRule>, StoreError>;

    /// Creates a rule.
    async fn create_rule(&self, rule: &NewRule, now: Timestamp) -> Result<ReplyRule, StoreError>;

    /// Replaces a rule; `None` if it does not exist.
    async fn update_rule(
        &self,
        id: RuleId,
        rule: &NewRule,
        now: Timestamp,
    ) -> Result<Option<ReplyRule>, StoreError>;

    /// Deletes a rule; whether it existed.
    async fn delete_rule(&self, id: RuleId) -> Result<bool, StoreError>;

    /// Creates each named rule, or updates the rule of that name to match it.
    async fn sync_named_rules(&self, rules: &[NewRule], now: Timestamp) -> Result<(), StoreError>;

    /// Creates `rule` only if there is no rule at all; whether it did.
    async fn seed_rule_if_none(&self, rule: &NewRule, now: Timestamp) -> Result<bool, StoreError>;
}
