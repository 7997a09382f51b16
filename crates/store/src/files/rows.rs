//! Reads buckets and files from rows, refusing rows that make no sense.

use wxbase_core::collections::{DocumentId, PermissionMode};
use wxbase_core::files::{Bucket, BucketName, StoredFile, TypeRule};
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
        created_at: Timestamp::from_millis(row.read("created_at")?),
        updated_at: Timestamp::from_millis(row.read("updated_at")?),
    })
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
    })
}
