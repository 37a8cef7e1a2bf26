//! [`CampaignEditStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Result;
use crate::campaign_edits::*;
use crate::error::StoreError;
use crate::newsletters::Campaign;
use crate::sql::SqlStore;
use crate::sql_newsletters::{CAMPAIGN_COLS, campaign_row};

const TEST_COLS: &str = "id, email, requested_by, status, last_error, sent_at, created_at";

fn test_row(r: &AnyRow) -> Result<TestSend> {
    Ok(TestSend {
        id: r.try_get("id")?,
        email: r.try_get("email")?,
        requested_by: r.try_get("requested_by")?,
        status: r.try_get("status")?,
        last_error: r.try_get("last_error")?,
        sent_at: r.try_get("sent_at")?,
        created_at: r.try_get("created_at")?,
    })
}

#[async_trait]
impl CampaignEditStore for SqlStore {
    async fn edit_campaign(&self, e: &CampaignEdit<'_>) -> Result<Campaign> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let state: String = sqlx::query_scalar(
            "SELECT state FROM newsletter_campaigns WHERE workspace_id = $1 AND id = $2",
        )
        .bind(e.workspace_id)
        .bind(e.campaign_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "campaign" })?;
        if state != "draft" {
            return Err(StoreError::Refused("this campaign has gone out"));
        }
        let list: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM newsletter_lists WHERE workspace_id = $1 AND id = $2",
        )
        .bind(e.workspace_id)
        .bind(e.list_id)
        .fetch_optional(&mut *tx)
        .await?;
        if list.is_none() {
            return Err(StoreError::NotFound { what: "list" });
        }
        sqlx::query(
            "UPDATE newsletter_campaigns SET list_id = $3, subject = $4, body_markdown = $5, \
             rate_per_minute = $6 WHERE workspace_id = $1 AND id = $2",
        )
        .bind(e.workspace_id)
        .bind(e.campaign_id)
        .bind(e.list_id)
        .bind(e.subject)
        .bind(e.body_markdown)
        .bind(e.rate_per_minute)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CAMPAIGN_COLS} FROM newsletter_campaigns WHERE id = $1"
        )))
        .bind(e.campaign_id)
        .fetch_one(&mut *tx)
        .await?;
        let campaign = campaign_row(&row)?;
        tx.commit().await?;
        Ok(campaign)
    }

    async fn queue_test_sends(
        &self,
        workspace_id: i64,
        campaign_id: i64,
        emails: &[String],
        requested_by: &str,
        now: i64,
    ) -> Result<Vec<TestSend>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM newsletter_campaigns WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(campaign_id)
        .fetch_optional(&mut *tx)
        .await?;
        if found.is_none() {
            return Err(StoreError::NotFound { what: "campaign" });
        }
        let mut made = Vec::with_capacity(emails.len());
        for email in emails {
            let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO newsletter_test_sends (workspace_id, campaign_id, email, requested_by, \
                 status, attempts, next_attempt_at, created_at) \
                 VALUES ($1, $2, $3, $4, 'queued', 0, $5, $5) RETURNING {TEST_COLS}"
            )))
            .bind(workspace_id)
            .bind(campaign_id)
            .bind(email)
            .bind(requested_by)
            .bind(now)
            .fetch_one(&mut *tx)
            .await?;
            made.push(test_row(&row)?);
        }
        tx.commit().await?;
        Ok(made)
    }

    async fn test_sends(
        &self,
        workspace_id: i64,
        campaign_id: i64,
        before_id: i64,
        limit: i64,
    ) -> Result<Vec<TestSend>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {TEST_COLS} FROM newsletter_test_sends WHERE workspace_id = $1 AND campaign_id = $2 \
             AND id < $3 ORDER BY id DESC LIMIT $4"
        )))
        .bind(workspace_id)
        .bind(campaign_id)
        .bind(before_id)
        .bind(limit.clamp(1, 1_000))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(test_row)
        .collect()
    }

    async fn claim_test_sends(
        &self,
        now: i64,
        stale_before: i64,
        limit: i64,
    ) -> Result<Vec<TestSendJob>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let due = crate::outbox::claim_due(
            &mut tx,
            self.backend,
            "newsletter_test_sends",
            "queued",
            now,
            stale_before,
            limit,
        )
        .await?;
        tx.commit().await?;
        let mut jobs = Vec::with_capacity(due.len());
        for (id, _) in due {
            let row = sqlx::query(
                "SELECT email, attempts, campaign_id FROM newsletter_test_sends WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
            let campaign_id: i64 = row.try_get("campaign_id")?;
            let (campaign, list) = self.campaign_and_list(campaign_id).await?;
            jobs.push(TestSendJob {
                id,
                email: row.try_get("email")?,
                attempts: row.try_get("attempts")?,
                campaign,
                list,
            });
        }
        Ok(jobs)
    }

    async fn finish_test_send(
        &self,
        id: i64,
        outcome: std::result::Result<(), (String, Option<i64>)>,
        now: i64,
    ) -> Result<()> {
        let _writing = self.writing().await;
        let query = match &outcome {
            Ok(()) => sqlx::query(
                "UPDATE newsletter_test_sends SET status = 'sent', sent_at = $2, last_error = NULL \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(now),
            Err((error, Some(at))) => sqlx::query(
                "UPDATE newsletter_test_sends SET status = 'queued', next_attempt_at = $2, \
                 last_error = $3 WHERE id = $1",
            )
            .bind(id)
            .bind(*at)
            .bind(error.clone()),
            Err((error, None)) => sqlx::query(
                "UPDATE newsletter_test_sends SET status = 'failed', last_error = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(error.clone()),
        };
        query.execute(&self.pool).await?;
        Ok(())
    }

    async fn next_test_send_due(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM newsletter_test_sends WHERE status = 'queued'",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
