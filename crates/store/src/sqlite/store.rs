//! The core's store traits for [`SqliteStore`], method by method: the statements shared with
//! PostgreSQL, on the writer or the read-only pool, or SQLite's own hot paths ([`super::fast`]);
//! and how it adds and drops one collection index.

use async_trait::async_trait;
use sqlx::{Sqlite, SqlitePool};
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

use super::SqliteStore;
use crate::codes::queries as codes;
use crate::collections::queries::{self as collections, CollectionIndexes};
use crate::collections::{catalog, statements, Statistics};
use crate::console::queries as console;
use crate::errors::SqlxResultExt;
use crate::files::queries as files;
use crate::followers::queries as followers;
use crate::messages::queries as messages;
use crate::sql::{Dialect, Statement};
use crate::subscriptions::queries as subscriptions;
use crate::webhooks::queries as webhooks;
use crate::webhooks::LOGIN_EVENTS;
use crate::{backend, tokens, users};

#[async_trait]
impl Store for SqliteStore {
    async fn ping(&self) -> Result<(), StoreError> {
        backend::ping(&self.readers).await
    }

    /// `VACUUM INTO` on a reader: one read transaction's snapshot, so writers go on.
    async fn backup_into(&self, path: &std::path::Path) -> Result<bool, StoreError> {
        let target = path.to_str().ok_or_else(|| {
            StoreError::Backend(format!("backup path {} is not UTF-8", path.display()).into())
        })?;
        Statement::new("VACUUM INTO ?1")
            .bind(target)
            .execute(&self.readers)
            .await?;
        Ok(true)
    }

    fn pool_usage(&self) -> Vec<PoolUsage> {
        vec![
            backend::pool_usage("writer", &self.writer),
            backend::pool_usage("readers", &self.readers),
        ]
    }

    /// On the writer thread; while an endpoint takes `user.created` or `user.login`, in a
    /// transaction with the events on the writer pool instead.
    async fn record_login(&self, login: &NewLogin) -> Result<LoginRecord, StoreError> {
        if self.interest.any(&LOGIN_EVENTS) {
            return users::record_login_with_events(&self.writer, login).await;
        }
        self.fast.record_login(login).await
    }

