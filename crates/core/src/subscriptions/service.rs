//! The subscribe-messages use case: grants recorded from push events and reports, templates
//! fetched and cached, data checked, sends and campaigns queued in the outbox.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use wxbase_wechat::api::subscribe_message::{KeywordValue, SubscribeMessage};
use wxbase_wechat::api::subscribe_template::Template;
use wxbase_wechat::push::{InboundMessage, SubscribeEvent};
use wxbase_wechat::{AppId, OpenId, WechatClient};

use super::keywords::check_data;
use super::model::{
    Answer, Audience, CampaignId, CampaignReport, Grant, GrantChange, GrantSource, NewCampaign,
    SentReceipt,
};
use crate::messages::{MessageService, NewInbound, NewOutbound, OutboundContent, StoredMessage};
use crate::store::{Store, StoreError};
use crate::token::{TokenError, TokenManager};
use crate::ttl_cache::TtlCache;
use crate::Timestamp;

/// How long the template list fetched from WeChat is trusted.
pub const TEMPLATE_CACHE_TTL: Duration = Duration::from_secs(300);

/// Most templates one report may answer (`wx.requestSubscribeMessage` asks for up to 5).
const MAX_REPORTED: usize = 20;
/// Most users a campaign may list.
const MAX_AUDIENCE: usize = 1_000_000;
/// `miniprogram_state` values.
const STATES: [&str; 3] = ["developer", "trial", "formal"];
/// `lang` values.
const LANGS: [&str; 4] = ["zh_CN", "en_US", "zh_HK", "zh_TW"];

