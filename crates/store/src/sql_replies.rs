//! [`ReplyStore`] for [`SqlStore`].

use async_trait::async_trait;
use jardinier_inbox::{State, after_inbound, after_reply};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Result;
use crate::error::StoreError;
use crate::replies::*;
use crate::sql::SqlStore;
use crate::sql_inbox::{Tx, record};

macro_rules! reply_cols {
    () => {
        "r.id, r.workspace_id, r.conversation_id, r.item_id, r.author_id, a.display_name AS author_name, \
         r.body, r.close_after, r.status, r.attempts, r.next_attempt_at, d.display_name AS decided_by, \
         r.decided_at, r.remote_id, r.remote_url, r.last_error, r.created_at, r.sent_at \
         FROM replies r LEFT JOIN users a ON a.id = r.author_id LEFT JOIN users d ON d.id = r.decided_by"
    };
}

fn reply_row(row: &AnyRow) -> Result<Reply> {
    let status: String = row.try_get("status")?;
    Ok(Reply {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        conversation_id: row.try_get("conversation_id")?,
        item_id: row.try_get("item_id")?,
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("author_name")?,
        body: row.try_get("body")?,
        close_after: row.try_get::<i64, _>("close_after")? != 0,
        status: ReplyStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("reply status {status:?}")))?,
        attempts: row.try_get("attempts")?,
        next_attempt_at: row.try_get("next_attempt_at")?,
        decided_by: row.try_get("decided_by")?,
        decided_at: row.try_get("decided_at")?,
        remote_id: row.try_get("remote_id")?,
        remote_url: row.try_get("remote_url")?,
        last_error: row.try_get("last_error")?,
        created_at: row.try_get("created_at")?,
        sent_at: row.try_get("sent_at")?,
    })
}

async fn reply_in(tx: &mut Tx, workspace_id: i64, id: i64) -> Result<Reply> {
    let row = sqlx::query(concat!(
        "SELECT ",
        reply_cols!(),
        " WHERE r.workspace_id = $1 AND r.id = $2"
    ))
    .bind(workspace_id)
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound { what: "reply" })?;
    reply_row(&row)
}

/// The conversation's move once a reply is accepted (`after_reply`), recorded in its history.
async fn apply_reply(
    tx: &mut Tx,
    conversation_id: i64,
    author_id: i64,
    close: bool,
    now: i64,
) -> Result<()> {
    let row = sqlx::query("SELECT state, assignee_id FROM conversations WHERE id = $1")
        .bind(conversation_id)
        .fetch_one(&mut **tx)
        .await?;
    let state: String = row.try_get("state")?;
    let assignee: Option<i64> = row.try_get("assignee_id")?;
    let (next, next_assignee) = after_reply(assignee, author_id, close);
    sqlx::query(
        "UPDATE conversations SET state = $2, assignee_id = $3, updated_at = $4, \
         resolved_at = CASE WHEN $2 = 'done' THEN $4 ELSE resolved_at END WHERE id = $1",
    )
    .bind(conversation_id)
    .bind(next.as_str())
    .bind(next_assignee)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    if next_assignee != assignee {
        let name: String = sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
            .bind(next_assignee)
            .fetch_one(&mut **tx)
            .await?;
        record(tx, conversation_id, now, Some(author_id), "assigned", &name).await?;
    }
    if next.as_str() != state {
        record(
            tx,
            conversation_id,
            now,
            Some(author_id),
            "state",
            next.as_str(),
        )
        .await?;
    }
    Ok(())
}

fn excerpt(body: &str) -> String {
    jardinier_inbox::subject(None, body)
}

#[async_trait]
impl ReplyStore for SqlStore {
    async fn queue_reply(&self, new: &NewReply<'_>) -> Result<Reply> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM replies WHERE idempotency_key = $1")
                .bind(new.idempotency_key)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(id) = existing {
            let reply = reply_in(&mut tx, new.workspace_id, id).await?;
            return Ok(reply);
        }
        // The newest item of the conversation is the one answered (the person's latest words).
        let item_id: i64 = sqlx::query_scalar(
            "SELECT ci.item_id FROM conversation_items ci JOIN items i ON i.id = ci.item_id \
             JOIN conversations c ON c.id = ci.conversation_id \
             WHERE c.workspace_id = $1 AND c.id = $2 ORDER BY i.published_at DESC, i.id DESC LIMIT 1",
        )
        .bind(new.workspace_id)
        .bind(new.conversation_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound {
            what: "conversation",
        })?;
        let status = if new.needs_approval {
            ReplyStatus::PendingApproval
        } else {
            ReplyStatus::Queued
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO replies (workspace_id, conversation_id, item_id, author_id, body, close_after, \
             status, idempotency_key, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9) RETURNING id",
        )
        .bind(new.workspace_id)
        .bind(new.conversation_id)
        .bind(item_id)
        .bind(new.author_id)
        .bind(new.body)
        .bind(i64::from(new.close_after))
        .bind(status.as_str())
        .bind(new.idempotency_key)
        .bind(new.now)
        .fetch_one(&mut *tx)
        .await?;
        let kind = if new.needs_approval {
            "reply_pending"
        } else {
            "reply_queued"
        };
        record(
            &mut tx,
            new.conversation_id,
            new.now,
            Some(new.author_id),
            kind,
            &excerpt(new.body),
        )
        .await?;
        if !new.needs_approval {
            apply_reply(
                &mut tx,
                new.conversation_id,
                new.author_id,
                new.close_after,
                new.now,
            )
            .await?;
        } else {
            sqlx::query("UPDATE conversations SET updated_at = $2 WHERE id = $1")
                .bind(new.conversation_id)
                .bind(new.now)
                .execute(&mut *tx)
                .await?;
        }
        let reply = reply_in(&mut tx, new.workspace_id, id).await?;
        tx.commit().await?;
        Ok(reply)
    }

