//! [`AlertStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Result;
use crate::alerts::*;
use crate::error::StoreError;
use crate::records::NewMail;
use crate::sql::{INSERT_MAIL, SqlStore, insert_mail};
use crate::sqlite_writer::{execute, insert_returning_id};

macro_rules! rule_cols {
    () => {
        "id, workspace_id, query_id, kind, params, channels, enabled, created_at"
    };
}
macro_rules! event_cols {
    () => {
        "id, workspace_id, rule_id, query_id, fired_at, updated_at, summary, item_count, first_item_id, acknowledged_by, acknowledged_at"
    };
}
macro_rules! delivery_cols {
    () => {
        "id, event_id, idempotency_key, channel, target, payload, status, attempts, delivered_at, last_error"
    };
}

fn rule(row: &AnyRow) -> Result<AlertRule> {
    Ok(AlertRule {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        query_id: row.try_get("query_id")?,
        kind: row.try_get("kind")?,
        params: row.try_get("params")?,
        channels: row.try_get("channels")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

fn event(row: &AnyRow) -> Result<AlertEvent> {
    Ok(AlertEvent {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        rule_id: row.try_get("rule_id")?,
        query_id: row.try_get("query_id")?,
        fired_at: row.try_get("fired_at")?,
        updated_at: row.try_get("updated_at")?,
        summary: row.try_get("summary")?,
        item_count: row.try_get("item_count")?,
        first_item_id: row.try_get("first_item_id")?,
        acknowledged_by: row.try_get("acknowledged_by")?,
        acknowledged_at: row.try_get("acknowledged_at")?,
    })
}

fn delivery(row: &AnyRow) -> Result<Delivery> {
    Ok(Delivery {
        id: row.try_get("id")?,
        event_id: row.try_get("event_id")?,
        idempotency_key: row.try_get("idempotency_key")?,
        channel: row.try_get("channel")?,
        target: row.try_get("target")?,
        payload: row.try_get("payload")?,
        status: row.try_get("status")?,
        attempts: row.try_get("attempts")?,
        delivered_at: row.try_get("delivered_at")?,
        last_error: row.try_get("last_error")?,
    })
}

// The writes made while items pour in: on SQLite they run on the batch writer's connection
// (rusqlite), on PostgreSQL through the pool (sqlx); the same statements for both.
const INSERT_EVENT: &str = "INSERT INTO alert_events (workspace_id, rule_id, query_id, fired_at, \
     updated_at, summary, item_count, first_item_id, ack_token_hash) \
     VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8) RETURNING id";
const INSERT_DELIVERY: &str = "INSERT INTO alert_deliveries (event_id, idempotency_key, channel, \
     target, payload, status, attempts, next_attempt_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $6)";
const MAIL_NOT_BEFORE: &str = "UPDATE mail_outbox SET next_attempt_at = $2 \
     WHERE idempotency_key = $1 AND status = 'pending'";
const ADD_TO_ALERT: &str =
    "UPDATE alert_events SET item_count = item_count + $2, updated_at = $3 WHERE id = $1";
const DELIVERY_DONE: &str = "UPDATE alert_deliveries SET status = 'delivered', delivered_at = $2, \
     attempts = attempts + 1, last_error = NULL WHERE id = $1";
const DELIVERY_FAILED: &str = "UPDATE alert_deliveries SET status = $2, attempts = attempts + 1, \
     last_error = $3, next_attempt_at = CASE WHEN $4 > 0 THEN $4 ELSE next_attempt_at END \
     WHERE id = $1";

/// What an `alert.raised` webhook event says.
fn alert_data(
    id: i64,
    rule_id: i64,
    query_id: i64,
    summary: &str,
    item_count: i64,
    first_item_id: Option<i64>,
    fired_at: i64,
) -> serde_json::Value {
    serde_json::json!({"alert": {"id": id, "rule_id": rule_id, "query_id": query_id,
        "summary": summary, "mention_count": item_count, "first_mention_id": first_item_id,
        "fired_at": fired_at}})
}

fn delivery_key(event_id: i64, index: usize) -> String {
    format!("alert-{event_id}-{index}")
}

#[async_trait]
impl AlertStore for SqlStore {
    async fn create_alert_rule(&self, n: &NewAlertRule<'_>) -> Result<AlertRule> {
        let row = sqlx::query(concat!(
            "INSERT INTO alert_rules (workspace_id, query_id, kind, params, channels, enabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING ",
            rule_cols!()
        ))
        .bind(n.workspace_id)
        .bind(n.query_id)
        .bind(n.kind)
        .bind(n.params)
        .bind(n.channels)
        .bind(n.now)
        .fetch_one(&self.pool)
        .await?;
        rule(&row)
    }

    async fn alert_rules(&self, workspace_id: i64) -> Result<Vec<AlertRule>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            rule_cols!(),
            " FROM alert_rules WHERE workspace_id = $1 ORDER BY id"
        ))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rule).collect()
    }

    async fn all_enabled_alert_rules(&self) -> Result<Vec<AlertRule>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            rule_cols!(),
            " FROM alert_rules WHERE enabled = 1 ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rule).collect()
    }

    async fn delete_alert_rule(&self, workspace_id: i64, rule_id: i64) -> Result<()> {
        self.delete_in_workspace("alert_rules", workspace_id, rule_id, "alert rule")
            .await
    }

    async fn match_counts(
        &self,
        query_id: i64,
        until: i64,
        bucket_secs: i64,
        buckets: i64,
    ) -> Result<BucketCounts> {
        let from = until - bucket_secs * buckets;
        let rows = sqlx::query(
            "SELECT (m.published_at - $2 - 1) / $3 AS bucket, COUNT(*) AS total, \
             SUM(CASE WHEN COALESCE(i.sentiment_corrected, i.sentiment) = 'negative' THEN 1 ELSE 0 END) AS negative \
             FROM item_matches m JOIN items i ON i.id = m.item_id \
             WHERE m.query_id = $1 AND m.published_at > $2 AND m.published_at <= $4 GROUP BY bucket",
        )
        .bind(query_id)
        .bind(from)
        .bind(bucket_secs)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        let mut counts = vec![(0, 0); buckets as usize];
        for row in rows {
            // Bucket of a time t in (from, until]: (t - from - 1) / size, from 0 to buckets - 1.
            let bucket: i64 = row.try_get("bucket")?;
            let index = bucket.clamp(0, buckets - 1) as usize;
            counts[index].0 += row.try_get::<i64, _>("total")?;
            counts[index].1 += row.try_get::<Option<i64>, _>("negative")?.unwrap_or(0);
        }
        Ok(counts)
    }

    async fn open_alert(&self, rule_id: i64, since: i64) -> Result<Option<AlertEvent>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            event_cols!(),
            " FROM alert_events WHERE rule_id = $1 AND updated_at >= $2 ORDER BY id DESC LIMIT 1"
        ))
        .bind(rule_id)
        .bind(since)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(event).transpose()
    }

    async fn create_alert(
        &self,
        n: &NewAlertEvent<'_>,
        deliveries: &[NewDelivery],
        mails: &[(NewMail<'_>, i64)],
    ) -> Result<AlertEvent> {
        let id = match &self.batch_writer {
            // SQLite: on the batch writer's connection (see `sqlite_writer::Job::Work`).
            Some(writer) => {
                let (ws, rule, query, now, count, first) = (
                    n.workspace_id,
                    n.rule_id,
                    n.query_id,
                    n.now,
                    n.item_count,
                    n.first_item_id,
                );
                let (summary, token) = (n.summary.to_owned(), n.ack_token_hash.to_owned());
                let deliveries: Vec<[String; 3]> = deliveries
                    .iter()
                    .map(|d| [d.channel.clone(), d.target.clone(), d.payload.clone()])
                    .collect();
                let mails: Vec<([String; 4], i64, i64)> = mails
                    .iter()
                    .map(|(m, not_before)| {
                        let text = [m.idempotency_key, m.to, m.subject, m.body_text];
                        (text.map(str::to_owned), m.created_at, *not_before)
                    })
                    .collect();
                writer
                    .transaction(move |tx| {
                        let id = insert_returning_id(
                            tx,
                            INSERT_EVENT,
                            &[&ws, &rule, &query, &now, &summary, &count, &first, &token],
                        )?;
                        for (i, [channel, target, payload]) in deliveries.iter().enumerate() {
                            let key = delivery_key(id, i);
                            execute(
                                tx,
                                INSERT_DELIVERY,
                                &[&id, &key, channel, target, payload, &now],
                            )?;
                        }
                        for ([key, to, subject, body], created, not_before) in &mails {
                            // Alerts are for the team: no unsubscribe address.
                            let none: Option<String> = None;
                            execute(tx, INSERT_MAIL, &[key, to, subject, body, created, &none])?;
                            execute(tx, MAIL_NOT_BEFORE, &[key, not_before])?;
                        }
                        let hooked =
                            crate::sql_webhooks::rusqlite_side::subscribed(tx, "alert.raised")?;
                        if let Some(subscriptions) = hooked.get(&ws) {
                            let data = alert_data(id, rule, query, &summary, count, first, now);
                            crate::sql_webhooks::rusqlite_side::emit_to(
                                tx,
                                subscriptions,
                                ws,
                                "alert.raised",
                                &data,
                                now,
                            )?;
                        }
                        Ok(id)
                    })
                    .await?
            }
            None => {
                let mut tx = self.pool.begin().await?;
                let id: i64 = sqlx::query_scalar(INSERT_EVENT)
                    .bind(n.workspace_id)
                    .bind(n.rule_id)
                    .bind(n.query_id)
                    .bind(n.now)
                    .bind(n.summary)
                    .bind(n.item_count)
                    .bind(n.first_item_id)
                    .bind(n.ack_token_hash)
                    .fetch_one(&mut *tx)
                    .await?;
                for (i, d) in deliveries.iter().enumerate() {
                    sqlx::query(INSERT_DELIVERY)
                        .bind(id)
                        .bind(delivery_key(id, i))
                        .bind(&d.channel)
                        .bind(&d.target)
                        .bind(&d.payload)
                        .bind(n.now)
                        .execute(&mut *tx)
                        .await?;
                }
                for (mail, not_before) in mails {
                    insert_mail(mail).execute(&mut *tx).await?;
                    sqlx::query(MAIL_NOT_BEFORE)
                        .bind(mail.idempotency_key)
                        .bind(*not_before)
                        .execute(&mut *tx)
                        .await?;
                }
                let data = alert_data(
                    id,
                    n.rule_id,
                    n.query_id,
                    n.summary,
                    n.item_count,
                    n.first_item_id,
                    n.now,
                );
                crate::sql_webhooks::emit(&mut tx, n.workspace_id, "alert.raised", data, n.now)
                    .await?;
                tx.commit().await?;
                id
            }
        };
        let row = sqlx::query(concat!(
            "SELECT ",
            event_cols!(),
            " FROM alert_events WHERE id = $1"
        ))
        .bind(id)
        .fetch_one(&self.pool)
        .await?;
        event(&row)
    }

    async fn add_to_alert(&self, event_id: i64, items: i64, now: i64) -> Result<()> {
        if let Some(writer) = &self.batch_writer {
            writer
                .transaction(move |tx| execute(tx, ADD_TO_ALERT, &[&event_id, &items, &now]))
                .await?;
            return Ok(());
        }
        sqlx::query(ADD_TO_ALERT)
            .bind(event_id)
            .bind(items)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn oncall_rotation(&self, workspace_id: i64) -> Result<Option<OnCallRotation>> {
        let row = sqlx::query(
            "SELECT user_ids, period_days, starts_at FROM oncall_rotations WHERE workspace_id = $1",
        )
        .bind(workspace_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let ids: String = row.try_get("user_ids")?;
        Ok(Some(OnCallRotation {
            workspace_id,
            user_ids: ids
                .split(',')
                .filter_map(|id| id.trim().parse().ok())
                .collect(),
            period_days: row.try_get("period_days")?,
            starts_at: row.try_get("starts_at")?,
        }))
    }

    async fn set_oncall_rotation(&self, r: &OnCallRotation, now: i64) -> Result<()> {
        let ids = r
            .user_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        sqlx::query(
            "INSERT INTO oncall_rotations (workspace_id, user_ids, period_days, starts_at, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (workspace_id) DO UPDATE SET user_ids = excluded.user_ids, period_days = excluded.period_days, \
             starts_at = excluded.starts_at, updated_at = excluded.updated_at",
        )
        .bind(r.workspace_id)
        .bind(ids)
        .bind(r.period_days)
        .bind(r.starts_at)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn quiet_hours(&self, user_id: i64) -> Result<Option<QuietHours>> {
        let row = sqlx::query("SELECT quiet_start, quiet_end FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => match (
                row.try_get::<Option<i64>, _>("quiet_start")?,
                row.try_get::<Option<i64>, _>("quiet_end")?,
            ) {
                (Some(start), Some(end)) => Some(QuietHours { start, end }),
                _ => None,
            },
            None => None,
        })
    }

    async fn set_quiet_hours(&self, user_id: i64, hours: Option<QuietHours>) -> Result<()> {
        sqlx::query("UPDATE users SET quiet_start = $2, quiet_end = $3 WHERE id = $1")
            .bind(user_id)
            .bind(hours.map(|h| h.start))
            .bind(hours.map(|h| h.end))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn alert_by_token(&self, ack_token_hash: &str) -> Result<Option<AlertEvent>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            event_cols!(),
            " FROM alert_events WHERE ack_token_hash = $1"
        ))
        .bind(ack_token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(event).transpose()
    }

    async fn acknowledge_alert(
        &self,
        ack_token_hash: &str,
        by: &str,
        now: i64,
    ) -> Result<Option<AlertEvent>> {
        sqlx::query("UPDATE alert_events SET acknowledged_by = $2, acknowledged_at = $3 WHERE ack_token_hash = $1 AND acknowledged_at IS NULL")
            .bind(ack_token_hash)
            .bind(by)
            .bind(now)
            .execute(&self.pool)
            .await?;
        // The alert as it now stands: acknowledged by this call, or earlier by someone else.
        self.alert_by_token(ack_token_hash).await
    }

    async fn acknowledge_alert_in(
        &self,
        workspace_id: i64,
        event_id: i64,
        by: &str,
        now: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE alert_events SET acknowledged_by = $3, acknowledged_at = $4 WHERE workspace_id = $1 AND id = $2 AND acknowledged_at IS NULL",
        )
        .bind(workspace_id)
        .bind(event_id)
        .bind(by)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "alert" });
        }
        Ok(())
    }

    async fn alerts(&self, workspace_id: i64, limit: i64) -> Result<Vec<AlertEvent>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_cols!(),
            " FROM alert_events WHERE workspace_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(workspace_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event).collect()
    }

    async fn alerts_before(
        &self,
        workspace_id: i64,
        before_id: i64,
        limit: i64,
    ) -> Result<Vec<AlertEvent>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            event_cols!(),
            " FROM alert_events WHERE workspace_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ))
        .bind(workspace_id)
        .bind(before_id)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(event).collect()
    }

    async fn alert(&self, workspace_id: i64, id: i64) -> Result<Option<AlertEvent>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            event_cols!(),
            " FROM alert_events WHERE workspace_id = $1 AND id = $2"
        ))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(event).transpose()
    }

    async fn due_deliveries(&self, now: i64, limit: i64) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(concat!(
            "SELECT ", delivery_cols!(),
            " FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY id LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery).collect()
    }

    async fn delivery_done(&self, id: i64, now: i64) -> Result<()> {
        if let Some(writer) = &self.batch_writer {
            writer
                .transaction(move |tx| execute(tx, DELIVERY_DONE, &[&id, &now]))
                .await?;
            return Ok(());
        }
        sqlx::query(DELIVERY_DONE)
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> Result<()> {
        let (status, next) = match next_attempt_at {
            Some(at) => ("pending", at),
            None => ("failed", 0),
        };
        if let Some(writer) = &self.batch_writer {
            let error = error.to_owned();
            writer
                .transaction(move |tx| execute(tx, DELIVERY_FAILED, &[&id, &status, &error, &next]))
                .await?;
            return Ok(());
        }
        sqlx::query(DELIVERY_FAILED)
            .bind(id)
            .bind(status)
            .bind(error)
            .bind(next)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn deliveries_of(&self, event_id: i64) -> Result<Vec<Delivery>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            delivery_cols!(),
            " FROM alert_deliveries WHERE event_id = $1 ORDER BY id"
        ))
        .bind(event_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery).collect()
    }
}
