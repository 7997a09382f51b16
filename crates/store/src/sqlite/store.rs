//! The core's store traits for [`SqliteStore`], method by method: the statements shared with
//! PostgreSQL, on the writer or the read-only pool, or SQLite's own hot paths ([`super::fast`]).

use async_trait::async_trait;
use wxbase_core::messages::{
    ClaimedOutbound, MessageId, NewInbound, NewOutbound, NewRule, ReplyRule, RuleId, SendOutcome,
    StoredMessage,
};
use wxbase_core::{MessageStore, StoreError, Timestamp};
use wxbase_wechat::{AppId, OpenId};

use super::SqliteStore;
use crate::messages::queries as messages;

#[async_trait]
impl MessageStore for SqliteStore {
    /// On the group-commit writer thread, like logins.
    async fn record_inbound(
        &self,
        inbound: &NewInbound,
        replies: &[NewOutbound],
    ) -> Result<Option<MessageId>, StoreError> {
        self.fast.record_inbound(inbound, replies).await
    }

    async fn queue_outbound(&self, outbound: &NewOutbound) -> Result<StoredMessage, StoreError> {
        messages::queue_outbound(&self.writer, outbound).await
    }

    async fn claim_outbound(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedOutbound>, StoreError> {
        messages::claim_outbound(&self.writer, now, lease_until, limit).await
    }

    async fn renew_outbound_lease(
        &self,
        id: MessageId,
        held_until: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        messages::renew_outbound_lease(&self.writer, id, held_until, until).await
    }

    async fn finish_outbound(
        &self,
        id: MessageId,
        held_until: Timestamp,
        outcome: &SendOutcome,
    ) -> Result<bool, StoreError> {
        messages::finish_outbound(&self.writer, id, held_until, outcome).await
    }

    async fn conversation(
        &self,
        app_id: &AppId,
        openid: &OpenId,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        messages::conversation(&self.writer, app_id, openid, before, limit).await
    }

    async fn count_messages(&self, app_id: &AppId) -> Result<u64, StoreError> {
        messages::count_messages(&self.writer, app_id).await
    }

    async fn list_rules(&self) -> Result<Vec<ReplyRule>, StoreError> {
        messages::list_rules(&self.writer).await
    }

    async fn create_rule(&self, rule: &NewRule, now: Timestamp) -> Result<ReplyRule, StoreError> {
        messages::create_rule(&self.writer, rule, now).await
    }

    async fn update_rule(
        &self,
        id: RuleId,
        rule: &NewRule,
        now: Timestamp,
    ) -> Result<Option<ReplyRule>, StoreError> {
        messages::update_rule(&self.writer, id, rule, now).await
    }

    async fn delete_rule(&self, id: RuleId) -> Result<bool, StoreError> {
        messages::delete_rule(&self.writer, id).await
    }

    async fn sync_named_rules(&self, rules: &[NewRule], now: Timestamp) -> Result<(), StoreError> {
        messages::sync_named_rules(&self.writer, rules, now).await
    }

    async fn seed_rule_if_none(&self, rule: &NewRule, now: Timestamp) -> Result<bool, StoreError> {
        messages::seed_rule_if_none(&self.writer, rule, now).await
    }
}
