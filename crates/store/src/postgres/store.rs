//! The core's store traits for [`PostgresStore`], method by method: the statements shared with
//! SQLite, on the pool, or PostgreSQL's own batched hot paths ([`super::hot_paths`]).

use async_trait::async_trait;
use wxbase_core::messages::{
    ClaimedOutbound, MessageId, NewInbound, NewOutbound, NewRule, ReplyRule, RuleId, SendOutcome,
    StoredMessage,
};
use wxbase_core::{MessageStore, StoreError, Timestamp};
use wxbase_wechat::{AppId, OpenId};

use super::PostgresStore;
use crate::messages::queries as messages;

#[async_trait]
impl MessageStore for PostgresStore {
    /// Batched with concurrent pushes ([`super::inbound`]).
    async fn record_inbound(
        &self,
        inbound: &NewInbound,
        replies: &[NewOutbound],
    ) -> Result<Option<MessageId>, StoreError> {
        self.hot
            .inbound
            .submit((inbound.clone(), replies.to_vec()))
            .await
    }

    async fn queue_outbound(&self, outbound: &NewOutbound) -> Result<StoredMessage, StoreError> {
        messages::queue_outbound(&self.pool, outbound).await
    }

    async fn claim_outbound(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedOutbound>, StoreError> {
        messages::claim_outbound(&self.pool, now, lease_until, limit).await
    }

    async fn renew_outbound_lease(
        &self,
        id: MessageId,
        held_until: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        messages::renew_outbound_lease(&self.pool, id, held_until, until).await
    }

    async fn finish_outbound(
        &self,
        id: MessageId,
        held_until: Timestamp,
        outcome: &SendOutcome,
    ) -> Result<bool, StoreError> {
        messages::finish_outbound(&self.pool, id, held_until, outcome).await
    }

    async fn conversation(
        &self,
        app_id: &AppId,
        openid: &OpenId,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        messages::conversation(&self.pool, app_id, openid, before, limit).await
    }

    async fn count_messages(&self, app_id: &AppId) -> Result<u64, StoreError> {
        messages::count_messages(&self.pool, app_id).await
    }

    async fn list_rules(&self) -> Result<Vec<ReplyRule>, StoreError> {
        messages::list_rules(&self.pool).await
    }

    async fn create_rule(&self, rule: &NewRule, now: Timestamp) -> Result<ReplyRule, StoreError> {
        messages::create_rule(&self.pool, rule, now).await
    }

    async fn update_rule(
        &self,
        id: RuleId,
        rule: &NewRule,
        now: Timestamp,
    ) -> Result<Option<ReplyRule>, StoreError> {
        messages::update_rule(&self.pool, id, rule, now).await
    }

    async fn delete_rule(&self, id: RuleId) -> Result<bool, StoreError> {
        messages::delete_rule(&self.pool, id).await
    }

    async fn sync_named_rules(&self, rules: &[NewRule], now: Timestamp) -> Result<(), StoreError> {
        messages::sync_named_rules(&self.pool, rules, now).await
    }

    async fn seed_rule_if_none(&self, rule: &NewRule, now: Timestamp) -> Result<bool, StoreError> {
        messages::seed_rule_if_none(&self.pool, rule, now).await
    }
}
