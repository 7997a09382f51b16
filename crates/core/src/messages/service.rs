//! The messages use case: an accepted push is recorded with the replies its rule decides, in
//! one transaction, before WeChat gets its answer; manual replies join the same outbox; the
//! conversation and the rules are read and managed here.

use std::sync::Arc;
use std::time::Duration;

use wxbase_wechat::api::custom_message::CustomMessage;
use wxbase_wechat::push::InboundMessage;
use wxbase_wechat::{AppId, OpenId, WechatClient};

use super::model::{
    MessageId, NewInbound, NewOutbound, OutboundContent, OutboxRefusal, OutboxStats, StoredMessage,
};
use super::rules::{pick, NewRule, ReplyAction, ReplyRule, RuleError, RuleId};
use super::rules_cache::RulesCache;
use crate::store::{Store, StoreError};
use crate::telemetry::Metrics;
use crate::token::TokenManager;
use crate::Timestamp;

/// How long the rules read for matching pushes are trusted: a rule changed on another
/// instance takes effect here within this time.
pub const RULES_CACHE_TTL: Duration = Duration::from_secs(1);

/// Most messages one conversation page holds.
pub const MAX_PAGE: u32 = 200;

/// How the outbox behaves.
#[derive(Debug, Clone)]
pub struct MessageSettings {
    /// Attempts per outbound message before it is marked failed (-1 and network errors only;
    /// other errcodes are final at once).
    pub send_attempts: u32,
    /// Delay before the second attempt; each next one doubles it.
    pub retry_backoff: Duration,
    /// How long one worker holds a claimed message before another may take it over. Longer
    /// than one attempt can take (token refresh included).
    pub lease: Duration,
    /// How often an idle worker looks for due messages (it is also woken by new ones).
    pub poll: Duration,
    /// Most messages claimed per round.
    pub batch: u32,
    /// Most replies being sent at once by this instance (each to a different user). A send
    /// mostly waits (on WeChat, then on the database's commit of its outcome), so this is sized
    /// for latency, not for cores: on a 2-core machine 32 drained 2,800 replies/s on
    /// PostgreSQL and 128 drained 8,400 (docs/benchmarks.md).
    pub send_concurrency: u32,
    /// Whether to show "typing" before each reply.
    pub typing: bool,
}

impl Default for MessageSettings {
    fn default() -> Self {
        Self {
            send_attempts: 5,
            retry_backoff: Duration::from_secs(1),
            lease: Duration::from_secs(120),
            poll: Duration::from_secs(1),
            batch: 64,
            send_concurrency: 128,
            typing: false,
        }
    }
}

/// Why a messages call failed.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// The request is invalid (a bad rule, page size, …).
    #[error("{0}")]
    BadRequest(String),
    /// No such rule.
    #[error("no rule with id {0}")]
    RuleNotFound(i64),
    /// No outbound message of this app has the id.
    #[error("no reply with id {0}")]
    ReplyNotFound(i64),
    /// The reply is in a state that refuses the change (sent, cancelled, being sent).
    #[error("{0}")]
    ReplyConflict(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<RuleError> for MessageError {
    fn from(error: RuleError) -> Self {
        Self::BadRequest(error.0)
    }
}

/// How to answer WeChat's push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Acknowledgement {
    /// Answer with the passive `transfer_customer_service` reply instead of `success`.
    pub transfer: bool,
    /// The push was a retry of one already recorded: nothing new was done.
    pub duplicate: bool,
}

/// Customer-service messages of one app.
pub struct MessageService {
    pub(super) store: Arc<dyn Store>,
    pub(super) tokens: Arc<TokenManager>,
    pub(super) wechat: WechatClient,
    pub(super) app_id: AppId,
    pub(super) settings: MessageSettings,
    pub(super) wake: tokio::sync::Notify,
    pub(super) metrics: Metrics,
    rules_cache: RulesCache,
}

