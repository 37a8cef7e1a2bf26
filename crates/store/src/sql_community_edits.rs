//! Changing posts (issue 16, item 3): an edit keeps the text it replaces as a revision and keeps
//! the search index in step; a soft deletion keeps the text for the team and takes it out of the
//! search.

use sqlx::Row;

use crate::community::*;
use crate::sql::Backend;
use crate::sql_community_search::{index_post, unindex};
use crate::{Result, SqlStore, StoreError};

impl SqlStore {
    pub(crate) async fn edit_post(&self, e: &CommunityPostEdit<'_>) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT p.topic_id, p.number, p.body_md, p.created_at, p.edited_at \
             FROM community_posts p WHERE p.id = $1 AND p.workspace_id = $2",
        )
        .bind(e.post_id)
        .bind(e.workspace_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "post" })?;
        let topic_id: i64 = row.try_get("topic_id")?;
        let old: String = row.try_get("body_md")?;
        let written_at: i64 = row
            .try_get::<Option<i64>, _>("edited_at")?
            .unwrap_or(row.try_get("created_at")?);
        sqlx::query(
            "INSERT INTO community_post_revisions (post_id, body_md, written_at, replaced_at, \
             editor_account, editor_user) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(e.post_id)
        .bind(&old)
        .bind(written_at)
        .bind(e.now)
        .bind(e.editor_account)
        .bind(e.editor_user)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE community_posts SET body_md = $2, body_html = $3, edited_at = $4 WHERE id = $1",
        )
        .bind(e.post_id)
        .bind(e.body_md)
        .bind(e.body_html)
        .bind(e.now)
        .execute(&mut *tx)
        .await?;
        unindex(&mut tx, self.backend, "SELECT $1", e.post_id).await?;
        index_post(&mut tx, self.backend, e.workspace_id, e.post_id, e.terms).await?;
        if let Some(screened) = &e.screened {
            let author: Option<i64> =
                sqlx::query_scalar("SELECT author_account FROM community_posts WHERE id = $1")
                    .bind(e.post_id)
                    .fetch_one(&mut *tx)
                    .await?;
            crate::sql_moderation::hold_post_in(
                &mut tx,
                e.workspace_id,
                e.post_id,
                author,
                screened,
                e.now,
            )
            .await?;
        }
        if e.hold {
            crate::sql_moderation::hide_post_in(&mut tx, e.post_id).await?;
        }
        if let Some((title, slug)) = e.title {
            sqlx::query("UPDATE community_topics SET title = $2, slug = $3 WHERE id = $1")
                .bind(topic_id)
                .bind(title)
                .bind(slug)
                .execute(&mut *tx)
                .await?;
            // The other posts are found by the old title: indexed again by the server's
            // indexing of waiting posts.
            let others =
                "SELECT o.id FROM community_posts o WHERE o.topic_id = $1 AND o.number > 1";
            unindex(&mut tx, self.backend, others, topic_id).await?;
            sqlx::query(
                "UPDATE community_posts SET indexed = 0 WHERE topic_id = $1 AND number > 1 \
                 AND status <> 'deleted'",
            )
            .bind(topic_id)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub(crate) async fn revisions_of(&self, post_id: i64) -> Result<Vec<Revision>> {
        let rows = sqlx::query(
            "SELECT r.body_md, r.written_at, r.replaced_at, COALESCE(a.display_name, u.display_name, '') AS who \
             FROM community_post_revisions r \
             LEFT JOIN community_accounts a ON a.id = r.editor_account \
             LEFT JOIN users u ON u.id = r.editor_user \
             WHERE r.post_id = $1 ORDER BY r.id",
        )
        .bind(post_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(Revision {
                    body_md: row.try_get("body_md")?,
                    written_at: row.try_get("written_at")?,
                    replaced_at: row.try_get("replaced_at")?,
                    replaced_by: row.try_get("who")?,
                })
            })
            .collect()
    }

    pub(crate) async fn soft_delete_post(
        &self,
        workspace_id: i64,
        post_id: i64,
        now: i64,
    ) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        delete_post_in(&mut tx, self.backend, workspace_id, post_id, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Deletes a post in `tx` (its place kept, its text out of the search); a first post takes its
/// topic with it. Shared by a member's own deletion and a moderator's removal.
pub(crate) async fn delete_post_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    workspace_id: i64,
    post_id: i64,
    now: i64,
) -> Result<()> {
    let row = sqlx::query(
        "SELECT p.topic_id, p.number, t.category_id, t.status FROM community_posts p \
         JOIN community_topics t ON t.id = p.topic_id \
         WHERE p.id = $1 AND p.workspace_id = $2 AND p.status <> 'deleted'",
    )
    .bind(post_id)
    .bind(workspace_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound { what: "post" })?;
    let topic_id: i64 = row.try_get("topic_id")?;
    let number: i64 = row.try_get("number")?;
    sqlx::query("UPDATE community_posts SET status = 'deleted', edited_at = $2 WHERE id = $1")
        .bind(post_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    unindex(tx, backend, "SELECT $1", post_id).await?;
    if number == 1 {
        // The topic goes with its first post: out of its category's count and the search.
        if row.try_get::<String, _>("status")? == "visible" {
            sqlx::query(
                "UPDATE community_categories SET topic_count = topic_count - 1 WHERE id = $1",
            )
            .bind(row.try_get::<i64, _>("category_id")?)
            .execute(&mut **tx)
            .await?;
        }
        sqlx::query("UPDATE community_topics SET status = 'deleted' WHERE id = $1")
            .bind(topic_id)
            .execute(&mut **tx)
            .await?;
        let all = "SELECT o.id FROM community_posts o WHERE o.topic_id = $1";
        unindex(tx, backend, all, topic_id).await?;
    }
    Ok(())
}

/// The listening items made of a member's posts (source `community`, author `@handle`), when
/// their account is deleted: deleted with their posts (`remove_posts`), with their archive
/// terms, or kept without their author's name and handle.
pub(crate) async fn forget_listened_posts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    account_id: i64,
    remove_posts: bool,
) -> Result<()> {
    let items: Vec<(i64, i64)> = sqlx::query(
        "SELECT i.id, i.workspace_id FROM items i \
         JOIN sources s ON s.id = i.source_id AND s.kind = 'community' \
         JOIN community_accounts a ON a.workspace_id = i.workspace_id \
         WHERE a.id = $1 AND i.author_handle = '@' || a.handle",
    )
    .bind(account_id)
    .fetch_all(&mut **tx)
    .await?
    .iter()
    .map(|row| Ok((row.try_get("id")?, row.try_get("workspace_id")?)))
    .collect::<Result<Vec<_>>>()?;
    for (item, workspace_id) in items {
        if !remove_posts {
            sqlx::query("UPDATE items SET author_name = NULL, author_handle = NULL WHERE id = $1")
                .bind(item)
                .execute(&mut **tx)
                .await?;
            continue;
        }
        crate::sql_members::delete_item(tx, backend == Backend::Sqlite, workspace_id, item).await?;
    }
    Ok(())
}
