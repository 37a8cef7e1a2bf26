//! `ModerationStore` on SQLite and PostgreSQL.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::moderation::*;
use crate::{Result, SqlStore, StoreError};

/// Writes the queue item of a post screening held or flagged, in the post's transaction; a post
/// edited into something screening holds again goes back to the queue (its item pending again,
/// a new version).
pub(crate) async fn hold_post_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    workspace_id: i64,
    post_id: i64,
    account_id: Option<i64>,
    screened: &Screened<'_>,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO moderation_items (workspace_id, kind, post_id, account_id, state, spam, \
         toxic, reasons, created_at) VALUES ($1, 'post', $2, $3, 'pending', $4, $5, $6, $7) \
         ON CONFLICT (post_id) DO UPDATE SET state = 'pending', spam = excluded.spam, \
         toxic = excluded.toxic, reasons = excluded.reasons, created_at = excluded.created_at, \
         decided_at = NULL, decided_by = NULL, version = moderation_items.version + 1",
    )
    .bind(workspace_id)
    .bind(post_id)
    .bind(account_id)
    .bind(screened.spam)
    .bind(screened.toxic)
    .bind(screened.reasons)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// Built from constants only.
const ITEM_SELECT: &str = "SELECT m.id, m.kind, m.state, m.spam, m.toxic, m.reasons, \
     m.created_at, m.version, m.post_id, m.account_id, p.topic_id, t.slug, t.title, p.number, \
     p.body_md, COALESCE(a.display_name, u.display_name) AS author_name, a.handle, \
     m.sanction_id, s.created_by AS sanction_by, s.kind AS sanction_kind, \
     s.reason AS sanction_reason, s.rule AS sanction_rule, s.ends_at AS sanction_ends \
     FROM moderation_items m \
     LEFT JOIN community_posts p ON p.id = m.post_id \
     LEFT JOIN community_topics t ON t.id = p.topic_id \
     LEFT JOIN moderation_sanctions s ON s.id = m.sanction_id \
     LEFT JOIN community_accounts a ON a.id = COALESCE(p.author_account, m.account_id) \
     LEFT JOIN users u ON u.id = p.author_user";

fn item(row: &AnyRow) -> Result<ModerationItem> {
    Ok(ModerationItem {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        state: row.try_get("state")?,
        spam: row.try_get("spam")?,
        toxic: row.try_get("toxic")?,
        reasons: row.try_get("reasons")?,
        created_at: row.try_get("created_at")?,
        version: row.try_get("version")?,
        post_id: row.try_get("post_id")?,
        account_id: row.try_get("account_id")?,
        topic_id: row.try_get("topic_id")?,
        topic_slug: row.try_get("slug")?,
        topic_title: row.try_get("title")?,
        number: row.try_get("number")?,
        body_md: row.try_get("body_md")?,
        author_name: row.try_get("author_name")?,
        author_handle: row.try_get("handle")?,
        sanction_id: row.try_get("sanction_id")?,
        sanction_by: row.try_get("sanction_by")?,
        sanction_kind: row.try_get("sanction_kind")?,
        sanction_reason: row.try_get("sanction_reason")?,
        sanction_rule: row.try_get("sanction_rule")?,
        sanction_ends: row.try_get("sanction_ends")?,
    })
}

