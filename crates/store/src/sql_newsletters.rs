//! [`NewsletterStore`] for [`SqlStore`].

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Result;
use crate::error::StoreError;
use crate::newsletters::*;
use crate::sql::SqlStore;

const LIST_COLS: &str =
    "id, workspace_id, name, public_id, from_name, from_address, footer, language, created_at";
pub(crate) const SUBSCRIBER_COLS: &str = "id, list_id, email, status, unsubscribe_token, source, created_at, \
     confirmed_at, unsubscribed_at";
pub(crate) const CAMPAIGN_COLS: &str = "id, workspace_id, list_id, subject, body_markdown, state, \
     rate_per_minute, author, created_at, started_at, finished_at";

fn list_row(r: &AnyRow) -> Result<NewsletterList> {
    Ok(NewsletterList {
        id: r.try_get("id")?,
        workspace_id: r.try_get("workspace_id")?,
        name: r.try_get("name")?,
        public_id: r.try_get("public_id")?,
        from_name: r.try_get("from_name")?,
        from_address: r.try_get("from_address")?,
        footer: r.try_get("footer")?,
        language: r.try_get("language")?,
        created_at: r.try_get("created_at")?,
    })
}

pub(crate) fn subscriber_row(r: &AnyRow) -> Result<Subscriber> {
    Ok(Subscriber {
        id: r.try_get("id")?,
        list_id: r.try_get("list_id")?,
        email: r.try_get("email")?,
        status: r.try_get("status")?,
        unsubscribe_token: r.try_get("unsubscribe_token")?,
        source: r.try_get("source")?,
        created_at: r.try_get("created_at")?,
        confirmed_at: r.try_get("confirmed_at")?,
        unsubscribed_at: r.try_get("unsubscribed_at")?,
    })
}

pub(crate) fn campaign_row(r: &AnyRow) -> Result<Campaign> {
    Ok(Campaign {
        id: r.try_get("id")?,
        workspace_id: r.try_get("workspace_id")?,
        list_id: r.try_get("list_id")?,
        subject: r.try_get("subject")?,
        body_markdown: r.try_get("body_markdown")?,
        state: r.try_get("state")?,
        rate_per_minute: r.try_get("rate_per_minute")?,
        author: r.try_get("author")?,
        created_at: r.try_get("created_at")?,
        started_at: r.try_get("started_at")?,
        finished_at: r.try_get("finished_at")?,
    })
}

type Tx = crate::sql_inbox::Tx;

impl SqlStore {
    async fn subscriber_where<T>(
        &self,
        condition: &'static str,
        value: T,
    ) -> Result<Option<(Subscriber, NewsletterList)>>
    where
        T: for<'q> sqlx::Encode<'q, sqlx::Any> + sqlx::Type<sqlx::Any> + Send + 'static,
    {
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIBER_COLS} FROM newsletter_subscribers WHERE {condition} = $1"
        )))
        .bind(value)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let subscriber = subscriber_row(&row)?;
        let list = self.list_by("id", subscriber.list_id).await?;
        Ok(list.map(|list| (subscriber, list)))
    }

    /// A campaign and its list, for the sender.
    pub(crate) async fn campaign_and_list(
        &self,
        campaign_id: i64,
    ) -> Result<(Campaign, NewsletterList)> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CAMPAIGN_COLS} FROM newsletter_campaigns WHERE id = $1"
        )))
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await?;
        let campaign = campaign_row(&row)?;
        let list = self
            .list_by("id", campaign.list_id)
            .await?
            .ok_or(StoreError::NotFound { what: "list" })?;
        Ok((campaign, list))
    }

    pub(crate) async fn list_by(
        &self,
        column: &'static str,
        id: i64,
    ) -> Result<Option<NewsletterList>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LIST_COLS} FROM newsletter_lists WHERE {column} = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(list_row)
        .transpose()
    }

    async fn campaign_stats(&self, campaign_id: i64) -> Result<CampaignStats> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, \
             SUM(CASE WHEN status IN ('queued', 'sending') THEN 1 ELSE 0 END) AS queued, \
             SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent, \
             SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, \
             SUM(CASE WHEN status = 'bounced' THEN 1 ELSE 0 END) AS bounced \
             FROM newsletter_sends WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&self.pool)
        .await?;
        // PostgreSQL sums BIGINTs as NUMERIC: cast back.
        let clicks: Option<i64> = sqlx::query_scalar(
            "SELECT CAST(COALESCE(SUM(clicks), 0) AS BIGINT) FROM newsletter_links WHERE campaign_id = $1",
        )
                .bind(campaign_id)
                .fetch_one(&self.pool)
                .await?;
        let get =
            |name: &str| -> Result<i64> { Ok(row.try_get::<Option<i64>, _>(name)?.unwrap_or(0)) };
        Ok(CampaignStats {
            recipients: row.try_get("n")?,
            queued: get("queued")?,
            sent: get("sent")?,
            failed: get("failed")?,
            bounced: get("bounced")?,
            clicks: clicks.unwrap_or(0),
        })
    }

    async fn campaign_links(&self, campaign_id: i64) -> Result<Vec<CampaignLink>> {
        sqlx::query(
            "SELECT url, token, clicks FROM newsletter_links WHERE campaign_id = $1 ORDER BY id",
        )
        .bind(campaign_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(CampaignLink {
                url: r.try_get("url")?,
                token: r.try_get("token")?,
                clicks: r.try_get("clicks")?,
            })
        })
        .collect()
    }
}

