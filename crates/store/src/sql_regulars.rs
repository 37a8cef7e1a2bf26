use async_trait::async_trait;
use sqlx::Row;

use crate::regulars::RegularStore;
use crate::{Result, SqlStore};

#[async_trait]
impl RegularStore for SqlStore {
    async fn profile_regulars(
        &self,
        min_mentions: i64,
        since: i64,
        limit: i64,
        now: i64,
    ) -> Result<usize> {
        // Authors of recent mentions, most frequent first; those with a profile are skipped
        // below (their identity is found), so a run costs one read and the new profiles.
        let rows = sqlx::query(
            "SELECT workspace_id, source_kind, author_handle, MAX(author_name) AS author_name, \
             COUNT(*) AS n FROM items WHERE received_at >= $1 AND author_handle IS NOT NULL \
             AND duplicate_of IS NULL GROUP BY workspace_id, source_kind, author_handle \
             HAVING COUNT(*) >= $2 ORDER BY n DESC LIMIT $3",
        )
        .bind(since)
        .bind(min_mentions)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut made = 0;
        for row in rows {
            let workspace_id: i64 = row.try_get("workspace_id")?;
            let kind: String = row.try_get("source_kind")?;
            let handle: String = row.try_get("author_handle")?;
            let name: Option<String> = row.try_get("author_name")?;
            let Some(identity) = jardinier_members::identity_of(&kind, Some(&handle)) else {
                continue;
            };
            let known: Option<i64> = sqlx::query_scalar(
                "SELECT member_id FROM member_identities WHERE workspace_id = $1 AND kind = $2 \
                 AND value = $3",
            )
            .bind(workspace_id)
            .bind(identity.kind.as_str())
            .bind(&identity.value)
            .fetch_optional(&self.pool)
            .await?;
            if known.is_some() {
                continue;
            }
            let _writing = self.writing().await;
            let mut tx = self.begin_write().await?;
            crate::sql_members::member_for_author(
                &mut tx,
                workspace_id,
                &kind,
                name.as_deref(),
                Some(&handle),
                now,
            )
            .await?;
            tx.commit().await?;
            made += 1;
        }
        Ok(made)
    }
}
