//! Image and audio moderation: a bucket with moderation sends each image or audio upload to
//! WeChat's asynchronous check (`/wxa/media_check_async`) with a signed URL under
//! `server.public_url`, and keeps the file `pending` (seen only by its owner and admins) until
//! the `wxa_media_check` push makes it `passed` or `risky`, an admin decides, or
//! `files.moderation_timeout_seconds` passes and the bucket's `moderationTimeout` decides.
//!
//! Who may see a file in each state is part of the store's permission SQL
//! ([`FileStore`](super::FileStore)); this module holds the states, the calls to WeChat, the
//! verdicts and the periodic upkeep (timeouts and resubmissions).

use std::sync::Arc;
use std::time::Duration;

use wxbase_wechat::api::security::{MediaType, Scene, Suggest};
use wxbase_wechat::push::{InboundMessage, MediaCheckEvent};
use wxbase_wechat::{AppId, WechatClient};

use super::bucket::BucketName;
use super::error::FileError;
use super::service::{FileService, ListedFiles};
use super::store::StoredFile;
use crate::collections::DocumentId;
use crate::messages::NewInbound;
use crate::telemetry::FILES_MODERATED;
use crate::token::TokenManager;
use crate::Timestamp;

/// What happens to a file still pending when `files.moderation_timeout_seconds` has passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimeoutPolicy {
    /// It is passed (shown per the bucket's mode).
    Allow,
    /// It is refused (`risky`: shown to admins only).
    #[default]
    Refuse,
}

impl TimeoutPolicy {
    /// `allow` or `refuse`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Refuse => "refuse",
        }
    }

    /// The policy named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "allow" => Some(Self::Allow),
            "refuse" => Some(Self::Refuse),
            _ => None,
        }
    }
}

/// A bucket's moderation: the scene WeChat checks its files for, and the timeout's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketModeration {
    /// WeChat's scene (1 profile, 2 comment, 3 forum, 4 social log).
    pub scene: Scene,
    /// What a file still pending after the timeout becomes.
    pub on_timeout: TimeoutPolicy,
}

/// Where a moderated file stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModerationStatus {
    /// Not judged yet: its owner and admins see it.
    Pending,
    /// Judged fit: shown per its bucket's mode.
    Passed,
    /// Judged unfit (or refused on timeout): admins only.
    Risky,
}

impl ModerationStatus {
    /// `pending`, `passed` or `risky`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Passed => "passed",
            Self::Risky => "risky",
        }
    }

    /// The status named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(Self::Pending),
            "passed" => Some(Self::Passed),
            "risky" => Some(Self::Risky),
            _ => None,
        }
    }
}

/// Who decided a file's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerdictSource {
    /// WeChat's `wxa_media_check` push.
    Wechat,
    /// The bucket's timeout policy.
    Timeout,
    /// An admin.
    Admin,
}

impl VerdictSource {
    /// `wechat`, `timeout` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Wechat => "wechat",
            Self::Timeout => "timeout",
            Self::Admin => "admin",
        }
    }

    /// The source named `name`.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "wechat" => Some(Self::Wechat),
            "timeout" => Some(Self::Timeout),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }
}

/// A moderated file's state, as stored with its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moderation {
    /// Pending, passed or risky.
    pub status: ModerationStatus,
    /// WeChat's ticket, once the check was accepted.
    pub trace_id: Option<String>,
    /// WeChat's label (100 normal, 20002 porn, …), when WeChat decided.
    pub label: Option<i64>,
    /// Who decided, once decided.
    pub source: Option<VerdictSource>,
    /// When it was decided.
    pub decided_at: Option<Timestamp>,
}

impl Moderation {
    /// A file just uploaded to a moderated bucket.
    pub fn pending() -> Self {
        Self {
            status: ModerationStatus::Pending,
            trace_id: None,
            label: None,
            source: None,
            decided_at: None,
        }
    }
}

