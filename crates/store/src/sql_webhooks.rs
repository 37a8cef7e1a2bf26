//! [`WebhookStore`] on SQL, and [`emit`], which every change that reports an event calls inside
//! its own transaction.

use async_trait::async_trait;
use serde_json::{Value, json};
use sqlx::Row;

use crate::sql::SqlStore;
use crate::webhooks::*;
use crate::{Result, StoreError};

/// Writes one delivery of `event` for each enabled subscription of the workspace to it, in the
/// caller's transaction. Without subscriptions it is one indexed read.
pub(crate) async fn emit(
    conn: &mut sqlx::AnyConnection,
    workspace_id: i64,
    event: &str,
    data: Value,
    now: i64,
) -> Result<()> {
    let subscribed: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM webhook_subscriptions WHERE workspace_id = $1 AND enabled = 1 \
         AND events LIKE $2",
    )
    .bind(workspace_id)
    .bind(format!("%,{event},%"))
    .fetch_all(&mut *conn)
    .await?;
    if subscribed.is_empty() {
        return Ok(());
    }
    for id in subscribed {
        insert_delivery(conn, id, workspace_id, event, &data, now).await?;
    }
    Ok(())
}

/// What a `mention.matched` event says of a stored mention and the saved searches it matched.
pub(crate) fn mention_data(item: &crate::NewItem, id: i64, queries: &[i64]) -> Value {
    json!({"mention": {
        "id": id, "source_id": item.source_id, "source": item.source_kind, "url": item.url,
        "site": item.site, "author": item.author_name, "handle": item.author_handle,
        "reach": item.author_reach, "title": item.title, "text": item.body, "lang": item.lang,
        "sentiment": item.sentiment, "score": item.sentiment_score,
        "published_at": item.published_at,
    }, "query_ids": queries})
}

/// The subscriptions to `event`, by workspace: read once per batch of mentions, so a batch of
/// a workspace nobody subscribed costs nothing more.
pub(crate) async fn subscribed(
    conn: &mut sqlx::AnyConnection,
    event: &str,
) -> Result<std::collections::HashMap<i64, Vec<i64>>> {
    let mut by_workspace: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    for row in sqlx::query(
        "SELECT id, workspace_id FROM webhook_subscriptions WHERE enabled = 1 AND events LIKE $1",
    )
    .bind(format!("%,{event},%"))
    .fetch_all(&mut *conn)
    .await?
    {
        by_workspace
            .entry(row.try_get("workspace_id")?)
            .or_default()
            .push(row.try_get("id")?);
    }
    Ok(by_workspace)
}

/// [`emit`] to known subscriptions (from [`subscribed`]).
pub(crate) async fn emit_to(
    conn: &mut sqlx::AnyConnection,
    subscriptions: &[i64],
    workspace_id: i64,
    event: &str,
    data: &Value,
    now: i64,
) -> Result<()> {
    for id in subscriptions {
        insert_delivery(conn, *id, workspace_id, event, data, now).await?;
    }
    Ok(())
}

/// The same as [`subscribed`] and [`emit_to`] on the SQLite batch writer's connection.
pub(crate) mod rusqlite_side {
    use std::collections::HashMap;

    use rusqlite::params;
    use serde_json::Value;

    pub fn subscribed(
        tx: &rusqlite::Transaction,
        event: &str,
    ) -> rusqlite::Result<HashMap<i64, Vec<i64>>> {
        let mut by_workspace: HashMap<i64, Vec<i64>> = HashMap::new();
        let mut statement = tx.prepare_cached(
            "SELECT id, workspace_id FROM webhook_subscriptions WHERE enabled = 1 AND events LIKE ?1",
        )?;
        let rows = statement.query_map(params![format!("%,{event},%")], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
        })?;
        for row in rows {
            let (id, workspace) = row?;
            by_workspace.entry(workspace).or_default().push(id);
        }
        Ok(by_workspace)
    }

    pub fn emit_to(
        tx: &rusqlite::Transaction,
        subscriptions: &[i64],
        workspace_id: i64,
        event: &str,
        data: &Value,
        now: i64,
    ) -> rusqlite::Result<()> {
        let mut insert = tx.prepare_cached(
            "INSERT INTO webhook_deliveries (subscription_id, workspace_id, event, payload, status, \
             attempts, next_attempt_at, created_at) VALUES (?1, ?2, ?3, '', 'ready', 0, ?4, ?4)",
        )?;
        let mut body =
            tx.prepare_cached("UPDATE webhook_deliveries SET payload = ?2 WHERE id = ?1")?;
        for subscription in subscriptions {
            insert.execute(params![subscription, workspace_id, event, now])?;
            let id = tx.last_insert_rowid();
            body.execute(params![
                id,
                super::envelope(id, workspace_id, event, data, now)
            ])?;
        }
        Ok(())
    }
}

