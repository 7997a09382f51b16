//! The [`FollowerStore`](wxbase_core::FollowerStore) statements, run on either backend: each
//! function is one trait method, given the pool the store writes to (`writer`) and, where it
//! reads without writing, the pool plain reads use (`reader`; SQLite's read-only connections,
//! PostgreSQL's one pool).

use sqlx::Pool;
use wxbase_core::official_account::{
    EventOutcome, Follower, FollowerCounts, ListedFollower, NewFollowEvent, SyncDue, SyncProgress,
    SyncResume, SyncRun, SyncStatus,
};
use wxbase_core::webhooks::{event as webhook_event, EventType};
use wxbase_core::{StoreError, Timestamp};
use wxbase_wechat::{AppId, OpenId, UnionId};

use super::rows::{follower_from_row, sync_status_from_row};
use super::sql;
use crate::backend::{Backend, ReadRow};
use crate::errors::{corrupt, SqlxResultExt};
use crate::sql::Statement;
use crate::webhooks::queries::record_if_subscribed;

/// Logs the event and applies it, in one transaction, unless it was logged before (a
/// duplicate) or the follower's row reflects a later change (superseded).
pub async fn record_follow_event<DB: Backend>(
    writer: &Pool<DB>,
    reader: &Pool<DB>,
    event: &NewFollowEvent,
) -> Result<EventOutcome, StoreError> {
    let mut tx = writer.begin().await.or_store_error()?;
    let logged = Statement::new(sql::LOG_EVENT)
        .bind(event.app_id.as_str())
        .bind(event.openid.as_str())
        .bind(event.kind.as_str())
        .bind(event.at.as_millis())
        .bind(event.received_at.as_millis())
        .execute(&mut tx)
        .await?;
    if logged == 0 {
        tx.rollback().await.or_store_error()?;
        let known = follower(reader, &event.app_id, &event.openid).await?;
        return Ok(EventOutcome::Duplicate(known));
    }
    let applied = Statement::new(sql::apply_event())
        .bind(event.app_id.as_str())
        .bind(event.openid.as_str())
        .bind(event.follows())
        .bind(event.follows().then(|| event.at.as_millis()))
        .bind(event.at.as_millis())
        .bind(event.received_at.as_millis())
        .fetch_optional(&mut tx)
        .await?;
    let applied = applied.as_ref().map(follower_from_row).transpose()?;
    if let Some(follower) = &applied {
        let kind = if follower.following {
            EventType::FollowerSubscribed
        } else {
            EventType::FollowerUnsubscribed
        };
        record_if_subscribed(&mut tx, kind, event.received_at, || {
            vec![webhook_event::follower_changed(follower)]
        })
        .await?;
    }
    tx.commit().await.or_store_error()?;
    match applied {
        Some(follower) => Ok(EventOutcome::Applied(follower)),
        None => {
            let newer = follower(reader, &event.app_id, &event.openid)
                .await?
                .ok_or_else(|| {
                    StoreError::Corrupt("a superseded follow event has no follower".to_owned())
                })?;
            Ok(EventOutcome::Superseded(newer))
        }
    }
}

/// Stores a follower's unionid.
pub async fn set_follower_unionid<DB: Backend>(
    writer: &Pool<DB>,
    app_id: &AppId,
    openid: &OpenId,
    unionid: &UnionId,
    now: Timestamp,
) -> Result<(), StoreError> {
    Statement::new(sql::SET_UNIONID)
        .bind(app_id.as_str())
        .bind(openid.as_str())
        .bind(unionid.as_str())
        .bind(now.as_millis())
        .execute(writer)
        .await?;
    Ok(())
}

/// The latest changed follower with this unionid.
pub async fn follower_by_unionid<DB: Backend>(
    reader: &Pool<DB>,
    app_id: &AppId,
    unionid: &UnionId,
) -> Result<Option<Follower>, StoreError> {
    one_follower(reader, sql::by_unionid(), app_id, unionid.as_str()).await
}

/// The follower with this openid.
pub async fn follower<DB: Backend>(
    reader: &Pool<DB>,
    app_id: &AppId,
    openid: &OpenId,
) -> Result<Option<Follower>, StoreError> {
    one_follower(reader, sql::by_openid(), app_id, openid.as_str()).await
}

/// The follower `statement` finds with `?1` the account and `?2` the key.
async fn one_follower<DB: Backend>(
    reader: &Pool<DB>,
    statement: String,
    app_id: &AppId,
    key: &str,
) -> Result<Option<Follower>, StoreError> {
    let row = Statement::new(statement)
        .bind(app_id.as_str())
        .bind(key)
        .fetch_optional(reader)
        .await?;
    row.as_ref().map(follower_from_row).transpose()
}

/// Known users, followers, and followers with a unionid.
pub async fn count_followers<DB: Backend>(
    reader: &Pool<DB>,
    app_id: &AppId,
) -> Result<FollowerCounts, StoreError> {
    let row = Statement::new(sql::COUNT)
        .bind(app_id.as_str())
        .fetch_one(reader)
        .await?;
    let count = |column: usize| -> Result<u64, StoreError> {
        Ok(u64::try_from(row.read::<i64>(column)?).unwrap_or_default())
    };
    Ok(FollowerCounts {
        known: count(0)?,
        following: count(1)?,
        with_unionid: count(2)?,
    })
}