/// A verdict to record: passed or risky, by whom, when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// [`ModerationStatus::Passed`] or [`ModerationStatus::Risky`].
    pub status: ModerationStatus,
    /// WeChat's label, when WeChat decided.
    pub label: Option<i64>,
    /// Who decided.
    pub source: VerdictSource,
    /// When.
    pub at: Timestamp,
}

/// What recording a `wxa_media_check` push did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaCheckOutcome {
    /// A retry of a push already recorded: nothing changed.
    Duplicate,
    /// The pending file with its `trace_id` got the verdict.
    Decided(Box<StoredFile>),
    /// Recorded, but no pending file has that `trace_id` (deleted, already decided by an
    /// admin or the timeout, or not wxbase's).
    Unmatched,
}

/// `[files]` settings of moderation.
#[derive(Debug, Clone)]
pub struct ModerationSettings {
    /// The public base URL WeChat downloads files from (`server.public_url`).
    pub public_url: Option<String>,
    /// Whether that URL may be plain http (`files.moderation_allow_http`, on with `--dev`).
    pub allow_http: bool,
    /// How long a file may stay pending (`files.moderation_timeout_seconds`).
    pub timeout: Duration,
}

impl Default for ModerationSettings {
    fn default() -> Self {
        Self {
            public_url: None,
            allow_http: false,
            timeout: Duration::from_secs(3600),
        }
    }
}

/// How wxbase asks WeChat to check media: the app's access_token and client.
pub struct MediaChecker {
    tokens: Arc<TokenManager>,
    wechat: WechatClient,
    app_id: AppId,
}

impl MediaChecker {
    /// A checker calling WeChat for `app_id` with its access_token.
    pub fn new(tokens: Arc<TokenManager>, wechat: WechatClient, app_id: AppId) -> Self {
        Self {
            tokens,
            wechat,
            app_id,
        }
    }
}

/// How long the URL WeChat downloads a file from stays valid: WeChat answers within 30
/// minutes.
const CHECK_URL_TTL: Duration = Duration::from_secs(2 * 3600);
/// A pending file that WeChat never accepted (it could not be reached) is sent again this long
/// after its upload, and after each failed try, until the timeout decides it.
const RESUBMIT_AFTER: Duration = Duration::from_secs(30);
/// Files decided or resubmitted per upkeep round.
const UPKEEP_BATCH: u32 = 100;

impl FileService {
    /// Checks that moderated buckets can work: WeChat needs a public https URL to download
    /// files from.
    pub(super) fn check_moderation_possible(&self) -> Result<(), FileError> {
        let settings = &self.settings().moderation;
        match settings.public_url.as_deref() {
            None => Err(FileError::BadRequest(
                "moderation needs server.public_url (WXBASE_PUBLIC_URL): the https address \
                 WeChat downloads images and audio from to check them"
                    .into(),
            )),
            Some(url) if !url.starts_with("https://") && !settings.allow_http => {
                Err(FileError::BadRequest(format!(
                    "moderation needs server.public_url to be https (WeChat downloads only \
                     public https URLs), not {url}"
                )))
            }
            Some(_) => Ok(()),
        }
    }

    /// Sends a pending file to WeChat and keeps the `trace_id` its verdict will carry. A
    /// failure is logged and the file stays pending: the upkeep sends it again.
    pub(super) async fn submit_for_check(&self, file: &StoredFile, scene: Scene) {
        let Err(reason) = self.try_submit(file, scene).await else {
            return;
        };
        tracing::warn!(id = %file.id, bucket = %file.bucket, %reason,
            "the file could not be sent to WeChat's media check; it stays pending and is sent again");
    }

