//! The [`FileStore`](wxbase_core::FileStore) statements, run on either backend: each function
//! is one trait method, given the pool it reads from or writes to.

use sqlx::Pool;
use wxbase_core::collections::{Action, Caller, DocumentId};
use wxbase_core::files::{Bucket, BucketName, StoredFile};
use wxbase_core::webhooks::{event, EventType};
use wxbase_core::StoreError;
use wxbase_wechat::OpenId;

use super::rows::{bucket_from_row, file_from_row, types_text};
use super::sql::{self, access_condition};
use crate::backend::{Backend, ReadRow};
use crate::errors::SqlxResultExt;
use crate::sql::{SqlValue, Statement};
use crate::webhooks::queries::record_if_subscribed;

fn max_bytes(bucket: &Bucket) -> Option<i64> {
    bucket
        .max_bytes
        .map(|m| i64::try_from(m).unwrap_or(i64::MAX))
}

/// Creates a bucket; `false` if the name is taken.
pub async fn create_bucket<DB: Backend>(
    writer: &Pool<DB>,
    bucket: &Bucket,
) -> Result<bool, StoreError> {
    let created = Statement::new(sql::INSERT_BUCKET)
        .bind(bucket.name.as_str())
        .bind(bucket.permission.as_str())
        .bind(max_bytes(bucket))
        .bind(types_text(bucket))
        .bind(bucket.created_at.as_millis())
        .bind(bucket.updated_at.as_millis())
        .execute(writer)
        .await?;
    Ok(created > 0)
}

/// One bucket.
pub async fn bucket<DB: Backend>(
    reader: &Pool<DB>,
    name: &BucketName,
) -> Result<Option<Bucket>, StoreError> {
    let text = format!(
        "SELECT {} FROM buckets WHERE name = ?1",
        sql::BUCKET_COLUMNS
    );
    let row = Statement::new(text)
        .bind(name.as_str())
        .fetch_optional(reader)
        .await?;
    row.as_ref().map(bucket_from_row).transpose()
}

/// Every bucket, by name.
pub async fn buckets<DB: Backend>(reader: &Pool<DB>) -> Result<Vec<Bucket>, StoreError> {
    let text = format!("SELECT {} FROM buckets ORDER BY name", sql::BUCKET_COLUMNS);
    let rows = Statement::new(text).fetch_all(reader).await?;
    rows.iter().map(bucket_from_row).collect()
}

/// A bucket's settings; `false` if there is none.
pub async fn update_bucket<DB: Backend>(
    writer: &Pool<DB>,
    bucket: &Bucket,
) -> Result<bool, StoreError> {
    let changed = Statement::new(sql::UPDATE_BUCKET)
        .bind(bucket.name.as_str())
        .bind(bucket.permission.as_str())
        .bind(max_bytes(bucket))
        .bind(types_text(bucket))
        .bind(bucket.updated_at.as_millis())
        .execute(writer)
        .await?;
    Ok(changed > 0)
}

