//! [`WorkStore`] for [`SqlStore`].

use async_trait::async_trait;

use crate::Result;
use crate::publishing::Post;
use crate::sql::SqlStore;
use crate::work::WorkStore;

#[async_trait]
impl WorkStore for SqlStore {
    async fn open_alert_count(&self, workspace_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM alert_events WHERE workspace_id = $1 AND acknowledged_at IS NULL",
        )
        .bind(workspace_id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn posts_in_state(
        &self,
        workspace_id: i64,
        state: &str,
        limit: i64,
    ) -> Result<Vec<Post>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM posts WHERE workspace_id = $1 AND state = $2 \
             ORDER BY scheduled_at, id LIMIT $3",
        )
        .bind(workspace_id)
        .bind(state)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some((post, _)) = crate::PublishStore::post(self, workspace_id, id).await? {
                out.push(post);
            }
        }
        Ok(out)
    }
}
