use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::cols::Cols;
use crate::community::*;
use crate::sql::Backend;
use crate::sql::insert_mail;
use crate::{NewMail, Result, SqlStore, StoreError};

const SITE_COLS: &str = "s.workspace_id, w.slug, s.name, s.tagline, s.accent, s.host, s.open, \
                         s.welcome_fr, s.welcome_en, s.remove_posts_on_delete";

fn site(row: &impl Cols) -> Result<CommunitySite> {
    Ok(CommunitySite {
        workspace_id: row.col("workspace_id")?,
        slug: row.col("slug")?,
        name: row.col("name")?,
        tagline: row.col("tagline")?,
        accent: row.col("accent")?,
        host: row.col("host")?,
        open: row.col::<i64>("open")? != 0,
        welcome_fr: row.col("welcome_fr")?,
        welcome_en: row.col("welcome_en")?,
        remove_posts_on_delete: row.col::<i64>("remove_posts_on_delete")? != 0,
    })
}

const ACCOUNT_COLS: &str = "a.id, a.workspace_id, a.email, a.handle, a.display_name, a.lang, a.bio, \
     a.verified_at, a.created_at, a.first_posted_at, a.email_frequency, a.links, a.avatar, \
     (SELECT MAX(x.version) FROM community_acceptances x WHERE x.account_id = a.id) AS charter_version";

fn account(row: &impl Cols) -> Result<CommunityAccount> {
    Ok(CommunityAccount {
        id: row.col("id")?,
        workspace_id: row.col("workspace_id")?,
        email: row.col("email")?,
        handle: row.col("handle")?,
        display_name: row.col("display_name")?,
        lang: row.col("lang")?,
        bio: row.col("bio")?,
        verified_at: row.col("verified_at")?,
        created_at: row.col("created_at")?,
        first_posted_at: row.col("first_posted_at")?,
        charter_version: row.col("charter_version")?,
        email_frequency: row.col("email_frequency")?,
        links: row
            .col::<String>("links")?
            .lines()
            .map(str::to_owned)
            .collect(),
        avatar: row.col("avatar")?,
    })
}

/// A community's context row: its site, its workspace's time zone, its charter in force.
fn context(row: &impl Cols) -> Result<(CommunitySite, String, Option<Charter>)> {
    let charter = match row.col::<Option<i64>>("version")? {
        Some(version) => Some(Charter {
            version,
            body_fr: row.col("body_fr")?,
            body_en: row.col("body_en")?,
            published_by: row.col("published_by")?,
            published_at: row.col("published_at")?,
        }),
        None => None,
    };
    Ok((site(row)?, row.col("timezone")?, charter))
}

/// A session's row: its CSRF token, its account, the account's unread notifications.
fn session_of(row: &impl Cols) -> Result<(String, CommunityAccount, i64)> {
    Ok((row.col("csrf_token")?, account(row)?, row.col("unread")?))
}

/// The author of a topic (`t`) or a post (`p`): a member (`a`) or a teammate (`u`).
macro_rules! author_cols {
    ($t:literal) => {
        concat!(
            $t,
            ".author_account, ",
            $t,
            ".author_user, COALESCE(a.display_name, u.display_name, '') AS author_name, \
             a.handle AS author_handle, a.avatar AS author_avatar"
        )
    };
}

fn author(row: &impl Cols) -> Result<Author> {
    Ok(Author {
        account_id: row.col("author_account")?,
        user_id: row.col("author_user")?,
        name: row.col("author_name")?,
        handle: row.col("author_handle")?,
        avatar: row.col("author_avatar")?,
    })
}

/// Ids the caller read from the store, written in a statement's `IN (…)`: numbers only.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) const TOPIC_FROM: &str = "FROM community_topics t \
     LEFT JOIN community_accounts a ON a.id = t.author_account \
     LEFT JOIN users u ON u.id = t.author_user";

pub(crate) fn topic(row: &impl Cols) -> Result<Topic> {
    Ok(Topic {
        id: row.col("id")?,
        category_id: row.col("category_id")?,
        title: row.col("title")?,
        slug: row.col("slug")?,
        author: author(row)?,
        created_at: row.col("created_at")?,
        last_posted_at: row.col("last_posted_at")?,
        posts: row.col("posts")?,
        pinned: row.col::<i64>("pinned")? != 0,
        closed: row.col::<i64>("closed")? != 0,
        archived: row.col::<i64>("archived")? != 0,
        status: row.col("status")?,
        accepted_number: row.col("accepted_number")?,
        idea_status: row.col("idea_status")?,
        votes: row.col("votes")?,
    })
}

pub(crate) fn topic_cols() -> String {
    format!(
        "t.id, t.category_id, t.title, t.slug, {}, t.created_at, t.last_posted_at, t.posts, \
         t.pinned, t.closed, t.archived, t.status, t.accepted_number, t.idea_status, t.votes",
        author_cols!("t")
    )
}

fn category(row: &impl Cols) -> Result<CommunityCategory> {
    Ok(CommunityCategory {
        id: row.col("id")?,
        slug: row.col("slug")?,
        name: row.col("name")?,
        description: row.col("description")?,
        colour: row.col("colour")?,
        position: row.col("position")?,
        kind: row.col("kind")?,
        read_access: row.col("read_access")?,
        post_access: row.col("post_access")?,
        topics: row.col("topics")?,
        last_posted_at: row.col("last_posted_at")?,
    })
}

pub(crate) fn post_select() -> String {
    format!(
        "SELECT p.id, p.topic_id, p.number, {}, p.body_md, p.body_html, p.status, \
         p.created_at, p.edited_at FROM community_posts p \
         LEFT JOIN community_accounts a ON a.id = p.author_account \
         LEFT JOIN users u ON u.id = p.author_user",
        author_cols!("p")
    )
}

pub(crate) fn post(row: &impl Cols) -> Result<CommunityPost> {
    Ok(CommunityPost {
        id: row.col("id")?,
        topic_id: row.col("topic_id")?,
        number: row.col("number")?,
        author: author(row)?,
        body_md: row.col("body_md")?,
        body_html: row.col("body_html")?,
        status: row.col("status")?,
        created_at: row.col("created_at")?,
        edited_at: row.col("edited_at")?,
    })
}