impl MessageService {
    /// A service for one app, sending through `tokens` and `wechat`.
    pub fn new(
        store: Arc<dyn Store>,
        tokens: Arc<TokenManager>,
        wechat: WechatClient,
        app_id: AppId,
        settings: MessageSettings,
    ) -> Self {
        Self {
            store,
            tokens,
            wechat,
            app_id,
            settings,
            wake: tokio::sync::Notify::new(),
            metrics: Metrics::disabled(),
            rules_cache: RulesCache::new(RULES_CACHE_TTL),
        }
    }

    /// The same service, counting its sends in `metrics`.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    /// The app's id.
    pub fn app_id(&self) -> &AppId {
        &self.app_id
    }

    /// Wakes the outbox worker: a message was queued outside this service.
    pub fn wake_outbox(&self) {
        self.wake.notify_one();
    }

    /// Records an accepted push and the reply its rule decides, then wakes the outbox worker.
    /// A retried push is recognised by its dedup key and changes nothing; it gets the same
    /// answer as the first delivery.
    pub async fn receive(
        &self,
        message: &InboundMessage,
        raw: &str,
    ) -> Result<Acknowledgement, MessageError> {
        let rules = self.rules_for_matching().await?;
        let action = pick(&rules, message).map(|rule| rule.rule.reply.clone());
        let now = Timestamp::now();
        let reply = action.as_ref().map(|action| NewOutbound {
            app_id: self.app_id.clone(),
            openid: message.from_user.clone(),
            content: match action.custom_message() {
                Some(custom) => OutboundContent::Custom(custom),
                None => OutboundContent::Transfer,
            },
            created_at: now,
        });
        let inbound = NewInbound::from_push(&self.app_id, message, raw, now);
        let replies: Vec<NewOutbound> = reply.into_iter().collect();
        let recorded = self.store.record_inbound(&inbound, &replies).await?;
        let transfer = action == Some(ReplyAction::TransferCustomerService);
        match recorded {
            Some(id) => {
                tracing::info!(message_id = id.0, msg_type = %inbound.msg_type, replies = replies.len(), "push recorded");
                if replies
                    .iter()
                    .any(|r| matches!(r.content, OutboundContent::Custom(_)))
                {
                    self.wake.notify_one();
                }
            }
            None => {
                tracing::info!(dedup_key = %inbound.dedup_key, "retried push: already recorded, acknowledged again")
            }
        }
        Ok(Acknowledgement {
            transfer,
            duplicate: recorded.is_none(),
        })
    }

    /// Queues a manual reply to `openid` in the outbox.
    pub async fn send_manual(
        &self,
        openid: OpenId,
        message: CustomMessage,
    ) -> Result<StoredMessage, MessageError> {
        let outbound = NewOutbound {
            app_id: self.app_id.clone(),
            openid,
            content: OutboundContent::Custom(message),
            created_at: Timestamp::now(),
        };
        let stored = self.store.queue_outbound(&outbound).await?;
        self.wake.notify_one();
        Ok(stored)
    }

    /// What the outbox holds now.
    pub async fn outbox_stats(&self) -> Result<OutboxStats, MessageError> {
        Ok(self
            .store
            .outbox_stats(&self.app_id, Timestamp::now())
            .await?)
    }