/// Takes the sync lease and starts (or continues) a run, if the lease is free and, for a
/// periodic run (`due`), one is due; `None` otherwise.
pub async fn begin_follower_sync<DB: Backend>(
    writer: &Pool<DB>,
    app_id: &AppId,
    holder: &str,
    now: Timestamp,
    lease_until: Timestamp,
    due: Option<SyncDue>,
    resume_since: Timestamp,
) -> Result<Option<SyncRun>, StoreError> {
    Statement::new(sql::ENSURE_SYNC_ROW)
        .bind(app_id.as_str())
        .execute(writer)
        .await?;
    let begun = Statement::new(sql::begin())
        .bind(app_id.as_str())
        .bind(holder)
        .bind(now.as_millis())
        .bind(lease_until.as_millis())
        .bind(due.map(|d| d.completed_before.as_millis()))
        .bind(due.map(|d| d.started_before.as_millis()))
        .bind(resume_since.as_millis())
        .fetch_optional(writer)
        .await?;
    let Some(row) = begun else {
        return Ok(None);
    };
    let generation: i64 = row.read(0)?;
    let resume_after: Option<String> = row.read(1)?;
    let resume_listed: i64 = row.read(2)?;
    let resume = resume_after
        .map(|after| {
            OpenId::parse(after)
                .map(|after| SyncResume {
                    after,
                    listed: resume_listed,
                })
                .map_err(|e| corrupt("oa_sync resume_after", e))
        })
        .transpose()?;
    Ok(Some(SyncRun {
        app_id: app_id.clone(),
        generation,
        holder: holder.to_owned(),
        resume,
    }))
}

/// Records a batch of listed followers and the run's progress, extending its lease, in one
/// transaction; `false` (and nothing recorded) if the run no longer holds the lease.
pub async fn record_listed_followers<DB: Backend>(
    writer: &Pool<DB>,
    run: &SyncRun,
    followers: &[ListedFollower],
    progress: SyncProgress,
    now: Timestamp,
    lease_until: Timestamp,
) -> Result<bool, StoreError> {
    let mut tx = writer.begin().await.or_store_error()?;
    let held = Statement::new(sql::PROGRESS)
        .bind(run.app_id.as_str())
        .bind(run.holder.as_str())
        .bind(run.generation)
        .bind(lease_until.as_millis())
        .bind(progress.listed)
        .bind(progress.total)
        .bind(progress.page_done.as_ref().map(|openid| openid.as_str()))
        .execute(&mut tx)
        .await?;
    if held == 0 {
        tx.rollback().await.or_store_error()?;
        return Ok(false);
    }
    for follower in followers {
        Statement::new(sql::UPSERT_LISTED)
            .bind(run.app_id.as_str())
            .bind(follower.openid.as_str())
            .bind(follower.unionid.as_ref().map(|u| u.as_str()))
            .bind(follower.since.map(|s| s.as_millis()))
            .bind(follower.changed_at.as_millis())
            .bind(run.generation)
            .bind(now.as_millis())
            .execute(&mut tx)
            .await?;
    }
    tx.commit().await.or_store_error()?;
    Ok(true)
}

/// Completes a run: marks everyone it did not list as not following and frees the lease, in
/// one transaction; how many it marked, or `None` if the run no longer holds the lease.
pub async fn finish_follower_sync<DB: Backend>(
    writer: &Pool<DB>,
    run: &SyncRun,
    now: Timestamp,
) -> Result<Option<u64>, StoreError> {
    let mut tx = writer.begin().await.or_store_error()?;
    let held = Statement::new(sql::COMPLETE)
        .bind(run.app_id.as_str())
        .bind(run.holder.as_str())
        .bind(run.generation)
        .bind(now.as_millis())
        .execute(&mut tx)
        .await?;
    if held == 0 {
        tx.rollback().await.or_store_error()?;
        return Ok(None);
    }
    let marked = Statement::new(sql::MARK_UNLISTED)
        .bind(run.app_id.as_str())
        .bind(run.generation)
        .bind(now.as_millis())
        .execute(&mut tx)
        .await?;
    Statement::new(sql::SET_MARKED)
        .bind(run.app_id.as_str())
        .bind(i64::try_from(marked).unwrap_or(i64::MAX))
        .execute(&mut tx)
        .await?;
    tx.commit().await.or_store_error()?;
    Ok(Some(marked))
}

/// Frees the lease of a failed run and records why.
pub async fn abandon_follower_sync<DB: Backend>(
    writer: &Pool<DB>,
    run: &SyncRun,
    error: &str,
) -> Result<(), StoreError> {
    Statement::new(sql::ABANDON)
        .bind(run.app_id.as_str())
        .bind(run.holder.as_str())
        .bind(run.generation)
        .bind(error)
        .execute(writer)
        .await?;
    Ok(())
}

/// The sync state of the account, if a sync ever began.
pub async fn follower_sync_status<DB: Backend>(
    reader: &Pool<DB>,
    app_id: &AppId,
    now: Timestamp,
) -> Result<Option<SyncStatus>, StoreError> {
    let row = Statement::new(sql::STATUS)
        .bind(app_id.as_str())
        .fetch_optional(reader)
        .await?;
    row.as_ref()
        .map(|row| sync_status_from_row(row, now))
        .transpose()
}
