//! One upload in progress: bytes are counted, hashed and sniffed as they arrive and streamed
//! to storage in parts, never held whole. Until [`Upload::finish`] inserts the row, the bytes
//! are an unfinished multipart upload (invisible in storage); an upload that fails or is
//! dropped midway is aborted, and a crash between the bytes and the row leaves an object
//! that the sweep ([`FileService::sweep_orphans`](super::FileService::sweep_orphans)) deletes.

use object_store::{ObjectStore, WriteMultipart};
use sha2::{Digest, Sha256};
use wxbase_wechat::api::security::MediaType;

use super::bucket::Bucket;
use super::error::FileError;
use super::moderation::Moderation;
use super::service::FileService;
use super::storage::blob_path;
use super::store::StoredFile;
use crate::collections::{Action, Caller, DocumentId};
use crate::Timestamp;

/// How many bytes are read before the content type is decided.
const SNIFF_BYTES: usize = 8192;
/// Size of one part sent to storage.
const PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts in flight to storage at once.
const PARTS_IN_FLIGHT: usize = 2;

/// An upload in progress.
pub struct Upload {
    service: FileService,
    caller: Caller,
    id: DocumentId,
    bucket: Option<Bucket>,
    writer: Option<WriteMultipart>,
    head: Vec<u8>,
    content_type: Option<String>,
    size: u64,
    hasher: Sha256,
}

impl Upload {
    pub(super) fn new(service: FileService, caller: Caller, id: DocumentId) -> Self {
        Self {
            service,
            caller,
            id,
            bucket: None,
            writer: None,
            head: Vec::new(),
            content_type: None,
            size: 0,
            hasher: Sha256::new(),
        }
    }

    /// The limit that applies now: the bucket's when it is known and lower, else the
    /// configured one.
    fn limit(&self) -> (u64, &'static str) {
        let global = self.service.settings().max_upload_bytes;
        match self.bucket.as_ref().and_then(|b| b.max_bytes) {
            Some(max) if max < global => (max, "the bucket's maxBytes"),
            _ => (global, "files.max_upload_bytes"),
        }
    }

    /// Names the bucket: it must exist, and its mode must let the caller upload.
    pub async fn set_bucket(&mut self, name: &str) -> Result<(), FileError> {
        let bucket = self.service.bucket(name).await?;
        if bucket
            .permission
            .scope(&self.caller, Action::Create)
            .is_none()
        {
            return Err(FileError::Forbidden(format!(
                "bucket {name:?} is {}: you may not upload to it",
                bucket.permission
            )));
        }
        self.bucket = Some(bucket);
        self.check_limit()?;
        self.check_type()
    }

    fn check_limit(&self) -> Result<(), FileError> {
        let (limit, which) = self.limit();
        if self.size > limit {
            return Err(FileError::TooLarge { limit, which });
        }
        Ok(())
    }

    fn check_type(&self) -> Result<(), FileError> {
        if let (Some(bucket), Some(content_type)) = (&self.bucket, &self.content_type) {
            if bucket.moderation.is_some() && MediaType::of_content_type(content_type).is_none() {
                return Err(FileError::UnsupportedType {
                    bucket: bucket.name.to_string(),
                    content_type: content_type.clone(),
                    accepted: "images and audio only, as its uploads are checked by WeChat"
                        .to_owned(),
                });
            }
            if !bucket.accepts(content_type) {
                let accepted: Vec<&str> = bucket.types.iter().map(|t| t.as_str()).collect();
                return Err(FileError::UnsupportedType {
                    bucket: bucket.name.to_string(),
                    content_type: content_type.clone(),
                    accepted: accepted.join(", "),
                });
            }
        }
        Ok(())
    }

    /// Takes the next bytes of the file.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), FileError> {
        self.size += chunk.len() as u64;
        self.check_limit()?;
        self.hasher.update(chunk);
        if self.content_type.is_none() {
            self.head.extend_from_slice(chunk);
            if self.head.len() >= SNIFF_BYTES {
                self.sniff()?;
                let head = std::mem::take(&mut self.head);
                self.send(&head).await?;
            }
            return Ok(());
        }
        self.send(chunk).await
    }

    fn sniff(&mut self) -> Result<(), FileError> {
        let content_type = infer::get(&self.head)
            .map(|kind| kind.mime_type())
            .unwrap_or("application/octet-stream");
        self.content_type = Some(content_type.to_owned());
        self.check_type()
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), FileError> {
        if bytes.is_empty() {
            return Ok(());
        }
        let writer = match &mut self.writer {
            Some(writer) => writer,
            None => {
                let upload = self
                    .service
                    .blobs()
                    .put_multipart(&blob_path(&self.id))
                    .await?;
                self.writer
                    .insert(WriteMultipart::new_with_chunk_size(upload, PART_BYTES))
            }
        };
        writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
        writer.write(bytes);
        Ok(())
    }

    /// Stores the file: the bytes first, then the row; if the row cannot be written the bytes
    /// are deleted again. `name` must have been checked ([`FileService::file_name`]).
    pub async fn finish(mut self, name: String) -> Result<StoredFile, FileError> {
        let Some(bucket) = self.bucket.clone() else {
            return Err(FileError::BadRequest(
                "no bucket: send the form field `bucket` (formData: {bucket: \"...\"})".into(),
            ));
        };
        if self.size == 0 {
            return Err(FileError::BadRequest("the file is empty (0 bytes)".into()));
        }
        if self.content_type.is_none() {
            self.sniff()?;
            let head = std::mem::take(&mut self.head);
            self.send(&head).await?;
        }
        let writer = self
            .writer
            .take()
            .ok_or_else(|| FileError::BadRequest("the file is empty (0 bytes)".into()))?;
        writer.finish().await?;
        let file = StoredFile {
            id: self.id.clone(),
            bucket: bucket.name.clone(),
            owner: self.caller.openid().cloned(),
            name,
            size: self.size,
            content_type: self.content_type.clone().unwrap_or_default(),
            sha256: hex::encode(self.hasher.clone().finalize()),
            created_at: Timestamp::now(),
            // Admins are trusted, and WeChat checks for a user's openid: their uploads are not
            // checked.
            moderation: bucket
                .moderation
                .filter(|_| self.caller.openid().is_some())
                .map(|_| Moderation::pending()),
        };
        let inserted = self.service.store().insert_file(&file).await;
        match inserted {
            Ok(true) => {
                if let (Some(moderation), Some(_)) = (bucket.moderation, &file.moderation) {
                    self.service.submit_for_check(&file, moderation.scene).await;
                }
                Ok(file)
            }
            Ok(false) => {
                self.service.delete_blob(&file.id).await;
                Err(FileError::UnknownBucket(bucket.name.to_string()))
            }
            Err(error) => {
                self.service.delete_blob(&file.id).await;
                Err(error.into())
            }
        }
    }

    /// Stops the upload; nothing stays in storage.
    pub async fn abort(mut self) {
        if let Some(writer) = self.writer.take() {
            if let Err(error) = writer.abort().await {
                tracing::warn!(%error, id = %self.id, "could not abort an upload");
            }
        }
    }
}

impl Drop for Upload {
    /// An upload dropped midway (the client went away) is aborted in the background.
    fn drop(&mut self) {
        if let Some(writer) = self.writer.take() {
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move {
                    let _ = writer.abort().await;
                });
            }
        }
    }
}
