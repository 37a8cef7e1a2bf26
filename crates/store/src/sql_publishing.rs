//! [`PublishStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Result;
use crate::error::StoreError;
use crate::publishing::*;
use crate::sql::SqlStore;

const DELIVERY_COLS: &str = "id, post_id, channel_id, language, body, status, attempts, due_at, \
     remote_id, remote_url, last_error, sent_at, created_at, likes, shares, replies, metrics_at";
const POST_COLS: &str = "id, workspace_id, author_id, title, state, scheduled_at, campaign, tags, \
     approval_step, first_comment, poll, created_at, updated_at";
const CHANNEL_COLS: &str = "id, workspace_id, kind, name, config, secret, created_at";

fn delivery_row(r: &AnyRow) -> Result<PostDelivery> {
    Ok(PostDelivery {
        id: r.try_get("id")?,
        post_id: r.try_get("post_id")?,
        channel_id: r.try_get("channel_id")?,
        language: r.try_get("language")?,
        body: r.try_get("body")?,
        status: r.try_get("status")?,
        attempts: r.try_get("attempts")?,
        due_at: r.try_get("due_at")?,
        remote_id: r.try_get("remote_id")?,
        remote_url: r.try_get("remote_url")?,
        last_error: r.try_get("last_error")?,
        sent_at: r.try_get("sent_at")?,
        created_at: r.try_get("created_at")?,
        likes: r.try_get("likes")?,
        shares: r.try_get("shares")?,
        replies: r.try_get("replies")?,
        metrics_at: r.try_get("metrics_at")?,
    })
}