/// The body every delivery carries: what happened, where, when, and its data.
fn envelope(delivery_id: i64, workspace_id: i64, event: &str, data: &Value, now: i64) -> String {
    json!({"id": delivery_id, "event": event, "workspace_id": workspace_id, "occurred_at": now, "data": data})
        .to_string()
}

async fn insert_delivery(
    conn: &mut sqlx::AnyConnection,
    subscription_id: i64,
    workspace_id: i64,
    event: &str,
    data: &Value,
    now: i64,
) -> Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_deliveries (subscription_id, workspace_id, event, payload, status, \
         attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, '', 'ready', 0, $4, $4) RETURNING id",
    )
    .bind(subscription_id)
    .bind(workspace_id)
    .bind(event)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    // The delivery's id is in its body, so a receiver can tell a retry from a new event.
    sqlx::query("UPDATE webhook_deliveries SET payload = $2 WHERE id = $1")
        .bind(id)
        .bind(envelope(id, workspace_id, event, data, now))
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

const SUBSCRIPTION_COLS: &str = "s.id, s.workspace_id, s.url, s.events, s.description, s.enabled, s.created_at, \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status IN ('ready', 'sending')) AS pending, \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'delivered') AS delivered, \
     (SELECT COUNT(*) FROM webhook_deliveries d WHERE d.subscription_id = s.id AND d.status = 'failed') AS failed";

fn subscription_row(row: &sqlx::any::AnyRow) -> Result<WebhookSubscription> {
    Ok(WebhookSubscription {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        url: row.try_get("url")?,
        events: row
            .try_get::<String, _>("events")?
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        description: row.try_get("description")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        created_at: row.try_get("created_at")?,
        pending: row.try_get("pending")?,
        delivered: row.try_get("delivered")?,
        failed: row.try_get("failed")?,
    })
}

const DELIVERY_COLS: &str = "id, subscription_id, event, payload, status, attempts, next_attempt_at, \
     last_status, last_error, created_at, delivered_at";

fn delivery_row(row: &sqlx::any::AnyRow) -> Result<WebhookDelivery> {
    Ok(WebhookDelivery {
        id: row.try_get("id")?,
        subscription_id: row.try_get("subscription_id")?,
        event: row.try_get("event")?,
        payload: row.try_get("payload")?,
        status: WebhookStatus::parse(&row.try_get::<String, _>("status")?),
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        last_status: row.try_get("last_status")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        delivered_at: row.try_get("delivered_at")?,
    })
}

impl SqlStore {
    async fn webhook(&self, workspace_id: i64, id: i64) -> Result<WebhookSubscription> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIPTION_COLS} FROM webhook_subscriptions s WHERE s.workspace_id = $1 AND s.id = $2"
        )))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound { what: "webhook" })?;
        subscription_row(&row)
    }
}

