//! `impl MessageStore` for a store type, written once for both backends by a macro.

/// Binds a rule's columns (name, priority, kind, pattern, reply) to a query, in that order.
macro_rules! bind_rule {
    ($query:expr, $rule:expr) => {{
        let (name, priority, kind, pattern, reply) = crate::messages::rows::rule_values($rule);
        $query
            .bind(name.map(str::to_owned))
            .bind(priority)
            .bind(kind)
            .bind(pattern.to_owned())
            .bind(reply)
    }};
}

/// Implements `MessageStore` for a store with a `$pool` field (the pool writes go to),
/// rewriting SQL with `$sql`; `$lock` is appended to the claim's row selection;
/// `record_inbound` is delegated to the store's inherent method `$record_inbound` (SQLite
/// writes it on its group-commit thread, PostgreSQL batches it in `postgres::inbound`).
macro_rules! message_queries {
    ($store:ty, $pool:ident, $sql:path, $lock:expr, record_inbound: $record_inbound:ident) => {
        #[async_trait::async_trait]
        impl wxbase_core::MessageStore for $store {
            async fn record_inbound(
                &self,
                inbound: &wxbase_core::messages::NewInbound,
                replies: &[wxbase_core::messages::NewOutbound],
            ) -> Result<Option<wxbase_core::messages::MessageId>, wxbase_core::StoreError> {
                self.$record_inbound(inbound, replies).await
            }

            async fn queue_outbound(
                &self,
                outbound: &wxbase_core::messages::NewOutbound,
            ) -> Result<wxbase_core::messages::StoredMessage, wxbase_core::StoreError> {
                use crate::errors::store_error;
                let row = sqlx::query(&$sql(&crate::messages::sql::insert_outbound()))
                    .bind(outbound.app_id.as_str())
                    .bind(outbound.openid.as_str())
                    .bind(outbound.msg_type())
                    .bind(outbound.content_json())
                    .bind(outbound.created_at.as_millis())
                    .bind(outbound.initial_status().as_str())
                    .bind(None::<i64>)
                    .fetch_one(&self.$pool)
                    .await
                    .map_err(store_error)?;
                crate::messages::rows::message_from_row(&row)
            }

            async fn claim_outbound(
                &self,
                now: wxbase_core::Timestamp,
                lease_until: wxbase_core::Timestamp,
                limit: u32,
            ) -> Result<Vec<wxbase_core::messages::ClaimedOutbound>, wxbase_core::StoreError> {
                use crate::errors::store_error;
                let rows: Vec<(i64, String, String, String, i64)> =
                    sqlx::query_as(&$sql(&crate::messages::sql::claim($lock)))
                        .bind(now.as_millis())
                        .bind(lease_until.as_millis())
                        .bind(i64::from(limit))
                        .fetch_all(&self.$pool)
                        .await
                        .map_err(store_error)?;
                let mut claimed = rows
                    .into_iter()
                    .map(|(id, app_id, openid, content, attempts)| {
                        let corrupt = |e: wxbase_wechat::IdError| {
                            wxbase_core::StoreError::Corrupt(format!("messages row {id}: {e}"))
                        };
                        Ok(wxbase_core::messages::ClaimedOutbound {
                            id: wxbase_core::messages::MessageId(id),
                            app_id: wxbase_wechat::AppId::parse(app_id).map_err(corrupt)?,
                            openid: wxbase_wechat::OpenId::parse(openid).map_err(corrupt)?,
                            content,
                            attempts,
                        })
                    })
                    .collect::<Result<Vec<_>, wxbase_core::StoreError>>()?;
                claimed.sort_by_key(|job| job.id);
                Ok(claimed)
            }

            async fn renew_outbound_lease(
                &self,
                id: wxbase_core::messages::MessageId,
                held_until: wxbase_core::Timestamp,
                until: wxbase_core::Timestamp,
            ) -> Result<bool, wxbase_core::StoreError> {
                let done = sqlx::query(&$sql(crate::messages::sql::RENEW_LEASE))
                    .bind(id.0)
                    .bind(held_until.as_millis())
                    .bind(until.as_millis())
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn finish_outbound(
                &self,
                id: wxbase_core::messages::MessageId,
                held_until: wxbase_core::Timestamp,
                outcome: &wxbase_core::messages::SendOutcome,
            ) -> Result<bool, wxbase_core::StoreError> {
                use crate::messages::sql;
                use wxbase_core::messages::SendOutcome;
                let pool = &self.$pool;
                let held = held_until.as_millis();
                let done = match outcome {
                    SendOutcome::Sent { at } => {
                        sqlx::query(&$sql(sql::MARK_SENT))
                            .bind(id.0)
                            .bind(held)
                            .bind(at.as_millis())
                            .execute(pool)
                            .await
                    }
                    SendOutcome::Retry {
                        errcode,
                        error,
                        next_attempt_at,
                    } => {
                        sqlx::query(&$sql(sql::MARK_RETRY))
                            .bind(id.0)
                            .bind(held)
                            .bind(*errcode)
                            .bind(error.clone())
                            .bind(next_attempt_at.as_millis())
                            .execute(pool)
                            .await
                    }
                    SendOutcome::Failed { errcode, error } => {
                        sqlx::query(&$sql(sql::MARK_FAILED))
                            .bind(id.0)
                            .bind(held)
                            .bind(*errcode)
                            .bind(error.clone())
                            .execute(pool)
                            .await
                    }
                };
                let done = done.map_err(crate::errors::store_error)?;
                Ok(done.rows_affected() == 1)
            }

            async fn conversation(
                &self,
                app_id: &wxbase_wechat::AppId,
                openid: &wxbase_wechat::OpenId,
                before: Option<wxbase_core::messages::MessageId>,
                limit: u32,
            ) -> Result<Vec<wxbase_core::messages::StoredMessage>, wxbase_core::StoreError> {
                let rows = sqlx::query(&$sql(&crate::messages::sql::conversation()))
                    .bind(app_id.as_str())
                    .bind(openid.as_str())
                    .bind(before.map_or(i64::MAX, |id| id.0))
                    .bind(i64::from(limit))
                    .fetch_all(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                rows.iter()
                    .map(crate::messages::rows::message_from_row)
                    .collect()
            }

            async fn count_messages(
                &self,
                app_id: &wxbase_wechat::AppId,
            ) -> Result<u64, wxbase_core::StoreError> {
                let count: i64 = sqlx::query_scalar(&$sql(crate::messages::sql::COUNT_MESSAGES))
                    .bind(app_id.as_str())
                    .fetch_one(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(u64::try_from(count).unwrap_or_default())
            }

            async fn list_rules(
                &self,
            ) -> Result<Vec<wxbase_core::messages::ReplyRule>, wxbase_core::StoreError> {
                let rows = sqlx::query(&$sql(&crate::messages::sql::list_rules()))
                    .fetch_all(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                rows.iter()
                    .map(crate::messages::rows::rule_from_row)
                    .collect()
            }

            async fn create_rule(
                &self,
                rule: &wxbase_core::messages::NewRule,
                now: wxbase_core::Timestamp,
            ) -> Result<wxbase_core::messages::ReplyRule, wxbase_core::StoreError> {
                let text = crate::messages::sql::create_rule();
                let statement = $sql(&text);
                let row = crate::messages::bind_rule!(sqlx::query(&statement), rule)
                    .bind(now.as_millis())
                    .fetch_one(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                crate::messages::rows::rule_from_row(&row)
            }

            async fn update_rule(
                &self,
                id: wxbase_core::messages::RuleId,
                rule: &wxbase_core::messages::NewRule,
                now: wxbase_core::Timestamp,
            ) -> Result<Option<wxbase_core::messages::ReplyRule>, wxbase_core::StoreError> {
                let text = crate::messages::sql::update_rule();
                let statement = $sql(&text);
                let query = sqlx::query(&statement).bind(id.0);
                let row = crate::messages::bind_rule!(query, rule)
                    .bind(now.as_millis())
                    .fetch_optional(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                row.as_ref()
                    .map(crate::messages::rows::rule_from_row)
                    .transpose()
            }

            async fn delete_rule(
                &self,
                id: wxbase_core::messages::RuleId,
            ) -> Result<bool, wxbase_core::StoreError> {
                let done = sqlx::query(&$sql(crate::messages::sql::DELETE_RULE))
                    .bind(id.0)
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(done.rows_affected() > 0)
            }

            async fn sync_named_rules(
                &self,
                rules: &[wxbase_core::messages::NewRule],
                now: wxbase_core::Timestamp,
            ) -> Result<(), wxbase_core::StoreError> {
                use crate::errors::store_error;
                let statement = $sql(crate::messages::sql::SYNC_RULE);
                let mut tx = self.$pool.begin().await.map_err(store_error)?;
                for rule in rules {
                    crate::messages::bind_rule!(sqlx::query(&statement), rule)
                        .bind(now.as_millis())
                        .execute(&mut *tx)
                        .await
                        .map_err(store_error)?;
                }
                tx.commit().await.map_err(store_error)
            }

            async fn seed_rule_if_none(
                &self,
                rule: &wxbase_core::messages::NewRule,
                now: wxbase_core::Timestamp,
            ) -> Result<bool, wxbase_core::StoreError> {
                let statement = $sql(crate::messages::sql::SEED_RULE);
                let done = crate::messages::bind_rule!(sqlx::query(&statement), rule)
                    .bind(now.as_millis())
                    .execute(&self.$pool)
                    .await
                    .map_err(crate::errors::store_error)?;
                Ok(done.rows_affected() == 1)
            }
        }
    };
}

pub(crate) use bind_rule;
pub(crate) use message_queries;