    async fn decide_reply(
        &self,
        workspace_id: i64,
        reply_id: i64,
        approve: bool,
        actor_id: i64,
        now: i64,
    ) -> Result<Reply> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let reply = reply_in(&mut tx, workspace_id, reply_id).await?;
        if reply.status != ReplyStatus::PendingApproval {
            return Err(StoreError::Refused(
                "this reply was already approved or refused",
            ));
        }
        let next = if approve {
            ReplyStatus::Queued
        } else {
            ReplyStatus::Rejected
        };
        sqlx::query(
            "UPDATE replies SET status = $2, decided_by = $3, decided_at = $4, next_attempt_at = $4 \
             WHERE id = $1",
        )
        .bind(reply_id)
        .bind(next.as_str())
        .bind(actor_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let kind = if approve {
            "reply_approved"
        } else {
            "reply_rejected"
        };
        record(
            &mut tx,
            reply.conversation_id,
            now,
            Some(actor_id),
            kind,
            &excerpt(&reply.body),
        )
        .await?;
        if approve {
            // The conversation moves for its author, as if sent without approval.
            let author = reply.author_id.unwrap_or(actor_id);
            apply_reply(
                &mut tx,
                reply.conversation_id,
                author,
                reply.close_after,
                now,
            )
            .await?;
        } else {
            sqlx::query("UPDATE conversations SET updated_at = $2 WHERE id = $1")
                .bind(reply.conversation_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        let reply = reply_in(&mut tx, workspace_id, reply_id).await?;
        tx.commit().await?;
        Ok(reply)
    }

    async fn retry_reply(
        &self,
        workspace_id: i64,
        reply_id: i64,
        actor_id: i64,
        now: i64,
    ) -> Result<Reply> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let reply = reply_in(&mut tx, workspace_id, reply_id).await?;
        if reply.status != ReplyStatus::Failed {
            return Err(StoreError::Refused(
                "only a reply that failed can be sent again",
            ));
        }
        sqlx::query(
            "UPDATE replies SET status = 'queued', attempts = 0, next_attempt_at = $2 WHERE id = $1",
        )
        .bind(reply_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        record(
            &mut tx,
            reply.conversation_id,
            now,
            Some(actor_id),
            "reply_retried",
            &excerpt(&reply.body),
        )
        .await?;
        let reply = reply_in(&mut tx, workspace_id, reply_id).await?;
        tx.commit().await?;
        Ok(reply)
    }

    async fn replies_of(&self, workspace_id: i64, conversation_id: i64) -> Result<Vec<Reply>> {
        sqlx::query(concat!(
            "SELECT ",
            reply_cols!(),
            " WHERE r.workspace_id = $1 AND r.conversation_id = $2 ORDER BY r.id"
        ))
        .bind(workspace_id)
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(reply_row)
        .collect()
    }

    async fn replies_awaiting_approval(&self, workspace_id: i64) -> Result<Vec<Reply>> {
        sqlx::query(concat!(
            "SELECT ",
            reply_cols!(),
            " WHERE r.workspace_id = $1 AND r.status = 'pending_approval' ORDER BY r.id"
        ))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(reply_row)
        .collect()
    }

    async fn claim_replies(
        &self,
        now: i64,
        stale_before: i64,
        limit: i64,
    ) -> Result<Vec<ReplyJob>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let due = crate::outbox::claim_due(
            &mut tx,
            self.backend,
            "replies",
            "queued",
            now,
            stale_before,
            limit,
        )
        .await?;
        let mut jobs = Vec::with_capacity(due.len());
        for (id, in_doubt) in due {
            let row = sqlx::query(
                "SELECT r.workspace_id, r.idempotency_key, s.id AS source_id, s.kind, s.config, s.secret, \
                 i.external_id, i.parent_external_id, i.author_name, i.author_handle, i.title, i.url, i.lang \
                 FROM replies r JOIN items i ON i.id = r.item_id JOIN sources s ON s.id = i.source_id \
                 WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
            let workspace_id: i64 = row.try_get("workspace_id")?;
            jobs.push(ReplyJob {
                reply: reply_in(&mut tx, workspace_id, id).await?,
                idempotency_key: row.try_get("idempotency_key")?,
                in_doubt,
                source_id: row.try_get("source_id")?,
                source_kind: row.try_get("kind")?,
                source_config: row.try_get("config")?,
                source_secret: row.try_get("secret")?,
                item_external_id: row.try_get("external_id")?,
                item_parent_external_id: row.try_get("parent_external_id")?,
                item_author_name: row.try_get("author_name")?,
                item_author_handle: row.try_get("author_handle")?,
                item_title: row.try_get("title")?,
                item_url: row.try_get("url")?,
                item_lang: row.try_get("lang")?,
            });
        }
        tx.commit().await?;
        Ok(jobs)
    }

    async fn finish_reply(&self, reply_id: i64, outcome: &ReplyOutcome, now: i64) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT conversation_id, author_id, body FROM replies WHERE id = $1")
            .bind(reply_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound { what: "reply" })?;
        let conversation_id: i64 = row.try_get("conversation_id")?;
        let body: String = row.try_get("body")?;
        match outcome {
            ReplyOutcome::Sent {
                remote_id,
                remote_url,
            } => {
                sqlx::query(
                    "UPDATE replies SET status = 'sent', sent_at = $2, remote_id = $3, remote_url = $4, \
                     last_error = NULL WHERE id = $1",
                )
                .bind(reply_id)
                .bind(now)
                .bind(remote_id)
                .bind(remote_url)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE conversations SET first_response_at = COALESCE(first_response_at, $2) \
                     WHERE id = $1",
                )
                .bind(conversation_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                record(
                    &mut tx,
                    conversation_id,
                    now,
                    None,
                    "reply_sent",
                    &excerpt(&body),
                )
                .await?;
            }
            ReplyOutcome::Retry { error, at } => {
                sqlx::query(
                    "UPDATE replies SET status = 'queued', next_attempt_at = $2, last_error = $3 \
                     WHERE id = $1",
                )
                .bind(reply_id)
                .bind(*at)
                .bind(error)
                .execute(&mut *tx)
                .await?;
            }
            ReplyOutcome::Failed { error } => {
                sqlx::query("UPDATE replies SET status = 'failed', last_error = $2 WHERE id = $1")
                    .bind(reply_id)
                    .bind(error)
                    .execute(&mut *tx)
                    .await?;
                record(&mut tx, conversation_id, now, None, "reply_failed", error).await?;
                // Back in the queue: the person has not been answered.
                let row = sqlx::query("SELECT state, assignee_id FROM conversations WHERE id = $1")
                    .bind(conversation_id)
                    .fetch_one(&mut *tx)
                    .await?;
                let state = State::parse(&row.try_get::<String, _>("state")?).unwrap_or(State::New);
                let next = after_inbound(state, row.try_get("assignee_id")?);
                if next != state {
                    sqlx::query(
                        "UPDATE conversations SET state = $2, updated_at = $3 WHERE id = $1",
                    )
                    .bind(conversation_id)
                    .bind(next.as_str())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    record(&mut tx, conversation_id, now, None, "state", next.as_str()).await?;
                }
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_saved_reply(
        &self,
        workspace_id: i64,
        name: &str,
        lang: &str,
        body: &str,
        now: i64,
    ) -> Result<SavedReply> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO saved_replies (workspace_id, name, lang, body, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(workspace_id)
        .bind(name)
        .bind(lang)
        .bind(body)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::on_unique("saved reply name"))?;
        Ok(SavedReply {
            id,
            workspace_id,
            name: name.to_owned(),
            lang: lang.to_owned(),
            body: body.to_owned(),
            created_at: now,
        })
    }

    async fn saved_replies(&self, workspace_id: i64) -> Result<Vec<SavedReply>> {
        sqlx::query(
            "SELECT id, workspace_id, name, lang, body, created_at FROM saved_replies \
             WHERE workspace_id = $1 ORDER BY lang, name",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(SavedReply {
                id: r.try_get("id")?,
                workspace_id: r.try_get("workspace_id")?,
                name: r.try_get("name")?,
                lang: r.try_get("lang")?,
                body: r.try_get("body")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
    }

    async fn delete_saved_reply(&self, workspace_id: i64, id: i64) -> Result<()> {
        self.delete_in_workspace("saved_replies", workspace_id, id, "saved reply")
            .await
    }
}
