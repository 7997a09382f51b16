//! [`FileService`]: buckets for admins; uploads, downloads, signed URLs, thumbnails and
//! deletion for users; and the sweep of bytes without a row.

use std::ops::Range;
use std::path::Path as FsPath;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload};
use wxbase_wechat::{OpenId, Secret};

use super::bucket::{Bucket, BucketName, TypeRule};
use super::error::FileError;
use super::moderation::{BucketModeration, MediaChecker, ModerationSettings};
use super::signing::UrlSigner;
use super::storage::{self, blob_path, thumbs_prefix, StorageSettings};
use super::store::StoredFile;
use super::thumbs::ThumbSize;
use super::upload::Upload;
use crate::collections::{Action, Caller, DocumentId, IdGenerator, PermissionMode};
use crate::telemetry::Metrics;
use crate::{Store, Timestamp};

/// Files' settings (`[files]`).
#[derive(Debug, Clone)]
pub struct FileSettings {
    /// Where the bytes go.
    pub storage: StorageSettings,
    /// Largest upload, in bytes.
    pub max_upload_bytes: u64,
    /// How long a signed URL stays valid.
    pub url_ttl: Duration,
    /// The key of signed URLs; `None`: generated into the data directory.
    pub url_signing_key: Option<Secret>,
    /// The base of signed URLs (`https://host`); `None`: the request's host.
    pub public_url: Option<String>,
    /// The thumbnail sizes that may be asked for.
    pub thumb_sizes: Vec<ThumbSize>,
    /// Moderation of images and audio.
    pub moderation: ModerationSettings,
}

impl Default for FileSettings {
    fn default() -> Self {
        Self {
            storage: StorageSettings::Local("./data/files".into()),
            max_upload_bytes: 10 * 1024 * 1024,
            url_ttl: Duration::from_secs(3600),
            url_signing_key: None,
            public_url: None,
            thumb_sizes: ["100x100", "300x300", "750x0"]
                .iter()
                .filter_map(|s| ThumbSize::parse(s))
                .collect(),
            moderation: ModerationSettings::default(),
        }
    }
}

/// A file's bytes, or one of its thumbnails, ready to be served.
pub struct Download {
    /// The file.
    pub file: StoredFile,
    /// The content type of what is served.
    pub content_type: String,
    /// Its entity tag, quoted.
    pub etag: String,
    /// Its length in bytes.
    pub size: u64,
    /// A thumbnail's bytes (`None`: the original, read with [`FileService::stream`]).
    pub thumb: Option<Bytes>,
}

/// One page of an admin's file listing.
pub struct ListedFiles {
    /// The files, by id.
    pub files: Vec<StoredFile>,
    /// Give it back for the next page; `None` on the last.
    pub cursor: Option<String>,
}

/// Buckets and their files.
#[derive(Clone)]
pub struct FileService {
    store: Arc<dyn Store>,
    blobs: Arc<dyn ObjectStore>,
    settings: Arc<FileSettings>,
    signer: UrlSigner,
    ids: Arc<IdGenerator>,
    checker: Option<Arc<MediaChecker>>,
    metrics: Metrics,
}

/// The file in the data directory that keeps the generated URL key.
const KEY_FILE: &str = "files-url.key";

impl FileService {
    /// The service over `blobs`, signing URLs with `signer`.
    pub fn new(
        store: Arc<dyn Store>,
        blobs: Arc<dyn ObjectStore>,
        settings: FileSettings,
        signer: UrlSigner,
    ) -> Self {
        Self {
            store,
            blobs,
            settings: Arc::new(settings),
            signer,
            ids: Arc::new(IdGenerator::default()),
            checker: None,
            metrics: Metrics::default(),
        }
    }

