//! [`PostEditStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::Row;

use crate::Result;
use crate::error::StoreError;
use crate::post_edits::*;
use crate::publishing::PostPoll;
use crate::sql::SqlStore;
use crate::sql_publishing::{PostParts, Tx, back_to_draft, post_event, write_parts};

/// The post's state, or `NotFound`; `Refused` when a delivery is being sent or sent, or the
/// post is done (published, failed).
async fn editable(tx: &mut Tx, workspace_id: i64, post_id: i64) -> Result<String> {
    let state: String =
        sqlx::query_scalar("SELECT state FROM posts WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id)
            .bind(post_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound { what: "post" })?;
    let gone: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM post_deliveries WHERE post_id = $1 \
         AND status IN ('sending', 'sent', 'failed')",
    )
    .bind(post_id)
    .fetch_one(&mut **tx)
    .await?;
    if gone > 0 || !matches!(state.as_str(), "draft" | "scheduled" | "pending_approval") {
        return Err(StoreError::Refused("this post has gone out"));
    }
    Ok(state)
}

/// Whether the post is scheduled because it was approved (its last approval step is one).
async fn scheduled_by_approval(tx: &mut Tx, post_id: i64) -> Result<bool> {
    let last: Option<String> = sqlx::query_scalar(
        "SELECT kind FROM post_events WHERE post_id = $1 \
         AND kind IN ('approval_requested', 'approved', 'approved_by_team', 'changes_requested', \
         'approval_revoked', 'approval_reset', 'unscheduled') ORDER BY id DESC LIMIT 1",
    )
    .bind(post_id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(matches!(
        last.as_deref(),
        Some("approved" | "approved_by_team")
    ))
}

#[async_trait]
impl PostEditStore for SqlStore {
    async fn edit_post(&self, e: &PostEdit<'_>) -> Result<Edited> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let state = editable(&mut tx, e.workspace_id, e.post_id).await?;
        // What readers would see, before and after.
        let before: Vec<(i64, Option<String>, String)> = sqlx::query(
            "SELECT channel_id, language, body FROM post_deliveries WHERE post_id = $1 \
             ORDER BY channel_id, language",
        )
        .bind(e.post_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_>>()?;
        let mut after: Vec<(i64, Option<String>, String)> = e
            .variants
            .iter()
            .map(|v| (v.channel_id, v.language.clone(), v.text.clone()))
            .collect();
        after.sort();
        let mut before_sorted = before.clone();
        before_sorted.sort();
        let media_before: Vec<i64> = sqlx::query_scalar(
            "SELECT media_id FROM post_media WHERE post_id = $1 ORDER BY position",
        )
        .bind(e.post_id)
        .fetch_all(&mut *tx)
        .await?;
        let row = sqlx::query("SELECT first_comment, poll FROM posts WHERE id = $1")
            .bind(e.post_id)
            .fetch_one(&mut *tx)
            .await?;
        let comment_before: Option<String> = row.try_get("first_comment")?;
        let poll_before: Option<String> = row.try_get("poll")?;
        let poll_before: Option<PostPoll> = poll_before.and_then(|p| serde_json::from_str(&p).ok());
        let content_changed = before_sorted != after
            || media_before != e.media
            || comment_before.as_deref() != e.first_comment
            || poll_before.as_ref() != e.poll;
        let approval_held = state == "pending_approval"
            || (state == "scheduled" && scheduled_by_approval(&mut tx, e.post_id).await?);
        let approval_reset = content_changed && approval_held;
        let new_state = if approval_reset || e.draft || e.scheduled_at.is_none() {
            "draft"
        } else if state == "pending_approval" {
            // A new time alone: the approvers still decide.
            "pending_approval"
        } else {
            "scheduled"
        };
        if approval_reset || (state == "pending_approval" && new_state == "draft") {
            back_to_draft(&mut tx, e.post_id, e.now).await?;
        }
        sqlx::query(
            "UPDATE posts SET title = $3, campaign = $4, tags = $5, first_comment = $6, poll = $7, \
             scheduled_at = $8, state = $9, updated_at = $10 WHERE workspace_id = $1 AND id = $2",
        )
        .bind(e.workspace_id)
        .bind(e.post_id)
        .bind(e.title)
        .bind(e.campaign)
        .bind(serde_json::to_string(e.tags).expect("tags serialise"))
        .bind(e.first_comment)
        .bind(
            e.poll
                .map(|p| serde_json::to_string(p).expect("a poll serialises")),
        )
        .bind(e.scheduled_at)
        .bind(new_state)
        .bind(e.now)
        .execute(&mut *tx)
        .await?;
        // The deliveries are rewritten: none has gone out.
        sqlx::query("DELETE FROM post_deliveries WHERE post_id = $1")
            .bind(e.post_id)
            .execute(&mut *tx)
            .await?;
        let status = if new_state == "scheduled" {
            "scheduled"
        } else {
            "draft"
        };
        sqlx::query("DELETE FROM post_media WHERE post_id = $1")
            .bind(e.post_id)
            .execute(&mut *tx)
            .await?;
        write_parts(
            &mut tx,
            &PostParts {
                workspace_id: e.workspace_id,
                post_id: e.post_id,
                variants: e.variants,
                status,
                scheduled_at: e.scheduled_at,
                media: e.media,
                short_links: e.short_links,
                now: e.now,
            },
        )
        .await?;
        let kind = if approval_reset {
            "approval_reset"
        } else {
            "edited"
        };
        post_event(
            &mut tx,
            e.workspace_id,
            e.post_id,
            e.actor,
            kind,
            new_state,
            e.now,
        )
        .await?;
        tx.commit().await?;
        Ok(Edited {
            state: new_state.to_owned(),
            approval_reset,
        })
    }

    async fn unschedule_post(
        &self,
        workspace_id: i64,
        post_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let state = editable(&mut tx, workspace_id, post_id).await?;
        if state == "draft" {
            return Err(StoreError::Refused("this post is already a draft"));
        }
        back_to_draft(&mut tx, post_id, now).await?;
        sqlx::query("UPDATE post_deliveries SET status = 'draft' WHERE post_id = $1")
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        post_event(
            &mut tx,
            workspace_id,
            post_id,
            actor,
            "unscheduled",
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_post(&self, workspace_id: i64, post_id: i64) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        editable(&mut tx, workspace_id, post_id).await?;
        // Its deliveries, media, history, approvals and short links go with it (cascades).
        sqlx::query("DELETE FROM posts WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id)
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