    async fn try_submit(&self, file: &StoredFile, scene: Scene) -> Result<(), String> {
        let checker = self.checker().ok_or("no media checker is configured")?;
        let owner = file.owner.as_ref().ok_or("the file has no owner")?;
        let media_type = MediaType::of_content_type(&file.content_type)
            .ok_or("WeChat checks only images and audio")?;
        let base = self
            .settings()
            .moderation
            .public_url
            .as_deref()
            .ok_or("server.public_url is not set")?;
        let (path, _) = self.signed_path_for(file, CHECK_URL_TTL);
        let url = format!("{base}{path}");
        let ticket = checker
            .tokens
            .call(|token| {
                let wechat = checker.wechat.clone();
                let url = url.clone();
                async move {
                    wechat
                        .media_check_async(&token, owner, scene, media_type, &url)
                        .await
                }
            })
            .await
            .map_err(|e| e.to_string())?;
        let kept = self
            .store()
            .set_trace_id(&file.id, &ticket.trace_id)
            .await
            .map_err(|e| e.to_string())?;
        if kept {
            tracing::info!(id = %file.id, trace_id = %ticket.trace_id, "file sent to WeChat's media check");
        }
        Ok(())
    }

    /// Records a `wxa_media_check` push (de-duplicated by its `trace_id`, as every push is by
    /// its key) and gives the pending file with that `trace_id` its verdict: `pass` makes it
    /// passed; `risky`, `review` and a download failure (-1008) make it risky, for an admin to
    /// look at.
    pub async fn receive_media_check(
        &self,
        message: &InboundMessage,
        event: &MediaCheckEvent,
        raw: &str,
    ) -> Result<MediaCheckOutcome, FileError> {
        let checker = self.checker().ok_or_else(|| {
            FileError::BadRequest("media checks are not configured on this instance".into())
        })?;
        let now = Timestamp::now();
        let mut inbound = NewInbound::from_push(&checker.app_id, message, raw, now);
        inbound.dedup_key = format!("media:{}", event.trace_id);
        let status = match event.verdict.suggest {
            Suggest::Pass if !event.unfetchable() => ModerationStatus::Passed,
            _ => ModerationStatus::Risky,
        };
        if event.unfetchable() {
            tracing::warn!(trace_id = %event.trace_id,
                "WeChat could not download a file to check it (-1008): check server.public_url");
        }
        let decision = Decision {
            status,
            label: Some(event.verdict.label),
            source: VerdictSource::Wechat,
            at: now,
        };
        let outcome = self
            .store()
            .record_media_check(&inbound, &event.trace_id, &decision)
            .await?;
        match &outcome {
            MediaCheckOutcome::Decided(file) => {
                self.count_verdict(&decision);
                tracing::info!(id = %file.id, trace_id = %event.trace_id,
                    verdict = status.as_str(), "file moderated by WeChat");
            }
            MediaCheckOutcome::Unmatched => tracing::info!(trace_id = %event.trace_id,
                "a media check verdict for no pending file: recorded and ignored"),
            MediaCheckOutcome::Duplicate => tracing::info!(trace_id = %event.trace_id,
                "retried media check verdict: already recorded"),
        }
        Ok(outcome)
    }

    /// An admin's verdict on a moderated file of `bucket`, replacing any earlier one.
    pub async fn override_verdict(
        &self,
        bucket: &str,
        id: &str,
        status: ModerationStatus,
    ) -> Result<StoredFile, FileError> {
        let not_found = || {
            FileError::NotFound(format!(
                "there is no moderated file {id:?} in bucket {bucket:?}"
            ))
        };
        if status == ModerationStatus::Pending {
            return Err(FileError::BadRequest(
                "verdict must be passed or risky".into(),
            ));
        }
        let bucket = BucketName::parse(bucket).map_err(|_| not_found())?;
        let id = DocumentId::parse(id).ok_or_else(not_found)?;
        let decision = Decision {
            status,
            label: None,
            source: VerdictSource::Admin,
            at: Timestamp::now(),
        };
        let file = self
            .store()
            .decide_file(&bucket, &id, &decision, false)
            .await?
            .ok_or_else(not_found)?;
        self.count_verdict(&decision);
        Ok(file)
    }

