//! What files need from the database. Every call that reads or deletes a file for a caller
//! gets the caller and the action, and the store turns each permission mode's
//! [`Scope`](crate::collections::Scope) for them into its SQL, joined with the file's bucket: a
//! file outside it is never read, deleted or returned.

use async_trait::async_trait;
use wxbase_wechat::OpenId;

use super::bucket::{Bucket, BucketName};
use super::moderation::{
    BucketModeration, Decision, MediaCheckOutcome, Moderation, ModerationStatus,
};
use crate::collections::{Action, Caller, DocumentId};
use crate::messages::NewInbound;
use crate::{StoreError, Timestamp};

/// A stored file's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFile {
    /// Its id; its bytes are at `blobs/<id>` in storage.
    pub id: DocumentId,
    /// Its bucket.
    pub bucket: BucketName,
    /// Who uploaded it (`None`: an admin).
    pub owner: Option<OpenId>,
    /// The name it was uploaded with (data only, never a path).
    pub name: String,
    /// Its size in bytes.
    pub size: u64,
    /// The type read from its bytes.
    pub content_type: String,
    /// SHA-256 of its bytes, in hex (its ETag).
    pub sha256: String,
    /// When it was uploaded.
    pub created_at: Timestamp,
    /// Its moderation, when its bucket had moderation at upload (`None`: not moderated).
    pub moderation: Option<Moderation>,
}

/// Storage of buckets and file rows. Every method is atomic.
#[async_trait]
pub trait FileStore: Send + Sync + 'static {
    /// Creates a bucket; `false` if the name is taken.
    async fn create_bucket(&self, bucket: &Bucket) -> Result<bool, StoreError>;

    /// The bucket with this name.
    async fn bucket(&self, name: &BucketName) -> Result<Option<Bucket>, StoreError>;

    /// Every bucket, by name.
    async fn buckets(&self) -> Result<Vec<Bucket>, StoreError>;

    /// Writes a bucket's permission, limit, types and `updated_at`; `false` if there is none.
    async fn update_bucket(&self, bucket: &Bucket) -> Result<bool, StoreError>;

    /// Deletes a bucket and its file rows together; the ids of the files it held, or `None` if
    /// there was no such bucket.
    async fn delete_bucket(&self, name: &BucketName)
        -> Result<Option<Vec<DocumentId>>, StoreError>;

    /// Inserts a file's row; `false` if its bucket no longer exists.
    async fn insert_file(&self, file: &StoredFile) -> Result<bool, StoreError>;

    /// The file, if `caller` may do `action` to it under its bucket's mode and its moderation
    /// (a pending file: its owner and admins; a risky one: admins).
    async fn file(
        &self,
        id: &DocumentId,
        caller: &Caller,
        action: Action,
    ) -> Result<Option<StoredFile>, StoreError>;

    /// Deletes the file if `caller` may change it under its bucket's mode; the deleted row.
    async fn delete_file(
        &self,
        id: &DocumentId,
        caller: &Caller,
    ) -> Result<Option<StoredFile>, StoreError>;

    /// Files of a bucket (of one owner, when given) with ids after `after`, by id, at most
    /// `limit`.
    async fn list_files(
        &self,
        bucket: &BucketName,
        owner: Option<&OpenId>,
        after: Option<&DocumentId>,
        limit: u32,
    ) -> Result<Vec<StoredFile>, StoreError>;

    /// Which of `ids` have a row.
    async fn existing_files(&self, ids: &[DocumentId]) -> Result<Vec<DocumentId>, StoreError>;

    /// The file a valid signed URL names, unless moderation found it risky.
    async fn signed_file(&self, id: &DocumentId) -> Result<Option<StoredFile>, StoreError>;

    /// Keeps the `trace_id` of a pending file's media check; `false` if it is no longer
    /// pending.
    async fn set_trace_id(&self, id: &DocumentId, trace_id: &str) -> Result<bool, StoreError>;

    /// Records a `wxa_media_check` push unless its dedup key is known, and gives its decision
    /// to the pending file with `trace_id`, with the `file.moderated` webhook event, in one
    /// transaction.
    async fn record_media_check(
        &self,
        inbound: &NewInbound,
        trace_id: &str,
        decision: &Decision,
    ) -> Result<MediaCheckOutcome, StoreError>;

    /// Gives a moderated file of `bucket` a decision (only if still pending, when
    /// `only_pending`), with the `file.moderated` webhook event, in one transaction; the file
    /// after it, or `None` if there is no such (pending) moderated file.
    async fn decide_file(
        &self,
        bucket: &BucketName,
        id: &DocumentId,
        decision: &Decision,
        only_pending: bool,
    ) -> Result<Option<StoredFile>, StoreError>;

    /// Files in `status` (pending and risky when `None`), by id from the newest, with ids
    /// before `before`, at most `limit`.
    async fn moderation_queue(
        &self,
        status: Option<ModerationStatus>,
        before: Option<&DocumentId>,
        limit: u32,
    ) -> Result<Vec<StoredFile>, StoreError>;

    /// Pending files uploaded before `created_before` (only those WeChat has not accepted,
    /// when `untraced_only`), oldest first, with their bucket's moderation now.
    async fn stale_pending(
        &self,
        created_before: Timestamp,
        untraced_only: bool,
        limit: u32,
    ) -> Result<Vec<(StoredFile, Option<BucketModeration>)>, StoreError>;
}