/// Why a subscribe-messages call failed.
#[derive(Debug, thiserror::Error)]
pub enum SubscriptionError {
    /// The request is invalid: a field, a data value (the message names the key), a template.
    #[error("{0}")]
    BadRequest(String),
    /// The user holds no grant for the template: nothing was queued, WeChat was not called.
    #[error("{openid} holds no grant for template {template_id}: the user must accept it in wx.requestSubscribeMessage first")]
    NoGrant {
        /// The user.
        openid: OpenId,
        /// The template.
        template_id: String,
    },
    /// No campaign has this id.
    #[error("no campaign with id {0}")]
    CampaignNotFound(i64),
    /// WeChat (the template list) failed.
    #[error(transparent)]
    Upstream(#[from] TokenError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A single send, as the admin API takes it.
#[derive(Debug, Clone)]
pub struct SendRequest {
    /// The user.
    pub openid: OpenId,
    /// What to send.
    pub message: SubscribeMessage,
    /// When to send it (now if absent).
    pub send_at: Option<Timestamp>,
}

/// A campaign, as the admin API takes it.
#[derive(Debug, Clone)]
pub struct CampaignRequest {
    /// What every user gets.
    pub message: SubscribeMessage,
    /// Who.
    pub audience: Audience,
    /// When to send (now if absent).
    pub send_at: Option<Timestamp>,
}

/// Subscribe messages of one app.
pub struct SubscriptionService {
    store: Arc<dyn Store>,
    tokens: Arc<TokenManager>,
    wechat: WechatClient,
    app_id: AppId,
    outbox: Arc<MessageService>,
    templates: TtlCache<Vec<Template>>,
}

impl SubscriptionService {
    /// A service for one app; its messages go out through `outbox`'s worker.
    pub fn new(
        store: Arc<dyn Store>,
        tokens: Arc<TokenManager>,
        wechat: WechatClient,
        app_id: AppId,
        outbox: Arc<MessageService>,
    ) -> Self {
        Self {
            store,
            tokens,
            wechat,
            app_id,
            outbox,
            templates: TtlCache::new(TEMPLATE_CACHE_TTL),
        }
    }

    /// Records a subscribe-message event push (de-duplicated like every push) with the grant
    /// changes or send receipts it carries, in one transaction; whether it was a retry already
    /// recorded.
    pub async fn receive_event(
        &self,
        message: &InboundMessage,
        event: &SubscribeEvent,
        raw: &str,
    ) -> Result<bool, SubscriptionError> {
        let changes = GrantChange::from_event(event);
        let receipts: Vec<SentReceipt> = match event {
            SubscribeEvent::Sent(reports) => reports
                .iter()
                .map(|report| SentReceipt {
                    msg_id: report.msg_id.clone(),
                    template_id: report.template_id.clone(),
                    error_code: report.error_code,
                    error_status: report.error_status.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let inbound = NewInbound::from_push(&self.app_id, message, raw, Timestamp::now());
        let recorded = self
            .store
            .record_subscribe_event(&inbound, &changes, &receipts)
            .await?;
        match recorded {
            Some(id) => {
                tracing::info!(
                    message_id = id.0,
                    event = event.name(),
                    items = changes.len().max(receipts.len()),
                    "subscribe event recorded"
                );
                self.grants_changed(&message.from_user, &changes);
            }
            None => {
                tracing::info!(dedup_key = %inbound.dedup_key, "retried subscribe event: already recorded")
            }
        }
        Ok(recorded.is_none())
    }

    /// Records what `wx.requestSubscribeMessage` answered, as the mini-program reports it
    /// (`{"TEMPLATE_ID": "accept" | "reject" | "ban" | "filter", …}`; `errMsg` is ignored);
    /// the user's grants after it.
    pub async fn report(
        &self,
        openid: &OpenId,
        answers: &BTreeMap<String, String>,
    ) -> Result<Vec<Grant>, SubscriptionError> {
        let changes: Vec<GrantChange> = answers
            .iter()
            .filter(|(template_id, _)| template_id.as_str() != "errMsg")
            .map(|(template_id, answer)| {
                check_template_id(template_id)?;
                Ok(GrantChange {
                    template_id: template_id.clone(),
                    answer: Answer::parse(answer),
                    source: GrantSource::Report,
                })
            })
            .collect::<Result<_, SubscriptionError>>()?;
        if changes.is_empty() || changes.len() > MAX_REPORTED {
            return Err(SubscriptionError::BadRequest(format!(
                "the body answers 1 to {MAX_REPORTED} templates: {{\"TEMPLATE_ID\": \"accept\", …}}"
            )));
        }
        self.store
            .change_grants(&self.app_id, openid, &changes, Timestamp::now())
            .await?;
        self.grants_changed(openid, &changes);
        self.grants(openid).await
    }

    /// Where every grant change ends up once recorded, whatever its source.
    fn grants_changed(&self, openid: &OpenId, changes: &[GrantChange]) {
        for change in changes {
            tracing::info!(%openid, template_id = %change.template_id, answer = change.answer.as_str(), source = ?change.source, "subscription changed");
        }
    }

    /// A user's grants.
    pub async fn grants(&self, openid: &OpenId) -> Result<Vec<Grant>, SubscriptionError> {
        Ok(self.store.grants(&self.app_id, openid).await?)
    }

    /// The app's templates, from the cache when it is fresh.
    pub async fn templates(&self) -> Result<Arc<Vec<Template>>, SubscriptionError> {
        if let Some(templates) = self.templates.fresh() {
            return Ok(templates);
        }
        self.fetch_templates().await
    }

    async fn fetch_templates(&self) -> Result<Arc<Vec<Template>>, SubscriptionError> {
        let templates = self
            .tokens
            .call(|token| async move { self.wechat.subscribe_templates(&token).await })
            .await?;
        Ok(self.templates.keep(templates))
    }

    /// The template with this id; fetched afresh once if the copy does not have it.
    async fn template(&self, template_id: &str) -> Result<Template, SubscriptionError> {
        check_template_id(template_id)?;
        let find = |templates: &[Template]| {
            templates
                .iter()
                .find(|t| t.pri_tmpl_id == template_id)
                .cloned()
        };
        if let Some(found) = find(&self.templates().await?) {
            return Ok(found);
        }
        find(&self.fetch_templates().await?).ok_or_else(|| {
            SubscriptionError::BadRequest(format!(
                "templateId {template_id:?} is not a template of this mini-program"
            ))
        })
    }

    /// Checks a message against its template; the template.
    async fn checked(&self, message: &SubscribeMessage) -> Result<Template, SubscriptionError> {
        if let Some(state) = &message.miniprogram_state {
            if !STATES.contains(&state.as_str()) {
                return Err(SubscriptionError::BadRequest(format!(
                    "miniprogramState must be one of {STATES:?}"
                )));
            }
        }
        if let Some(lang) = &message.lang {
            if !LANGS.contains(&lang.as_str()) {
                return Err(SubscriptionError::BadRequest(format!(
                    "lang must be one of {LANGS:?}"
                )));
            }
        }
        if message.page.as_ref().is_some_and(|p| p.len() > 1024) {
            return Err(SubscriptionError::BadRequest(
                "page is at most 1024 bytes".to_owned(),
            ));
        }
        let template = self.template(&message.template_id).await?;
        check_data(&template.keywords(), &message.data)
            .map_err(|e| SubscriptionError::BadRequest(e.to_string()))?;
        Ok(template)
    }

    /// Checks the data and queues the message, using one of the user's one-time grants (or
    /// their long-term grant) in the same transaction; refused without a grant.
    pub async fn send(&self, request: SendRequest) -> Result<StoredMessage, SubscriptionError> {
        let template = self.checked(&request.message).await?;
        let now = Timestamp::now();
        let outbound = NewOutbound {
            app_id: self.app_id.clone(),
            openid: request.openid.clone(),
            content: OutboundContent::Subscribe(request.message.clone()),
            created_at: now,
        };
        let queued = self
            .store
            .queue_subscribe(
                &outbound,
                &template.pri_tmpl_id,
                template.is_long_term(),
                request.send_at.unwrap_or(now),
            )
            .await?;
        let Some(stored) = queued else {
            return Err(SubscriptionError::NoGrant {
                openid: request.openid,
                template_id: template.pri_tmpl_id,
            });
        };
        self.outbox.wake_outbox();
        Ok(stored)
    }

    /// Checks the data and queues one message per user of the audience holding a grant.
    pub async fn create_campaign(
        &self,
        request: CampaignRequest,
    ) -> Result<CampaignReport, SubscriptionError> {
        if let Audience::Openids(openids) = &request.audience {
            if openids.is_empty() || openids.len() > MAX_AUDIENCE {
                return Err(SubscriptionError::BadRequest(format!(
                    "audience.openids lists 1 to {MAX_AUDIENCE} users"
                )));
            }
        }
        let template = self.checked(&request.message).await?;
        let now = Timestamp::now();
        let campaign = NewCampaign {
            app_id: self.app_id.clone(),
            message: request.message,
            long_term: template.is_long_term(),
            audience: request.audience,
            send_at: request.send_at.unwrap_or(now),
            created_at: now,
        };
        let started = std::time::Instant::now();
        let id = self.store.create_campaign(&campaign).await?;
        let report = self.campaign(id).await?;
        tracing::info!(
            campaign = id.0,
            queued = report.queued,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "campaign queued"
        );
        self.outbox.wake_outbox();
        Ok(report)
    }

    /// A campaign and its counts.
    pub async fn campaign(&self, id: CampaignId) -> Result<CampaignReport, SubscriptionError> {
        self.store
            .campaign(&self.app_id, id)
            .await?
            .ok_or(SubscriptionError::CampaignNotFound(id.0))
    }
}

/// A template id: 1 to 128 letters, digits, `-` and `_`.
fn check_template_id(template_id: &str) -> Result<(), SubscriptionError> {
    let valid = !template_id.is_empty()
        && template_id.len() <= 128
        && template_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if valid {
        Ok(())
    } else {
        Err(SubscriptionError::BadRequest(format!(
            "{template_id:?} is not a template id (1 to 128 letters, digits, - and _)"
        )))
    }
}

/// Values keyed by keyword, accepting `{"thing1": "text"}` as well as WeChat's
/// `{"thing1": {"value": "text"}}`; `None` for anything else.
pub fn keyword_values(data: &serde_json::Value) -> Option<BTreeMap<String, KeywordValue>> {
    data.as_object()?
        .iter()
        .map(|(key, value)| {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Object(object) => object.get("value")?.as_str()?.to_owned(),
                _ => return None,
            };
            Some((key.clone(), KeywordValue { value: text }))
        })
        .collect()
}
