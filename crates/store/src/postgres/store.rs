//! The core's store traits for [`PostgresStore`], method by method: the statements shared with
//! SQLite, on the pool, or PostgreSQL's own batched hot paths ([`super::hot_paths`]).

use async_trait::async_trait;
use wxbase_core::collections::{
    Action, Caller, Collection, CollectionChange, CollectionName, CollectionStore, Condition,
    Document, DocumentId, DocumentUpdate, FieldPath, NewDocument, Query, Scope,
};
use wxbase_core::files::{Bucket, BucketName, FileStore, StoredFile};
use wxbase_core::messages::{
    ClaimedOutbound, MessageId, NewInbound, NewOutbound, NewRule, OutboxRefusal, OutboxStats,
    ReplyRule, RuleId, SendOutcome, StoredMessage,
};
use wxbase_core::official_account::{
    EventOutcome, Follower, FollowerCounts, ListedFollower, NewFollowEvent, SyncDue, SyncProgress,
    SyncRun, SyncStatus,
};
use wxbase_core::{
    FollowerStore, ImportedUser, KeyedUser, LoginRecord, MessageStore, NewLogin, PoolUsage, Store,
    StoreError, StoredToken, Timestamp, TokenHash, TokenStore, User, UserId, UserUpdate,
};
use wxbase_wechat::{AppId, OpenId, Secret, UnionId};

use super::PostgresStore;
use crate::collections::queries::{self as collections, CollectionIndexes};
use crate::collections::Statistics;
use crate::files::queries as files;
use crate::followers::queries as followers;
use crate::messages::queries as messages;
use crate::{backend, tokens, users};

#[async_trait]
impl Store for PostgresStore {
    async fn ping(&self) -> Result<(), StoreError> {
        backend::ping(&self.pool).await
    }

    fn pool_usage(&self) -> Vec<PoolUsage> {
        vec![backend::pool_usage("main", &self.pool)]
    }

    /// One statement (batched with concurrent logins): upsert the user (`xmax = 0` marks a
    /// fresh insert) and add the session.
    async fn record_login(&self, login: &NewLogin) -> Result<LoginRecord, StoreError> {
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
}