fn post_row(r: &AnyRow) -> Result<Post> {
    Ok(Post {
        id: r.try_get("id")?,
        workspace_id: r.try_get("workspace_id")?,
        author_id: r.try_get("author_id")?,
        title: r.try_get("title")?,
        state: r.try_get("state")?,
        scheduled_at: r.try_get("scheduled_at")?,
        campaign: r.try_get("campaign")?,
        tags: serde_json::from_str(&r.try_get::<String, _>("tags")?)
            .map_err(|e| StoreError::Corrupt(format!("post tags ({e})")))?,
        approval_step: r.try_get("approval_step")?,
        first_comment: r.try_get("first_comment")?,
        poll: r
            .try_get::<Option<String>, _>("poll")?
            .map(|p| serde_json::from_str(&p))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("post poll ({e})")))?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn channel_row(r: &AnyRow) -> Result<PublishChannel> {
    Ok(PublishChannel {
        id: r.try_get("id")?,
        workspace_id: r.try_get("workspace_id")?,
        kind: r.try_get("kind")?,
        name: r.try_get("name")?,
        config: r.try_get("config")?,
        secret: r.try_get("secret")?,
        created_at: r.try_get("created_at")?,
    })
}

const APPROVAL_COLS: &str =
    "id, workspace_id, post_id, expires_at, revoked_at, decided_at, decision, comment";

fn approval_row(r: &AnyRow) -> Result<Approval> {
    Ok(Approval {
        id: r.try_get("id")?,
        workspace_id: r.try_get("workspace_id")?,
        post_id: r.try_get("post_id")?,
        expires_at: r.try_get("expires_at")?,
        revoked_at: r.try_get("revoked_at")?,
        decided_at: r.try_get("decided_at")?,
        decision: r.try_get("decision")?,
        comment: r.try_get("comment")?,
    })
}

pub(crate) type Tx = crate::sql_inbox::Tx;

/// A column list with each column named through a table's alias (`d.id, d.post_id, …`).
fn prefixed(cols: &str, alias: &str) -> String {
    cols.split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

const MEDIA_COLS: &str =
    "id, workspace_id, sha256, filename, content_type, size, width, height, alt, created_at";

fn media_row(r: &AnyRow) -> Result<Media> {
    Ok(Media {
        id: r.try_get("id")?,
        workspace_id: r.try_get("workspace_id")?,
        sha256: r.try_get("sha256")?,
        filename: r.try_get("filename")?,
        content_type: r.try_get("content_type")?,
        size: r.try_get("size")?,
        width: r.try_get("width")?,
        height: r.try_get("height")?,
        alt: r.try_get("alt")?,
        created_at: r.try_get("created_at")?,
    })
}

/// What a post is made of besides its row: a delivery per text, its media in order, and the
/// short links its texts use. Shared by writing a post and changing it.
pub(crate) struct PostParts<'a> {
    pub workspace_id: i64,
    pub post_id: i64,
    pub variants: &'a [NewVariant],
    /// The deliveries' status: draft or scheduled.
    pub status: &'a str,
    pub scheduled_at: Option<i64>,
    pub media: &'a [i64],
    pub short_links: &'a [NewShortLink],
    pub now: i64,
}

/// Writes a post's deliveries, media and short links; a channel or medium that is not the
/// workspace's is `NotFound` (and the transaction is dropped with everything in it).
pub(crate) async fn write_parts(tx: &mut Tx, p: &PostParts<'_>) -> Result<()> {
    let id = p.post_id;
    for variant in p.variants {
        let channel = variant.channel_id;
        let ours: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM publish_channels WHERE workspace_id = $1 AND id = $2",
        )
        .bind(p.workspace_id)
        .bind(channel)
        .fetch_optional(&mut **tx)
        .await?;
        if ours.is_none() {
            return Err(StoreError::NotFound { what: "channel" });
        }
        sqlx::query(
            "INSERT INTO post_deliveries (workspace_id, post_id, channel_id, language, body, status, \
             idempotency_key, attempts, due_at, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $8, $9)",
        )
        .bind(p.workspace_id)
        .bind(id)
        .bind(channel)
        .bind(variant.language.as_deref())
        .bind(&variant.text)
        .bind(p.status)
        .bind(match &variant.language {
            Some(lang) => format!("post-{id}-channel-{channel}-{lang}"),
            None => format!("post-{id}-channel-{channel}"),
        })
        .bind(p.scheduled_at)
        .bind(p.now)
        .execute(&mut **tx)
        .await?;
    }
    for (position, media_id) in p.media.iter().enumerate() {
        let ours: Option<i64> =
            sqlx::query_scalar("SELECT id FROM media WHERE workspace_id = $1 AND id = $2")
                .bind(p.workspace_id)
                .bind(*media_id)
                .fetch_optional(&mut **tx)
                .await?;
        if ours.is_none() {
            return Err(StoreError::NotFound { what: "media" });
        }
        sqlx::query("INSERT INTO post_media (post_id, media_id, position) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(*media_id)
            .bind(position as i64)
            .execute(&mut **tx)
            .await?;
    }
    for link in p.short_links {
        sqlx::query(
            "INSERT INTO short_links (workspace_id, code, url, post_id, channel_id, clicks, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6)",
        )
        .bind(p.workspace_id)
        .bind(&link.code)
        .bind(&link.url)
        .bind(id)
        .bind(link.channel_id)
        .bind(p.now)
        .execute(&mut **tx)
        .await
        .map_err(StoreError::on_unique("short link"))?;
    }
    Ok(())
}

pub(crate) async fn post_event(
    tx: &mut Tx,
    workspace_id: i64,
    post_id: i64,
    actor: &str,
    kind: &str,
    detail: &str,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO post_events (workspace_id, post_id, at, actor, kind, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(workspace_id)
    .bind(post_id)
    .bind(now)
    .bind(actor)
    .bind(kind)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

impl SqlStore {
    async fn posts_by_ids(
        &self,
        workspace_id: i64,
        ids: Vec<i64>,
    ) -> Result<Vec<(Post, Vec<PostDelivery>)>> {
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(found) = self.post(workspace_id, id).await? {
                out.push(found);
            }
        }
        Ok(out)
    }
}

/// An approved post is scheduled: at its time, or now if that has passed.
async fn schedule_approved(tx: &mut Tx, post_id: i64, now: i64) -> Result<()> {
    let scheduled: Option<i64> = sqlx::query_scalar("SELECT scheduled_at FROM posts WHERE id = $1")
        .bind(post_id)
        .fetch_one(&mut **tx)
        .await?;
    let due = scheduled.unwrap_or(now).max(now);
    sqlx::query(
        "UPDATE posts SET state = 'scheduled', approval_step = NULL, updated_at = $2 WHERE id = $1",
    )
    .bind(post_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE post_deliveries SET status = 'scheduled', due_at = $2, next_attempt_at = $2 \
         WHERE post_id = $1 AND status = 'draft'",
    )
    .bind(post_id)
    .bind(due)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// Back to draft: the client's open links stop working, the round's votes are cleared.
pub(crate) async fn back_to_draft(tx: &mut Tx, post_id: i64, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE posts SET state = 'draft', approval_step = NULL, updated_at = $2 WHERE id = $1",
    )
    .bind(post_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query(
        "UPDATE post_approvals SET revoked_at = $2 WHERE post_id = $1 AND revoked_at IS NULL AND decided_at IS NULL",
    )
    .bind(post_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    sqlx::query("DELETE FROM post_approval_votes WHERE post_id = $1")
        .bind(post_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

pub(crate) async fn policy_in(
    tx: &mut Tx,
    workspace_id: i64,
) -> Result<jardinier_domain::ApprovalPolicy> {
    let text: Option<String> =
        sqlx::query_scalar("SELECT policy FROM approval_policies WHERE workspace_id = $1")
            .bind(workspace_id)
            .fetch_optional(&mut **tx)
            .await?;
    match text {
        None => Ok(Default::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("approval policy ({e})"))),
    }
}

/// Records how a delivery went, in `tx`; the post becomes published when all are sent, failed
/// when one gave up.
async fn finish_in(tx: &mut Tx, id: i64, outcome: &DeliveryOutcome, now: i64) -> Result<()> {
    let post_id: i64 = sqlx::query_scalar("SELECT post_id FROM post_deliveries WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or(StoreError::NotFound { what: "delivery" })?;
    let settles = !matches!(outcome, DeliveryOutcome::Retry { .. });
    match outcome {
        DeliveryOutcome::Sent {
            remote_id,
            remote_url,
            note,
        } => {
            sqlx::query(
                "UPDATE post_deliveries SET status = 'sent', sent_at = $2, remote_id = $3, remote_url = $4, \
                 last_error = $5 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .bind(remote_id)
            .bind(remote_url)
            .bind(note)
            .execute(&mut **tx)
            .await?;
        }
        DeliveryOutcome::Retry { error, at } => {
            sqlx::query(
                "UPDATE post_deliveries SET status = 'scheduled', next_attempt_at = $2, last_error = $3 \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(*at)
            .bind(error)
            .execute(&mut **tx)
            .await?;
        }
        DeliveryOutcome::Failed { error } => {
            sqlx::query(
                "UPDATE post_deliveries SET status = 'failed', last_error = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .execute(&mut **tx)
            .await?;
        }
    }
    // The post's state follows its deliveries (a retry changes nothing there).
    if !settles {
        return Ok(());
    }
    let row = sqlx::query(
        "SELECT SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent, \
         SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, COUNT(*) AS n, \
         (SELECT state FROM posts WHERE id = $1) AS post_state, \
         (SELECT workspace_id FROM posts WHERE id = $1) AS post_workspace \
         FROM post_deliveries WHERE post_id = $1",
    )
    .bind(post_id)
    .fetch_one(&mut **tx)
    .await?;
    let (sent, failed, n): (Option<i64>, Option<i64>, i64) = (
        row.try_get("sent")?,
        row.try_get("failed")?,
        row.try_get("n")?,
    );
    let state = if failed.unwrap_or(0) > 0 {
        Some("failed")
    } else if sent.unwrap_or(0) == n {
        Some("published")
    } else {
        None
    };
    let before: String = row.try_get("post_state")?;
    let workspace_id: i64 = row.try_get("post_workspace")?;
    if let Some(state) = state.filter(|s| *s != before) {
        sqlx::query("UPDATE posts SET state = $2, updated_at = $3 WHERE id = $1")
            .bind(post_id)
            .bind(state)
            .bind(now)
            .execute(&mut **tx)
            .await?;
        {
            let detail = match outcome {
                DeliveryOutcome::Failed { error } => error.as_str(),
                _ => "",
            };
            post_event(tx, workspace_id, post_id, "Jardinier", state, detail, now).await?;
            let title: String = sqlx::query_scalar("SELECT title FROM posts WHERE id = $1")
                .bind(post_id)
                .fetch_one(&mut **tx)
                .await?;
            let channels: Vec<(String, String, Option<String>, Option<String>)> = sqlx::query(
                "SELECT c.name, d.status, d.remote_url, d.last_error FROM post_deliveries d \
                 JOIN publish_channels c ON c.id = d.channel_id WHERE d.post_id = $1 ORDER BY d.id",
            )
            .bind(post_id)
            .fetch_all(&mut **tx)
            .await?
            .iter()
            .map(|r| {
                Ok((
                    r.try_get("name")?,
                    r.try_get("status")?,
                    r.try_get("remote_url")?,
                    r.try_get("last_error")?,
                ))
            })
            .collect::<Result<_>>()?;
            let channels: Vec<serde_json::Value> = channels
                .into_iter()
                .map(|(name, status, url, error)| serde_json::json!({"channel": name, "status": status, "url": url, "error": error}))
                .collect();
            let data = serde_json::json!({"post": {"id": post_id, "title": title, "state": state}, "channels": channels});
            let event = if state == "published" {
                "post.published"
            } else {
                "post.failed"
            };
            crate::sql_webhooks::emit(tx, workspace_id, event, data, now).await?;
        }
    }
    Ok(())
}

#[async_trait]
impl PublishStore for SqlStore {
    async fn create_channel(&self, c: &NewChannel<'_>) -> Result<PublishChannel> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO publish_channels (workspace_id, kind, name, config, secret, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(c.workspace_id)
        .bind(c.kind)
        .bind(c.name)
        .bind(c.config)
        .bind(c.secret)
        .bind(c.now)
        .fetch_one(&self.pool)
        .await?;
        Ok(PublishChannel {
            id,
            workspace_id: c.workspace_id,
            kind: c.kind.to_owned(),
            name: c.name.to_owned(),
            config: c.config.to_owned(),
            secret: c.secret.map(str::to_owned),
            created_at: c.now,
        })
    }

    async fn channels(&self, workspace_id: i64) -> Result<Vec<PublishChannel>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CHANNEL_COLS} FROM publish_channels WHERE workspace_id = $1 ORDER BY name, id"
        )))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(channel_row)
        .collect()
    }

    async fn save_oauth_state(
        &self,
        state_hash: &str,
        workspace_id: i64,
        user_id: i64,
        network: &str,
        verifier: &str,
        now: i64,
    ) -> Result<()> {
        // Old, unused ones go first.
        sqlx::query("DELETE FROM oauth_states WHERE created_at < $1")
            .bind(now - 3_600)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO oauth_states (state_hash, workspace_id, user_id, network, verifier, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(state_hash)
        .bind(workspace_id)
        .bind(user_id)
        .bind(network)
        .bind(verifier)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn take_oauth_state(
        &self,
        state_hash: &str,
        since: i64,
    ) -> Result<Option<(i64, i64, String, String)>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT workspace_id, user_id, network, verifier, created_at FROM oauth_states WHERE state_hash = $1",
        )
        .bind(state_hash)
        .fetch_optional(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM oauth_states WHERE state_hash = $1")
            .bind(state_hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        let Some(row) = row else { return Ok(None) };
        let created: i64 = row.try_get("created_at")?;
        if created < since {
            return Ok(None);
        }
        Ok(Some((
            row.try_get("workspace_id")?,
            row.try_get("user_id")?,
            row.try_get("network")?,
            row.try_get("verifier")?,
        )))
    }

    async fn media_by_hash(&self, workspace_id: i64, sha256: &str) -> Result<Option<Media>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLS} FROM media WHERE workspace_id = $1 AND sha256 = $2"
        )))
        .bind(workspace_id)
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(media_row)
        .transpose()
    }

    async fn post_campaigns(&self, workspace_id: i64) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT campaign FROM posts WHERE workspace_id = $1 AND campaign <> '' ORDER BY campaign",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn set_channel_secret(&self, channel_id: i64, secret: &str) -> Result<()> {
        sqlx::query(
            "UPDATE publish_channels SET secret = $2, expiry_warned_at = NULL WHERE id = $1",
        )
        .bind(channel_id)
        .bind(secret)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn channels_expiring(&self, kinds: &[&str], before: i64) -> Result<Vec<PublishChannel>> {
        let mut out = Vec::new();
        for kind in kinds {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CHANNEL_COLS} FROM publish_channels WHERE kind = $1 AND expiry_warned_at IS NULL"
            )))
            .bind(*kind)
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                let channel = channel_row(&row)?;
                // The tokens are JSON in the secret: {"access_token", "refresh_token", "expires_at"}.
                let tokens: serde_json::Value = channel
                    .secret
                    .as_deref()
                    .and_then(|s| serde_json::from_str(s).ok())
                    .unwrap_or_default();
                let expires = tokens["expires_at"].as_i64();
                let refreshable = tokens["refresh_token"].is_string();
                if expires.is_some_and(|at| at < before) && !refreshable {
                    out.push(channel);
                }
            }
        }
        Ok(out)
    }

    async fn mark_channel_warned(&self, channel_id: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE publish_channels SET expiry_warned_at = $2 WHERE id = $1")
            .bind(channel_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn create_post(&self, p: &NewPost<'_>) -> Result<Post> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let state = if p.scheduled_at.is_some() && !p.draft {
            "scheduled"
        } else {
            "draft"
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO posts (workspace_id, author_id, title, state, scheduled_at, campaign, tags, \
             first_comment, poll, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id",
        )
        .bind(p.workspace_id)
        .bind(p.author_id)
        .bind(p.title)
        .bind(state)
        .bind(p.scheduled_at)
        .bind(p.campaign)
        .bind(serde_json::to_string(p.tags).expect("tags serialise"))
        .bind(p.first_comment)
        .bind(p.poll.map(|poll| serde_json::to_string(poll).expect("a poll serialises")))
        .bind(p.now)
        .fetch_one(&mut *tx)
        .await?;
        write_parts(
            &mut tx,
            &PostParts {
                workspace_id: p.workspace_id,
                post_id: id,
                variants: p.variants,
                status: state,
                scheduled_at: p.scheduled_at,
                media: p.media,
                short_links: p.short_links,
                now: p.now,
            },
        )
        .await?;
        let author: Option<String> = match p.author_id {
            Some(author) => {
                sqlx::query_scalar("SELECT display_name FROM users WHERE id = $1")
                    .bind(author)
                    .fetch_optional(&mut *tx)
                    .await?
            }
            None => None,
        };
        post_event(
            &mut tx,
            p.workspace_id,
            id,
            author.as_deref().unwrap_or("Jardinier"),
            "created",
            state,
            p.now,
        )
        .await?;
        tx.commit().await?;
        Ok(Post {
            id,
            workspace_id: p.workspace_id,
            author_id: p.author_id,
            title: p.title.to_owned(),
            state: state.to_owned(),
            scheduled_at: p.scheduled_at,
            campaign: p.campaign.to_owned(),
            tags: p.tags.to_vec(),
            approval_step: None,
            first_comment: p.first_comment.map(str::to_owned),
            poll: p.poll.cloned(),
            created_at: p.now,
            updated_at: p.now,
        })
    }

    async fn post(&self, workspace_id: i64, id: i64) -> Result<Option<(Post, Vec<PostDelivery>)>> {
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {POST_COLS} FROM posts WHERE workspace_id = $1 AND id = $2"
        )))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let deliveries = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {DELIVERY_COLS} FROM post_deliveries WHERE post_id = $1 ORDER BY id"
        )))
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(delivery_row)
        .collect::<Result<Vec<_>>>()?;
        Ok(Some((post_row(&row)?, deliveries)))
    }

    async fn posts_between(
        &self,
        workspace_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(Post, Vec<PostDelivery>)>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM posts WHERE workspace_id = $1 AND scheduled_at >= $2 AND scheduled_at < $3 \
             ORDER BY scheduled_at, id LIMIT 2000",
        )
        .bind(workspace_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?;
        self.posts_by_ids(workspace_id, ids).await
    }

    async fn drafts(
        &self,
        workspace_id: i64,
        limit: i64,
    ) -> Result<Vec<(Post, Vec<PostDelivery>)>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM posts WHERE workspace_id = $1 AND scheduled_at IS NULL ORDER BY id DESC LIMIT $2",
        )
        .bind(workspace_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.pool)
        .await?;
        self.posts_by_ids(workspace_id, ids).await
    }

    async fn retry_failed(
        &self,
        workspace_id: i64,
        post_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<u64> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE post_deliveries SET status = 'scheduled', next_attempt_at = $3, attempts = 0, \
             failure_notified_at = NULL WHERE workspace_id = $1 AND post_id = $2 AND status = 'failed'",
        )
        .bind(workspace_id)
        .bind(post_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if moved > 0 {
            sqlx::query(
                "UPDATE posts SET state = 'scheduled', updated_at = $3 WHERE workspace_id = $1 AND id = $2",
            )
            .bind(workspace_id)
            .bind(post_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            post_event(&mut tx, workspace_id, post_id, actor, "retried", "", now).await?;
        }
        tx.commit().await?;
        Ok(moved)
    }

    async fn due_metrics(
        &self,
        kinds: &[&str],
        sent_after: i64,
        fetched_before: i64,
        limit: i64,
    ) -> Result<Vec<(PostDelivery, PublishChannel)>> {
        let mut out = Vec::new();
        for kind in kinds {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM post_deliveries d JOIN publish_channels c ON c.id = d.channel_id \
                 WHERE d.status = 'sent' AND c.kind = $1 AND d.sent_at > $2 \
                 AND (d.metrics_at IS NULL OR d.metrics_at < $3) ORDER BY d.sent_at DESC LIMIT $4",
                prefixed(DELIVERY_COLS, "d")
            )))
            .bind(*kind)
            .bind(sent_after)
            .bind(fetched_before)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            for row in rows {
                let delivery = delivery_row(&row)?;
                let channel = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {CHANNEL_COLS} FROM publish_channels WHERE id = $1"
                )))
                .bind(delivery.channel_id)
                .fetch_one(&self.pool)
                .await?;
                out.push((delivery, channel_row(&channel)?));
            }
        }
        Ok(out)
    }

    async fn record_metrics(
        &self,
        delivery_id: i64,
        likes: i64,
        shares: i64,
        replies: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE post_deliveries SET likes = $2, shares = $3, replies = $4, metrics_at = $5 WHERE id = $1",
        )
        .bind(delivery_id)
        .bind(likes)
        .bind(shares)
        .bind(replies)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn click_short_link(&self, code: &str) -> Result<Option<String>> {
        let _writing = self.writing().await;
        let url: Option<String> = sqlx::query_scalar(
            "UPDATE short_links SET clicks = clicks + 1 WHERE code = $1 RETURNING url",
        )
        .bind(code)
        .fetch_optional(&self.pool)
        .await?;
        Ok(url)
    }

    async fn short_links(&self, workspace_id: i64, post_id: i64) -> Result<Vec<ShortLink>> {
        sqlx::query(
            "SELECT code, url, post_id, channel_id, clicks FROM short_links \
             WHERE workspace_id = $1 AND post_id = $2 ORDER BY id",
        )
        .bind(workspace_id)
        .bind(post_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ShortLink {
                code: r.try_get("code")?,
                url: r.try_get("url")?,
                post_id: r.try_get("post_id")?,
                channel_id: r.try_get("channel_id")?,
                clicks: r.try_get("clicks")?,
            })
        })
        .collect()
    }

    async fn clicks_by_post(&self, workspace_id: i64) -> Result<Vec<(i64, i64)>> {
        sqlx::query(
            "SELECT post_id, CAST(SUM(clicks) AS BIGINT) AS clicks FROM short_links \
             WHERE workspace_id = $1 AND post_id IS NOT NULL GROUP BY post_id",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("post_id")?, r.try_get("clicks")?)))
        .collect()
    }

    async fn queue_slots(&self, workspace_id: i64) -> Result<Vec<QueueSlotRow>> {
        sqlx::query(
            "SELECT id, channel_id, weekday, minute FROM queue_slots WHERE workspace_id = $1 \
             ORDER BY channel_id, weekday, minute",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(QueueSlotRow {
                id: r.try_get("id")?,
                channel_id: r.try_get("channel_id")?,
                weekday: r.try_get("weekday")?,
                minute: r.try_get("minute")?,
            })
        })
        .collect()
    }

    async fn add_queue_slot(
        &self,
        workspace_id: i64,
        channel_id: i64,
        weekday: i64,
        minute: i64,
    ) -> Result<()> {
        if !(1..=7).contains(&weekday) || !(0..1_440).contains(&minute) {
            return Err(StoreError::Refused("a slot is a weekday and a time of day"));
        }
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let ours: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM publish_channels WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(channel_id)
        .fetch_optional(&mut *tx)
        .await?;
        if ours.is_none() {
            return Err(StoreError::NotFound { what: "channel" });
        }
        sqlx::query(
            "INSERT INTO queue_slots (workspace_id, channel_id, weekday, minute) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (channel_id, weekday, minute) DO NOTHING",
        )
        .bind(workspace_id)
        .bind(channel_id)
        .bind(weekday)
        .bind(minute)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_queue_slot(&self, workspace_id: i64, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM queue_slots WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn taken_times(&self, channel_id: i64, from: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT due_at FROM post_deliveries WHERE channel_id = $1 AND due_at >= $2 \
             AND status IN ('scheduled', 'sending', 'sent')",
        )
        .bind(channel_id)
        .bind(from)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn add_media(&self, m: &NewMedia<'_>) -> Result<Media> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let existing: Option<i64> =
            sqlx::query_scalar("SELECT id FROM media WHERE workspace_id = $1 AND sha256 = $2")
                .bind(m.workspace_id)
                .bind(m.sha256)
                .fetch_optional(&mut *tx)
                .await?;
        let id = match existing {
            Some(id) => {
                if !m.alt.is_empty() {
                    sqlx::query("UPDATE media SET alt = $2 WHERE id = $1")
                        .bind(id)
                        .bind(m.alt)
                        .execute(&mut *tx)
                        .await?;
                }
                id
            }
            None => {
                sqlx::query_scalar(
                    "INSERT INTO media (workspace_id, sha256, filename, content_type, size, width, height, alt, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                )
                .bind(m.workspace_id)
                .bind(m.sha256)
                .bind(m.filename)
                .bind(m.content_type)
                .bind(m.size)
                .bind(m.width)
                .bind(m.height)
                .bind(m.alt)
                .bind(m.now)
                .fetch_one(&mut *tx)
                .await?
            }
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLS} FROM media WHERE id = $1"
        )))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        media_row(&row)
    }

    async fn media_library(&self, workspace_id: i64, limit: i64) -> Result<Vec<Media>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLS} FROM media WHERE workspace_id = $1 ORDER BY id DESC LIMIT $2"
        )))
        .bind(workspace_id)
        .bind(limit.clamp(1, 1_000))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(media_row)
        .collect()
    }

    async fn media(&self, workspace_id: i64, id: i64) -> Result<Option<Media>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {MEDIA_COLS} FROM media WHERE workspace_id = $1 AND id = $2"
        )))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(media_row)
        .transpose()
    }

    async fn set_media_alt(&self, workspace_id: i64, id: i64, alt: &str) -> Result<()> {
        sqlx::query("UPDATE media SET alt = $3 WHERE workspace_id = $1 AND id = $2")
            .bind(workspace_id)
            .bind(id)
            .bind(alt)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn post_media(&self, post_id: i64) -> Result<Vec<Media>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} FROM media m JOIN post_media pm ON pm.media_id = m.id WHERE pm.post_id = $1 \
             ORDER BY pm.position",
            prefixed(MEDIA_COLS, "m")
        )))
        .bind(post_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(media_row)
        .collect()
    }

    async fn failed_unnotified(&self, limit: i64) -> Result<Vec<(PostDelivery, Post)>> {
        let rows = sqlx::query(
            "SELECT id, workspace_id, post_id FROM post_deliveries \
             WHERE status = 'failed' AND failure_notified_at IS NULL ORDER BY id LIMIT $1",
        )
        .bind(limit.clamp(1, 1_000))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let id: i64 = row.try_get("id")?;
            let workspace_id: i64 = row.try_get("workspace_id")?;
            let post_id: i64 = row.try_get("post_id")?;
            if let Some((post, deliveries)) = self.post(workspace_id, post_id).await?
                && let Some(delivery) = deliveries.into_iter().find(|d| d.id == id)
            {
                out.push((delivery, post));
            }
        }
        Ok(out)
    }

    async fn mark_failure_notified(&self, delivery_id: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE post_deliveries SET failure_notified_at = $2 WHERE id = $1")
            .bind(delivery_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn set_calendar_feed(&self, workspace_id: i64, token_hash: &str, now: i64) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM calendar_feeds WHERE workspace_id = $1")
            .bind(workspace_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO calendar_feeds (workspace_id, token_hash, created_at) VALUES ($1, $2, $3)",
        )
        .bind(workspace_id)
        .bind(token_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn calendar_feed_workspace(&self, token_hash: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT workspace_id FROM calendar_feeds WHERE token_hash = $1")
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn posts(&self, workspace_id: i64, limit: i64) -> Result<Vec<(Post, Vec<PostDelivery>)>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM posts WHERE workspace_id = $1 \
             ORDER BY CASE WHEN scheduled_at IS NULL THEN 1 ELSE 0 END, scheduled_at DESC, id DESC LIMIT $2",
        )
        .bind(workspace_id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(found) = self.post(workspace_id, id).await? {
                out.push(found);
            }
        }
        Ok(out)
    }

    async fn posts_after(
        &self,
        workspace_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<(Post, Vec<PostDelivery>)>> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM posts WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        )
        .bind(workspace_id)
        .bind(after_id)
        .bind(limit.clamp(1, 1_000))
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(found) = self.post(workspace_id, id).await? {
                out.push(found);
            }
        }
        Ok(out)
    }

    async fn claim_deliveries(
        &self,
        now: i64,
        stale_before: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryJob>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let due = crate::outbox::claim_due(
            &mut tx,
            self.backend,
            "post_deliveries",
            "scheduled",
            now,
            stale_before,
            limit,
        )
        .await?;
        // Everything the jobs need, read in four queries whatever their number: the claim is
        // on the publisher's path, and one round trip per row per table does not keep up.
        if due.is_empty() {
            tx.commit().await?;
            return Ok(Vec::new());
        }
        let list = |ids: &mut dyn Iterator<Item = i64>| {
            let mut ids: Vec<i64> = ids.collect();
            ids.sort_unstable();
            ids.dedup();
            ids.iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let delivery_ids = list(&mut due.iter().map(|(id, _)| *id));
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT d.workspace_id AS delivery_workspace, d.idempotency_key, {} FROM post_deliveries d \
             WHERE d.id IN ({delivery_ids})",
            prefixed(DELIVERY_COLS, "d")
        )))
        // Each list makes a new statement: not worth a place in the prepared-statement cache.
        .persistent(false)
        .fetch_all(&mut *tx)
        .await?;
        let mut found: std::collections::HashMap<i64, (PostDelivery, i64, String)> =
            std::collections::HashMap::new();
        for row in &rows {
            let delivery = delivery_row(row)?;
            found.insert(
                delivery.id,
                (
                    delivery,
                    row.try_get("delivery_workspace")?,
                    row.try_get("idempotency_key")?,
                ),
            );
        }
        let channel_ids = list(&mut found.values().map(|(d, _, _)| d.channel_id));
        let mut channels: std::collections::HashMap<i64, PublishChannel> = Default::default();
        for row in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CHANNEL_COLS} FROM publish_channels WHERE id IN ({channel_ids})"
        )))
        // Each list makes a new statement: not worth a place in the prepared-statement cache.
        .persistent(false)
        .fetch_all(&mut *tx)
        .await?
        {
            let channel = channel_row(&row)?;
            channels.insert(channel.id, channel);
        }
        let post_ids = list(&mut found.values().map(|(d, _, _)| d.post_id));
        let mut media: std::collections::HashMap<i64, Vec<Media>> = Default::default();
        for row in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT pm.post_id AS of_post, {} FROM media m JOIN post_media pm ON pm.media_id = m.id \
             WHERE pm.post_id IN ({post_ids}) ORDER BY pm.post_id, pm.position",
            prefixed(MEDIA_COLS, "m")
        )))
        // Each list makes a new statement: not worth a place in the prepared-statement cache.
        .persistent(false)
        .fetch_all(&mut *tx)
        .await?
        {
            media
                .entry(row.try_get("of_post")?)
                .or_default()
                .push(media_row(&row)?);
        }
        let mut extras: std::collections::HashMap<i64, (Option<String>, Option<PostPoll>)> =
            Default::default();
        for row in sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT id, first_comment, poll FROM posts WHERE id IN ({post_ids})"
        )))
        // Each list makes a new statement: not worth a place in the prepared-statement cache.
        .persistent(false)
        .fetch_all(&mut *tx)
        .await?
        {
            let poll: Option<PostPoll> = row
                .try_get::<Option<String>, _>("poll")?
                .and_then(|p| serde_json::from_str(&p).ok());
            extras.insert(row.try_get("id")?, (row.try_get("first_comment")?, poll));
        }
        let mut jobs = Vec::with_capacity(due.len());
        for (id, in_doubt) in due {
            let Some((delivery, workspace_id, idempotency_key)) = found.remove(&id) else {
                continue;
            };
            let Some(channel) = channels.get(&delivery.channel_id).cloned() else {
                continue;
            };
            let (first_comment, poll) = extras.get(&delivery.post_id).cloned().unwrap_or_default();
            jobs.push(DeliveryJob {
                first_comment,
                poll,
                media: media.get(&delivery.post_id).cloned().unwrap_or_default(),
                workspace_id,
                idempotency_key,
                in_doubt,
                channel,
                delivery,
            });
        }
        tx.commit().await?;
        Ok(jobs)
    }

    async fn finish_delivery(&self, id: i64, outcome: &DeliveryOutcome, now: i64) -> Result<()> {
        self.finish_deliveries(&[(id, outcome.clone())], now).await
    }

    async fn finish_deliveries(&self, outcomes: &[(i64, DeliveryOutcome)], now: i64) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        for (id, outcome) in outcomes {
            finish_in(&mut tx, *id, outcome, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn shift_scheduled(&self, workspace_id: i64, seconds: i64, now: i64) -> Result<u64> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let moved = sqlx::query(
            "UPDATE post_deliveries SET due_at = due_at + $2, next_attempt_at = next_attempt_at + $2 \
             WHERE workspace_id = $1 AND status = 'scheduled'",
        )
        .bind(workspace_id)
        .bind(seconds)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE posts SET scheduled_at = scheduled_at + $2, updated_at = $3 \
             WHERE workspace_id = $1 AND state = 'scheduled'",
        )
        .bind(workspace_id)
        .bind(seconds)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(moved)
    }

    async fn request_approval(&self, r: &ApprovalRequest<'_>) -> Result<Option<Approval>> {
        let ApprovalRequest {
            workspace_id,
            post_id,
            scheduled_at,
            token_hash,
            expires_at,
            actor,
            now,
            ..
        } = *r;
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let state: String =
            sqlx::query_scalar("SELECT state FROM posts WHERE workspace_id = $1 AND id = $2")
                .bind(workspace_id)
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound { what: "post" })?;
        if state != "draft" {
            return Err(StoreError::Refused("only a draft can be sent for approval"));
        }
        let policy = policy_in(&mut tx, workspace_id).await?;
        if token_hash.is_none() && policy.client && policy.steps.is_empty() {
            return Err(StoreError::Refused(
                "this workspace's approval is the client's link",
            ));
        }
        let first_step = (!policy.steps.is_empty()).then_some(0_i64);
        sqlx::query(
            "UPDATE posts SET state = 'pending_approval', scheduled_at = $2, approval_step = $3, \
             approval_email = $4, updated_at = $5 WHERE id = $1",
        )
        .bind(post_id)
        .bind(scheduled_at)
        .bind(first_step)
        .bind(r.client_email)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM post_approval_votes WHERE post_id = $1")
            .bind(post_id)
            .execute(&mut *tx)
            .await?;
        let id: Option<i64> = match token_hash.filter(|_| policy.client && policy.steps.is_empty()) {
            Some(token_hash) => Some(
                sqlx::query_scalar(
                    "INSERT INTO post_approvals (workspace_id, post_id, token_hash, expires_at, created_at) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .bind(workspace_id)
                .bind(post_id)
                .bind(token_hash)
                .bind(expires_at)
                .bind(now)
                .fetch_one(&mut *tx)
                .await?,
            ),
            None => None,
        };
        post_event(
            &mut tx,
            workspace_id,
            post_id,
            actor,
            "approval_requested",
            "",
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(id.map(|id| Approval {
            id,
            workspace_id,
            post_id,
            expires_at,
            revoked_at: None,
            decided_at: None,
            decision: None,
            comment: None,
        }))
    }

    async fn approval_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Approval, Post, Vec<PostDelivery>)>> {
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {APPROVAL_COLS} FROM post_approvals WHERE token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let approval = approval_row(&row)?;
        let Some((post, deliveries)) = self.post(approval.workspace_id, approval.post_id).await?
        else {
            return Ok(None);
        };
        Ok(Some((approval, post, deliveries)))
    }

    async fn decide_approval(
        &self,
        token_hash: &str,
        approve: bool,
        comment: &str,
        now: i64,
    ) -> Result<Approval> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {APPROVAL_COLS} FROM post_approvals WHERE token_hash = $1"
        )))
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "approval" })?;
        let approval = approval_row(&row)?;
        if approval.revoked_at.is_some()
            || approval.decided_at.is_some()
            || approval.expires_at <= now
        {
            return Err(StoreError::Refused("this approval link no longer works"));
        }
        let waiting_team: Option<i64> =
            sqlx::query_scalar("SELECT approval_step FROM posts WHERE id = $1")
                .bind(approval.post_id)
                .fetch_one(&mut *tx)
                .await?;
        if waiting_team.is_some() {
            return Err(StoreError::Refused(
                "the team has not approved this post yet; the link works once it has",
            ));
        }
        let decision = if approve {
            "approved"
        } else {
            "changes_requested"
        };
        sqlx::query(
            "UPDATE post_approvals SET decided_at = $2, decision = $3, comment = $4 WHERE id = $1",
        )
        .bind(approval.id)
        .bind(now)
        .bind(decision)
        .bind(comment)
        .execute(&mut *tx)
        .await?;
        if approve {
            schedule_approved(&mut tx, approval.post_id, now).await?;
        } else {
            back_to_draft(&mut tx, approval.post_id, now).await?;
        }
        post_event(
            &mut tx,
            approval.workspace_id,
            approval.post_id,
            "approval link",
            decision,
            comment,
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Approval {
            decided_at: Some(now),
            decision: Some(decision.to_owned()),
            comment: Some(comment.to_owned()),
            ..approval
        })
    }

    async fn revoke_approvals(
        &self,
        workspace_id: i64,
        post_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<u64> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let revoked = sqlx::query(
            "UPDATE post_approvals SET revoked_at = $3 WHERE workspace_id = $1 AND post_id = $2 \
             AND revoked_at IS NULL AND decided_at IS NULL",
        )
        .bind(workspace_id)
        .bind(post_id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        let pending: Option<String> = sqlx::query_scalar(
            "SELECT state FROM posts WHERE workspace_id = $1 AND id = $2 AND state = 'pending_approval'",
        )
        .bind(workspace_id)
        .bind(post_id)
        .fetch_optional(&mut *tx)
        .await?;
        let revoked = revoked + u64::from(pending.is_some() && revoked == 0);
        if revoked > 0 {
            back_to_draft(&mut tx, post_id, now).await?;
            post_event(
                &mut tx,
                workspace_id,
                post_id,
                actor,
                "approval_revoked",
                "",
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(revoked)
    }

    async fn approval_policy(&self, workspace_id: i64) -> Result<jardinier_domain::ApprovalPolicy> {
        let mut tx = self.pool.begin().await?;
        let policy = policy_in(&mut tx, workspace_id).await?;
        tx.commit().await?;
        Ok(policy)
    }

    async fn set_approval_policy(
        &self,
        workspace_id: i64,
        policy: &jardinier_domain::ApprovalPolicy,
        now: i64,
    ) -> Result<()> {
        let text = serde_json::to_string(policy).expect("a policy serialises");
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM approval_policies WHERE workspace_id = $1")
            .bind(workspace_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO approval_policies (workspace_id, policy, updated_at) VALUES ($1, $2, $3)",
        )
        .bind(workspace_id)
        .bind(text)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn vote_approval(&self, vote: &Vote<'_>) -> Result<VoteOutcome> {
        let Vote {
            workspace_id,
            post_id,
            user_id,
            actor,
            approve,
            comment,
            now,
        } = *vote;
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        // One vote at a time per post, on PostgreSQL too (SQLite writes one at a time anyway).
        let lock = match self.backend {
            crate::sql::Backend::Sqlite => "",
            crate::sql::Backend::Postgres => " FOR UPDATE",
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT state, approval_step FROM posts WHERE workspace_id = $1 AND id = $2{lock}"
        )))
        .bind(workspace_id)
        .bind(post_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "post" })?;
        let state: String = row.try_get("state")?;
        let step: Option<i64> = row.try_get("approval_step")?;
        let Some(step) = step.filter(|_| state == "pending_approval") else {
            return Err(StoreError::Refused(
                "this post is not waiting for the team's approval",
            ));
        };
        let policy = policy_in(&mut tx, workspace_id).await?;
        let Some(current) = policy.steps.get(step as usize) else {
            return Err(StoreError::Refused(
                "the approval steps changed; send the post for approval again",
            ));
        };
        if !current.approvers.contains(&user_id) {
            return Err(StoreError::Refused("you are not an approver of this step"));
        }
        let decision = if approve {
            "approved"
        } else {
            "changes_requested"
        };
        sqlx::query(
            "INSERT INTO post_approval_votes (workspace_id, post_id, step, user_id, decision, at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(workspace_id)
        .bind(post_id)
        .bind(step)
        .bind(user_id)
        .bind(decision)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(|e| match StoreError::on_unique("vote")(e) {
            StoreError::Conflict { .. } => {
                StoreError::Refused("you have already decided on this step")
            }
            other => other,
        })?;
        let kind = if approve {
            "step_approved"
        } else {
            "step_changes_requested"
        };
        let detail = if comment.is_empty() {
            current.name.clone()
        } else {
            format!("{} — {comment}", current.name)
        };
        post_event(&mut tx, workspace_id, post_id, actor, kind, &detail, now).await?;
        let outcome = if !approve {
            back_to_draft(&mut tx, post_id, now).await?;
            VoteOutcome::BackToDraft
        } else {
            let approved_by: Vec<i64> = sqlx::query_scalar(
                "SELECT user_id FROM post_approval_votes WHERE post_id = $1 AND step = $2 AND decision = 'approved'",
            )
            .bind(post_id)
            .bind(step)
            .fetch_all(&mut *tx)
            .await?;
            if !current.passed(&approved_by) {
                VoteOutcome::Waiting
            } else if (step as usize) + 1 < policy.steps.len() {
                sqlx::query("UPDATE posts SET approval_step = $2, updated_at = $3 WHERE id = $1")
                    .bind(post_id)
                    .bind(step + 1)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                VoteOutcome::NextStep(step + 1)
            } else {
                if policy.client {
                    sqlx::query(
                        "UPDATE posts SET approval_step = NULL, updated_at = $2 WHERE id = $1",
                    )
                    .bind(post_id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                    VoteOutcome::ClientTurn
                } else {
                    schedule_approved(&mut tx, post_id, now).await?;
                    post_event(
                        &mut tx,
                        workspace_id,
                        post_id,
                        "Jardinier",
                        "approved_by_team",
                        "",
                        now,
                    )
                    .await?;
                    VoteOutcome::Scheduled
                }
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn open_client_link(
        &self,
        workspace_id: i64,
        post_id: i64,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<Option<String>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(
            "SELECT state, approval_step, approval_email FROM posts WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(post_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "post" })?;
        let state: String = row.try_get("state")?;
        let step: Option<i64> = row.try_get("approval_step")?;
        if state != "pending_approval" || step.is_some() {
            return Err(StoreError::Refused(
                "this post is not waiting for its client",
            ));
        }
        sqlx::query(
            "INSERT INTO post_approvals (workspace_id, post_id, token_hash, expires_at, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(workspace_id)
        .bind(post_id)
        .bind(token_hash)
        .bind(expires_at)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let email: Option<String> = row.try_get("approval_email")?;
        tx.commit().await?;
        Ok(email)
    }

    async fn approval_votes(&self, workspace_id: i64, post_id: i64) -> Result<Vec<ApprovalVote>> {
        sqlx::query(
            "SELECT step, user_id, decision, at FROM post_approval_votes \
             WHERE workspace_id = $1 AND post_id = $2 ORDER BY id",
        )
        .bind(workspace_id)
        .bind(post_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ApprovalVote {
                step: r.try_get("step")?,
                user_id: r.try_get("user_id")?,
                decision: r.try_get("decision")?,
                at: r.try_get("at")?,
            })
        })
        .collect()
    }

    async fn comment_post(
        &self,
        workspace_id: i64,
        post_id: i64,
        actor: &str,
        text: &str,
        now: i64,
    ) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let found: Option<i64> =
            sqlx::query_scalar("SELECT id FROM posts WHERE workspace_id = $1 AND id = $2")
                .bind(workspace_id)
                .bind(post_id)
                .fetch_optional(&mut *tx)
                .await?;
        if found.is_none() {
            return Err(StoreError::NotFound { what: "post" });
        }
        post_event(&mut tx, workspace_id, post_id, actor, "comment", text, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn post_events(&self, workspace_id: i64, post_id: i64) -> Result<Vec<PostEvent>> {
        sqlx::query(
            "SELECT at, actor, kind, detail FROM post_events WHERE workspace_id = $1 AND post_id = $2 ORDER BY id",
        )
        .bind(workspace_id)
        .bind(post_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(PostEvent {
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                kind: r.try_get("kind")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect()
    }

    async fn next_delivery_due(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM post_deliveries WHERE status = 'scheduled'",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