#[async_trait]
impl WebhookStore for SqlStore {
    async fn create_webhook(
        &self,
        new: &NewWebhookSubscription<'_>,
    ) -> Result<WebhookSubscription> {
        let _writing = self.writing().await;
        let events = format!(",{},", new.events.join(","));
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_subscriptions (workspace_id, url, secret, events, description, enabled, \
             created_by, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7) RETURNING id",
        )
        .bind(new.workspace_id)
        .bind(new.url)
        .bind(new.secret)
        .bind(events)
        .bind(new.description)
        .bind(new.created_by)
        .bind(new.now)
        .fetch_one(&self.pool)
        .await?;
        self.webhook(new.workspace_id, id).await
    }

    async fn webhooks(&self, workspace_id: i64) -> Result<Vec<WebhookSubscription>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIPTION_COLS} FROM webhook_subscriptions s WHERE s.workspace_id = $1 ORDER BY s.id"
        )))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(subscription_row).collect()
    }

    async fn set_webhook_enabled(&self, workspace_id: i64, id: i64, enabled: bool) -> Result<()> {
        let _writing = self.writing().await;
        let done = sqlx::query(
            "UPDATE webhook_subscriptions SET enabled = $3 WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(id)
        .bind(i64::from(enabled))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "webhook" });
        }
        Ok(())
    }

    async fn delete_webhook(&self, workspace_id: i64, id: i64) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "DELETE FROM webhook_deliveries WHERE subscription_id = $1 AND workspace_id = $2",
        )
        .bind(id)
        .bind(workspace_id)
        .execute(&mut *tx)
        .await?;
        let done =
            sqlx::query("DELETE FROM webhook_subscriptions WHERE workspace_id = $1 AND id = $2")
                .bind(workspace_id)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "webhook" });
        }
        tx.commit().await?;
        Ok(())
    }

    async fn queue_webhook_test(&self, workspace_id: i64, id: i64, now: i64) -> Result<i64> {
        let subscription = self.webhook(workspace_id, id).await?;
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let data = json!({"message": "A test event from Jardinier: this address receives the workspace's webhooks.", "subscription_id": subscription.id});
        let delivery =
            insert_delivery(&mut tx, id, workspace_id, "webhook.test", &data, now).await?;
        tx.commit().await?;
        Ok(delivery)
    }

    async fn webhook_deliveries(
        &self,
        workspace_id: i64,
        subscription_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries WHERE workspace_id = $1 AND subscription_id = $2 \
             AND id < $3 ORDER BY id DESC LIMIT $4"
        )))
        .bind(workspace_id)
        .bind(subscription_id)
        .bind(before.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(delivery_row).collect()
    }

    async fn redeliver_webhook(&self, workspace_id: i64, delivery_id: i64, now: i64) -> Result<()> {
        let _writing = self.writing().await;
        let done = sqlx::query(
            "UPDATE webhook_deliveries SET status = 'ready', attempts = 0, next_attempt_at = $3, \
             claimed_at = NULL WHERE workspace_id = $1 AND id = $2 AND status IN ('delivered', 'failed')",
        )
        .bind(workspace_id)
        .bind(delivery_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "delivery" });
        }
        Ok(())
    }

    async fn claim_webhook_deliveries(
        &self,
        now: i64,
        stale_before: i64,
        limit: i64,
    ) -> Result<Vec<WebhookJob>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let due = crate::outbox::claim_due(
            &mut tx,
            self.backend,
            "webhook_deliveries",
            "ready",
            now,
            stale_before,
            limit,
        )
        .await?;
        let mut jobs = Vec::with_capacity(due.len());
        for (id, _in_doubt) in due {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT d.{}, s.url, s.secret FROM webhook_deliveries d \
                 JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.id = $1",
                DELIVERY_COLS.replace(", ", ", d.")
            )))
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            jobs.push(WebhookJob {
                delivery: delivery_row(&row)?,
                url: row.try_get("url")?,
                secret: row.try_get("secret")?,
            });
        }
        tx.commit().await?;
        Ok(jobs)
    }

    async fn record_webhook_outcome(
        &self,
        delivery_id: i64,
        outcome: &WebhookOutcome,
        now: i64,
    ) -> Result<()> {
        let _writing = self.writing().await;
        match outcome {
            WebhookOutcome::Delivered { status } => {
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = 'delivered', delivered_at = $2, last_status = $3, \
                     last_error = NULL WHERE id = $1",
                )
                .bind(delivery_id)
                .bind(now)
                .bind(*status)
                .execute(&self.pool)
                .await?;
            }
            WebhookOutcome::Failed { status, error } => {
                let attempts: i64 =
                    sqlx::query_scalar("SELECT attempts FROM webhook_deliveries WHERE id = $1")
                        .bind(delivery_id)
                        .fetch_one(&self.pool)
                        .await?;
                let given_up = attempts >= crate::outbox::MAX_ATTEMPTS;
                sqlx::query(
                    "UPDATE webhook_deliveries SET status = $2, next_attempt_at = $3, last_status = $4, \
                     last_error = $5 WHERE id = $1",
                )
                .bind(delivery_id)
                .bind(if given_up { "failed" } else { "ready" })
                .bind(now + crate::outbox::retry_delay(attempts - 1))
                .bind(*status)
                .bind(error)
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }
}