    /// A page of failed replies, newest first.
    pub async fn failed_replies(
        &self,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, MessageError> {
        check_limit(limit)?;
        Ok(self
            .store
            .failed_outbound(&self.app_id, before, limit)
            .await?)
    }

    /// Puts a failed reply back in the outbox with fresh attempts, or makes a reply waiting
    /// for its retry due now.
    pub async fn retry_reply(&self, id: MessageId) -> Result<(), MessageError> {
        let done = self
            .store
            .retry_outbound(&self.app_id, id, Timestamp::now())
            .await?;
        refused(id, "retried", done)?;
        self.wake.notify_one();
        Ok(())
    }

    /// Cancels a pending reply that is not being sent, or a failed one.
    pub async fn cancel_reply(&self, id: MessageId) -> Result<(), MessageError> {
        let done = self
            .store
            .cancel_outbound(&self.app_id, id, Timestamp::now())
            .await?;
        refused(id, "cancelled", done)
    }

    /// A page of one user's conversation, newest first.
    pub async fn conversation(
        &self,
        openid: &OpenId,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, MessageError> {
        check_limit(limit)?;
        Ok(self
            .store
            .conversation(&self.app_id, openid, before, limit)
            .await?)
    }

    /// The rules, from the cache when it is fresh.
    async fn rules_for_matching(&self) -> Result<Arc<Vec<ReplyRule>>, MessageError> {
        if let Some(rules) = self.rules_cache.fresh() {
            return Ok(rules);
        }
        Ok(self.rules_cache.keep(self.store.list_rules().await?))
    }

    /// Every rule, in the order they are tried.
    pub async fn rules(&self) -> Result<Vec<ReplyRule>, MessageError> {
        let mut rules = self.store.list_rules().await?;
        rules.sort_by_key(|r| (std::cmp::Reverse(r.rule.priority), r.id));
        Ok(rules)
    }

    /// Validates and creates a rule.
    pub async fn create_rule(&self, rule: NewRule) -> Result<ReplyRule, MessageError> {
        rule.validate()?;
        self.check_name_free(&rule, None).await?;
        let created = self.store.create_rule(&rule, Timestamp::now()).await?;
        self.rules_cache.clear();
        Ok(created)
    }

    /// Validates and replaces a rule.
    pub async fn update_rule(&self, id: RuleId, rule: NewRule) -> Result<ReplyRule, MessageError> {
        rule.validate()?;
        self.check_name_free(&rule, Some(id)).await?;
        let updated = self.store.update_rule(id, &rule, Timestamp::now()).await?;
        self.rules_cache.clear();
        updated.ok_or(MessageError::RuleNotFound(id.0))
    }

    /// Deletes a rule.
    pub async fn delete_rule(&self, id: RuleId) -> Result<(), MessageError> {
        let deleted = self.store.delete_rule(id).await?;
        self.rules_cache.clear();
        if deleted {
            Ok(())
        } else {
            Err(MessageError::RuleNotFound(id.0))
        }
    }

    async fn check_name_free(
        &self,
        rule: &NewRule,
        own: Option<RuleId>,
    ) -> Result<(), MessageError> {
        let Some(name) = &rule.name else {
            return Ok(());
        };
        let taken = self
            .store
            .list_rules()
            .await?
            .iter()
            .any(|r| r.rule.name.as_ref() == Some(name) && Some(r.id) != own);
        if taken {
            return Err(MessageError::BadRequest(format!(
                "a rule named {name:?} already exists"
            )));
        }
        Ok(())
    }

    /// Brings the rules from the config file into the database (by name: created if missing,
    /// updated if changed; other rules are left alone), and seeds `example` into an empty table.
    pub async fn seed_rules(
        &self,
        configured: &[NewRule],
        example: Option<&NewRule>,
    ) -> Result<(), MessageError> {
        let now = Timestamp::now();
        self.store.sync_named_rules(configured, now).await?;
        self.rules_cache.clear();
        if let Some(example) = example {
            if self.store.seed_rule_if_none(example, now).await? {
                self.rules_cache.clear();
                tracing::info!("seeded the example auto-reply rule (text `hello`)");
            }
        }
        Ok(())
    }
}

fn check_limit(limit: u32) -> Result<(), MessageError> {
    if limit == 0 || limit > MAX_PAGE {
        return Err(MessageError::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    Ok(())
}

/// The error for a retry or cancel the store refused.
fn refused(
    id: MessageId,
    action: &str,
    done: Result<(), OutboxRefusal>,
) -> Result<(), MessageError> {
    let why = match done {
        Ok(()) => return Ok(()),
        Err(OutboxRefusal::NotFound) => return Err(MessageError::ReplyNotFound(id.0)),
        Err(OutboxRefusal::Sent) => "it was sent already",
        Err(OutboxRefusal::Cancelled) => "it was cancelled",
        Err(OutboxRefusal::Unconfirmed) => {
            "it is unconfirmed: an earlier attempt most likely delivered it and used the grant"
        }
        Err(OutboxRefusal::InFlight) => "it is being sent right now; try again in a moment",
    };
    Err(MessageError::ReplyConflict(format!(
        "reply {} cannot be {action}: {why}",
        id.0
    )))
}
