//! `impl FollowerStore` for a store type, written once for both backends by a macro.

/// Implements `FollowerStore` for a store with a `$pool` field (the pool writes go to) and a
/// `$readers` field (the pool plain reads use), rewriting SQL with `$sql`.
macro_rules! follower_queries {
    ($store:ty, $pool:ident, $readers:ident, $sql:path) => {
        #[async_trait::async_trait]
        impl wxbase_core::FollowerStore for $store {
            async fn record_follow_event(
                &self,
                event: &wxbase_core::official_account::NewFollowEvent,
            ) -> Result<wxbase_core::official_account::EventOutcome, wxbase_core::StoreError> {
                use crate::errors::store_error;
                use crate::followers::sql;
                use wxbase_core::official_account::EventOutcome;
                let mut tx = self.$pool.begin().await.map_err(store_error)?;
                let logged = sqlx::query(&$sql(sql::LOG_EVENT))
                    .bind(event.app_id.as_str())
                    .bind(event.openid.as_str())
                    .bind(event.kind.as_str())
                    .bind(event.at.as_millis())
                    .bind(event.received_at.as_millis())
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                if logged.rows_affected() == 0 {
                    tx.rollback().await.map_err(store_error)?;
                    let follower = self.follower(&event.app_id, &event.openid).await?;
                    return Ok(EventOutcome::Duplicate(follower));
                }
                let applied = sqlx::query(&$sql(&sql::apply_event()))
                    .bind(event.app_id.as_str())
                    .bind(event.openid.as_str())
                    .bind(event.follows())
                    .bind(event.follows().then(|| event.at.as_millis()))
                    .bind(event.at.as_millis())
                    .bind(event.received_at.as_millis())
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(store_error)?;
                tx.commit().await.map_err(store_error)?;
                match applied {
                    Some(row) => Ok(EventOutcome::Applied(
                        crate::followers::rows::follower_from_row(&row)?,
                    )),
                    None => {
                        let follower = self
                            .follower(&event.app_id, &event.openid)
                            .await?
                            .ok_or_else(|| {
                                wxbase_core::StoreError::Corrupt(
                                    "a superseded follow event has no follower".to_owned(),
                                )
                            })?;
                        Ok(EventOutcome::Superseded(follower))
                    }
                }
            }

            async fn set_follower_unionid(
                &self,
                app_id: &wxbase_wechat::AppId,
                openid: &wxbase_wechat::OpenId,
                unionid: &wxbase_wechat::UnionId,
                now: wxbase_core::Timestamp,
            ) -> Result<(), wxbase_core::StoreError> {
                sqlx::query(&$sql(crate::followers::sql::SET_UNIONID))
                    .bind(app_id.as_str())
                    .bind(openid.as_str())
                    .bind(unionid.as_str())
                    .bind(now.as_millis())
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(())
            }

            async fn follower_by_unionid(
                &self,
                app_id: &wxbase_wechat::AppId,
                unionid: &wxbase_wechat::UnionId,
            ) -> Result<Option<wxbase_core::official_account::Follower>, wxbase_core::StoreError>
            {
                let statement = crate::followers::sql::by_unionid();
                self.one_follower(&statement, app_id, unionid.as_str())
                    .await
            }

            async fn follower(
                &self,
                app_id: &wxbase_wechat::AppId,
                openid: &wxbase_wechat::OpenId,
            ) -> Result<Option<wxbase_core::official_account::Follower>, wxbase_core::StoreError>
            {
                let statement = crate::followers::sql::by_openid();
                self.one_follower(&statement, app_id, openid.as_str()).await
            }

            async fn count_followers(
                &self,
                app_id: &wxbase_wechat::AppId,
            ) -> Result<wxbase_core::official_account::FollowerCounts, wxbase_core::StoreError>
            {
                let (known, following, with_unionid): (i64, i64, i64) =
                    sqlx::query_as(&$sql(crate::followers::sql::COUNT))
                        .bind(app_id.as_str())
                        .fetch_one(&self.$readers)
                        .await
                        .map_err(crate::errors::store_error)?;
                let count = |n: i64| u64::try_from(n).unwrap_or_default();
                Ok(wxbase_core::official_account::FollowerCounts {
                    known: count(known),
                    following: count(following),
                    with_unionid: count(with_unionid),
                })
            }

            async fn begin_follower_sync(
                &self,
                app_id: &wxbase_wechat::AppId,
                holder: &str,
                now: wxbase_core::Timestamp,
                lease_until: wxbase_core::Timestamp,
                due: Option<wxbase_core::official_account::SyncDue>,
                resume_since: wxbase_core::Timestamp,
            ) -> Result<Option<wxbase_core::official_account::SyncRun>, wxbase_core::StoreError>
            {
                use crate::errors::store_error;
                use crate::followers::sql;
                use wxbase_core::official_account::{SyncResume, SyncRun};
                sqlx::query(&$sql(sql::ENSURE_SYNC_ROW))
                    .bind(app_id.as_str())
                    .execute(&self.$pool)
                    .await
                    .map_err(store_error)?;
                let begun: Option<(i64, Option<String>, i64)> =
                    sqlx::query_as(&$sql(&sql::begin()))
                        .bind(app_id.as_str())
                        .bind(holder)
                        .bind(now.as_millis())
                        .bind(lease_until.as_millis())
                        .bind(due.map(|d| d.completed_before.as_millis()))
                        .bind(due.map(|d| d.started_before.as_millis()))
                        .bind(resume_since.as_millis())
                        .fetch_optional(&self.$pool)
                        .await
                        .map_err(store_error)?;
                let Some((generation, resume_after, resume_listed)) = begun else {
                    return Ok(None);
                };
                let resume = resume_after
                    .map(|after| {
                        wxbase_wechat::OpenId::parse(after)
                            .map(|after| SyncResume {
                                after,
                                listed: resume_listed,
                            })
                            .map_err(|e| {
                                wxbase_core::StoreError::Corrupt(format!(
                                    "oa_sync resume_after: {e}"
                                ))
                            })
                    })
                    .transpose()?;
                Ok(Some(SyncRun {
                    app_id: app_id.clone(),
                    generation,
                    holder: holder.to_owned(),
                    resume,
                }))
            }

            async fn record_listed_followers(
                &self,
                run: &wxbase_core::official_account::SyncRun,
                followers: &[wxbase_core::official_account::ListedFollower],
                progress: wxbase_core::official_account::SyncProgress,
                now: wxbase_core::Timestamp,
                lease_until: wxbase_core::Timestamp,
            ) -> Result<bool, wxbase_core::StoreError> {
                use crate::errors::store_error;
                use crate::followers::sql;
                let mut tx = self.$pool.begin().await.map_err(store_error)?;
                let held = sqlx::query(&$sql(sql::PROGRESS))
                    .bind(run.app_id.as_str())
                    .bind(&run.holder)
                    .bind(run.generation)
                    .bind(lease_until.as_millis())
                    .bind(progress.listed)
                    .bind(progress.total)
                    .bind(progress.page_done.as_ref().map(|openid| openid.as_str()))
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                if held.rows_affected() == 0 {
                    tx.rollback().await.map_err(store_error)?;
                    return Ok(false);
                }
                let upsert = $sql(sql::UPSERT_LISTED);
                for follower in followers {
                    sqlx::query(&upsert)
                        .bind(run.app_id.as_str())
                        .bind(follower.openid.as_str())
                        .bind(follower.unionid.as_ref().map(|u| u.as_str()))
                        .bind(follower.since.map(|s| s.as_millis()))
                        .bind(follower.changed_at.as_millis())
                        .bind(run.generation)
                        .bind(now.as_millis())
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                }
                tx.commit().await.map_err(store_error)?;
                Ok(true)
            }

            async fn finish_follower_sync(
                &self,
                run: &wxbase_core::official_account::SyncRun,
                now: wxbase_core::Timestamp,
            ) -> Result<Option<u64>, wxbase_core::StoreError> {
                use crate::errors::store_error;
                use crate::followers::sql;
                let mut tx = self.$pool.begin().await.map_err(store_error)?;
                let held = sqlx::query(&$sql(sql::COMPLETE))
                    .bind(run.app_id.as_str())
                    .bind(&run.holder)
                    .bind(run.generation)
                    .bind(now.as_millis())
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                if held.rows_affected() == 0 {
                    tx.rollback().await.map_err(store_error)?;
                    return Ok(None);
                }
                let marked = sqlx::query(&$sql(sql::MARK_UNLISTED))
                    .bind(run.app_id.as_str())
                    .bind(run.generation)
                    .bind(now.as_millis())
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?
                    .rows_affected();
                sqlx::query(&$sql(sql::SET_MARKED))
                    .bind(run.app_id.as_str())
                    .bind(i64::try_from(marked).unwrap_or(i64::MAX))
                    .execute(&mut *tx)
                    .await
                    .map_err(store_error)?;
                tx.commit().await.map_err(store_error)?;
                Ok(Some(marked))
            }

            async fn abandon_follower_sync(
                &self,
                run: &wxbase_core::official_account::SyncRun,
                error: &str,
            ) -> Result<(), wxbase_core::StoreError> {
                sqlx::query(&$sql(crate::followers::sql::ABANDON))
                    .bind(run.app_id.as_str())
                    .bind(&run.holder)
                    .bind(run.generation)
                    .bind(error)
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(())
            }

            async fn follower_sync_status(
                &self,
                app_id: &wxbase_wechat::AppId,
                now: wxbase_core::Timestamp,
            ) -> Result<Option<wxbase_core::official_account::SyncStatus>, wxbase_core::StoreError>
            {
                let row = sqlx::query(&$sql(crate::followers::sql::STATUS))
                    .bind(app_id.as_str())
                    .fetch_optional(&self.$readers)
                    .await
                    .map_err(crate::errors::store_error)?;
                row.as_ref()
                    .map(|row| crate::followers::rows::sync_status_from_row(row, now))
                    .transpose()
            }
        }

        impl $store {
            /// The follower `statement` finds with `?1` the account and `?2` the key.
            async fn one_follower(
                &self,
                statement: &str,
                app_id: &wxbase_wechat::AppId,
                key: &str,
            ) -> Result<Option<wxbase_core::official_account::Follower>, wxbase_core::StoreError>
            {
                let row = sqlx::query(&$sql(statement))
                    .bind(app_id.as_str())
                    .bind(key)
                    .fetch_optional(&self.$readers)
                    .await
                    .map_err(crate::errors::store_error)?;
                row.as_ref()
                    .map(crate::followers::rows::follower_from_row)
                    .transpose()
            }
        }
    };
}

pub(crate) use follower_queries;

/// The shared SQL as SQLite takes it.
pub fn sqlite_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    crate::sql::Dialect::Sqlite.shared(sql)
}

/// The shared SQL as PostgreSQL takes it.
pub fn postgres_sql(sql: &str) -> std::borrow::Cow<'_, str> {
    crate::sql::Dialect::Postgres.shared(sql)
}