    async fn session_user(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<User>, StoreError> {
        self.fast.session_user(token, now)
    }

    async fn session_user_with_key(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<KeyedUser>, StoreError> {
        self.fast.session_user_with_key(token, now)
    }

    async fn delete_session(&self, token: &TokenHash) -> Result<bool, StoreError> {
        users::delete_session(&self.writer, token).await
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> Result<u64, StoreError> {
        users::delete_expired_sessions(&self.writer, now).await
    }

    async fn count_users(&self, app_id: &AppId) -> Result<u64, StoreError> {
        users::count_users(&self.readers, app_id).await
    }

    async fn update_user(&self, user: UserId, update: &UserUpdate) -> Result<User, StoreError> {
        users::update_user(&self.writer, user, update).await
    }

    async fn import_users(&self, imported: &[ImportedUser]) -> Result<u64, StoreError> {
        users::import_users(&self.writer, imported).await
    }

    async fn close(&self) {
        self.fast.close();
        self.readers.close().await;
        self.writer.close().await;
    }
}

#[async_trait]
impl TokenStore for SqliteStore {
    async fn access_token(&self, app_id: &AppId) -> Result<Option<StoredToken>, StoreError> {
        tokens::access_token(&self.writer, app_id).await
    }

    async fn try_acquire_token_lease(
        &self,
        app_id: &AppId,
        holder: &str,
        now: Timestamp,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        tokens::try_acquire_token_lease(&self.writer, app_id, holder, now, until).await
    }

    async fn save_access_token(
        &self,
        app_id: &AppId,
        token: &StoredToken,
    ) -> Result<(), StoreError> {
        tokens::save_access_token(&self.writer, app_id, token).await
    }

    async fn release_token_lease(&self, app_id: &AppId, holder: &str) -> Result<(), StoreError> {
        tokens::release_token_lease(&self.writer, app_id, holder).await
    }

    async fn discard_access_token(
        &self,
        app_id: &AppId,
        failed: &Secret,
    ) -> Result<bool, StoreError> {
        tokens::discard_access_token(&self.writer, app_id, failed).await
    }

    async fn allow_force_refresh(
        &self,
        app_id: &AppId,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        tokens::allow_force_refresh(&self.writer, app_id, now).await
    }
}

#[async_trait]
impl MessageStore for SqliteStore {
    /// On the group-commit writer thread, like logins.
    async fn record_inbound(
        &self,
        inbound: &NewInbound,
        replies: &[NewOutbound],
    ) -> Result<Option<MessageId>, StoreError> {
        if self.interest.any(&[EventType::MessageReceived]) {
            return messages::record_inbound_with_events(&self.writer, inbound, replies).await;
        }
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
        self.fast.claim_outbound(now, lease_until, limit).await
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
        if let SendOutcome::Failed { errcode, error } = outcome {
            if self.interest.any(&[EventType::MessageReplyFailed]) {
                return messages::fail_outbound_with_events(
                    &self.writer,
                    id,
                    held_until,
                    *errcode,
                    error,
                )
                .await;
            }
        }
        self.fast.finish_outbound(id, held_until, outcome).await
    }

    async fn outbox_stats(
        &self,
        app_id: &AppId,
        now: Timestamp,
    ) -> Result<OutboxStats, StoreError> {
        messages::outbox_stats(&self.writer, app_id, now).await
    }

    async fn failed_outbound(
        &self,
        app_id: &AppId,
        before: Option<MessageId>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        messages::failed_outbound(&self.writer, app_id, before, limit).await
    }

    async fn retry_outbound(
        &self,
        app_id: &AppId,
        id: MessageId,
        now: Timestamp,
    ) -> Result<Result<(), OutboxRefusal>, StoreError> {
        messages::retry_outbound(&self.writer, app_id, id, now).await
    }

    async fn cancel_outbound(
        &self,
        app_id: &AppId,
        id: MessageId,
        now: Timestamp,
    ) -> Result<Result<(), OutboxRefusal>, StoreError> {
        messages::cancel_outbound(&self.writer, app_id, id, now).await
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

#[async_trait]
impl FollowerStore for SqliteStore {
    async fn record_follow_event(
        &self,
        event: &NewFollowEvent,
    ) -> Result<EventOutcome, StoreError> {
        followers::record_follow_event(&self.writer, &self.readers, event).await
    }

    async fn set_follower_unionid(
        &self,
        app_id: &AppId,
        openid: &OpenId,
        unionid: &UnionId,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        followers::set_follower_unionid(&self.writer, app_id, openid, unionid, now).await
    }

    async fn follower_by_unionid(
        &self,
        app_id: &AppId,
        unionid: &UnionId,
    ) -> Result<Option<Follower>, StoreError> {
        followers::follower_by_unionid(&self.readers, app_id, unionid).await
    }

    async fn follower(
        &self,
        app_id: &AppId,
        openid: &OpenId,
    ) -> Result<Option<Follower>, StoreError> {
        followers::follower(&self.readers, app_id, openid).await
    }

    async fn count_followers(&self, app_id: &AppId) -> Result<FollowerCounts, StoreError> {
        followers::count_followers(&self.readers, app_id).await
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
            &self.writer,
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
        followers::record_listed_followers(&self.writer, run, listed, progress, now, lease_until)
            .await
    }

    async fn finish_follower_sync(
        &self,
        run: &SyncRun,
        now: Timestamp,
    ) -> Result<Option<u64>, StoreError> {
        followers::finish_follower_sync(&self.writer, run, now).await
    }

    async fn abandon_follower_sync(&self, run: &SyncRun, error: &str) -> Result<(), StoreError> {
        followers::abandon_follower_sync(&self.writer, run, error).await
    }

    async fn follower_sync_status(
        &self,
        app_id: &AppId,
        now: Timestamp,
    ) -> Result<Option<SyncStatus>, StoreError> {
        followers::follower_sync_status(&self.readers, app_id, now).await
    }
}

#[async_trait]
impl CollectionStore for SqliteStore {
    async fn create_collection(&self, collection: &Collection) -> Result<bool, StoreError> {
        collections::create_collection(self, collection).await
    }

    async fn collection(&self, name: &CollectionName) -> Result<Option<Collection>, StoreError> {
        collections::collection(&self.readers, name).await
    }

    async fn collections(&self) -> Result<Vec<Collection>, StoreError> {
        collections::collections(&self.readers).await
    }

    async fn update_collection(
        &self,
        name: &CollectionName,
        change: &CollectionChange,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        collections::update_collection(&self.writer, name, change, at).await
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
        collections::insert_documents(&self.writer, collection, documents).await
    }

    async fn document(
        &self,
        collection: &CollectionName,
        id: &DocumentId,
        scope: &Scope,
    ) -> Result<Option<Document>, StoreError> {
        collections::document(&self.readers, collection, id, scope).await
    }

    async fn update_document(
        &self,
        collection: &CollectionName,
        id: &DocumentId,
        scope: &Scope,
        update: &DocumentUpdate,
    ) -> Result<Option<Document>, StoreError> {
        collections::update_document(&self.writer, collection, id, scope, update).await
    }

    async fn delete_document(
        &self,
        collection: &CollectionName,
        id: &DocumentId,
        scope: &Scope,
    ) -> Result<bool, StoreError> {
        collections::delete_document(&self.writer, collection, id, scope).await
    }

    async fn query_documents(
        &self,
        collection: &CollectionName,
        query: &Query,
        scope: &Scope,
    ) -> Result<Vec<Document>, StoreError> {
        collections::query_documents(&self.readers, collection, query, scope).await
    }

    async fn count_documents(
        &self,
        collection: &CollectionName,
        filter: &Condition,
        scope: &Scope,
    ) -> Result<u64, StoreError> {
        collections::count_documents(&self.readers, collection, filter, scope).await
    }
}

/// One index at a time, in a transaction on the one writer connection (SQLite has one writer
/// anyway).
impl CollectionIndexes for SqliteStore {
    type DB = Sqlite;

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    /// Records the index and builds it in one transaction, then refreshes the planner's
    /// statistics if asked.
    async fn add_field_index(
        &self,
        name: &CollectionName,
        field: &FieldPath,
        statistics: Statistics,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await.or_store_error()?;
        let recorded = Statement::new(catalog::INSERT_INDEX)
            .bind(name.as_str())
            .bind(field.as_str())
            .bind(Timestamp::now().as_millis())
            .execute(&mut tx)
            .await?;
        if recorded == 0 {
            return Ok(false);
        }
        collections::run_ddl(&mut tx, vec![statements::create_index(name, field)]).await?;
        tx.commit().await.or_store_error()?;
        if statistics == Statistics::Refresh {
            Statement::new(statements::ANALYZE)
                .unprepared()
                .execute(&self.writer)
                .await?;
        }
        Ok(true)
    }

    /// Forgets the index and drops it in one transaction.
    async fn drop_field_index(
        &self,
        name: &CollectionName,
        field: &FieldPath,
    ) -> Result<bool, StoreError> {
        let mut tx = self.writer.begin().await.or_store_error()?;
        let forgotten = Statement::new(catalog::DELETE_INDEX)
            .bind(name.as_str())
            .bind(field.as_str())
            .execute(&mut tx)
            .await?;
        if forgotten == 0 {
            return Ok(false);
        }
        let ddl = statements::drop_index(Dialect::Sqlite, name, field);
        collections::run_ddl(&mut tx, ddl).await?;
        tx.commit().await.or_store_error()?;
        Ok(true)
    }
}

#[async_trait]
impl FileStore for SqliteStore {
    async fn create_bucket(&self, bucket: &Bucket) -> Result<bool, StoreError> {
        files::create_bucket(&self.writer, bucket).await
    }

    async fn bucket(&self, name: &BucketName) -> Result<Option<Bucket>, StoreError> {
        files::bucket(&self.readers, name).await
    }

    async fn buckets(&self) -> Result<Vec<Bucket>, StoreError> {
        files::buckets(&self.readers).await
    }

    async fn update_bucket(&self, bucket: &Bucket) -> Result<bool, StoreError> {
        files::update_bucket(&self.writer, bucket).await
    }

    async fn delete_bucket(
        &self,
        name: &BucketName,
    ) -> Result<Option<Vec<DocumentId>>, StoreError> {
        files::delete_bucket(&self.writer, name).await
    }

    async fn insert_file(&self, file: &StoredFile) -> Result<bool, StoreError> {
        files::insert_file(&self.writer, file).await
    }

    async fn file(
        &self,
        id: &DocumentId,
        caller: &Caller,
        action: Action,
    ) -> Result<Option<StoredFile>, StoreError> {
        files::file(&self.readers, id, caller, action).await
    }

    async fn delete_file(
        &self,
        id: &DocumentId,
        caller: &Caller,
    ) -> Result<Option<StoredFile>, StoreError> {
        files::delete_file(&self.writer, id, caller).await
    }

    async fn list_files(
        &self,
        bucket: &BucketName,
        owner: Option<&OpenId>,
        after: Option<&DocumentId>,
        limit: u32,
    ) -> Result<Vec<StoredFile>, StoreError> {
        files::list_files(&self.readers, bucket, owner, after, limit).await
    }

    async fn existing_files(&self, ids: &[DocumentId]) -> Result<Vec<DocumentId>, StoreError> {
        files::existing_files(&self.readers, ids).await
    }

    async fn signed_file(&self, id: &DocumentId) -> Result<Option<StoredFile>, StoreError> {
        files::signed_file(&self.readers, id).await
    }

    async fn set_trace_id(&self, id: &DocumentId, trace_id: &str) -> Result<bool, StoreError> {
        files::set_trace_id(&self.writer, id, trace_id).await
    }

    async fn record_media_check(
        &self,
        inbound: &NewInbound,
        trace_id: &str,
        decision: &Decision,
    ) -> Result<MediaCheckOutcome, StoreError> {
        files::record_media_check(&self.writer, inbound, trace_id, decision).await
    }

    async fn decide_file(
        &self,
        bucket: &BucketName,
        id: &DocumentId,
        decision: &Decision,
        only_pending: bool,
    ) -> Result<Option<StoredFile>, StoreError> {
        files::decide_file(&self.writer, bucket, id, decision, only_pending).await
    }

    async fn moderation_queue(
        &self,
        status: Option<ModerationStatus>,
        before: Option<&DocumentId>,
        limit: u32,
    ) -> Result<Vec<StoredFile>, StoreError> {
        files::moderation_queue(&self.readers, status, before, limit).await
    }

    async fn stale_pending(
        &self,
        created_before: Timestamp,
        untraced_only: bool,
        limit: u32,
    ) -> Result<Vec<(StoredFile, Option<BucketModeration>)>, StoreError> {
        files::stale_pending(&self.readers, created_before, untraced_only, limit).await
    }
}

#[async_trait]
impl CodeStore for SqliteStore {
    async fn insert_scene(&self, id: &str, scene: &str, at: Timestamp) -> Result<(), StoreError> {
        codes::insert_scene(&self.writer, id, scene, at).await
    }

    async fn scene(&self, id: &str) -> Result<Option<String>, StoreError> {
        codes::scene(&self.readers, id).await
    }

    async fn code_file(&self, params_hash: &str) -> Result<Option<DocumentId>, StoreError> {
        codes::code_file(&self.readers, params_hash).await
    }

    async fn record_code_file(
        &self,
        params_hash: &str,
        file: &DocumentId,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        codes::record_code_file(&self.writer, params_hash, file, at).await
    }
}

#[async_trait]
impl ConsoleStore for SqliteStore {
    async fn create_admin(
        &self,
        username: &Username,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        console::create_admin(&self.writer, username, password_hash, at).await
    }

    async fn admin_by_name(&self, username: &Username) -> Result<Option<AdminAccount>, StoreError> {
        console::admin_by_name(&self.readers, username).await
    }

    async fn admins(&self) -> Result<Vec<AdminAccount>, StoreError> {
        console::admins(&self.readers).await
    }

    async fn set_admin_password(
        &self,
        username: &Username,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<bool, StoreError> {
        console::set_admin_password(&self.writer, username, password_hash, at).await
    }

    async fn delete_admin(&self, username: &Username) -> Result<bool, StoreError> {
        console::delete_admin(&self.writer, username).await
    }

    async fn insert_admin_session(&self, session: &NewAdminSession) -> Result<(), StoreError> {
        console::insert_admin_session(&self.writer, session).await
    }

    async fn admin_session(
        &self,
        token: &TokenHash,
        now: Timestamp,
    ) -> Result<Option<AdminSession>, StoreError> {
        console::admin_session(&self.readers, token, now).await
    }

    async fn delete_admin_session(&self, token: &TokenHash) -> Result<bool, StoreError> {
        console::delete_admin_session(&self.writer, token).await
    }

    async fn purge_console(
        &self,
        now: Timestamp,
        forget_before: Timestamp,
    ) -> Result<u64, StoreError> {
        console::purge_console(&self.writer, now, forget_before).await
    }

    async fn throttles(
        &self,
        keys: &[String],
        since: Timestamp,
    ) -> Result<Vec<(String, u32, Timestamp)>, StoreError> {
        console::throttles(&self.readers, keys, since).await
    }

    async fn record_failure(
        &self,
        key: &str,
        now: Timestamp,
        since: Timestamp,
    ) -> Result<u32, StoreError> {
        console::record_failure(&self.writer, key, now, since).await
    }

    async fn lock(&self, key: &str, until: Timestamp) -> Result<(), StoreError> {
        console::lock(&self.writer, key, until).await
    }

    async fn clear_failures(&self, key: &str) -> Result<(), StoreError> {
        console::clear_failures(&self.writer, key).await
    }

    async fn insert_api_token(&self, token: &NewApiTokenRow) -> Result<ApiToken, StoreError> {
        console::insert_api_token(&self.writer, token).await
    }

    async fn api_tokens(&self) -> Result<Vec<ApiToken>, StoreError> {
        console::api_tokens(&self.readers).await
    }

    async fn api_token_scope(&self, token: &TokenHash) -> Result<Option<TokenScope>, StoreError> {
        console::api_token_scope(&self.readers, token).await
    }

    async fn delete_api_token(&self, id: ApiTokenId) -> Result<bool, StoreError> {
        console::delete_api_token(&self.writer, id).await
    }

    async fn daily_counts(
        &self,
        app_id: &AppId,
        since: Timestamp,
    ) -> Result<DailyCounts, StoreError> {
        console::daily_counts(&self.readers, app_id, since).await
    }

    async fn search_users(
        &self,
        app_id: &AppId,
        needle: &str,
        limit: u32,
    ) -> Result<Vec<User>, StoreError> {
        console::search_users(&self.readers, app_id, needle, limit).await
    }

    async fn user_by_openid(
        &self,
        app_id: &AppId,
        openid: &OpenId,
    ) -> Result<Option<User>, StoreError> {
        console::user_by_openid(&self.readers, app_id, openid).await
    }

    async fn user_sessions(&self, user: UserId) -> Result<Vec<UserSessionSummary>, StoreError> {
        console::user_sessions(&self.readers, user).await
    }

    async fn delete_user_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        console::delete_user_sessions(&self.writer, user).await
    }

    async fn pending_replies(
        &self,
        app_id: &AppId,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        console::pending_replies(&self.readers, app_id, limit).await
    }

    async fn recent_conversations(
        &self,
        app_id: &AppId,
        limit: u32,
    ) -> Result<Vec<ConversationSummary>, StoreError> {
        console::recent_conversations(&self.readers, app_id, limit).await
    }

    async fn record_wechat_errors(
        &self,
        counts: &[WechatErrorCount],
        forget_before: Timestamp,
    ) -> Result<(), StoreError> {
        console::record_wechat_errors(&self.writer, counts, forget_before).await
    }

    async fn wechat_errors(&self, since: Timestamp) -> Result<Vec<WechatErrorCount>, StoreError> {
        console::wechat_errors(&self.readers, since).await
    }
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn create_endpoint(
        &self,
        spec: &EndpointSpec,
        secret: &SigningSecret,
        now: Timestamp,
    ) -> Result<Option<Endpoint>, StoreError> {
        let changed = webhooks::create_endpoint(&self.writer, spec, secret, now).await?;
        self.subscribed_event_types().await?;
        Ok(changed)
    }

    async fn endpoints(&self) -> Result<Vec<Endpoint>, StoreError> {
        webhooks::endpoints(&self.readers).await
    }

    async fn endpoint(&self, id: EndpointId) -> Result<Option<Endpoint>, StoreError> {
        webhooks::endpoint(&self.readers, id).await
    }

    async fn update_endpoint(
        &self,
        id: EndpointId,
        spec: &EndpointSpec,
        now: Timestamp,
    ) -> Result<Option<Endpoint>, StoreError> {
        let changed = webhooks::update_endpoint(&self.writer, id, spec, now).await?;
        self.subscribed_event_types().await?;
        Ok(changed)
    }

    async fn disable_endpoint(
        &self,
        id: EndpointId,
        reason: &str,
        now: Timestamp,
    ) -> Result<bool, StoreError> {
        let changed = webhooks::disable_endpoint(&self.writer, id, reason, now).await?;
        self.subscribed_event_types().await?;
        Ok(changed)
    }

    async fn delete_endpoint(&self, id: EndpointId) -> Result<bool, StoreError> {
        let changed = webhooks::delete_endpoint(&self.writer, id).await?;
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
        webhooks::rotate_endpoint_secret(&self.writer, id, secret, previous_until, now).await
    }

    async fn sync_named_endpoints(
        &self,
        endpoints: &[(EndpointSpec, SigningSecret)],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let changed = webhooks::sync_named_endpoints(&self.writer, endpoints, now).await?;
        self.subscribed_event_types().await?;
        Ok(changed)
    }

    async fn subscribed_event_types(&self) -> Result<Vec<EventType>, StoreError> {
        let kinds = webhooks::subscribed_event_types(&self.readers).await?;
        self.interest.set(&kinds);
        Ok(kinds)
    }

    async fn record_events(&self, events: &[Event], now: Timestamp) -> Result<(), StoreError> {
        webhooks::record_events(&self.writer, events, now).await
    }

    async fn claim_deliveries(
        &self,
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        webhooks::claim_deliveries(&self.writer, now, lease_until, limit).await
    }

    async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        held_until: Timestamp,
        outcome: &DeliveryOutcome,
    ) -> Result<bool, StoreError> {
        webhooks::finish_delivery(&self.writer, delivery, held_until, outcome).await
    }

    async fn deliveries(
        &self,
        endpoint: EndpointId,
        before: Option<DeliveryId>,
        limit: u32,
    ) -> Result<Vec<Delivery>, StoreError> {
        webhooks::deliveries(&self.readers, endpoint, before, limit).await
    }

    async fn retry_delivery(
        &self,
        endpoint: EndpointId,
        delivery: DeliveryId,
        now: Timestamp,
    ) -> Result<Result<(), RetryRefusal>, StoreError> {
        webhooks::retry_delivery(&self.writer, endpoint, delivery, now).await
    }
}

#[async_trait]
impl SubscriptionStore for SqliteStore {
    async fn record_subscribe_event(
        &self,
        inbound: &NewInbound,
        changes: &[GrantChange],
        receipts: &[SentReceipt],
    ) -> Result<Option<MessageId>, StoreError> {
        // A sent event (one per message sent) changes no grant and makes no webhook event: it
        // goes to the group-commit writer with the outbox's writes.
        if changes.is_empty() {
            return self.fast.record_sent_event(inbound, receipts).await;
        }
        subscriptions::record_subscribe_event(&self.writer, inbound, changes, receipts).await
    }

    async fn change_grants(
        &self,
        app_id: &AppId,
        openid: &OpenId,
        changes: &[GrantChange],
        now: Timestamp,
    ) -> Result<(), StoreError> {
        subscriptions::change_grants(&self.writer, app_id, openid, changes, now).await
    }

    async fn grants(&self, app_id: &AppId, openid: &OpenId) -> Result<Vec<Grant>, StoreError> {
        subscriptions::grants(&self.readers, app_id, openid).await
    }

    async fn queue_subscribe(
        &self,
        outbound: &NewOutbound,
        template_id: &str,
        long_term: bool,
        send_at: Timestamp,
    ) -> Result<Option<StoredMessage>, StoreError> {
        subscriptions::queue_subscribe(&self.writer, outbound, template_id, long_term, send_at)
            .await
    }

    async fn create_campaign(&self, campaign: &NewCampaign) -> Result<CampaignId, StoreError> {
        subscriptions::create_campaign(&self.writer, campaign).await
    }

    async fn campaign(
        &self,
        app_id: &AppId,
        id: CampaignId,
    ) -> Result<Option<CampaignReport>, StoreError> {
        subscriptions::campaign(&self.readers, app_id, id).await
    }
}