/// Deletes a bucket and its file rows in one transaction; the ids of its files.
pub async fn delete_bucket<DB: Backend>(
    writer: &Pool<DB>,
    name: &BucketName,
) -> Result<Option<Vec<DocumentId>>, StoreError> {
    let mut tx = writer.begin().await.or_store_error()?;
    let rows = Statement::new(sql::DELETE_BUCKET_FILES)
        .bind(name.as_str())
        .fetch_all(&mut tx)
        .await?;
    let ids = rows
        .iter()
        .map(|row| {
            let id: String = row.read("id")?;
            DocumentId::parse(&id).ok_or_else(|| crate::errors::corrupt("files.id", &id))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let deleted = Statement::new(sql::DELETE_BUCKET)
        .bind(name.as_str())
        .execute(&mut tx)
        .await?;
    if deleted == 0 {
        // Rolled back on drop: nothing to delete.
        return Ok(None);
    }
    tx.commit().await.or_store_error()?;
    Ok(Some(ids))
}

/// Inserts a file's row; `false` if its bucket is gone.
pub async fn insert_file<DB: Backend>(
    writer: &Pool<DB>,
    file: &StoredFile,
) -> Result<bool, StoreError> {
    let mut tx = writer.begin().await.or_store_error()?;
    let inserted = Statement::new(sql::INSERT_FILE)
        .bind(file.id.as_str())
        .bind(file.bucket.as_str())
        .bind(file.owner.as_ref().map(|o| o.as_str()))
        .bind(file.name.as_str())
        .bind(i64::try_from(file.size).unwrap_or(i64::MAX))
        .bind(file.content_type.as_str())
        .bind(file.sha256.as_str())
        .bind(file.created_at.as_millis())
        .execute(&mut tx)
        .await?;
    if inserted == 0 {
        return Ok(false);
    }
    record_if_subscribed(&mut tx, EventType::FileUploaded, file.created_at, || {
        vec![event::file_uploaded(file)]
    })
    .await?;
    tx.commit().await.or_store_error()?;
    Ok(true)
}

/// The file, if the caller may do `action` to it.
pub async fn file<DB: Backend>(
    reader: &Pool<DB>,
    id: &DocumentId,
    caller: &Caller,
    action: Action,
) -> Result<Option<StoredFile>, StoreError> {
    let mut values = vec![SqlValue::Text(id.to_string())];
    let allowed = access_condition(caller, action, "b.permission", "f.owner", 2, &mut values);
    let text = format!(
        "SELECT {} FROM files f JOIN buckets b ON b.name = f.bucket WHERE f.id = ?1 AND {allowed}",
        sql::FILE_COLUMNS
    );
    let statement = values
        .into_iter()
        .fold(Statement::new(text), |statement, value| {
            statement.bind(value)
        });
    let row = statement.fetch_optional(reader).await?;
    row.as_ref().map(file_from_row).transpose()
}

/// Deletes the file if the caller may change it; the deleted row.
pub async fn delete_file<DB: Backend>(
    writer: &Pool<DB>,
    id: &DocumentId,
    caller: &Caller,
) -> Result<Option<StoredFile>, StoreError> {
    let mut values = vec![SqlValue::Text(id.to_string())];
    let allowed = access_condition(
        caller,
        Action::Write,
        "b.permission",
        "f.owner",
        2,
        &mut values,
    );
    let text = format!(
        "DELETE FROM files WHERE id = ?1 AND EXISTS (
             SELECT 1 FROM files f JOIN buckets b ON b.name = f.bucket
             WHERE f.id = ?1 AND {allowed})
         RETURNING {}",
        sql::FILE_COLUMNS.replace("f.", "")
    );
    let statement = values
        .into_iter()
        .fold(Statement::new(text), |statement, value| {
            statement.bind(value)
        });
    let row = statement.fetch_optional(writer).await?;
    row.as_ref().map(file_from_row).transpose()
}

/// A page of a bucket's files, by id.
pub async fn list_files<DB: Backend>(
    reader: &Pool<DB>,
    bucket: &BucketName,
    owner: Option<&OpenId>,
    after: Option<&DocumentId>,
    limit: u32,
) -> Result<Vec<StoredFile>, StoreError> {
    let text = format!(
        "SELECT {} FROM files f WHERE f.bucket = ?1 AND (?2 IS NULL OR f.owner = ?2)
         AND (?3 IS NULL OR f.id > ?3) ORDER BY f.id LIMIT ?4",
        sql::FILE_COLUMNS
    );
    let rows = Statement::new(text)
        .bind(bucket.as_str())
        .bind(owner.map(|o| o.as_str()))
        .bind(after.map(|a| a.as_str()))
        .bind(i64::from(limit))
        .fetch_all(reader)
        .await?;
    rows.iter().map(file_from_row).collect()
}

/// Which of `ids` have a row.
pub async fn existing_files<DB: Backend>(
    reader: &Pool<DB>,
    ids: &[DocumentId],
) -> Result<Vec<DocumentId>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=ids.len()).map(|n| format!("?{n}")).collect();
    let text = format!(
        "SELECT id FROM files WHERE id IN ({})",
        placeholders.join(", ")
    );
    let rows = ids
        .iter()
        .fold(Statement::new(text), |statement, id| {
            statement.bind(id.as_str())
        })
        .fetch_all(reader)
        .await?;
    rows.iter()
        .map(|row| {
            let id: String = row.read("id")?;
            DocumentId::parse(&id).ok_or_else(|| crate::errors::corrupt("files.id", &id))
        })
        .collect()
}