    fn count_verdict(&self, decision: &Decision) {
        self.metrics().increment(
            FILES_MODERATED,
            &[
                ("verdict", decision.status.as_str()),
                ("source", decision.source.as_str()),
            ],
        );
    }

    /// Files under moderation (`pending` or `risky`; both when `None`), newest first, before
    /// the id `before`.
    pub async fn moderation_queue(
        &self,
        status: Option<ModerationStatus>,
        before: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ListedFiles, FileError> {
        if status == Some(ModerationStatus::Passed) {
            return Err(FileError::BadRequest(
                "status must be pending or risky".into(),
            ));
        }
        let before = before
            .map(|c| DocumentId::parse(c).ok_or_else(|| FileError::BadRequest("bad before".into())))
            .transpose()?;
        let limit = limit.unwrap_or(50).clamp(1, 500);
        let files = self
            .store()
            .moderation_queue(status, before.as_ref(), limit)
            .await?;
        let cursor = (files.len() == limit as usize)
            .then(|| files.last().map(|f| f.id.to_string()))
            .flatten();
        Ok(ListedFiles { files, cursor })
    }

    /// One round of upkeep: files pending past the timeout are decided by their bucket's
    /// policy, and files WeChat never accepted are sent again. Returns how many were decided.
    pub async fn moderation_upkeep(&self) -> Result<u64, FileError> {
        let now = Timestamp::now();
        let timeout = self.settings().moderation.timeout;
        let expired = self
            .store()
            .stale_pending(now.minus(timeout), false, UPKEEP_BATCH)
            .await?;
        let mut decided = 0;
        for (file, moderation) in expired {
            let policy = moderation
                .map(|m| m.on_timeout)
                .unwrap_or(TimeoutPolicy::Allow);
            let decision = Decision {
                status: match policy {
                    TimeoutPolicy::Allow => ModerationStatus::Passed,
                    TimeoutPolicy::Refuse => ModerationStatus::Risky,
                },
                label: None,
                source: VerdictSource::Timeout,
                at: now,
            };
            if self
                .store()
                .decide_file(&file.bucket, &file.id, &decision, true)
                .await?
                .is_some()
            {
                decided += 1;
                self.count_verdict(&decision);
                tracing::info!(id = %file.id, bucket = %file.bucket, verdict = decision.status.as_str(),
                    "file still pending after files.moderation_timeout_seconds: decided by the bucket's policy");
            }
        }
        let resubmit_after = RESUBMIT_AFTER.min(timeout / 2);
        let unsent = self
            .store()
            .stale_pending(now.minus(resubmit_after), true, UPKEEP_BATCH)
            .await?;
        for (file, moderation) in unsent {
            if let Some(moderation) = moderation {
                self.submit_for_check(&file, moderation.scene).await;
            }
        }
        Ok(decided)
    }

    /// Runs [`moderation_upkeep`](Self::moderation_upkeep) four times per timeout (at least
    /// every minute, at most every 100 ms).
    pub async fn run_moderation_upkeep(self) {
        let every = (self.settings().moderation.timeout / 4)
            .clamp(Duration::from_millis(100), Duration::from_secs(60));
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = self.moderation_upkeep().await {
                tracing::warn!(%error, "the moderation upkeep failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in [
            ModerationStatus::Pending,
            ModerationStatus::Passed,
            ModerationStatus::Risky,
        ] {
            assert_eq!(ModerationStatus::parse(status.as_str()), Some(status));
        }
        for policy in [TimeoutPolicy::Allow, TimeoutPolicy::Refuse] {
            assert_eq!(TimeoutPolicy::parse(policy.as_str()), Some(policy));
        }
        for source in [
            VerdictSource::Wechat,
            VerdictSource::Timeout,
            VerdictSource::Admin,
        ] {
            assert_eq!(VerdictSource::parse(source.as_str()), Some(source));
        }
        assert_eq!(TimeoutPolicy::parse("maybe"), None);
    }
}
