//! Reads buckets and files from rows, refusing rows that make no sense.

use wxbase_core::collections::{DocumentId, PermissionMode};
use wxbase_core::files::{
    Bucket, BucketModeration, BucketName, Moderation, ModerationStatus, StoredFile, TimeoutPolicy,
    TypeRule, VerdictSource,
};
use wxbase_core::security::Scene;
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::OpenId;

use crate::backend::ReadRow;
use crate::errors::corrupt;

/// A bucket from a row of [`super::sql::BUCKET_COLUMNS`].
pub fn bucket_from_row(row: &impl ReadRow) -> Result<Bucket, StoreError> {
    let name: String = row.read("name")?;
    let permission: String = row.read("permission")?;
    let max_bytes: Option<i64> = row.read("max_bytes")?;
    let types: String = row.read("types")?;
    let types: Vec<String> =
        serde_json::from_str(&types).map_err(|e| corrupt("buckets.types", e))?;
    Ok(Bucket {
        name: BucketName::parse(&name).map_err(|e| corrupt("buckets.name", e))?,
        permission: PermissionMode::parse(&permission)
            .ok_or_else(|| corrupt("buckets.permission", &permission))?,
        max_bytes: max_bytes.map(|m| m.max(0) as u64),
        types: types
            .iter()
            .map(|t| TypeRule::parse(t).map_err(|e| corrupt("buckets.types", e)))
            .collect::<Result<_, _>>()?,
        moderation: bucket_moderation(row)?,
        created_at: Timestamp::from_millis(row.read("created_at")?),
        updated_at: Timestamp::from_millis(row.read("updated_at")?),
    })
}

/// A bucket's moderation from its `moderation_scene` and `moderation_timeout` columns.
pub fn bucket_moderation(row: &impl ReadRow) -> Result<Option<BucketModeration>, StoreError> {
    let scene: Option<i64> = row.read("moderation_scene")?;
    let Some(scene) = scene else {
        return Ok(None);
    };
    let timeout: Option<String> = row.read("moderation_timeout")?;
    Ok(Some(BucketModeration {
        scene: u8::try_from(scene)
            .ok()
            .and_then(Scene::from_number)
            .ok_or_else(|| corrupt("buckets.moderation_scene", scene))?,
        on_timeout: match timeout {
            None => TimeoutPolicy::default(),
            Some(text) => TimeoutPolicy::parse(&text)
                .ok_or_else(|| corrupt("buckets.moderation_timeout", &text))?,
        },
    }))
}

/// A bucket's moderation as its two columns.
pub fn moderation_columns(bucket: &Bucket) -> (Option<i64>, Option<&'static str>) {
    match bucket.moderation {
        Some(m) => (
            Some(i64::from(m.scene.number())),
            Some(m.on_timeout.as_str()),
        ),
        None => (None, None),
    }
}

/// A bucket's types as stored: a JSON array.
pub fn types_text(bucket: &Bucket) -> String {
    let types: Vec<&str> = bucket.types.iter().map(|t| t.as_str()).collect();
    serde_json::Value::from(types).to_string()
}

/// A file from a row of [`super::sql::FILE_COLUMNS`].
pub fn file_from_row(row: &impl ReadRow) -> Result<StoredFile, StoreError> {
    let id: String = row.read("id")?;
    let bucket: String = row.read("bucket")?;
    let owner: Option<String> = row.read("owner")?;
    let size: i64 = row.read("size")?;
    Ok(StoredFile {
        id: DocumentId::parse(&id).ok_or_else(|| corrupt("files.id", &id))?,
        bucket: BucketName::parse(&bucket).map_err(|e| corrupt("files.bucket", e))?,
        owner: owner
            .map(OpenId::parse)
            .transpose()
            .map_err(|e| corrupt("files.owner", e))?,
        name: row.read("name")?,
        size: u64::try_from(size).map_err(|e| corrupt("files.size", e))?,
        content_type: row.read("content_type")?,
        sha256: row.read("sha256")?,
        created_at: Timestamp::from_millis(row.read("created_at")?),
        moderation: file_moderation(row)?,
    })
}

fn file_moderation(row: &impl ReadRow) -> Result<Option<Moderation>, StoreError> {
    let status: Option<String> = row.read("moderation")?;
    let Some(status) = status else {
        return Ok(None);
    };
    let source: Option<String> = row.read("moderation_source")?;
    let decided_at: Option<i64> = row.read("moderated_at")?;
    Ok(Some(Moderation {
        status: ModerationStatus::parse(&status)
            .ok_or_else(|| corrupt("files.moderation", &status))?,
        trace_id: row.read("trace_id")?,
        label: row.read("moderation_label")?,
        source: source
            .map(|s| VerdictSource::parse(&s).ok_or_else(|| corrupt("files.moderation_source", &s)))
            .transpose()?,
        decided_at: decided_at.map(Timestamp::from_millis),
    }))
}