    /// Records moderation verdicts in `metrics`.
    pub fn with_metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = metrics;
        self
    }

    pub(super) fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// Sends uploads to moderated buckets to WeChat's media check with `checker`.
    pub fn with_media_checker(mut self, checker: MediaChecker) -> Self {
        self.checker = Some(Arc::new(checker));
        self
    }

    pub(super) fn checker(&self) -> Option<&MediaChecker> {
        self.checker.as_deref()
    }

    /// Opens the configured storage and the URL key (generated into `data_dir` on first use
    /// when none is configured).
    pub fn open(
        store: Arc<dyn Store>,
        settings: FileSettings,
        data_dir: &FsPath,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let blobs = storage::open(&settings.storage)?;
        let key = match &settings.url_signing_key {
            Some(key) => key.expose().as_bytes().to_vec(),
            None => load_or_create_key(data_dir)?,
        };
        Ok(Self::new(store, blobs, settings, UrlSigner::new(&key)))
    }

    pub(super) fn settings(&self) -> &FileSettings {
        &self.settings
    }

    pub(super) fn blobs(&self) -> &Arc<dyn ObjectStore> {
        &self.blobs
    }

    pub(super) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The base of signed URLs, when configured.
    pub fn public_url(&self) -> Option<&str> {
        self.settings.public_url.as_deref()
    }

    // ----- buckets

    /// Creates a bucket; with `moderation`, only when WeChat can download its files
    /// (`server.public_url`).
    pub async fn create_bucket(
        &self,
        name: &str,
        permission: PermissionMode,
        max_bytes: Option<u64>,
        types: &[String],
        moderation: Option<BucketModeration>,
    ) -> Result<Bucket, FileError> {
        if moderation.is_some() {
            self.check_moderation_possible()?;
        }
        let at = Timestamp::now();
        let bucket = Bucket {
            name: BucketName::parse(name).map_err(FileError::BadRequest)?,
            permission,
            max_bytes: check_max_bytes(max_bytes)?,
            types: parse_types(types)?,
            moderation,
            created_at: at,
            updated_at: at,
        };
        if !self.store.create_bucket(&bucket).await? {
            return Err(FileError::BucketExists(name.to_owned()));
        }
        Ok(bucket)
    }

    /// Creates a bucket unless one has the name (`serve --dev`'s `uploads`).
    pub async fn ensure_bucket(
        &self,
        name: &str,
        permission: PermissionMode,
        types: &[String],
    ) -> Result<(), FileError> {
        match self
            .create_bucket(name, permission, None, types, None)
            .await
        {
            Ok(_) | Err(FileError::BucketExists(_)) => Ok(()),
            Err(error) => Err(error),
        }
    }

    /// The bucket with this name.
    pub async fn bucket(&self, name: &str) -> Result<Bucket, FileError> {
        let unknown = || FileError::UnknownBucket(name.to_owned());
        let parsed = BucketName::parse(name).map_err(|_| unknown())?;
        self.store.bucket(&parsed).await?.ok_or_else(unknown)
    }

    /// Every bucket.
    pub async fn buckets(&self) -> Result<Vec<Bucket>, FileError> {
        Ok(self.store.buckets().await?)
    }

    /// Changes a bucket's mode, limit (`Some(None)` removes it), types or moderation
    /// (`Some(None)` turns it off).
    pub async fn change_bucket(
        &self,
        name: &str,
        permission: Option<PermissionMode>,
        max_bytes: Option<Option<u64>>,
        types: Option<&[String]>,
        moderation: Option<Option<BucketModeration>>,
    ) -> Result<Bucket, FileError> {
        let mut bucket = self.bucket(name).await?;
        if let Some(moderation) = moderation {
            if moderation.is_some() {
                self.check_moderation_possible()?;
            }
            bucket.moderation = moderation;
        }
        if let Some(permission) = permission {
            bucket.permission = permission;
        }
        if let Some(max_bytes) = max_bytes {
            bucket.max_bytes = check_max_bytes(max_bytes)?;
        }
        if let Some(types) = types {
            bucket.types = parse_types(types)?;
        }
        bucket.updated_at = Timestamp::now();
        if !self.store.update_bucket(&bucket).await? {
            return Err(FileError::UnknownBucket(name.to_owned()));
        }
        Ok(bucket)
    }

    /// Deletes a bucket, its rows, then its files' bytes (any left behind by a failure go in
    /// the next sweep).
    pub async fn delete_bucket(&self, name: &str) -> Result<u64, FileError> {
        let unknown = || FileError::UnknownBucket(name.to_owned());
        let parsed = BucketName::parse(name).map_err(|_| unknown())?;
        let ids = self
            .store
            .delete_bucket(&parsed)
            .await?
            .ok_or_else(unknown)?;
        for id in &ids {
            self.delete_blob(id).await;
        }
        Ok(ids.len() as u64)
    }

    // ----- uploads

    /// Starts an upload for `caller`; name its bucket with [`Upload::set_bucket`].
    pub fn start_upload(&self, caller: Caller) -> Upload {
        let id = self.ids.next_id(Timestamp::now());
        Upload::new(self.clone(), caller, id)
    }

    /// Checks an uploaded file's name: kept as data, so it only may not carry path
    /// separators or control characters; none is `file`.
    pub fn file_name(raw: Option<&str>) -> Result<String, FileError> {
        let name = raw
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or("file");
        if name.contains(['/', '\\']) || name.chars().any(char::is_control) {
            return Err(FileError::BadRequest(
                "the file name must not contain path separators (/ \\) or control characters"
                    .into(),
            ));
        }
        if name.len() > 255 {
            return Err(FileError::BadRequest(
                "the file name is longer than 255 bytes".into(),
            ));
        }
        Ok(name.to_owned())
    }

    // ----- reading

    /// The file, if `caller` may read it; `not_found` otherwise, as for a missing one.
    pub async fn file(&self, caller: &Caller, id: &str) -> Result<StoredFile, FileError> {
        let not_found = || FileError::NotFound(format!("there is no file {id:?}"));
        let id = DocumentId::parse(id).ok_or_else(not_found)?;
        self.store
            .file(&id, caller, Action::Read)
            .await?
            .ok_or_else(not_found)
    }

    /// The file a signed URL names, if the signature holds and has not expired. A URL signed
    /// for admins (`view=admin`, the console's previews) reaches every file; any other reaches
    /// a file unless moderation found it risky.
    pub async fn signed_file(
        &self,
        id: &str,
        expires: i64,
        signature: &str,
        admin_view: bool,
    ) -> Result<StoredFile, FileError> {
        let now = Timestamp::now().as_millis() / 1000;
        let subject = if admin_view {
            admin_subject(id)
        } else {
            id.to_owned()
        };
        if !self.signer.verify(&subject, expires, signature, now) {
            return Err(FileError::BadSignature);
        }
        if admin_view {
            return self.file(&Caller::Admin, id).await;
        }
        let not_found = || FileError::NotFound(format!("there is no file {id:?}"));
        let id = DocumentId::parse(id).ok_or_else(not_found)?;
        self.store.signed_file(&id).await?.ok_or_else(not_found)
    }

    /// A signed URL's path and query for `file`, and when it expires.
    pub fn signed_path(&self, file: &StoredFile) -> (String, Timestamp) {
        self.signed_path_for(file, self.settings.url_ttl)
    }

    /// A signed URL's path and query for `file`, valid for `ttl`.
    pub(super) fn signed_path_for(&self, file: &StoredFile, ttl: Duration) -> (String, Timestamp) {
        let expires_at = Timestamp::now().plus(ttl);
        let expires = expires_at.as_millis() / 1000;
        let signature = self.signer.sign(file.id.as_str(), expires);
        (
            format!("/api/files/{}?expires={expires}&sig={signature}", file.id),
            Timestamp::from_millis(expires * 1000),
        )
    }

    /// A signed URL's path for an admin's eyes (the console): it reaches the file whatever
    /// moderation decided.
    pub fn signed_admin_path(&self, file: &StoredFile) -> String {
        let expires = Timestamp::now().plus(self.settings.url_ttl).as_millis() / 1000;
        let signature = self.signer.sign(&admin_subject(file.id.as_str()), expires);
        format!(
            "/api/files/{}?expires={expires}&sig={signature}&view=admin",
            file.id
        )
    }

    /// What to serve for `file`: its bytes, or a thumbnail of `thumb` (one of the configured
    /// sizes), made once and kept in storage.
    pub async fn download(
        &self,
        file: StoredFile,
        thumb: Option<&str>,
    ) -> Result<Download, FileError> {
        let Some(thumb) = thumb else {
            return Ok(Download {
                content_type: file.content_type.clone(),
                etag: format!("\"{}\"", file.sha256),
                size: file.size,
                thumb: None,
                file,
            });
        };
        let size = ThumbSize::parse(thumb)
            .filter(|size| self.settings.thumb_sizes.iter().any(|s| s.same_box(size)))
            .ok_or_else(|| {
                let sizes: Vec<String> = self
                    .settings
                    .thumb_sizes
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                FileError::BadRequest(format!(
                    "thumb must be one of {} (add f to fit instead of fill)",
                    sizes.join(", ")
                ))
            })?;
        if !file.content_type.starts_with("image/") {
            return Err(FileError::BadRequest(format!(
                "thumbnails are made of images only; this file is {}",
                file.content_type
            )));
        }
        let (bytes, content_type) = self.thumbnail(&file, size).await?;
        Ok(Download {
            content_type: content_type.to_owned(),
            etag: format!("\"{}-{size}\"", file.sha256),
            size: bytes.len() as u64,
            thumb: Some(bytes),
            file,
        })
    }

    async fn thumbnail(
        &self,
        file: &StoredFile,
        size: ThumbSize,
    ) -> Result<(Bytes, &'static str), FileError> {
        let jpeg = file.content_type == "image/jpeg";
        let content_type = if jpeg { "image/jpeg" } else { "image/png" };
        let path = thumbs_prefix(&file.id).child(size.to_string());
        match self.blobs.get(&path).await {
            Ok(cached) => return Ok((cached.bytes().await?, content_type)),
            Err(object_store::Error::NotFound { .. }) => {}
            Err(error) => return Err(error.into()),
        }
        let original = self.blobs.get(&blob_path(&file.id)).await?.bytes().await?;
        let made = tokio::task::spawn_blocking(move || size.render(&original))
            .await
            .ok()
            .flatten()
            .ok_or_else(|| {
                FileError::BadRequest(
                    "this image cannot be resized (thumbnails are made of JPEG, PNG and WebP)"
                        .into(),
                )
            })?;
        let bytes = Bytes::from(made.0);
        self.blobs
            .put(&path, PutPayload::from_bytes(bytes.clone()))
            .await?;
        Ok((bytes, made.1))
    }

    /// The original bytes of `file` in `range`, as a stream.
    pub async fn stream(
        &self,
        file: &StoredFile,
        range: Range<u64>,
    ) -> Result<BoxStream<'static, Result<Bytes, FileError>>, FileError> {
        let options = GetOptions {
            range: Some(GetRange::Bounded(range)),
            ..GetOptions::default()
        };
        let got = self.blobs.get_opts(&blob_path(&file.id), options).await?;
        Ok(got.into_stream().map_err(FileError::from).boxed())
    }

    // ----- deleting

    /// Deletes a file the caller may change under its bucket's mode: `forbidden` if they can
    /// only see it, `not_found` if not even that.
    pub async fn delete_file(&self, caller: &Caller, id: &str) -> Result<(), FileError> {
        let not_found = || FileError::NotFound(format!("there is no file {id:?}"));
        let parsed = DocumentId::parse(id).ok_or_else(not_found)?;
        match self.store.delete_file(&parsed, caller).await? {
            Some(file) => {
                self.delete_blob(&file.id).await;
                Ok(())
            }
            None => match self.store.file(&parsed, caller, Action::Read).await? {
                Some(file) => Err(FileError::Forbidden(format!(
                    "you may not delete file {id:?} of bucket {:?}",
                    file.bucket.as_str()
                ))),
                None => Err(not_found()),
            },
        }
    }

    /// Deletes a file's bytes and thumbnails; a failure is logged and left to the sweep.
    pub(super) async fn delete_blob(&self, id: &DocumentId) {
        if let Err(error) = self.blobs.delete(&blob_path(id)).await {
            if !matches!(error, object_store::Error::NotFound { .. }) {
                tracing::warn!(%error, %id, "could not delete a file's bytes");
            }
        }
        let thumbs: Vec<_> = self
            .blobs
            .list(Some(&thumbs_prefix(id)))
            .filter_map(|meta| async move { meta.ok().map(|m| m.location) })
            .collect()
            .await;
        for path in thumbs {
            let _ = self.blobs.delete(&path).await;
        }
    }

    /// A bucket's files, by id, optionally of one owner, from a cursor on.
    pub async fn list_files(
        &self,
        bucket: &str,
        owner: Option<&str>,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<ListedFiles, FileError> {
        let bucket = self.bucket(bucket).await?.name;
        let owner = owner
            .map(|o| OpenId::parse(o).map_err(|e| FileError::BadRequest(e.to_string())))
            .transpose()?;
        let after = cursor
            .map(|c| DocumentId::parse(c).ok_or_else(|| FileError::BadRequest("bad cursor".into())))
            .transpose()?;
        let limit = limit.unwrap_or(50).clamp(1, 500);
        let files = self
            .store
            .list_files(&bucket, owner.as_ref(), after.as_ref(), limit)
            .await?;
        let cursor = (files.len() == limit as usize)
            .then(|| files.last().map(|f| f.id.to_string()))
            .flatten();
        Ok(ListedFiles { files, cursor })
    }

    // ----- the sweep

    /// Deletes bytes and thumbnails older than `grace` that no row names: left by a crash
    /// between storing the bytes and inserting the row, or between deleting a row and its
    /// bytes. Returns how many objects it deleted.
    pub async fn sweep_orphans(&self, grace: Duration) -> Result<u64, FileError> {
        let cutoff = Timestamp::now().minus(grace).as_millis();
        let mut candidates: Vec<(DocumentId, object_store::path::Path)> = Vec::new();
        for prefix in ["blobs", "thumbs"] {
            let mut listing = self
                .blobs
                .list(Some(&object_store::path::Path::from(prefix)));
            while let Some(meta) = listing.next().await {
                let meta = meta?;
                if meta.last_modified.timestamp_millis() > cutoff {
                    continue;
                }
                let id = meta
                    .location
                    .parts()
                    .nth(1)
                    .and_then(|p| DocumentId::parse(p.as_ref()));
                if let Some(id) = id {
                    candidates.push((id, meta.location));
                }
            }
        }
        let mut deleted = 0;
        for chunk in candidates.chunks(100) {
            let ids: Vec<DocumentId> = chunk.iter().map(|(id, _)| id.clone()).collect();
            let existing = self.store.existing_files(&ids).await?;
            for (id, path) in chunk {
                if !existing.contains(id) {
                    match self.blobs.delete(path).await {
                        Ok(()) | Err(object_store::Error::NotFound { .. }) => deleted += 1,
                        Err(error) => return Err(error.into()),
                    }
                }
            }
        }
        Ok(deleted)
    }

    /// Sweeps every `interval`, for objects older than an hour.
    pub async fn run_sweeper(self, interval: Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            match self.sweep_orphans(Duration::from_secs(3600)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "deleted file bytes that no row names"),
                Err(error) => tracing::warn!(%error, "the file sweep failed"),
            }
        }
    }
}