#[async_trait]
impl ModerationStore for SqlStore {
    async fn recent_posting(
        &self,
        workspace_id: i64,
        account_id: i64,
        body: &str,
        idem_key: &str,
        since_burst: i64,
        since_day: i64,
    ) -> Result<RecentPosting> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(CASE WHEN created_at > $2 THEN 1 ELSE 0 END), 0) AS burst, \
             COUNT(*) AS day FROM community_posts \
             WHERE author_account = $1 AND created_at > $3",
        )
        .bind(account_id)
        .bind(since_burst)
        .bind(since_day)
        .fetch_one(&self.pool)
        .await?;
        let same_text: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM community_posts WHERE workspace_id = $1 AND created_at > $2 \
             AND body_md = $3 AND status <> 'deleted' AND idem_key <> $4",
        )
        .bind(workspace_id)
        .bind(since_day)
        .bind(body)
        .bind(idem_key)
        .fetch_one(&self.pool)
        .await?;
        Ok(RecentPosting {
            burst: row.try_get("burst")?,
            day: row.try_get("day")?,
            same_text,
        })
    }

    async fn moderation_queue(&self, workspace_id: i64, limit: i64) -> Result<Vec<ModerationItem>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{ITEM_SELECT} WHERE m.workspace_id = $1 AND m.state = 'pending' \
             ORDER BY m.created_at, m.id LIMIT $2"
        )))
        .bind(workspace_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item).collect()
    }

    async fn recent_posts(
        &self,
        workspace_id: i64,
        since: i64,
        limit: i64,
    ) -> Result<Vec<RecentPost>> {
        let rows = sqlx::query(
            "SELECT p.topic_id, t.slug, t.title, p.number, p.body_md, p.created_at \
             FROM community_posts p JOIN community_topics t ON t.id = p.topic_id \
             WHERE p.workspace_id = $1 AND p.created_at > $2 AND p.status <> 'deleted' \
             ORDER BY p.created_at DESC LIMIT $3",
        )
        .bind(workspace_id)
        .bind(since)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(RecentPost {
                    topic_id: row.try_get("topic_id")?,
                    topic_slug: row.try_get("slug")?,
                    topic_title: row.try_get("title")?,
                    number: row.try_get("number")?,
                    body_md: row.try_get("body_md")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn moderation_item(&self, workspace_id: i64, id: i64) -> Result<Option<ModerationItem>> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{ITEM_SELECT} WHERE m.workspace_id = $1 AND m.id = $2"
        )))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(item).transpose()
    }

    async fn moderation_pending(&self, workspace_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM moderation_items WHERE workspace_id = $1 AND state = 'pending'",
        )
        .bind(workspace_id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn decide_moderation_item(
        &self,
        workspace_id: i64,
        id: i64,
        version: i64,
        decision: Decision,
        user_id: i64,
        now: i64,
    ) -> Result<Decided> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let post_id: Option<Option<i64>> = sqlx::query_scalar(
            "UPDATE moderation_items SET state = $4, decided_at = $5, decided_by = $6, \
             version = version + 1 \
             WHERE workspace_id = $1 AND id = $2 AND version = $3 AND state = 'pending' \
             RETURNING post_id",
        )
        .bind(workspace_id)
        .bind(id)
        .bind(version)
        .bind(decision.state())
        .bind(now)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(post_id) = post_id else {
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM moderation_items WHERE workspace_id = $1 AND id = $2",
            )
            .bind(workspace_id)
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            return match exists {
                Some(_) => Ok(Decided::AlreadyDecided),
                None => Err(StoreError::NotFound { what: "item" }),
            };
        };
        // An appeal granted lifts the sanction it names; refused, the sanction stays.
        if decision == Decision::Approve {
            sqlx::query(
                "UPDATE moderation_sanctions SET lifted_at = $2, lifted_by = $3 \
                 WHERE id = (SELECT sanction_id FROM moderation_items WHERE id = $1) \
                 AND lifted_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(post_id) = post_id {
            match decision {
                Decision::Approve => publish_held_post(&mut tx, post_id, now).await?,
                Decision::Remove => {
                    crate::sql_community_edits::delete_post_in(
                        &mut tx,
                        self.backend,
                        workspace_id,
                        post_id,
                        now,
                    )
                    .await?
                }
            }
        }
        tx.commit().await?;
        self.community_cache.forget_counters();
        Ok(Decided::Done)
    }

    async fn watched_words(&self, workspace_id: i64) -> Result<Vec<WatchedWord>> {
        let rows = sqlx::query(
            "SELECT id, words, action, argument, created_at FROM moderation_watched \
             WHERE workspace_id = $1 ORDER BY words",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(WatchedWord {
                    id: row.try_get("id")?,
                    words: row.try_get("words")?,
                    action: row.try_get("action")?,
                    argument: row.try_get("argument")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    async fn sanction_member(&self, new: &NewSanction<'_>) -> Result<i64> {
        let _writing = self.writing().await;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO moderation_sanctions (workspace_id, account_id, kind, rule, reason, \
             item_id, starts_at, ends_at, created_by) \
             SELECT $1, a.id, $3, $4, $5, $6, $7, $8, $9 FROM community_accounts a \
             WHERE a.workspace_id = $1 AND a.id = $2 RETURNING id",
        )
        .bind(new.workspace_id)
        .bind(new.account_id)
        .bind(new.kind.code())
        .bind(new.rule)
        .bind(new.reason)
        .bind(new.item_id)
        .bind(new.starts_at)
        .bind(new.ends_at)
        .bind(new.created_by)
        .fetch_optional(&self.pool)
        .await?;
        id.ok_or(StoreError::NotFound { what: "member" })
    }

    async fn sanctions_of(&self, workspace_id: i64, account_id: i64) -> Result<Vec<Sanction>> {
        let rows = sqlx::query(
            "SELECT id, account_id, kind, rule, reason, starts_at, ends_at, created_by, lifted_at, \
             appealed_at \
             FROM moderation_sanctions WHERE workspace_id = $1 AND account_id = $2 \
             ORDER BY starts_at DESC, id DESC",
        )
        .bind(workspace_id)
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let kind: String = row.try_get("kind")?;
                Ok(Sanction {
                    id: row.try_get("id")?,
                    account_id: row.try_get("account_id")?,
                    kind: SanctionKind::parse(&kind).unwrap_or(SanctionKind::Warn),
                    rule: row.try_get("rule")?,
                    reason: row.try_get("reason")?,
                    starts_at: row.try_get("starts_at")?,
                    ends_at: row.try_get("ends_at")?,
                    created_by: row.try_get("created_by")?,
                    lifted_at: row.try_get("lifted_at")?,
                    appealed_at: row.try_get("appealed_at")?,
                })
            })
            .collect()
    }

    async fn appeal_sanction(
        &self,
        workspace_id: i64,
        account_id: i64,
        sanction_id: i64,
        text: &str,
        now: i64,
    ) -> Result<Appealed> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let marked: Option<i64> = sqlx::query_scalar(
            "UPDATE moderation_sanctions SET appealed_at = $4 \
             WHERE workspace_id = $1 AND account_id = $2 AND id = $3 AND appealed_at IS NULL \
             RETURNING id",
        )
        .bind(workspace_id)
        .bind(account_id)
        .bind(sanction_id)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        if marked.is_none() {
            let exists: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM moderation_sanctions \
                 WHERE workspace_id = $1 AND account_id = $2 AND id = $3",
            )
            .bind(workspace_id)
            .bind(account_id)
            .bind(sanction_id)
            .fetch_optional(&mut *tx)
            .await?;
            return match exists {
                Some(_) => Ok(Appealed::AlreadyAppealed),
                None => Err(StoreError::NotFound { what: "sanction" }),
            };
        }
        let reasons = serde_json::json!([{"code": "appeal", "detail": text, "words": []}]);
        sqlx::query(
            "INSERT INTO moderation_items (workspace_id, kind, account_id, sanction_id, state, \
             reasons, created_at) VALUES ($1, 'appeal', $2, $3, 'pending', $4, $5)",
        )
        .bind(workspace_id)
        .bind(account_id)
        .bind(sanction_id)
        .bind(reasons.to_string())
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Appealed::Queued)
    }

    async fn lift_sanction(
        &self,
        workspace_id: i64,
        id: i64,
        user_id: i64,
        now: i64,
    ) -> Result<()> {
        let _writing = self.writing().await;
        sqlx::query(
            "UPDATE moderation_sanctions SET lifted_at = $3, lifted_by = $4 \
             WHERE workspace_id = $1 AND id = $2 AND lifted_at IS NULL",
        )
        .bind(workspace_id)
        .bind(id)
        .bind(now)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn watch_word(
        &self,
        workspace_id: i64,
        words: &str,
        action: &str,
        argument: &str,
        now: i64,
    ) -> Result<()> {
        let _writing = self.writing().await;
        sqlx::query(
            "INSERT INTO moderation_watched (workspace_id, words, action, argument, created_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workspace_id, words) \
             DO UPDATE SET action = excluded.action, argument = excluded.argument",
        )
        .bind(workspace_id)
        .bind(words)
        .bind(action)
        .bind(argument)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn unwatch_word(&self, workspace_id: i64, id: i64) -> Result<()> {
        let _writing = self.writing().await;
        sqlx::query("DELETE FROM moderation_watched WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// A visible post taken out of sight until a moderator decides (an edit screening holds); a
/// first post takes its topic with it, out of its category's count.
pub(crate) async fn hide_post_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    post_id: i64,
) -> Result<()> {
    let row = sqlx::query(
        "UPDATE community_posts SET status = 'held' WHERE id = $1 AND status = 'visible' \
         RETURNING topic_id, number",
    )
    .bind(post_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(()) };
    if row.try_get::<i64, _>("number")? == 1 {
        let category: Option<i64> = sqlx::query_scalar(
            "UPDATE community_topics SET status = 'held' WHERE id = $1 AND status = 'visible' \
             RETURNING category_id",
        )
        .bind(row.try_get::<i64, _>("topic_id")?)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(category) = category {
            sqlx::query(
                "UPDATE community_categories SET topic_count = topic_count - 1 WHERE id = $1",
            )
            .bind(category)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}

/// A held post made visible; a held first post makes its topic visible and counts it in its
/// category.
async fn publish_held_post(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    post_id: i64,
    now: i64,
) -> Result<()> {
    let row = sqlx::query(
        "UPDATE community_posts SET status = 'visible' WHERE id = $1 AND status = 'held' \
         RETURNING topic_id, number",
    )
    .bind(post_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(()) };
    let topic_id: i64 = row.try_get("topic_id")?;
    if row.try_get::<i64, _>("number")? == 1 {
        let category: Option<i64> = sqlx::query_scalar(
            "UPDATE community_topics SET status = 'visible' WHERE id = $1 AND status = 'held' \
             RETURNING category_id",
        )
        .bind(topic_id)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(category) = category {
            sqlx::query(
                "UPDATE community_categories SET topic_count = topic_count + 1, \
                 last_posted_at = $2 WHERE id = $1",
            )
            .bind(category)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
