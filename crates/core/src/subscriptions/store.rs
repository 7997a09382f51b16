//! What subscribe messages need from the database: grants, the queueing that uses them, and
//! campaigns. Every method is atomic.

use async_trait::async_trait;
use wxbase_wechat::{AppId, OpenId};

use super::model::{CampaignId, CampaignReport, Grant, GrantChange, NewCampaign, SentReceipt};
use crate::messages::{MessageId, NewInbound, NewOutbound, StoredMessage};
use crate::{StoreError, Timestamp};

/// Storage for grants and campaigns, sharing the messages table and the outbox.
#[async_trait]
pub trait SubscriptionStore: Send + Sync + 'static {
    /// Records a subscribe-message event push, and in the same transaction applies its grant
    /// changes and keeps its send receipts. `None` (nothing changed) when the push's dedup key
    /// is known: a retried push changes the grants once.
    async fn record_subscribe_event(
        &self,
        inbound: &NewInbound,
        changes: &[GrantChange],
        receipts: &[SentReceipt],
    ) -> Result<Option<MessageId>, StoreError>;

    /// Applies grant changes the mini-program reported for a user.
    async fn change_grants(
        &self,
        app_id: &AppId,
        openid: &OpenId,
        changes: &[GrantChange],
        now: Timestamp,
    ) -> Result<(), StoreError>;

    /// A user's grants, by template id.
    async fn grants(&self, app_id: &AppId, openid: &OpenId) -> Result<Vec<Grant>, StoreError>;

    /// Queues a subscribe message (its content says the template) due at `send_at`, if the
    /// user holds a grant: a long-term one on (`long_term`), else a one-time one, which is used.
    /// `None`, and nothing queued or used, without a grant.
    async fn queue_subscribe(
        &self,
        outbound: &NewOutbound,
        template_id: &str,
        long_term: bool,
        send_at: Timestamp,
    ) -> Result<Option<StoredMessage>, StoreError>;

    /// Creates a campaign and queues one message per user of its audience holding a grant,
    /// using one-time grants, in one transaction of a few set-based statements.
    async fn create_campaign(&self, campaign: &NewCampaign) -> Result<CampaignId, StoreError>;

    /// A campaign of `app_id` and its messages' counts by outcome.
    async fn campaign(
        &self,
        app_id: &AppId,
        id: CampaignId,
    ) -> Result<Option<CampaignReport>, StoreError>;
}