/// What an admin URL signs: the id and a marker no plain URL's signature covers.
fn admin_subject(id: &str) -> String {
    format!("{id}\nadmin")
}

fn check_max_bytes(max_bytes: Option<u64>) -> Result<Option<u64>, FileError> {
    match max_bytes {
        Some(0) => Err(FileError::BadRequest("maxBytes must be at least 1".into())),
        other => Ok(other),
    }
}

fn parse_types(types: &[String]) -> Result<Vec<TypeRule>, FileError> {
    types
        .iter()
        .map(|t| TypeRule::parse(t).map_err(FileError::BadRequest))
        .collect()
}

/// The URL key kept in `data_dir`, made (32 random bytes, hex) on first use.
fn load_or_create_key(
    data_dir: &FsPath,
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let path = data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => return Ok(text.trim().as_bytes().to_vec()),
        Ok(_) => return Err(format!("{} is too short: delete it", path.display()).into()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Box::new(e)),
    }
    std::fs::create_dir_all(data_dir)?;
    let key = hex::encode(rand::random::<[u8; 32]>());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(&path) {
        Ok(mut file) => {
            std::io::Write::write_all(&mut file, key.as_bytes())?;
            Ok(key.into_bytes())
        }
        // Another instance made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Ok(std::fs::read_to_string(&path)?.trim().as_bytes().to_vec())
        }
        Err(e) => Err(Box::new(e)),
    }
}
