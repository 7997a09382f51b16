//! The [`FileStore`](wxbase_core::FileStore) statements, run on either backend: each function
//! is one trait method, given the pool it reads from or writes to.

use sqlx::Pool;
use wxbase_core::collections::{Action, Caller, DocumentId};
use wxbase_core::files::{
    Bucket, BucketModeration, BucketName, Decision, MediaCheckOutcome, ModerationStatus, StoredFile,
};
use wxbase_core::messages::NewInbound;
use wxbase_core::webhooks::{event, EventType};
use wxbase_core::StoreError;
use wxbase_core::Timestamp;
use wxbase_wechat::OpenId;

use super::rows::{
    bucket_from_row, bucket_moderation, file_from_row, moderation_columns, types_text,
};
use super::sql::{self, access_condition, moderation_condition};
use crate::backend::{Backend, ReadRow};
use crate::errors::SqlxResultExt;
use crate::messages::queries::insert_inbound_in;
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
    let (scene, timeout) = moderation_columns(bucket);
    let created = Statement::new(sql::INSERT_BUCKET)
        .bind(bucket.name.as_str())
        .bind(bucket.permission.as_str())
        .bind(max_bytes(bucket))
        .bind(types_text(bucket))
        .bind(bucket.created_at.as_millis())
        .bind(bucket.updated_at.as_millis())
        .bind(scene)
        .bind(timeout)
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
    let (scene, timeout) = moderation_columns(bucket);
    let changed = Statement::new(sql::UPDATE_BUCKET)
        .bind(bucket.name.as_str())
        .bind(bucket.permission.as_str())
        .bind(max_bytes(bucket))
        .bind(types_text(bucket))
        .bind(bucket.updated_at.as_millis())
        .bind(scene)
        .bind(timeout)
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
        .bind(file.moderation.as_ref().map(|m| m.status.as_str()))
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
    let next = values.len() + 1;
    let moderated = moderation_condition(caller, "f.moderation", "f.owner", next, &mut values);
    let text = format!(
        "SELECT {} FROM files f JOIN buckets b ON b.name = f.bucket
         WHERE f.id = ?1 AND {allowed} AND {moderated}",
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
    let next = values.len() + 1;
    let moderated = moderation_condition(caller, "f.moderation", "f.owner", next, &mut values);
    let text = format!(
        "DELETE FROM files WHERE id = ?1 AND EXISTS (
             SELECT 1 FROM files f JOIN buckets b ON b.name = f.bucket
             WHERE f.id = ?1 AND {allowed} AND {moderated})
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

/// The file a signed URL names, unless moderation found it risky.
pub async fn signed_file<DB: Backend>(
    reader: &Pool<DB>,
    id: &DocumentId,
) -> Result<Option<StoredFile>, StoreError> {
    let text = format!(
        "SELECT {} FROM files f WHERE f.id = ?1
         AND (f.moderation IS NULL OR f.moderation <> 'risky')",
        sql::FILE_COLUMNS
    );
    let row = Statement::new(text)
        .bind(id.as_str())
        .fetch_optional(reader)
        .await?;
    row.as_ref().map(file_from_row).transpose()
}

/// Keeps a pending file's trace_id; `false` if it is no longer pending.
pub async fn set_trace_id<DB: Backend>(
    writer: &Pool<DB>,
    id: &DocumentId,
    trace_id: &str,
) -> Result<bool, StoreError> {
    let changed = Statement::new(sql::SET_TRACE_ID)
        .bind(id.as_str())
        .bind(trace_id)
        .execute(writer)
        .await?;
    Ok(changed > 0)
}

/// Writes `decision` to the file chosen by `which` (its SQL, with placeholders from ?5 on,
/// bound from `values`), and records `file.moderated` for the endpoints that take it.
async fn decide_in<DB: Backend>(
    tx: &mut sqlx::Transaction<'static, DB>,
    which: &str,
    values: Vec<SqlValue>,
    decision: &Decision,
) -> Result<Option<StoredFile>, StoreError> {
    let text = format!(
        "{} WHERE {which} RETURNING {}",
        sql::DECIDE,
        sql::FILE_COLUMNS.replace("f.", "")
    );
    let statement = Statement::new(text)
        .bind(decision.status.as_str())
        .bind(decision.label)
        .bind(decision.source.as_str())
        .bind(decision.at.as_millis());
    let row = values
        .into_iter()
        .fold(statement, |statement, value| statement.bind(value))
        .fetch_optional(&mut *tx)
        .await?;
    let Some(file) = row.as_ref().map(file_from_row).transpose()? else {
        return Ok(None);
    };
    record_if_subscribed(tx, EventType::FileModerated, decision.at, || {
        vec![event::file_moderated(
            file.bucket.as_str(),
            file.id.as_str(),
            moderated_data(&file),
            decision.at,
        )]
    })
    .await?;
    Ok(Some(file))
}

/// The `file.moderated` event's data: the verdict, never the bytes nor a URL.
fn moderated_data(file: &StoredFile) -> serde_json::Value {
    let moderation = file.moderation.as_ref();
    serde_json::json!({
        "id": file.id.as_str(),
        "name": file.name,
        "contentType": file.content_type,
        "owner": file.owner.as_ref().map(|o| o.as_str().to_owned()),
        "status": moderation.map(|m| m.status.as_str()),
        "label": moderation.and_then(|m| m.label),
        "traceId": moderation.and_then(|m| m.trace_id.clone()),
        "source": moderation.and_then(|m| m.source).map(|s| s.as_str()),
        "decidedAt": moderation.and_then(|m| m.decided_at).map(|t| t.to_rfc3339()),
    })
}

/// Records a media check push unless known, then decides its pending file, in one
/// transaction.
pub async fn record_media_check<DB: Backend>(
    writer: &Pool<DB>,
    inbound: &NewInbound,
    trace_id: &str,
    decision: &Decision,
) -> Result<MediaCheckOutcome, StoreError> {
    let mut tx = writer.begin().await.or_store_error()?;
    if insert_inbound_in(&mut tx, inbound).await?.is_none() {
        return Ok(MediaCheckOutcome::Duplicate);
    }
    let decided = decide_in(
        &mut tx,
        "trace_id = ?5 AND moderation = 'pending'",
        vec![SqlValue::Text(trace_id.to_owned())],
        decision,
    )
    .await?;
    tx.commit().await.or_store_error()?;
    Ok(match decided {
        Some(file) => MediaCheckOutcome::Decided(Box::new(file)),
        None => MediaCheckOutcome::Unmatched,
    })
}

/// Decides a moderated file of a bucket (only a pending one, when `only_pending`).
pub async fn decide_file<DB: Backend>(
    writer: &Pool<DB>,
    bucket: &BucketName,
    id: &DocumentId,
    decision: &Decision,
    only_pending: bool,
) -> Result<Option<StoredFile>, StoreError> {
    let which = if only_pending {
        "id = ?5 AND bucket = ?6 AND moderation = 'pending'"
    } else {
        "id = ?5 AND bucket = ?6 AND moderation IS NOT NULL"
    };
    let mut tx = writer.begin().await.or_store_error()?;
    let decided = decide_in(
        &mut tx,
        which,
        vec![
            SqlValue::Text(id.to_string()),
            SqlValue::Text(bucket.as_str().to_owned()),
        ],
        decision,
    )
    .await?;
    tx.commit().await.or_store_error()?;
    Ok(decided)
}

/// Pending or risky files, newest first.
pub async fn moderation_queue<DB: Backend>(
    reader: &Pool<DB>,
    status: Option<ModerationStatus>,
    before: Option<&DocumentId>,
    limit: u32,
) -> Result<Vec<StoredFile>, StoreError> {
    let statuses = match status {
        Some(status) => format!("'{}'", status.as_str()),
        None => "'pending', 'risky'".to_owned(),
    };
    let text = format!(
        "SELECT {} FROM files f WHERE f.moderation IN ({statuses})
         AND (?1 IS NULL OR f.id < ?1) ORDER BY f.id DESC LIMIT ?2",
        sql::FILE_COLUMNS
    );
    let rows = Statement::new(text)
        .bind(before.map(|b| b.as_str()))
        .bind(i64::from(limit))
        .fetch_all(reader)
        .await?;
    rows.iter().map(file_from_row).collect()
}

/// Pending files uploaded before `created_before`, oldest first, with their bucket's
/// moderation.
pub async fn stale_pending<DB: Backend>(
    reader: &Pool<DB>,
    created_before: Timestamp,
    untraced_only: bool,
    limit: u32,
) -> Result<Vec<(StoredFile, Option<BucketModeration>)>, StoreError> {
    let untraced = if untraced_only {
        "AND f.trace_id IS NULL"
    } else {
        ""
    };
    let text = format!(
        "SELECT {}, b.moderation_scene, b.moderation_timeout
         FROM files f JOIN buckets b ON b.name = f.bucket
         WHERE f.moderation = 'pending' AND f.created_at < ?1 {untraced}
         ORDER BY f.id LIMIT ?2",
        sql::FILE_COLUMNS
    );
    let rows = Statement::new(text)
        .bind(created_before.as_millis())
        .bind(i64::from(limit))
        .fetch_all(reader)
        .await?;
    rows.iter()
        .map(|row| Ok((file_from_row(row)?, bucket_moderation(row)?)))
        .collect()
}
