//! One upload in progress: bytes are counted, hashed and sniffed as they arrive (the
//! [`Intake`]) and streamed to storage in parts, never held whole. Until [`Upload::finish`]
//! inserts the row, the bytes are an unfinished multipart upload (invisible in storage); an
//! upload that fails or is dropped midway is aborted, and a crash between the bytes and the
//! row leaves an object that the sweep
//! ([`FileService::sweep_orphans`](super::FileService::sweep_orphans)) deletes.

use object_store::{ObjectStore, WriteMultipart};

use super::error::FileError;
use super::intake::Intake;
use super::moderation::Moderation;
use super::service::FileService;
use super::storage::blob_path;
use super::store::StoredFile;
use crate::collections::{Action, Caller, DocumentId};
use crate::Timestamp;

/// Size of one part sent to storage.
const PART_BYTES: usize = 5 * 1024 * 1024;
/// Parts in flight to storage at once.
const PARTS_IN_FLIGHT: usize = 2;

/// An upload in progress.
pub struct Upload {
    service: FileService,
    caller: Caller,
    id: DocumentId,
    intake: Intake,
    writer: Option<WriteMultipart>,
}

impl Upload {
    pub(super) fn new(service: FileService, caller: Caller, id: DocumentId) -> Self {
        let intake = Intake::new(service.settings().max_upload_bytes);
        Self {
            service,
            caller,
            id,
            intake,
            writer: None,
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
        self.intake.set_bucket(bucket)
    }

    /// Takes the next bytes of the file.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), FileError> {
        let ready = self.intake.take(chunk)?;
        self.send(&ready).await
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
        let Some(bucket) = self.intake.bucket().cloned() else {
            return Err(FileError::BadRequest(
                "no bucket: send the form field `bucket` (formData: {bucket: \"...\"})".into(),
            ));
        };
        let head = self.intake.finish()?;
        self.send(&head).await?;
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
            size: self.intake.size(),
            content_type: self.intake.content_type().unwrap_or_default().to_owned(),
            sha256: self.intake.sha256(),
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