/// Marks the campaign sent once nothing is left to send.
async fn settle_campaign(tx: &mut Tx, campaign_id: i64, now: i64) -> Result<()> {
    let left: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM newsletter_sends WHERE campaign_id = $1 AND status IN ('queued', 'sending')",
    )
    .bind(campaign_id)
    .fetch_one(&mut **tx)
    .await?;
    if left == 0 {
        sqlx::query(
            "UPDATE newsletter_campaigns SET state = 'sent', finished_at = $2 WHERE id = $1 AND state = 'sending'",
        )
        .bind(campaign_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl NewsletterStore for SqlStore {
    async fn create_list(&self, l: &NewList<'_>) -> Result<NewsletterList> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO newsletter_lists (workspace_id, name, public_id, from_name, from_address, footer, language, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(l.workspace_id)
        .bind(l.name)
        .bind(l.public_id)
        .bind(l.from_name)
        .bind(l.from_address)
        .bind(l.footer)
        .bind(l.language)
        .bind(l.now)
        .fetch_one(&self.pool)
        .await
        .map_err(StoreError::on_unique("list address"))?;
        Ok(NewsletterList {
            id,
            workspace_id: l.workspace_id,
            name: l.name.to_owned(),
            public_id: l.public_id.to_owned(),
            from_name: l.from_name.to_owned(),
            from_address: l.from_address.to_owned(),
            footer: l.footer.to_owned(),
            language: l.language.to_owned(),
            created_at: l.now,
        })
    }

    async fn newsletter_lists(
        &self,
        workspace_id: i64,
    ) -> Result<Vec<(NewsletterList, ListCounts)>> {
        let lists = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LIST_COLS} FROM newsletter_lists WHERE workspace_id = $1 ORDER BY name, id"
        )))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(list_row)
        .collect::<Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(lists.len());
        for list in lists {
            let mut counts = ListCounts::default();
            for row in sqlx::query(
                "SELECT status, COUNT(*) AS n FROM newsletter_subscribers WHERE list_id = $1 GROUP BY status",
            )
            .bind(list.id)
            .fetch_all(&self.pool)
            .await?
            {
                let n: i64 = row.try_get("n")?;
                match row.try_get::<String, _>("status")?.as_str() {
                    "pending" => counts.pending = n,
                    "subscribed" => counts.subscribed = n,
                    "unsubscribed" => counts.unsubscribed = n,
                    "bounced" => counts.bounced = n,
                    other => return Err(StoreError::Corrupt(format!("subscriber status {other:?}"))),
                }
            }
            out.push((list, counts));
        }
        Ok(out)
    }

    async fn newsletter_list(&self, workspace_id: i64, id: i64) -> Result<Option<NewsletterList>> {
        Ok(self
            .list_by("id", id)
            .await?
            .filter(|l| l.workspace_id == workspace_id))
    }

    async fn list_by_public_id(&self, public_id: &str) -> Result<Option<NewsletterList>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {LIST_COLS} FROM newsletter_lists WHERE public_id = $1"
        )))
        .bind(public_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(list_row)
        .transpose()
    }

    async fn subscribe(&self, s: &NewSubscriber<'_>) -> Result<Subscribed> {
        let email = s.email.trim().to_lowercase();
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let workspace_id: i64 =
            sqlx::query_scalar("SELECT workspace_id FROM newsletter_lists WHERE id = $1")
                .bind(s.list_id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound { what: "list" })?;
        let existing = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIBER_COLS} FROM newsletter_subscribers WHERE list_id = $1 AND email = $2"
        )))
        .bind(s.list_id)
        .bind(&email)
        .fetch_optional(&mut *tx)
        .await?
        .as_ref()
        .map(subscriber_row)
        .transpose()?;
        let status = if s.confirm_token_hash.is_some() {
            "pending"
        } else {
            "subscribed"
        };
        let confirmed_at = s.confirm_token_hash.is_none().then_some(s.now);
        let id = match existing {
            Some(found) if found.status == "bounced" => return Ok(Subscribed::Bounced(found)),
            // A pending address asking again gets a fresh link.
            Some(found) if found.status == "pending" && s.confirm_token_hash.is_some() => {
                sqlx::query("UPDATE newsletter_subscribers SET confirm_token_hash = $2 WHERE id = $1")
                    .bind(found.id)
                    .bind(s.confirm_token_hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                return Ok(Subscribed::Added(found));
            }
            Some(found) if found.status != "unsubscribed" => {
                return Ok(Subscribed::Already(found));
            }
            Some(found) => {
                sqlx::query(
                    "UPDATE newsletter_subscribers SET status = $2, confirm_token_hash = $3, source = $4, \
                     confirmed_at = $5, unsubscribed_at = NULL WHERE id = $1",
                )
                .bind(found.id)
                .bind(status)
                .bind(s.confirm_token_hash)
                .bind(s.source)
                .bind(confirmed_at)
                .execute(&mut *tx)
                .await?;
                found.id
            }
            None => sqlx::query_scalar(
                "INSERT INTO newsletter_subscribers (workspace_id, list_id, email, status, confirm_token_hash, \
                 unsubscribe_token, source, created_at, confirmed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 RETURNING id",
            )
            .bind(workspace_id)
            .bind(s.list_id)
            .bind(&email)
            .bind(status)
            .bind(s.confirm_token_hash)
            .bind(s.unsubscribe_token)
            .bind(s.source)
            .bind(s.now)
            .bind(confirmed_at)
            .fetch_one(&mut *tx)
            .await?,
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIBER_COLS} FROM newsletter_subscribers WHERE id = $1"
        )))
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Subscribed::Added(subscriber_row(&row)?))
    }

    async fn confirm_subscription(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(Subscriber, NewsletterList)>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM newsletter_subscribers WHERE confirm_token_hash = $1 AND status = 'pending'",
        )
        .bind(token_hash)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else { return Ok(None) };
        sqlx::query(
            "UPDATE newsletter_subscribers SET status = 'subscribed', confirmed_at = $2, confirm_token_hash = NULL \
             WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.subscriber_where("id", id).await
    }

    async fn subscriber_by_unsubscribe_token(
        &self,
        token: &str,
    ) -> Result<Option<(Subscriber, NewsletterList)>> {
        self.subscriber_where("unsubscribe_token", token.to_owned())
            .await
    }

    async fn unsubscribe(&self, token: &str, now: i64) -> Result<Option<Subscriber>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIBER_COLS} FROM newsletter_subscribers WHERE unsubscribe_token = $1"
        )))
        .bind(token)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(None);
        };
        let mut subscriber = subscriber_row(&row)?;
        if subscriber.status != "unsubscribed" {
            sqlx::query(
                "UPDATE newsletter_subscribers SET status = 'unsubscribed', unsubscribed_at = $2, \
                 confirm_token_hash = NULL WHERE id = $1",
            )
            .bind(subscriber.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            // Whatever is still waiting for this address is not sent.
            let campaigns: Vec<i64> = sqlx::query_scalar(
                "SELECT campaign_id FROM newsletter_sends WHERE subscriber_id = $1 AND status = 'queued'",
            )
            .bind(subscriber.id)
            .fetch_all(&mut *tx)
            .await?;
            sqlx::query(
                "UPDATE newsletter_sends SET status = 'failed', last_error = 'unsubscribed before it was sent' \
                 WHERE subscriber_id = $1 AND status = 'queued'",
            )
            .bind(subscriber.id)
            .execute(&mut *tx)
            .await?;
            for campaign in campaigns {
                settle_campaign(&mut tx, campaign, now).await?;
            }
            subscriber.status = "unsubscribed".into();
            subscriber.unsubscribed_at = Some(now);
        }
        tx.commit().await?;
        Ok(Some(subscriber))
    }

    async fn subscribers(
        &self,
        workspace_id: i64,
        list_id: i64,
        limit: i64,
    ) -> Result<Vec<Subscriber>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIBER_COLS} FROM newsletter_subscribers WHERE workspace_id = $1 AND list_id = $2 \
             ORDER BY id DESC LIMIT $3"
        )))
        .bind(workspace_id)
        .bind(list_id)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(subscriber_row)
        .collect()
    }

    async fn subscribers_after(
        &self,
        workspace_id: i64,
        list_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Subscriber>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {SUBSCRIBER_COLS} FROM newsletter_subscribers WHERE workspace_id = $1 AND list_id = $2 \
             AND id > $3 ORDER BY id LIMIT $4"
        )))
        .bind(workspace_id)
        .bind(list_id)
        .bind(after_id)
        .bind(limit.clamp(1, 10_000))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(subscriber_row)
        .collect()
    }

    async fn create_campaign(&self, c: &NewCampaign<'_>) -> Result<Campaign> {
        if self
            .newsletter_list(c.workspace_id, c.list_id)
            .await?
            .is_none()
        {
            return Err(StoreError::NotFound { what: "list" });
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO newsletter_campaigns (workspace_id, list_id, subject, body_markdown, state, \
             rate_per_minute, author, created_at) VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7) RETURNING id",
        )
        .bind(c.workspace_id)
        .bind(c.list_id)
        .bind(c.subject)
        .bind(c.body_markdown)
        .bind(c.rate_per_minute)
        .bind(c.author)
        .bind(c.now)
        .fetch_one(&self.pool)
        .await?;
        Ok(Campaign {
            id,
            workspace_id: c.workspace_id,
            list_id: c.list_id,
            subject: c.subject.to_owned(),
            body_markdown: c.body_markdown.to_owned(),
            state: "draft".into(),
            rate_per_minute: c.rate_per_minute,
            author: c.author.to_owned(),
            created_at: c.now,
            started_at: None,
            finished_at: None,
        })
    }

    async fn campaigns(&self, workspace_id: i64) -> Result<Vec<(Campaign, CampaignStats)>> {
        let campaigns = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CAMPAIGN_COLS} FROM newsletter_campaigns WHERE workspace_id = $1 ORDER BY id DESC LIMIT 200"
        )))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(campaign_row)
        .collect::<Result<Vec<_>>>()?;
        let mut out = Vec::with_capacity(campaigns.len());
        for campaign in campaigns {
            let stats = self.campaign_stats(campaign.id).await?;
            out.push((campaign, stats));
        }
        Ok(out)
    }

    async fn campaign(
        &self,
        workspace_id: i64,
        id: i64,
    ) -> Result<Option<(Campaign, CampaignStats, Vec<CampaignLink>)>> {
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CAMPAIGN_COLS} FROM newsletter_campaigns WHERE workspace_id = $1 AND id = $2"
        )))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        Ok(Some((
            campaign_row(&row)?,
            self.campaign_stats(id).await?,
            self.campaign_links(id).await?,
        )))
    }

    async fn start_campaign(
        &self,
        workspace_id: i64,
        id: i64,
        links: &[(String, String)],
        now: i64,
    ) -> Result<u64> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let state: String = sqlx::query_scalar(
            "SELECT state FROM newsletter_campaigns WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "newsletter" })?;
        if state != "draft" {
            return Err(StoreError::Refused("this newsletter has already been sent"));
        }
        // Checked by the caller too: a zero rate would divide by zero below.
        sqlx::query("UPDATE newsletter_campaigns SET rate_per_minute = 1 WHERE id = $1 AND rate_per_minute < 1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for (url, token) in links {
            sqlx::query(
                "INSERT INTO newsletter_links (campaign_id, url, token, clicks) VALUES ($1, $2, $3, 0)",
            )
            .bind(id)
            .bind(url)
            .bind(token)
            .execute(&mut *tx)
            .await?;
        }
        // The key names the campaign and the subscriber: Message-ID and return path. The rate
        // limit is the schedule itself: the n-th send falls due n / rate minutes after the start,
        // which survives restarts and holds however many senders run.
        let written = sqlx::query(
            "INSERT INTO newsletter_sends (workspace_id, campaign_id, subscriber_id, email, status, \
             idempotency_key, attempts, next_attempt_at) \
             SELECT s.workspace_id, c.id, s.id, s.email, 'queued', \
             'nl' || CAST(c.id AS TEXT) || 's' || CAST(s.id AS TEXT), 0, \
             $2 + ((ROW_NUMBER() OVER (ORDER BY s.id)) - 1) * 60 / c.rate_per_minute \
             FROM newsletter_campaigns c JOIN newsletter_subscribers s ON s.list_id = c.list_id \
             WHERE c.id = $1 AND s.status = 'subscribed'",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        sqlx::query(
            "UPDATE newsletter_campaigns SET state = 'sending', started_at = $2 WHERE id = $1",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        settle_campaign(&mut tx, id, now).await?;
        tx.commit().await?;
        Ok(written)
    }

    async fn claim_sends(&self, now: i64, stale_before: i64, limit: i64) -> Result<Vec<SendJob>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let due = crate::outbox::claim_due(
            &mut tx,
            self.backend,
            "newsletter_sends",
            "queued",
            now,
            stale_before,
            limit,
        )
        .await?;
        tx.commit().await?;
        let mut jobs = Vec::with_capacity(due.len());
        for (id, in_doubt) in due {
            let row = sqlx::query(
                "SELECT s.id, s.idempotency_key, s.email, s.attempts, s.campaign_id, s.subscriber_id, \
                 sub.unsubscribe_token FROM newsletter_sends s \
                 JOIN newsletter_subscribers sub ON sub.id = s.subscriber_id WHERE s.id = $1",
            )
            .bind(id)
            .fetch_one(&self.pool)
            .await?;
            let campaign_id: i64 = row.try_get("campaign_id")?;
            let (campaign, list) = self.campaign_and_list(campaign_id).await?;
            jobs.push(SendJob {
                id,
                idempotency_key: row.try_get("idempotency_key")?,
                email: row.try_get("email")?,
                attempts: row.try_get("attempts")?,
                in_doubt,
                unsubscribe_token: row.try_get("unsubscribe_token")?,
                links: self.campaign_links(campaign_id).await?,
                campaign,
                list,
            });
        }
        Ok(jobs)
    }

    async fn finish_send(&self, id: i64, outcome: &SendOutcome, now: i64) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let row =
            sqlx::query("SELECT campaign_id, subscriber_id FROM newsletter_sends WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound {
                    what: "newsletter send",
                })?;
        let campaign_id: i64 = row.try_get("campaign_id")?;
        let subscriber_id: i64 = row.try_get("subscriber_id")?;
        match outcome {
            SendOutcome::Sent => {
                sqlx::query(
                    "UPDATE newsletter_sends SET status = 'sent', sent_at = $2, last_error = NULL WHERE id = $1",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
            }
            SendOutcome::Retry { error, at } => {
                sqlx::query(
                    "UPDATE newsletter_sends SET status = 'queued', next_attempt_at = $2, last_error = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(*at)
                .bind(error)
                .execute(&mut *tx)
                .await?;
            }
            SendOutcome::Failed { error } => {
                sqlx::query(
                    "UPDATE newsletter_sends SET status = 'failed', last_error = $2 WHERE id = $1",
                )
                .bind(id)
                .bind(error)
                .execute(&mut *tx)
                .await?;
            }
            SendOutcome::Bounced { error } => {
                sqlx::query(
                    "UPDATE newsletter_sends SET status = 'bounced', bounced_at = $2, last_error = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(now)
                .bind(error)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE newsletter_subscribers SET status = 'bounced' WHERE id = $1")
                    .bind(subscriber_id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        settle_campaign(&mut tx, campaign_id, now).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn record_bounce(
        &self,
        idempotency_key: &str,
        permanent: bool,
        detail: &str,
        now: i64,
    ) -> Result<bool> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let Some(row) = sqlx::query(
            "SELECT campaign_id, subscriber_id FROM newsletter_sends WHERE idempotency_key = $1",
        )
        .bind(idempotency_key)
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(false);
        };
        let campaign_id: i64 = row.try_get("campaign_id")?;
        let subscriber_id: i64 = row.try_get("subscriber_id")?;
        sqlx::query(
            "UPDATE newsletter_sends SET status = 'bounced', bounced_at = $2, last_error = $3 \
             WHERE idempotency_key = $1",
        )
        .bind(idempotency_key)
        .bind(now)
        .bind(detail)
        .execute(&mut *tx)
        .await?;
        if permanent {
            sqlx::query(
                "UPDATE newsletter_subscribers SET status = 'bounced' WHERE id = $1 AND status = 'subscribed'",
            )
            .bind(subscriber_id)
            .execute(&mut *tx)
            .await?;
        }
        settle_campaign(&mut tx, campaign_id, now).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn click(&self, token: &str) -> Result<Option<String>> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let url: Option<String> =
            sqlx::query_scalar("SELECT url FROM newsletter_links WHERE token = $1")
                .bind(token)
                .fetch_optional(&mut *tx)
                .await?;
        if url.is_some() {
            sqlx::query("UPDATE newsletter_links SET clicks = clicks + 1 WHERE token = $1")
                .bind(token)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(url)
    }

    async fn next_send_due(&self) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM newsletter_sends WHERE status = 'queued'",
        )
        .fetch_one(&self.pool)
        .await?)
    }
}