impl SqlStore {
    /// The topic an earlier post with this key started or went into, and its number.
    async fn post_by_key(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        workspace_id: i64,
        idem_key: &str,
    ) -> Result<Option<(i64, i64)>> {
        let row = sqlx::query(
            "SELECT topic_id, number FROM community_posts WHERE workspace_id = $1 AND idem_key = $2",
        )
        .bind(workspace_id)
        .bind(idem_key)
        .fetch_optional(&mut **tx)
        .await?;
        Ok(match row {
            Some(row) => Some((row.try_get("topic_id")?, row.try_get("number")?)),
            None => None,
        })
    }

    /// The community's context, read from the database (see `community_cache`).
    async fn read_community_context(
        &self,
        slug: &str,
    ) -> Result<Option<(CommunitySite, String, Option<Charter>)>> {
        let sql = format!(
            "SELECT {SITE_COLS}, w.timezone, ch.version, ch.body_fr, ch.body_en, ch.published_by, \
             ch.published_at FROM community_sites s JOIN workspaces w ON w.id = s.workspace_id \
             LEFT JOIN community_charters ch ON ch.workspace_id = s.workspace_id AND ch.version = \
             (SELECT MAX(x.version) FROM community_charters x WHERE x.workspace_id = s.workspace_id) \
             WHERE w.slug = $1"
        );
        if let Some(reads) = &self.sqlite_reads {
            let slug = slug.to_owned();
            return reads
                .read(move |c| {
                    Ok(crate::sqlite_reads::rows(c, &sql, &[&slug], |r| context(r))?.pop())
                })
                .await;
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(context).transpose()
    }

    /// A community's categories, read from the database (see `community_cache`).
    async fn read_community_categories(&self, workspace_id: i64) -> Result<Vec<CommunityCategory>> {
        let sql = "SELECT c.id, c.slug, c.name, c.description, c.colour, c.position, c.kind, \
             c.read_access, c.post_access, c.topic_count AS topics, c.last_posted_at \
             FROM community_categories c WHERE c.workspace_id = $1 ORDER BY c.position, c.id";
        if let Some(reads) = &self.sqlite_reads {
            return reads
                .read(move |c| crate::sqlite_reads::rows(c, sql, &[&workspace_id], |r| category(r)))
                .await;
        }
        sqlx::query(sql)
            .bind(workspace_id)
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(category)
            .collect()
    }

    /// A topic's category had a post at `at`.
    async fn category_posted(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        topic_id: i64,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE community_categories SET last_posted_at = $2 WHERE id = \
             (SELECT category_id FROM community_topics WHERE id = $1) \
             AND (last_posted_at IS NULL OR last_posted_at < $2)",
        )
        .bind(topic_id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Writes a post and its terms in the search index.
    async fn insert_post(
        &self,
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        topic_id: i64,
        number: i64,
        post: &NewCommunityPost<'_>,
    ) -> Result<()> {
        let post_id: i64 = sqlx::query_scalar(
            "INSERT INTO community_posts (workspace_id, topic_id, number, author_account, \
             author_user, body_md, body_html, status, created_at, idem_key, indexed) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(post.workspace_id)
        .bind(topic_id)
        .bind(number)
        .bind(post.author_account)
        .bind(post.author_user)
        .bind(post.body_md)
        .bind(post.body_html)
        .bind(post.status)
        .bind(post.now)
        .bind(post.idem_key)
        .bind(i64::from(post.terms.is_some()))
        .fetch_one(&mut **tx)
        .await
        .map_err(StoreError::on_unique("post"))?;
        if let Some(terms) = post.terms {
            crate::sql_community_search::index_post(
                tx,
                self.backend,
                post.workspace_id,
                post_id,
                terms,
            )
            .await?;
        }
        if let Some(screened) = &post.screened {
            crate::sql_moderation::hold_post_in(
                tx,
                post.workspace_id,
                post_id,
                post.author_account,
                screened,
                post.now,
            )
            .await?;
        }
        if let Some(account) = post.author_account {
            sqlx::query(
                "UPDATE community_accounts SET first_posted_at = $2 \
                 WHERE id = $1 AND first_posted_at IS NULL",
            )
            .bind(account)
            .bind(post.now)
            .execute(&mut **tx)
            .await?;
        }
        Ok(())
    }
}

const NOTIFICATION_COLS: &str = "n.id, n.account_id, n.kind, n.topic_id, t.slug, t.title, \
     n.number, n.actor, n.created_at, n.read_at";

fn notification(row: &AnyRow) -> Result<CommunityNotification> {
    Ok(CommunityNotification {
        id: row.try_get("id")?,
        account_id: row.try_get("account_id")?,
        kind: row.try_get("kind")?,
        topic_id: row.try_get("topic_id")?,
        topic_slug: row.try_get("slug")?,
        topic_title: row.try_get("title")?,
        number: row.try_get("number")?,
        actor: row.try_get("actor")?,
        created_at: row.try_get("created_at")?,
        read: row.try_get::<Option<i64>, _>("read_at")?.is_some(),
    })
}

const RECIPIENT_COLS: &str = "a.id AS account_id, a.workspace_id, a.email, a.display_name, a.lang, \
     a.email_frequency, a.unsubscribe_token";

fn recipient(row: &AnyRow) -> Result<NotificationRecipient> {
    Ok(NotificationRecipient {
        account_id: row.try_get("account_id")?,
        workspace_id: row.try_get("workspace_id")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        lang: row.try_get("lang")?,
        frequency: row.try_get("email_frequency")?,
        unsubscribe_token: row.try_get("unsubscribe_token")?,
    })
}

#[async_trait]
impl CommunityStore for SqlStore {
    async fn watch_community_topic(
        &self,
        account_id: i64,
        topic_id: i64,
        watch: bool,
    ) -> Result<()> {
        let sql = if watch {
            "INSERT INTO community_watches (account_id, topic_id) VALUES ($1, $2) \
             ON CONFLICT (account_id, topic_id) DO NOTHING"
        } else {
            "DELETE FROM community_watches WHERE account_id = $1 AND topic_id = $2"
        };
        sqlx::query(sql)
            .bind(account_id)
            .bind(topic_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn watch_community_category(
        &self,
        account_id: i64,
        category_id: i64,
        watch: bool,
    ) -> Result<()> {
        let sql = if watch {
            "INSERT INTO community_category_watches (account_id, category_id) VALUES ($1, $2) \
             ON CONFLICT (account_id, category_id) DO NOTHING"
        } else {
            "DELETE FROM community_category_watches WHERE account_id = $1 AND category_id = $2"
        };
        sqlx::query(sql)
            .bind(account_id)
            .bind(category_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn watched_community_categories(&self, account_id: i64) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT category_id FROM community_category_watches WHERE account_id = $1",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn notify_community(
        &self,
        new: &NewNotifications<'_>,
    ) -> Result<Vec<(CommunityNotification, NotificationRecipient)>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let mut told: Vec<(i64, &str)> = Vec::new();
        // Mentioned members of the workspace who may read what mentions them (verified).
        for handle in new.mentioned {
            let account: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM community_accounts WHERE workspace_id = $1 AND handle = $2 \
                 AND verified_at IS NOT NULL",
            )
            .bind(new.workspace_id)
            .bind(handle)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = account
                && Some(id) != new.actor_account
                && !told.iter().any(|(a, _)| *a == id)
            {
                told.push((id, "mention"));
            }
        }
        // Members whose posts this one quotes.
        for number in new.quoted {
            let account: Option<i64> = sqlx::query_scalar(
                "SELECT author_account FROM community_posts WHERE topic_id = $1 AND number = $2 \
                 AND author_account IS NOT NULL",
            )
            .bind(new.topic_id)
            .bind(number)
            .fetch_optional(&mut *tx)
            .await?;
            if let Some(id) = account
                && Some(id) != new.actor_account
                && !told.iter().any(|(a, _)| *a == id)
            {
                told.push((id, "quote"));
            }
        }
        let others: Vec<i64> = match new.kind {
            "reply" => {
                sqlx::query_scalar("SELECT account_id FROM community_watches WHERE topic_id = $1")
                    .bind(new.topic_id)
                    .fetch_all(&mut *tx)
                    .await?
            }
            "topic" => {
                sqlx::query_scalar(
                    "SELECT w.account_id FROM community_category_watches w \
                 JOIN community_topics t ON t.category_id = w.category_id WHERE t.id = $1",
                )
                .bind(new.topic_id)
                .fetch_all(&mut *tx)
                .await?
            }
            "accepted" => sqlx::query_scalar(
                "SELECT author_account FROM community_posts WHERE topic_id = $1 AND number = $2 \
                 AND author_account IS NOT NULL",
            )
            .bind(new.topic_id)
            .bind(new.number)
            .fetch_all(&mut *tx)
            .await?,
            _ => Vec::new(),
        };
        for id in others {
            if Some(id) != new.actor_account && !told.iter().any(|(a, _)| *a == id) {
                told.push((id, new.kind));
            }
        }
        let mut ids = Vec::new();
        for (account, kind) in &told {
            let id: Option<i64> = sqlx::query_scalar(
                "INSERT INTO community_notifications (workspace_id, account_id, kind, topic_id, \
                 number, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (account_id, topic_id, number, kind) DO NOTHING RETURNING id",
            )
            .bind(new.workspace_id)
            .bind(account)
            .bind(*kind)
            .bind(new.topic_id)
            .bind(new.number)
            .bind(new.actor)
            .bind(new.now)
            .fetch_optional(&mut *tx)
            .await?;
            ids.extend(id);
        }
        tx.commit().await?;
        let mut out = Vec::new();
        for id in ids {
            let sql = format!(
                "SELECT {NOTIFICATION_COLS}, {RECIPIENT_COLS} FROM community_notifications n \
                 JOIN community_topics t ON t.id = n.topic_id \
                 JOIN community_accounts a ON a.id = n.account_id WHERE n.id = $1"
            );
            let row = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_one(&self.pool)
                .await?;
            out.push((notification(&row)?, recipient(&row)?));
        }
        Ok(out)
    }

    async fn community_notifications(
        &self,
        account_id: i64,
        limit: i64,
    ) -> Result<Vec<CommunityNotification>> {
        let sql = format!(
            "SELECT {NOTIFICATION_COLS} FROM community_notifications n \
             JOIN community_topics t ON t.id = n.topic_id \
             WHERE n.account_id = $1 ORDER BY n.id DESC LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(notification).collect()
    }

    async fn unread_community_notifications(&self, account_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM community_notifications WHERE account_id = $1 AND read_at IS NULL",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn mark_community_notifications_read(&self, account_id: i64, now: i64) -> Result<()> {
        sqlx::query(
            "UPDATE community_notifications SET read_at = $2 WHERE account_id = $1 AND read_at IS NULL",
        )
        .bind(account_id)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn mark_community_notifications_emailed(&self, ids: &[i64], now: i64) -> Result<()> {
        for id in ids {
            sqlx::query("UPDATE community_notifications SET emailed_at = $2 WHERE id = $1")
                .bind(id)
                .bind(now)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    async fn community_unsubscribe_token(
        &self,
        account_id: i64,
        candidate: &str,
    ) -> Result<String> {
        sqlx::query(
            "UPDATE community_accounts SET unsubscribe_token = $2 \
             WHERE id = $1 AND unsubscribe_token IS NULL",
        )
        .bind(account_id)
        .bind(candidate)
        .execute(&self.pool)
        .await?;
        let token: Option<String> =
            sqlx::query_scalar("SELECT unsubscribe_token FROM community_accounts WHERE id = $1")
                .bind(account_id)
                .fetch_one(&self.pool)
                .await?;
        token.ok_or(StoreError::NotFound { what: "account" })
    }

    async fn unsubscribe_community(&self, token: &str) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "UPDATE community_accounts SET email_frequency = 'never' \
             WHERE unsubscribe_token = $1 RETURNING id",
        )
        .bind(token)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn set_community_email_frequency(&self, account_id: i64, frequency: &str) -> Result<()> {
        sqlx::query("UPDATE community_accounts SET email_frequency = $2 WHERE id = $1")
            .bind(account_id)
            .bind(frequency)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn update_community_profile(
        &self,
        account_id: i64,
        display_name: &str,
        bio: &str,
        links: &[String],
        lang: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE community_accounts SET display_name = $2, bio = $3, lang = $4, links = $5 \
             WHERE id = $1",
        )
        .bind(account_id)
        .bind(display_name)
        .bind(bio)
        .bind(lang)
        .bind(links.join("\n"))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn due_community_digests(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<(NotificationRecipient, Vec<CommunityNotification>)>> {
        let sql = format!(
            "SELECT {RECIPIENT_COLS} FROM community_accounts a \
             WHERE ((a.email_frequency = 'daily' AND COALESCE(a.last_digest_at, 0) <= $1) \
             OR (a.email_frequency = 'weekly' AND COALESCE(a.last_digest_at, 0) <= $2)) \
             AND EXISTS (SELECT 1 FROM community_notifications p WHERE p.account_id = a.id \
             AND p.emailed_at IS NULL AND p.read_at IS NULL) ORDER BY a.id LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(now - 86_400)
            .bind(now - 7 * 86_400)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        let mut out = Vec::new();
        for row in &rows {
            let who = recipient(row)?;
            let sql = format!(
                "SELECT {NOTIFICATION_COLS} FROM community_notifications n \
                 JOIN community_topics t ON t.id = n.topic_id \
                 WHERE n.account_id = $1 AND n.emailed_at IS NULL AND n.read_at IS NULL \
                 ORDER BY n.id LIMIT 50"
            );
            let pending = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(who.account_id)
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(notification)
                .collect::<Result<Vec<_>>>()?;
            if !pending.is_empty() {
                out.push((who, pending));
            }
        }
        Ok(out)
    }

    async fn mark_community_digest_sent(&self, account_id: i64, now: i64) -> Result<()> {
        sqlx::query("UPDATE community_accounts SET last_digest_at = $2 WHERE id = $1")
            .bind(account_id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn community_site(&self, workspace_id: i64) -> Result<Option<CommunitySite>> {
        let sql = format!(
            "SELECT {SITE_COLS} FROM community_sites s JOIN workspaces w ON w.id = s.workspace_id \
             WHERE s.workspace_id = $1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(site).transpose()
    }

    async fn community_context(
        &self,
        slug: &str,
    ) -> Result<Option<(CommunitySite, String, Option<Charter>)>> {
        if let Some(kept) = self.community_cache.context(slug) {
            return Ok(kept);
        }
        let generation = self.community_cache.generation();
        let context = self.read_community_context(slug).await?;
        self.community_cache
            .keep_context(slug, context.clone(), generation);
        Ok(context)
    }

    async fn community_hosts(&self) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT s.host, w.slug FROM community_sites s JOIN workspaces w ON w.id = s.workspace_id \
             WHERE s.host IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get("host")?, r.try_get("slug")?)))
            .collect()
    }

    async fn put_community_site(&self, s: &CommunitySite, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO community_sites (workspace_id, name, tagline, accent, host, open, \
             welcome_fr, welcome_en, updated_at, remove_posts_on_delete) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (workspace_id) DO UPDATE SET name = $2, tagline = $3, accent = $4, \
             host = $5, open = $6, welcome_fr = $7, welcome_en = $8, updated_at = $9, \
             remove_posts_on_delete = $10",
        )
        .bind(s.workspace_id)
        .bind(&s.name)
        .bind(&s.tagline)
        .bind(&s.accent)
        .bind(s.host.as_deref().map(str::to_ascii_lowercase))
        .bind(i64::from(s.open))
        .bind(&s.welcome_fr)
        .bind(&s.welcome_en)
        .bind(now)
        .bind(i64::from(s.remove_posts_on_delete))
        .execute(&self.pool)
        .await
        .map_err(StoreError::on_unique("host"))?;
        self.community_cache.forget();
        Ok(())
    }

    async fn community_categories(&self, workspace_id: i64) -> Result<Vec<CommunityCategory>> {
        if let Some(kept) = self.community_cache.categories(workspace_id) {
            return Ok(kept);
        }
        let generation = self.community_cache.generation();
        let categories = self.read_community_categories(workspace_id).await?;
        self.community_cache
            .keep_categories(workspace_id, categories.clone(), generation);
        Ok(categories)
    }

    async fn create_community_category(
        &self,
        workspace_id: i64,
        c: &NewCategory<'_>,
    ) -> Result<i64> {
        let id = sqlx::query_scalar(
            "INSERT INTO community_categories (workspace_id, slug, name, description, colour, \
             position, kind, read_access, post_access) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             RETURNING id",
        )
        .bind(workspace_id)
        .bind(c.slug)
        .bind(c.name)
        .bind(c.description)
        .bind(c.colour)
        .bind(c.position)
        .bind(c.kind)
        .bind(c.read_access)
        .bind(c.post_access)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::on_unique("slug"))?;
        self.community_cache.forget();
        Ok(id)
    }

    async fn update_community_category(
        &self,
        workspace_id: i64,
        id: i64,
        c: &NewCategory<'_>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE community_categories SET slug = $3, name = $4, description = $5, colour = $6, \
             position = $7, kind = $8, read_access = $9, post_access = $10 \
             WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(id)
        .bind(c.slug)
        .bind(c.name)
        .bind(c.description)
        .bind(c.colour)
        .bind(c.position)
        .bind(c.kind)
        .bind(c.read_access)
        .bind(c.post_access)
        .execute(&self.pool)
        .await
        .map_err(StoreError::on_unique("slug"))?;
        self.community_cache.forget();
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "category" });
        }
        Ok(())
    }

    async fn community_topics(
        &self,
        workspace_id: i64,
        categories: &[i64],
        pinned_first: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Topic>> {
        if categories.is_empty() {
            return Ok(Vec::new());
        }
        // Category ids are numbers the caller read from the store: written in the statement.
        let ids = crate::sql_community::id_list(categories);
        let order = if pinned_first {
            "t.pinned DESC, t.last_posted_at DESC, t.id DESC"
        } else {
            "t.last_posted_at DESC, t.id DESC"
        };
        let sql = format!(
            "SELECT {} {TOPIC_FROM} WHERE t.workspace_id = $1 AND t.category_id IN ({ids}) \
             AND t.status = 'visible' ORDER BY {order} LIMIT $2 OFFSET $3",
            topic_cols()
        );
        let offset = offset.max(0);
        if let Some(reads) = &self.sqlite_reads {
            // Every list page asks (see `sqlite_reads`).
            return reads
                .read(move |c| {
                    crate::sqlite_reads::rows(c, &sql, &[&workspace_id, &limit, &offset], |r| {
                        topic(r)
                    })
                })
                .await;
        }
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(topic).collect()
    }

    async fn community_topic(&self, workspace_id: i64, topic_id: i64) -> Result<Option<Topic>> {
        let sql = format!(
            "SELECT {} {TOPIC_FROM} WHERE t.workspace_id = $1 AND t.id = $2",
            topic_cols()
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .bind(topic_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(topic).transpose()
    }

    async fn community_posts(
        &self,
        topic_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<CommunityPost>> {
        let sql = format!(
            "{} WHERE p.topic_id = $1 AND p.number BETWEEN $2 AND $3 ORDER BY p.number",
            post_select()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(topic_id)
            .bind(from)
            .bind(to)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(post).collect()
    }

    async fn community_first_posts(&self, topic_ids: &[i64]) -> Result<Vec<CommunityPost>> {
        if topic_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Topic ids the caller read from the store: numbers, written in the statement.
        let ids = crate::sql_community::id_list(topic_ids);
        let sql = format!(
            "{} WHERE p.topic_id IN ({ids}) AND p.number = 1",
            post_select()
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(post).collect()
    }

    async fn create_community_topic(
        &self,
        category_id: i64,
        title: &str,
        slug: &str,
        tags: &[String],
        first: &NewCommunityPost<'_>,
    ) -> Result<i64> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        if let Some((topic_id, _)) = self
            .post_by_key(&mut tx, first.workspace_id, first.idem_key)
            .await?
        {
            return Ok(topic_id);
        }
        let topic_id: i64 = sqlx::query_scalar(
            "INSERT INTO community_topics (workspace_id, category_id, title, slug, author_account, \
             author_user, created_at, last_posted_at, posts, pinned, closed, archived, status) \
             SELECT $1, c.id, $3, $4, $5, $6, $7, $7, 1, 0, 0, 0, $8 FROM community_categories c \
             WHERE c.workspace_id = $1 AND c.id = $2 RETURNING id",
        )
        .bind(first.workspace_id)
        .bind(category_id)
        .bind(title)
        .bind(slug)
        .bind(first.author_account)
        .bind(first.author_user)
        .bind(first.now)
        .bind(first.status)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "category" })?;
        self.insert_post(&mut tx, topic_id, 1, first).await?;
        crate::sql_community_tags::write_tags(&mut tx, first.workspace_id, topic_id, tags).await?;
        if first.status == "visible" {
            sqlx::query(
                "UPDATE community_categories SET topic_count = topic_count + 1, \
                 last_posted_at = $2 WHERE id = $1",
            )
            .bind(category_id)
            .bind(first.now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        self.community_cache.forget_counters();
        Ok(topic_id)
    }

    async fn add_community_posts(
        &self,
        topic_id: i64,
        posts: &[NewCommunityPost<'_>],
    ) -> Result<i64> {
        let (Some(first), Some(last)) = (posts.first(), posts.last()) else {
            return Ok(0);
        };
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let highest: i64 = sqlx::query_scalar(
            "UPDATE community_topics SET posts = posts + $3, \
             last_posted_at = CASE WHEN last_posted_at > $4 THEN last_posted_at ELSE $4 END \
             WHERE workspace_id = $1 AND id = $2 RETURNING posts",
        )
        .bind(first.workspace_id)
        .bind(topic_id)
        .bind(posts.len() as i64)
        .bind(last.now)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "topic" })?;
        let mut number = highest - posts.len() as i64;
        for post in posts {
            number += 1;
            self.insert_post(&mut tx, topic_id, number, post).await?;
        }
        Self::category_posted(&mut tx, topic_id, last.now).await?;
        tx.commit().await?;
        self.community_cache.forget_counters();
        Ok(highest)
    }

    async fn create_community_reply(
        &self,
        topic_id: i64,
        post: &NewCommunityPost<'_>,
    ) -> Result<i64> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        if let Some((_, number)) = self
            .post_by_key(&mut tx, post.workspace_id, post.idem_key)
            .await?
        {
            return Ok(number);
        }
        // Taking the next number locks the topic's row: two replies at once get two numbers.
        let number: i64 = sqlx::query_scalar(
            "UPDATE community_topics SET posts = posts + 1, last_posted_at = $3 \
             WHERE workspace_id = $1 AND id = $2 RETURNING posts",
        )
        .bind(post.workspace_id)
        .bind(topic_id)
        .bind(post.now)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "topic" })?;
        self.insert_post(&mut tx, topic_id, number, post).await?;
        Self::category_posted(&mut tx, topic_id, post.now).await?;
        tx.commit().await?;
        self.community_cache.forget_counters();
        Ok(number)
    }

    async fn community_handles_starting(
        &self,
        workspace_id: i64,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<(String, String)>> {
        self.handles_starting(workspace_id, prefix, limit).await
    }

    async fn toggle_community_reaction(
        &self,
        post_id: i64,
        account_id: Option<i64>,
        user_id: Option<i64>,
        kind: &str,
        now: i64,
    ) -> Result<bool> {
        self.toggle_reaction(post_id, account_id, user_id, kind, now)
            .await
    }

    async fn community_topics_after(
        &self,
        workspace_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Topic>> {
        self.topics_after(workspace_id, after_id, limit).await
    }

    async fn set_community_post_edited(
        &self,
        topic_id: i64,
        number: i64,
        edited_at: Option<i64>,
    ) -> Result<()> {
        let _writing = self.writing().await;
        sqlx::query(
            "UPDATE community_posts SET edited_at = $3 WHERE topic_id = $1 AND number = $2",
        )
        .bind(topic_id)
        .bind(number)
        .bind(edited_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_community_topic_tags(
        &self,
        workspace_id: i64,
        topic_id: i64,
        tags: &[String],
    ) -> Result<()> {
        self.set_tags(workspace_id, topic_id, tags).await
    }

    async fn community_topic_tags(&self, topic_ids: &[i64]) -> Result<Vec<(i64, String)>> {
        self.tags_of(topic_ids).await
    }

    async fn community_topic_view(&self, q: &TopicViewQuery) -> Result<Option<TopicView>> {
        self.topic_view(q).await
    }

    async fn community_tagged_topics(
        &self,
        workspace_id: i64,
        categories: &[i64],
        tag: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Topic>> {
        self.tagged_topics(workspace_id, categories, tag, offset, limit)
            .await
    }

    async fn search_community(
        &self,
        search: &CommunitySearch<'_>,
        candidates: i64,
    ) -> Result<CommunityHits> {
        self.search_community_posts(search, candidates).await
    }

    async fn community_figures(
        &self,
        workspace_id: i64,
        starts: &[i64],
        quiet_since: i64,
        unanswered_limit: i64,
    ) -> Result<CommunityFigures> {
        self.figures_of_community(workspace_id, starts, quiet_since, unanswered_limit)
            .await
    }

    async fn edit_community_post(&self, edit: &CommunityPostEdit<'_>) -> Result<()> {
        self.edit_post(edit).await
    }

    async fn community_revisions(&self, post_id: i64) -> Result<Vec<Revision>> {
        self.revisions_of(post_id).await
    }

    async fn delete_community_post(&self, workspace_id: i64, post_id: i64, now: i64) -> Result<()> {
        self.soft_delete_post(workspace_id, post_id, now).await?;
        self.community_cache.forget_counters();
        Ok(())
    }

    async fn unindexed_community_posts(&self, limit: i64) -> Result<Vec<UnindexedPost>> {
        self.unindexed_posts(limit).await
    }

    async fn index_community_posts(&self, posts: &[(i64, i64, Vec<String>)]) -> Result<()> {
        self.index_posts(posts).await
    }

    async fn set_community_topic_flags(
        &self,
        workspace_id: i64,
        topic_id: i64,
        pinned: bool,
        closed: bool,
        archived: bool,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE community_topics SET pinned = $3, closed = $4, archived = $5 \
             WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(topic_id)
        .bind(i64::from(pinned))
        .bind(i64::from(closed))
        .bind(i64::from(archived))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "topic" });
        }
        Ok(())
    }

    async fn set_community_accepted(
        &self,
        workspace_id: i64,
        topic_id: i64,
        number: Option<i64>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE community_topics SET accepted_number = $3 WHERE workspace_id = $1 AND id = $2 \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM community_posts p WHERE p.topic_id = $2 \
             AND p.number = $3 AND p.status = 'visible'))",
        )
        .bind(workspace_id)
        .bind(topic_id)
        .bind(number)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "post" });
        }
        Ok(())
    }

    async fn toggle_community_vote(
        &self,
        topic_id: i64,
        account_id: i64,
        now: i64,
    ) -> Result<bool> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let removed =
            sqlx::query("DELETE FROM community_votes WHERE topic_id = $1 AND account_id = $2")
                .bind(topic_id)
                .bind(account_id)
                .execute(&mut *tx)
                .await?
                .rows_affected()
                > 0;
        if !removed {
            sqlx::query(
                "INSERT INTO community_votes (topic_id, account_id, voted_at) VALUES ($1, $2, $3)",
            )
            .bind(topic_id)
            .bind(account_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE community_topics SET votes = \
             (SELECT COUNT(*) FROM community_votes v WHERE v.topic_id = $1) WHERE id = $1",
        )
        .bind(topic_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(!removed)
    }

    async fn set_community_idea_status(
        &self,
        workspace_id: i64,
        topic_id: i64,
        status: Option<&str>,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE community_topics SET idea_status = $3 WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(topic_id)
        .bind(status)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "topic" });
        }
        Ok(())
    }

    async fn send_unanswered_questions_to_inbox(
        &self,
        asked_before: i64,
        now: i64,
    ) -> Result<usize> {
        let rows = sqlx::query(
            "SELECT t.id, t.workspace_id, i.id AS item_id FROM community_topics t \
             JOIN community_categories c ON c.id = t.category_id AND c.kind = 'questions' \
             JOIN sources s ON s.workspace_id = t.workspace_id AND s.kind = 'community' \
             JOIN items i ON i.source_id = s.id AND i.external_id = 'community:' || t.id || ':1' \
             WHERE t.posts = 1 AND t.inbox_at IS NULL AND t.status = 'visible' \
             AND t.author_account IS NOT NULL AND t.created_at < $1 LIMIT 100",
        )
        .bind(asked_before)
        .fetch_all(&self.pool)
        .await?;
        let mut sent = 0;
        for row in &rows {
            let (topic, workspace, item): (i64, i64, i64) = (
                row.try_get("id")?,
                row.try_get("workspace_id")?,
                row.try_get("item_id")?,
            );
            crate::InboxStore::send_to_inbox(self, workspace, item, None, now).await?;
            sqlx::query("UPDATE community_topics SET inbox_at = $2 WHERE id = $1")
                .bind(topic)
                .bind(now)
                .execute(&self.pool)
                .await?;
            sent += 1;
        }
        Ok(sent)
    }

    async fn export_community_account(&self, account_id: i64) -> Result<serde_json::Value> {
        let account = self
            .community_account(account_id)
            .await?
            .ok_or(StoreError::NotFound { what: "account" })?;
        let posts = sqlx::query(
            "SELECT t.id AS topic_id, t.title, p.number, p.body_md, p.status, p.created_at, \
             p.edited_at FROM community_posts p JOIN community_topics t ON t.id = p.topic_id \
             WHERE p.author_account = $1 ORDER BY p.created_at",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(serde_json::json!({
                "topic_id": r.try_get::<i64, _>("topic_id")?,
                "topic": r.try_get::<String, _>("title")?,
                "number": r.try_get::<i64, _>("number")?,
                "markdown": r.try_get::<String, _>("body_md")?,
                "status": r.try_get::<String, _>("status")?,
                "created_at": r.try_get::<i64, _>("created_at")?,
                "edited_at": r.try_get::<Option<i64>, _>("edited_at")?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
        let ids = |sql: &'static str| {
            sqlx::query_scalar::<_, i64>(sql)
                .bind(account_id)
                .fetch_all(&self.pool)
        };
        let votes = ids("SELECT topic_id FROM community_votes WHERE account_id = $1").await?;
        let watched_topics =
            ids("SELECT topic_id FROM community_watches WHERE account_id = $1").await?;
        let watched_categories =
            ids("SELECT category_id FROM community_category_watches WHERE account_id = $1").await?;
        let acceptances = sqlx::query(
            "SELECT version, accepted_at FROM community_acceptances WHERE account_id = $1 \
             ORDER BY version",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(serde_json::json!({
                "version": r.try_get::<i64, _>("version")?,
                "accepted_at": r.try_get::<i64, _>("accepted_at")?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
        let reactions = sqlx::query(
            "SELECT p.topic_id, p.number, r.kind, r.created_at FROM community_reactions r \
             JOIN community_posts p ON p.id = r.post_id WHERE r.account_id = $1 ORDER BY r.created_at",
        )
        .bind(account_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(serde_json::json!({
                "topic_id": r.try_get::<i64, _>("topic_id")?,
                "number": r.try_get::<i64, _>("number")?,
                "kind": r.try_get::<String, _>("kind")?,
                "at": r.try_get::<i64, _>("created_at")?,
            }))
        })
        .collect::<Result<Vec<_>>>()?;
        let notifications: Vec<serde_json::Value> = self
            .community_notifications(account_id, 10_000)
            .await?
            .into_iter()
            .map(|n| {
                serde_json::json!({
                    "kind": n.kind, "topic": n.topic_title, "number": n.number,
                    "by": n.actor, "at": n.created_at, "read": n.read,
                })
            })
            .collect();
        Ok(serde_json::json!({
            "account": {
                "email": account.email,
                "handle": account.handle,
                "name": account.display_name,
                "bio": account.bio,
                "links": account.links,
                "language": account.lang,
                "created_at": account.created_at,
                "verified_at": account.verified_at,
                "email_frequency": account.email_frequency,
            },
            "posts": posts,
            "votes": votes,
            "reactions": reactions,
            "watched_topics": watched_topics,
            "watched_categories": watched_categories,
            "charter_acceptances": acceptances,
            "notifications": notifications,
        }))
    }

    async fn delete_community_account(&self, account_id: i64, remove_posts: bool) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        delete_account_in(&mut tx, self.backend, account_id, remove_posts).await?;
        tx.commit().await?;
        self.community_cache.forget_counters();
        Ok(())
    }

    async fn create_community_account(
        &self,
        new: &NewAccount<'_>,
        verify: Option<(&NewToken<'_>, &NewMail<'_>)>,
    ) -> Result<CommunityAccount> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let taken: Option<String> = sqlx::query_scalar(
            "SELECT CASE WHEN email = $2 THEN 'email' ELSE 'handle' END FROM community_accounts \
             WHERE workspace_id = $1 AND (email = $2 OR handle = $3) LIMIT 1",
        )
        .bind(new.workspace_id)
        .bind(new.email)
        .bind(new.handle)
        .fetch_optional(&mut *tx)
        .await?;
        match taken.as_deref() {
            Some("email") => return Err(StoreError::Conflict { what: "email" }),
            Some(_) => return Err(StoreError::Conflict { what: "handle" }),
            None => {}
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO community_accounts (workspace_id, email, handle, display_name, \
             password_hash, lang, bio, created_at, verified_at) \
             VALUES ($1, $2, $3, $4, $5, $6, '', $7, $8) RETURNING id",
        )
        .bind(new.workspace_id)
        .bind(new.email)
        .bind(new.handle)
        .bind(new.display_name)
        .bind(new.password_hash)
        .bind(new.lang)
        .bind(new.now)
        .bind(new.verified_at)
        .fetch_one(&mut *tx)
        .await
        .map_err(StoreError::on_unique("email"))?;
        if let Some(version) = new.charter_version {
            sqlx::query(
                "INSERT INTO community_acceptances (account_id, version, accepted_at) VALUES ($1, $2, $3)",
            )
            .bind(id)
            .bind(version)
            .bind(new.now)
            .execute(&mut *tx)
            .await?;
        }
        if let Some((verify, mail)) = verify {
            sqlx::query(
                "INSERT INTO community_tokens (token_hash, account_id, purpose, expires_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(verify.token_hash)
            .bind(id)
            .bind(verify.purpose)
            .bind(verify.expires_at)
            .execute(&mut *tx)
            .await?;
            insert_mail(mail).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        self.community_account(id)
            .await?
            .ok_or(StoreError::NotFound { what: "account" })
    }

    async fn community_account(&self, account_id: i64) -> Result<Option<CommunityAccount>> {
        let sql = format!("SELECT {ACCOUNT_COLS} FROM community_accounts a WHERE a.id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(account_id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account).transpose()
    }

    async fn community_account_by_email(
        &self,
        workspace_id: i64,
        email: &str,
    ) -> Result<Option<(CommunityAccount, Option<String>)>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLS}, a.password_hash FROM community_accounts a \
             WHERE a.workspace_id = $1 AND a.email = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .bind(email)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            Some(row) => Ok(Some((account(&row)?, row.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    async fn community_account_by_handle(
        &self,
        workspace_id: i64,
        handle: &str,
    ) -> Result<Option<CommunityAccount>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLS} FROM community_accounts a WHERE a.workspace_id = $1 AND a.handle = $2"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .bind(handle)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(account).transpose()
    }

    async fn set_community_account_lang(&self, account_id: i64, lang: &str) -> Result<()> {
        sqlx::query("UPDATE community_accounts SET lang = $2 WHERE id = $1")
            .bind(account_id)
            .bind(lang)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn add_community_token(
        &self,
        account_id: i64,
        token: &NewToken<'_>,
        mail: &NewMail<'_>,
    ) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO community_tokens (token_hash, account_id, purpose, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token.token_hash)
        .bind(account_id)
        .bind(token.purpose)
        .bind(token.expires_at)
        .execute(&mut *tx)
        .await?;
        insert_mail(mail).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn take_community_token(
        &self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<i64>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let account: Option<i64> = sqlx::query_scalar(
            "UPDATE community_tokens SET used_at = $3 WHERE token_hash = $1 AND purpose = $2 \
             AND used_at IS NULL AND expires_at > $3 RETURNING account_id",
        )
        .bind(token_hash)
        .bind(purpose)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        // Following any link sent to the address proves the address.
        if let Some(id) = account {
            sqlx::query(
                "UPDATE community_accounts SET verified_at = $2 WHERE id = $1 AND verified_at IS NULL",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(account)
    }

    async fn create_community_session(
        &self,
        token_hash: &str,
        account_id: i64,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO community_sessions (token_hash, account_id, csrf_token, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(account_id)
        .bind(csrf_token)
        .bind(now)
        .bind(expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn community_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(String, CommunityAccount, i64)>> {
        // The unread count comes with it: every page shows it beside the bell.
        let sql = format!(
            "SELECT s.csrf_token, {ACCOUNT_COLS}, (SELECT COUNT(*) FROM community_notifications n \
             WHERE n.account_id = a.id AND n.read_at IS NULL) AS unread \
             FROM community_sessions s JOIN community_accounts a ON a.id = s.account_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2"
        );
        if let Some(reads) = &self.sqlite_reads {
            // Every signed-in page asks: in one step on SQLite (see `sqlite_reads`).
            let token_hash = token_hash.to_owned();
            return reads
                .read(move |c| {
                    Ok(
                        crate::sqlite_reads::rows(c, &sql, &[&token_hash, &now], |r| {
                            session_of(r)
                        })?
                        .pop(),
                    )
                })
                .await;
        }
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(session_of).transpose()
    }

    async fn delete_community_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM community_sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn community_activity(
        &self,
        workspace_id: i64,
        emails: &[String],
        limit: i64,
    ) -> Result<Vec<CommunityActivity>> {
        let mut found = Vec::new();
        for email in emails {
            let rows = sqlx::query(
                "SELECT p.created_at, t.id AS topic_id, t.slug, t.title, p.number, p.body_md \
                 FROM community_accounts a JOIN community_posts p ON p.author_account = a.id \
                 JOIN community_topics t ON t.id = p.topic_id \
                 WHERE a.workspace_id = $1 AND a.email = $2 AND p.status = 'visible' \
                 ORDER BY p.created_at DESC LIMIT $3",
            )
            .bind(workspace_id)
            .bind(email.trim().to_lowercase())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                found.push(CommunityActivity {
                    at: row.try_get("created_at")?,
                    topic_id: row.try_get("topic_id")?,
                    topic_slug: row.try_get("slug")?,
                    topic_title: row.try_get("title")?,
                    number: row.try_get("number")?,
                    body_md: row.try_get("body_md")?,
                });
            }
        }
        found.sort_by_key(|a| std::cmp::Reverse(a.at));
        found.truncate(limit.max(0) as usize);
        Ok(found)
    }

    async fn community_newcomers(
        &self,
        workspace_id: i64,
        since: i64,
        limit: i64,
    ) -> Result<Vec<CommunityAccount>> {
        let sql = format!(
            "SELECT {ACCOUNT_COLS} FROM community_accounts a WHERE a.workspace_id = $1 \
             AND a.created_at >= $2 ORDER BY a.created_at DESC, a.id DESC LIMIT $3"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .bind(since)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(account).collect()
    }

    async fn community_charter(&self, workspace_id: i64) -> Result<Option<Charter>> {
        let row = sqlx::query(
            "SELECT version, body_fr, body_en, published_by, published_at FROM community_charters \
             WHERE workspace_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(workspace_id)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(row) => Ok(Some(Charter {
                version: row.try_get("version")?,
                body_fr: row.try_get("body_fr")?,
                body_en: row.try_get("body_en")?,
                published_by: row.try_get("published_by")?,
                published_at: row.try_get("published_at")?,
            })),
            None => Ok(None),
        }
    }

    async fn publish_community_charter(
        &self,
        workspace_id: i64,
        body_fr: &str,
        body_en: &str,
        by: &str,
        now: i64,
    ) -> Result<i64> {
        let version = sqlx::query_scalar(
            "INSERT INTO community_charters (workspace_id, version, body_fr, body_en, published_by, published_at) \
             SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5 FROM community_charters \
             WHERE workspace_id = $1 RETURNING version",
        )
        .bind(workspace_id)
        .bind(body_fr)
        .bind(body_en)
        .bind(by)
        .bind(now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::on_unique("charter version"))?;
        self.community_cache.forget();
        Ok(version)
    }

    async fn accept_community_charter(
        &self,
        account_id: i64,
        version: i64,
        now: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO community_acceptances (account_id, version, accepted_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, version) DO NOTHING",
        )
        .bind(account_id)
        .bind(version)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

/// Deletes a member's account in `tx`: their sessions, links, notifications, watches, votes,
/// reactions and charter acceptances go with it; their posts stay signed by nobody, or are
/// emptied and marked deleted (`remove_posts`). The listening items made of their posts follow:
/// deleted with the posts, or kept without their author's name and handle.
/// Used by the member's own deletion and by the Members section's erasure.
pub(crate) async fn delete_account_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    account_id: i64,
    remove_posts: bool,
) -> Result<()> {
    crate::sql_community_edits::forget_listened_posts(tx, backend, account_id, remove_posts)
        .await?;
    if remove_posts {
        // Their words leave the search index: their posts', and their topics' titles that
        // the other replies of those topics were found by.
        crate::sql_community_search::forget_account_posts(tx, backend, account_id).await?;
        sqlx::query(
            "UPDATE community_posts SET status = 'deleted', body_md = '', body_html = '' \
             WHERE author_account = $1",
        )
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE community_categories SET topic_count = topic_count - \
             (SELECT COUNT(*) FROM community_topics t WHERE t.category_id = community_categories.id \
             AND t.author_account = $1 AND t.status = 'visible') \
             WHERE id IN (SELECT category_id FROM community_topics WHERE author_account = $1)",
        )
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
        sqlx::query(
            "UPDATE community_topics SET status = 'deleted', title = '' WHERE author_account = $1",
        )
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
        // Their images go with their posts (the files, once no row uses them, at the media
        // folder's next sweep); kept posts keep theirs, signed by nobody (ON DELETE SET NULL).
        sqlx::query("DELETE FROM community_images WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut **tx)
            .await?;
    }
    // Their votes leave the ideas' counts.
    let voted: Vec<i64> =
        sqlx::query_scalar("SELECT topic_id FROM community_votes WHERE account_id = $1")
            .bind(account_id)
            .fetch_all(&mut **tx)
            .await?;
    // Posts and topics keep their place, signed by nobody (ON DELETE SET NULL); the rest
    // goes with the account (ON DELETE CASCADE).
    sqlx::query("DELETE FROM community_accounts WHERE id = $1")
        .bind(account_id)
        .execute(&mut **tx)
        .await?;
    for topic in voted {
        sqlx::query(
            "UPDATE community_topics SET votes = \
             (SELECT COUNT(*) FROM community_votes v WHERE v.topic_id = $1) WHERE id = $1",
        )
        .bind(topic)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
