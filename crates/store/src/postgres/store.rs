//! The core's store traits for [`PostgresStore`], method by method: the statements shared with
//! SQLite, on the pool, or PostgreSQL's own batched hot paths ([`super::hot_paths`]).

use async_trait::async_trait;
use wxbase_core::codes::CodeStore;
use wxbase_core::collections::{
    Action, Caller, Collection, CollectionChange, CollectionName, CollectionStore, Condition,
    Document, DocumentId, DocumentUpdate, FieldPath, NewDocument, Query, Scope,
};
use wxbase_core::console::{
    AdminAccount, AdminSession, ApiToken, ApiTokenId, ConsoleStore, ConversationSummary,
    DailyCounts, NewAdminSession, NewApiTokenRow, TokenScope, UserSessionSummary, Username,
    WechatErrorCount,
};
use wxbase_core::files::{
    Bucket, BucketModeration, BucketName, Decision, FileStore, MediaCheckOutcome, ModerationStatus,
    StoredFile,
};
use wxbase_core::messages::{
    ClaimedOutbound, MessageId, NewInbound, NewOutbound, NewRule, OutboxRefusal, OutboxStats,
    ReplyRule, RuleId, SendOutcome, StoredMessage,
};
use wxbase_core::official_account::{
    EventOutcome, Follower, FollowerCounts, ListedFollower, NewFollowEvent, SyncDue, SyncProgress,
    SyncRun, SyncStatus,
};
use wxbase_core::subscriptions::{
    CampaignId, CampaignReport, Grant, GrantChange, NewCampaign, SentReceipt,
};
use wxbase_core::webhooks::{
    ClaimedDelivery, Delivery, DeliveryId, DeliveryOutcome, Endpoint, EndpointId, EndpointSpec,
    Event, EventType, RetryRefusal, SigningSecret,
};
use wxbase_core::{
    FollowerStore, ImportedUser, KeyedUser, LoginRecord, MessageStore, NewLogin, PoolUsage, Store,
    StoreError, StoredToken, SubscriptionStore, Timestamp, TokenHash, TokenStore, User, UserId,
    UserUpdate, WebhookStore,
};
use wxbase_wechat::{AppId, OpenId, Secret, UnionId};

use super::PostgresStore;
use crate::codes::queries as codes;
use crate::collections::queries::{self as collections, CollectionIndexes};
use crate::collections::Statistics;
use crate::console::queries as console;
use crate::files::queries as files;
use crate::followers::queries as followers;
use crate::messages::queries as messages;
use crate::subscriptions::queries as subscriptions;
use crate::webhooks::queries as webhooks;
use crate::webhooks::LOGIN_EVENTS;
use crate::{backend, tokens, users};

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        backend::ping(&self.pool).await
    }

    fn pool_usage(&self) -> Vec<PoolUsage> {
        vec![
            backend::pool_usage("main", &self.pool),
            backend::pool_usage("outbox", &self.outbox),
        ]
    }

    /// One statement (batched with concurrent logins): upsert the user (`xmax = 0` marks a
    /// fresh insert) and add the session.
    /// While an endpoint takes `user.created` or `user.login`, one transaction per login with
    /// its events instead.
    async fn record_login(&self, login: &NewLogin) -> Result<LoginRecord, StoreError> {
        if self.interest.any(&LOGIN_EVENTS) {
            return users::record_login_with_events(&self.pool, login).await;
        }
        self.hot.logins.submit(login.clone()).await
    }

    async fn session_user(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        let found = self.hot.sessions.submit((*token, now)).await?;
        Ok(found.map(|signed_in| signed_in.user))
    }

    async fn session_user_with_key(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<KeyedUser>, StoreError> {
        self.hot.sessions.submit((*token, now)).await
    }

    async fn delete_session(&self, token: &TokenHash) -> Result<bool, StoreError> {
        users::delete_session(&self.pool, token).await
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        users::delete_expired_sessions(&self.pool, now).await
    }

    async fn count_users(&self, app_id: &AppId) -> Result<u64, StoreError> {
        users::count_users(&self.pool, app_id).await
    }

    async fn update_user(&self, user: UserId, update: &UserUpdate) -> Result<User, StoreError> {
        users::update_user(&self.pool, user, update).await
    }

    async fn import_users(&self, imported: &[ImportedUser]) -> Result<u64, StoreError> {
        users::import_users(&self.pool, imported).await
    }

    async fn close(&self) {
        self.outbox.close().await;
        self.pool.close().await;
    }
}

