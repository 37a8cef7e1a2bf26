use async_trait::async_trait;
use sqlx::Row;

use crate::newsletters::Subscriber;
use crate::sql_newsletters::{SUBSCRIBER_COLS, subscriber_row};
use crate::subscriptions::SubscriptionStore;
use crate::{Result, SqlStore};

#[async_trait]
impl SubscriptionStore for SqlStore {
    async fn subscriptions_of(
        &self,
        workspace_id: i64,
        emails: &[String],
    ) -> Result<Vec<(Subscriber, String)>> {
        let columns: Vec<String> = SUBSCRIBER_COLS
            .split(',')
            .map(|c| format!("s.{}", c.trim()))
            .collect();
        let sql = format!(
            "SELECT {}, l.name AS list_name FROM newsletter_subscribers s \
             JOIN newsletter_lists l ON l.id = s.list_id \
             WHERE s.workspace_id = $1 AND s.email = $2 ORDER BY s.created_at DESC",
            columns.join(", ")
        );
        let mut found = Vec::new();
        for email in emails {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(workspace_id)
                .bind(email.trim().to_lowercase())
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                found.push((subscriber_row(row)?, row.try_get("list_name")?));
            }
        }
        found.sort_by_key(|(s, _)| std::cmp::Reverse(s.created_at));
        Ok(found)
    }

    async fn newsletters_sent_to(
        &self,
        workspace_id: i64,
        emails: &[String],
    ) -> Result<Vec<(i64, String, String)>> {
        let mut found = Vec::new();
        for email in emails {
            let rows = sqlx::query(
                "SELECT COALESCE(s.bounced_at, s.sent_at) AS at, c.subject, s.status \
                 FROM newsletter_sends s JOIN newsletter_campaigns c ON c.id = s.campaign_id \
                 WHERE s.workspace_id = $1 AND s.email = $2 AND s.status IN ('sent', 'bounced') \
                 ORDER BY s.id DESC LIMIT 50",
            )
            .bind(workspace_id)
            .bind(email.trim().to_lowercase())
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                let at: Option<i64> = row.try_get("at")?;
                found.push((
                    at.unwrap_or_default(),
                    row.try_get("subject")?,
                    row.try_get("status")?,
                ));
            }
        }
        found.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
        Ok(found)
    }
}
