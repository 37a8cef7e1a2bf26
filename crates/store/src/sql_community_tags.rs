//! A topic's tags (issue 16, item 2): written with the topic, changed with its first post,
//! read for lists, a tag's page and the search's tag filter (`sql_community_search.rs`).

use sqlx::Row;

use crate::cols::Cols;

use crate::community::*;
use crate::sql_community::{TOPIC_FROM, topic, topic_cols};
use crate::{Result, SqlStore, StoreError};

/// Writes a topic's tags (the caller removed the old ones, if any).
pub(crate) async fn write_tags(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    workspace_id: i64,
    topic_id: i64,
    tags: &[String],
) -> Result<()> {
    for tag in tags {
        sqlx::query(
            "INSERT INTO community_topic_tags (topic_id, workspace_id, tag) VALUES ($1, $2, $3) \
             ON CONFLICT DO NOTHING",
        )
        .bind(topic_id)
        .bind(workspace_id)
        .bind(tag)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

impl SqlStore {
    pub(crate) async fn set_tags(
        &self,
        workspace_id: i64,
        topic_id: i64,
        tags: &[String],
    ) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM community_topics WHERE id = $1 AND workspace_id = $2",
        )
        .bind(topic_id)
        .bind(workspace_id)
        .fetch_optional(&mut *tx)
        .await?;
        if found.is_none() {
            return Err(StoreError::NotFound { what: "topic" });
        }
        sqlx::query("DELETE FROM community_topic_tags WHERE topic_id = $1")
            .bind(topic_id)
            .execute(&mut *tx)
            .await?;
        write_tags(&mut tx, workspace_id, topic_id, tags).await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn tags_of(&self, topic_ids: &[i64]) -> Result<Vec<(i64, String)>> {
        if topic_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Topic ids the caller read from the store: numbers, written in the statement.
        let ids = crate::sql_community::id_list(topic_ids);
        let sql = format!(
            "SELECT topic_id, tag FROM community_topic_tags WHERE topic_id IN ({ids}) \
             ORDER BY topic_id, tag"
        );
        if let Some(reads) = &self.sqlite_reads {
            // Every list page asks (see `sqlite_reads`).
            return reads
                .read(move |c| {
                    crate::sqlite_reads::rows_once(c, &sql, &[], |r| {
                        Ok((r.col("topic_id")?, r.col("tag")?))
                    })
                })
                .await;
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("topic_id")?, row.try_get("tag")?)))
            .collect()
    }

    pub(crate) async fn topics_after(
        &self,
        workspace_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Topic>> {
        let sql = format!(
            "SELECT {} {TOPIC_FROM} WHERE t.workspace_id = $1 AND t.id > $2 \
             AND t.status <> 'deleted' ORDER BY t.id LIMIT $3",
            topic_cols()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .bind(after_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(topic).collect()
    }

    pub(crate) async fn tagged_topics(
        &self,
        workspace_id: i64,
        categories: &[i64],
        tag: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Topic>> {
        if categories.is_empty() {
            return Ok(Vec::new());
        }
        // Category ids the caller read from the store: numbers, written in the statement.
        let ids = crate::sql_community::id_list(categories);
        let sql = format!(
            "SELECT {} {TOPIC_FROM} JOIN community_topic_tags g ON g.topic_id = t.id \
             WHERE g.workspace_id = $1 AND g.tag = $2 AND t.category_id IN ({ids}) \
             AND t.status = 'visible' ORDER BY t.last_posted_at DESC, t.id DESC \
             LIMIT $3 OFFSET $4",
            topic_cols()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .bind(tag)
            .bind(limit)
            .bind(offset.max(0))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(topic).collect()
    }
}