#[async_trait]
impl TokenStore for PostgresStore {
    async fn access_token(&self, app_id: &AppId) -> Result<Option<StoredToken>, StoreError> {
        tokens::access_token(&self.pool, app_id).await
    }

    async fn try_acquire_token_lease(
        &self,
        app_id: &AppId,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        tokens::try_acquire_token_lease(&self.pool, app_id, holder, now, until).await
    }

    async fn save_access_token(
        &self,
        app_id: &AppId,
        token: &StoredToken,
    ) -> Result<(), StoreError> {
        tokens::save_access_token(&self.pool, app_id, token).await
    }

    async fn release_token_lease(&self, app_id: &AppId, holder: &str) -> Result<(), StoreError> {
        tokens::release_token_lease(&self.pool, app_id, holder).await
    }

    async fn discard_access_token(
        &self,
        app_id: &AppId,
        failed: &Secret,
    ) -> Result<bool, StoreError> {
        tokens::discard_access_token(&self.pool, app_id, failed).await
    }

    async fn allow_force_refresh(
        &self,
        app_id: &AppId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        tokens::allow_force_refresh(&self.pool, app_id, now).await
    }
}

#[async_trait]
impl MessageStore for PostgresStore {
    /// Batched with concurrent pushes ([`super::inbound`]).
    async fn record_inbound(
        &self,
        inbound: &NewInbound,
        replies: &[NewOutbound],
    ) -> Result<Option<MessageId>, StoreError> {
        if self.interest.any(&[EventType::MessageReceived]) {
            return messages::record_inbound_with_events(&self.pool, inbound, replies).await;
        }
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
        messages::claim_outbound(&self.outbox, now, lease_until, limit).await
    }

    async fn renew_outbound_lease(
        &self,
        id: MessageId,
        held_until: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        messages::renew_outbound_lease(&self.outbox, id, held_until, until).await
    }

    async fn finish_outbound(
        &self,
        id: MessageId,
        held_until: Timestamp,
        outcome: &SendOutcome,
    ) -> Result<bool, StoreError> {
        if let SendOutcome::Failed { errcode, error } = outcome {
            if self.interest.any(&[EventType::MessageReplyFailed]) {
                return messages::fail_outbound_with_events(
                    &self.pool, id, held_until, *errcode, error,
                )
                .await;
            }
        }
        self.hot
            .outcomes
            .submit((id, held_until, outcome.clone()))
            .await
    }

    async fn outbox_stats(
        &self,
        app_id: &AppId,
        now: Timestamp,
    ) -> Result<OutboxStats, StoreError> {
        messages::outbox_stats(&self.pool, app_id, now).await
    }

    async fn failed_outbound(
        &self,
        app_id: &AppId,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        messages::failed_outbound(&self.pool, app_id, before, limit).await
    }

    async fn retry_outbound(
        &self,
        app_id: &AppId,
        id: MessageId,
        now: Timestamp,
    ) -> Result<Result<(), OutboxRefusal>, StoreError> {
        messages::retry_outbound(&self.pool, app_id, id, now).await
    }

    async fn cancel_outbound(
        &self,
        app_id: &AppId,
        id: MessageId,
        now: Timestamp,
    ) -> Result<Result<(), OutboxRefusal>, StoreError> {
        messages::cancel_outbound(&self.pool, app_id, id, now).await
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

#[async_trait]
impl FollowerStore for PostgresStore {
    async fn record_follow_event(
        &self,
        event: &NewFollowEvent,
    ) -> Result<EventOutcome, StoreError> {
        followers::record_follow_event(&self.pool, &self.pool, event).await
    }

    async fn set_follower_unionid(
        &self,
        app_id: &AppId,
        openid: &OpenId,
        unionid: &UnionId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        followers::set_follower_unionid(&self.pool, app_id, openid, unionid, now).await
    }

    async fn follower_by_unionid(
        &self,
        app_id: &AppId,
        unionid: &UnionId,
    ) -> Result<Option<Follower>, StoreError> {
        followers::follower_by_unionid(&self.pool, app_id, unionid).await
    }

    async fn follower(
        &self,
        app_id: &AppId,
        openid: &OpenId,
    ) -> Result<Option<Follower>, StoreError> {
        followers::follower(&self.pool, app_id, openid).await
    }

    async fn count_followers(&self, app_id: &AppId) -> Result<FollowerCounts, StoreError> {
        followers::count_followers(&self.pool, app_id).await
    }

    async fn begin_follower_sync(
        &self,
        app_id: &AppId,
        holder: &str,
        now: Timestamp,
        lease_until: Timestamp,
        due: Option<SyncDue>,
        resume_since: Timestamp,
    ) -> Result<Option<SyncRun>, StoreError> {
        followers::begin_follower_sync(
            &self.pool,
            app_id,
            holder,
            now,
            lease_until,
            due,
            resume_since,
        )
        .await
    }

    async fn record_listed_followers(
        &self,
        run: &SyncRun,
        listed: &[ListedFollower],
        progress: SyncProgress,
        now: Timestamp,
        lease_until: Timestamp,
    ) -> Result<bool, StoreError> {
        followers::record_listed_followers(&self.pool, run, listed, progress, now, lease_until)
            .await
    }

    async fn finish_follower_sync(
        &self,
        run: &SyncRun,
        now: Timestamp,
    ) -> Result<Option<u64>, StoreError> {
        followers::finish_follower_sync(&self.pool, run, now).await
    }

    async fn abandon_follower_sync(&self, run: &SyncRun, error: &str) -> Result<(), StoreError> {
        followers::abandon_follower_sync(&self.pool, run, error).await
    }

    async fn follower_sync_status(
        &self,
        app_id: &AppId,
        now: Timestamp,
    ) -> Result<Option<SyncStatus>, StoreError> {
        followers::follower_sync_status(&self.pool, app_id, now).await
    }
}

#[async_trait]
impl CollectionStore for PostgresStore {
    async fn create_collection(&self, collection: &Collection) -> Result<bool, StoreError> {
        collections::create_collection(self, collection).await
    }

    async fn collection(&self, name: &CollectionName) -> Result<Option<Collection>, StoreError> {
        collections::collection(&self.pool, name).await
    }

    async fn collections(&self) -> Result<Vec<Collection>, StoreError> {
        collections::collections(&self.pool).await
    }

    async fn update_collection(
        &self,
        name: &CollectionName,
        change: &CollectionChange,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        collections::update_collection(&self.pool, name, change, at).await
    }

    async fn create_index(
        &self,
        name: &CollectionName,
        field: &FieldPath,
    ) -> Result<bool, StoreError> {
        self.add_field_index(name, field, Statistics::Refresh).await
    }

    async fn drop_index(
        &self,
        name: &CollectionName,
        field: &FieldPath,
    ) -> Result<bool, StoreError> {
        self.drop_field_index(name, field).await
    }

    async fn delete_collection(&self, name: &CollectionName) -> Result<bool, StoreError> {
        collections::delete_collection(self, name).await
    }

    async fn insert_documents(
        &self,
        collection: &CollectionName,
        documents: &[NewDocument],
    ) -> Result<bool, StoreError> {
        collections::insert_documents(&self.pool, collection, documents).await
    }

    async fn document(
        &self,
        collection: &CollectionName,
        id: &DocumentId,
        scope: &Scope,
    ) -> Result<Option<Document>, StoreError> {
        collections::document(&self.pool, collection, id, scope).await
    }

    async fn update_document(
        &self,
        collection: &CollectionName,
        id: &DocumentId,
        scope: &Scope,
        update: &DocumentUpdate,
    ) -> Result<Option<Document>, StoreError> {
        collections::update_document(&self.pool, collection, id, scope, update).await
    }

    async fn delete_document(
        &self,
        collection: &CollectionName,
        id: &DocumentId,
        scope: &Scope,
    ) -> Result<bool, StoreError> {
        collections::delete_document(&self.pool, collection, id, scope).await
    }

    async fn query_documents(
        &self,
        collection: &CollectionName,
        query: &Query,
        scope: &Scope,
    ) -> Result<Vec<Document>, StoreError> {
        collections::query_documents(&self.pool, collection, query, scope).await
    }

    async fn count_documents(
        &self,
        collection: &CollectionName,
        filter: &Condition,
        scope: &Scope,
    ) -> Result<u64, StoreError> {
        collections::count_documents(&self.pool, collection, filter, scope).await
    }
}

#[async_trait]
impl FileStore for PostgresStore {
    async fn create_bucket(&self, bucket: &Bucket) -> Result<bool, StoreError> {
        files::create_bucket(&self.pool, bucket).await
    }

    async fn bucket(&self, name: &BucketName) -> Result<Option<Bucket>, StoreError> {
        files::bucket(&self.pool, name).await
    }

    async fn buckets(&self) -> Result<Vec<Bucket>, StoreError> {
        files::buckets(&self.pool).await
    }

    async fn update_bucket(&self, bucket: &Bucket) -> Result<bool, StoreError> {
        files::update_bucket(&self.pool, bucket).await
    }

    async fn delete_bucket(
        &self,
        name: &BucketName,
    ) -> Result<Option<Vec<DocumentId>>, StoreError> {
        files::delete_bucket(&self.pool, name).await
    }

    async fn insert_file(&self, file: &StoredFile) -> Result<bool, StoreError> {
        files::insert_file(&self.pool, file).await
    }

    async fn file(
        &self,
        id: &DocumentId,
        caller: &Caller,
        action: Action,
    ) -> Result<Option<StoredFile>, StoreError> {
        files::file(&self.pool, id, caller, action).await
    }

    async fn delete_file(
        &self,
        id: &DocumentId,
        caller: &Caller,
    ) -> Result<Option<StoredFile>, StoreError> {
        files::delete_file(&self.pool, id, caller).await
    }

    async fn list_files(
        &self,
        bucket: &BucketName,
        owner: Option<&OpenId>,
        after: Option<&DocumentId>,
        limit: u32,
    ) -> Result<Vec<StoredFile>, StoreError> {
        files::list_files(&self.pool, bucket, owner, after, limit).await
    }

    async fn existing_files(&self, ids: &[DocumentId]) -> Result<Vec<DocumentId>, StoreError> {
        files::existing_files(&self.pool, ids).await
    }

    async fn signed_file(&self, id: &DocumentId) -> Result<Option<StoredFile>, StoreError> {
        files::signed_file(&self.pool, id).await
    }

    async fn set_trace_id(&self, id: &DocumentId, trace_id: &str) -> Result<bool, StoreError> {
        files::set_trace_id(&self.pool, id, trace_id).await
    }

    async fn record_media_check(
        &self,
        inbound: &NewInbound,
        trace_id: &str,
        decision: &Decision,
    ) -> Result<MediaCheckOutcome, StoreError> {
        files::record_media_check(&self.pool, inbound, trace_id, decision).await
    }

    async fn decide_file(
        &self,
        bucket: &BucketName,
        id: &DocumentId,
        decision: &Decision,
        only_pending: bool,
    ) -> Result<Option<StoredFile>, StoreError> {
        files::decide_file(&self.pool, bucket, id, decision, only_pending).await
    }

    async fn moderation_queue(
        &self,
        status: Option<ModerationStatus>,
        before: Option<&DocumentId>,
        limit: u32,
    ) -> Result<Vec<StoredFile>, StoreError> {
        files::moderation_queue(&self.pool, status, before, limit).await
    }

    async fn stale_pending(
        &self,
        created_before: Timestamp,
        untraced_only: bool,
        limit: u32,
    ) -> Result<Vec<(StoredFile, Option<BucketModeration>)>, StoreError> {
        files::stale_pending(&self.pool, created_before, untraced_only, limit).await
    }
}

#[async_trait]
impl CodeStore for PostgresStore {
    async fn insert_scene(&self, id: &str, scene: &str, at: Timestamp) -> Result<(), StoreError> {
        codes::insert_scene(&self.pool, id, scene, at).await
    }

    async fn scene(&self, id: &str) -> Result<Option<String>, StoreError> {
        codes::scene(&self.pool, id).await
    }

    async fn code_file(&self, params_hash: &str) -> Result<Option<DocumentId>, StoreError> {
        codes::code_file(&self.pool, params_hash).await
    }

    async fn record_code_file(
        &self,
        params_hash: &str,
        file: &DocumentId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        codes::record_code_file(&self.pool, params_hash, file, at).await
    }
}

#[async_trait]
impl ConsoleStore for PostgresStore {
    async fn create_admin(
        &self,
        username: &Username,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        console::create_admin(&self.pool, username, password_hash, at).await
    }

    async fn admin_by_name(&self, username: &Username) -> Result<Option<AdminAccount>, StoreError> {
        console::admin_by_name(&self.pool, username).await
    }

    async fn admins(&self) -> Result<Vec<AdminAccount>, StoreError> {
        console::admins(&self.pool).await
    }

    async fn set_admin_password(
        &self,
        username: &Username,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        console::set_admin_password(&self.pool, username, password_hash, at).await
    }

    async fn delete_admin(&self, username: &Username) -> Result<bool, StoreError> {
        console::delete_admin(&self.pool, username).await
    }

    async fn insert_admin_session(&self, session: &NewAdminSession) -> Result<(), StoreError> {
        console::insert_admin_session(&self.pool, session).await
    }

    async fn admin_session(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<AdminSession>, StoreError> {
        console::admin_session(&self.pool, token, now).await
    }

    async fn delete_admin_session(&self, token: &TokenHash) -> Result<bool, StoreError> {
        console::delete_admin_session(&self.pool, token).await
    }

    async fn purge_console(
        &self,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<u64, StoreError> {
        console::purge_console(&self.pool, now, forget_before).await
    }

    async fn throttles(
        &self,
        keys: &[String],
        since: Timestamp,
    ) -> Result<Vec<(String, u32, Timestamp)>, StoreError> {
        console::throttles(&self.pool, keys, since).await
    }

    async fn record_failure(
        &self,
        key: &str,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<u32, StoreError> {
        console::record_failure(&self.pool, key, now, since).await
    }

    async fn lock(&self, key: &str, until: Timestamp) -> Result<(), StoreError> {
        console::lock(&self.pool, key, until).await
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        console::clear_failures(&self.pool, key).await
    }

    async fn insert_api_token(&self, token: &NewApiTokenRow) -> Result<ApiToken, StoreError> {
        console::insert_api_token(&self.pool, token).await
    }

    async fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        console::api_tokens(&self.pool).await
    }

    async fn api_token_scope(&self, token: &TokenHash) -> Result<Option<TokenScope>, StoreError> {
        console::api_token_scope(&self.pool, token).await
    }

    async fn delete_api_token(&self, id: ApiTokenId) -> Result<bool, StoreError> {
        console::delete_api_token(&self.pool, id).await
    }

    async fn daily_counts(
        &self,
        app_id: &AppId,
        since: Timestamp,
    ) -> Result<DailyCounts, StoreError> {
        console::daily_counts(&self.pool, app_id, since).await
    }

    async fn search_users(
        &self,
        app_id: &AppId,
        needle: &str,
        limit: u32,
    ) -> Result<Vec<User>, StoreError> {
        console::search_users(&self.pool, app_id, needle, limit).await
    }

    async fn user_by_openid(
        &self,
        app_id: &AppId,
        openid: &OpenId,
    ) -> Result<Option<User>, StoreError> {
        console::user_by_openid(&self.pool, app_id, openid).await
    }

    async fn user_sessions(&self, user: UserId) -> Result<Vec<UserSessionSummary>, StoreError> {
        console::user_sessions(&self.pool, user).await
    }

    async fn delete_user_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        console::delete_user_sessions(&self.pool, user).await
    }

    async fn pending_replies(
        &self,
        app_id: &AppId,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        console::pending_replies(&self.pool, app_id, limit).await
    }

    async fn recent_conversations(
        &self,
        app_id: &AppId,
        limit: u32,
    ) -> Result<Vec<ConversationSummary>, StoreError> {
        console::recent_conversations(&self.pool, app_id, limit).await
    }

    async fn record_wechat_errors(
        &self,
        counts: &[WechatErrorCount],
        forget_before: Timestamp,
    ) -> Result<(), StoreError> {
        console::record_wechat_errors(&self.pool, counts, forget_before).await
    }

    async fn wechat_errors(&self, since: Timestamp) -> Result<Vec<WechatErrorCount>, StoreError> {
        console::wechat_errors(&self.pool, since).await
    }
}

#[async_trait]
impl WebhookStore for PostgresStore {
    async fn create_endpoint(
        &self,
        spec: &EndpointSpec,
        secret: &SigningSecret,
        now: Timestamp,
    ) -> Result<Option<Endpoint>, StoreError> {
        let changed = webhooks::create_endpoint(&self.pool, spec, secret, now).await?;
        self.subscribed_event_types().await?;
        Ok(changed)
    }

    async fn endpoints(&self) -> Result<Vec<Endpoint>, StoreError> {
        webhooks::endpoints(&self.pool).await
    }

    async fn endpoint(&self, id: EndpointId) -> Result<Option<Endpoint>, StoreError> {
        webhooks::endpoint(&self.pool, id).await
    }

    async fn update_endpoint(
        &self,
        id: EndpointId,
        spec: &EndpointSpec,
        now: Timestamp,
    ) -> Result<Option<Endpoint>, StoreError> {
        let changed = webhooks::update_endpoint(&self.pool, id, spec, now).await?;
        self.subscribed_event_types().await?;
        Ok(changed)
    }

    async fn disable_endpoint(
        &self,
        id: EndpointId,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = webhooks::disable_endpoint(&self.pool, id, reason, now).await?;
        self.subscribed_event_types().await?;
        Ok(changed)
    }

    async fn delete_endpoint(&self, id: EndpointId) -> Result<bool, StoreError> {
        let changed = webhooks::delete_endpoint(&self.pool, id).await?;
        self.subscribed_event_types().await?;
        Ok(changed)
    }

    async fn rotate_endpoint_secret(
        &self,
        id: EndpointId,
        secret: &SigningSecret,
        previous_until: Timestamp,
        now: Timestamp,
    ) -> Result<Option<Endpoint>, StoreError> {
        webhooks::rotate_endpoint_secret(&self.pool, id, secret, previous_until, now).await
    }

    async fn sync_named_endpoints(
        &self,
        endpoints: &[(EndpointSpec, SigningSecret)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let changed = webhooks::sync_named_endpoints(&self.pool, endpoints, now).await?;
        self.subscribed_event_types().await?;
        Ok(changed)
    }

    async fn subscribed_event_types(&self) -> Result<Vec<EventType>, StoreError> {
        let kinds = webhooks::subscribed_event_types(&self.pool).await?;
        self.interest.set(&kinds);
        Ok(kinds)
    }

    async fn record_events(&self, events: &[Event], now: Timestamp) -> Result<(), StoreError> {
        webhooks::record_events(&self.pool, events, now).await
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        webhooks::claim_deliveries(&self.pool, now, lease_until, limit).await
    }

    async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        held_until: Timestamp,
        outcome: &DeliveryOutcome,
    ) -> Result<bool, StoreError> {
        webhooks::finish_delivery(&self.pool, delivery, held_until, outcome).await
    }

    async fn deliveries(
        &self,
        endpoint: EndpointId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        webhooks::deliveries(&self.pool, endpoint, before, limit).await
    }

    async fn retry_delivery(
        &self,
        endpoint: EndpointId,
        delivery: DeliveryId,
        now: Timestamp,
    ) -> Result<Result<(), RetryRefusal>, StoreError> {
        webhooks::retry_delivery(&self.pool, endpoint, delivery, now).await
    }
}

#[async_trait]
impl SubscriptionStore for PostgresStore {
    async fn record_subscribe_event(
        &self,
        inbound: &NewInbound,
        changes: &[GrantChange],
        receipts: &[SentReceipt],
    ) -> Result<Option<MessageId>, StoreError> {
        // A sent event (one per message sent) changes no grant and makes no webhook event: it
        // is batched with the other sent events in flight.
        if changes.is_empty() {
            return self
                .hot
                .sent_events
                .submit((inbound.clone(), receipts.to_vec()))
                .await;
        }
        subscriptions::record_subscribe_event(&self.pool, inbound, changes, receipts).await
    }

    async fn change_grants(
        &self,
        app_id: &AppId,
        openid: &OpenId,
        changes: &[GrantChange],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        subscriptions::change_grants(&self.pool, app_id, openid, changes, now).await
    }

    async fn grants(&self, app_id: &AppId, openid: &OpenId) -> Result<Vec<Grant>, StoreError> {
        subscriptions::grants(&self.pool, app_id, openid).await
    }

    async fn queue_subscribe(
        &self,
        outbound: &NewOutbound,
        template_id: &str,
        long_term: bool,
        send_at: Timestamp,
    ) -> Result<Option<StoredMessage>, StoreError> {
        subscriptions::queue_subscribe(&self.pool, outbound, template_id, long_term, send_at).await
    }

    async fn create_campaign(&self, campaign: &NewCampaign) -> Result<CampaignId, StoreError> {
        subscriptions::create_campaign(&self.pool, campaign).await
    }

    async fn campaign(
        &self,
        app_id: &AppId,
        id: CampaignId,
    ) -> Result<Option<CampaignReport>, StoreError> {
        subscriptions::campaign(&self.pool, app_id, id).await
    }
}
