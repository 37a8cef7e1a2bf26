//! [`ListeningStore`] for [`SqlStore`], in the same portable SQL as `sql.rs`.

use async_trait::async_trait;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Result;
use crate::error::StoreError;
use crate::listening::*;
use crate::sql::SqlStore;

macro_rules! source_cols {
    () => {
        "id, workspace_id, kind, name, config, secret, interval_secs, enabled, status, last_fetch_at, \
         last_success_at, last_error, failures, next_fetch_at, etag, last_modified, item_count, created_at"
    };
}

macro_rules! item_cols {
    () => {
        "i.id, i.source_id, i.source_kind, i.external_id, i.url, i.site, i.author_name, i.author_handle, \
         i.author_reach, i.title, i.body, i.lang, i.sentiment, i.sentiment_score, i.sentiment_corrected, \
         i.published_at, i.received_at, i.duplicate_of, i.seen_count, i.enrichment_error, i.parent_external_id, i.quote_of, i.quoted_ref"
    };
}

fn query_row(row: &AnyRow) -> Result<ListeningQuery> {
    Ok(ListeningQuery {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        name: row.try_get("name")?,
        query_text: row.try_get("query_text")?,
        kind: row.try_get("kind")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn source_row(row: &AnyRow) -> Result<Source> {
    Ok(Source {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        config: row.try_get("config")?,
        secret: row.try_get("secret")?,
        interval_secs: row.try_get("interval_secs")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        status: row.try_get("status")?,
        last_fetch_at: row.try_get("last_fetch_at")?,
        last_success_at: row.try_get("last_success_at")?,
        last_error: row.try_get("last_error")?,
        failures: row.try_get("failures")?,
        next_fetch_at: row.try_get("next_fetch_at")?,
        etag: row.try_get("etag")?,
        last_modified: row.try_get("last_modified")?,
        item_count: row.try_get("item_count")?,
        created_at: row.try_get("created_at")?,
    })
}

fn item_row(row: &AnyRow) -> Result<StoredItem> {
    let corrected: Option<String> = row.try_get("sentiment_corrected")?;
    let computed: Option<String> = row.try_get("sentiment")?;
    Ok(StoredItem {
        id: row.try_get("id")?,
        source_id: row.try_get("source_id")?,
        source_kind: row.try_get("source_kind")?,
        external_id: row.try_get("external_id")?,
        url: row.try_get("url")?,
        site: row.try_get("site")?,
        author_name: row.try_get("author_name")?,
        author_handle: row.try_get("author_handle")?,
        author_reach: row.try_get("author_reach")?,
        title: row.try_get("title")?,
        body: row.try_get("body")?,
        lang: row.try_get("lang")?,
        sentiment_corrected: corrected.is_some(),
        sentiment: corrected.or(computed),
        sentiment_score: row.try_get("sentiment_score")?,
        published_at: row.try_get("published_at")?,
        received_at: row.try_get("received_at")?,
        duplicate_of: row.try_get("duplicate_of")?,
        seen_count: row.try_get("seen_count")?,
        enrichment_error: row.try_get("enrichment_error")?,
        parent_external_id: row.try_get("parent_external_id")?,
        quote_of: row.try_get("quote_of")?,
        quoted_ref: row.try_get("quoted_ref")?,
        query_ids: Vec::new(),
    })
}

/// Gives each item the saved searches it matched, from `(item_id, query_id)` rows.
fn add_query_ids(items: &mut [StoredItem], matches: &[AnyRow]) -> Result<()> {
    for row in matches {
        let item_id: i64 = row.try_get("item_id")?;
        if let Some(item) = items.iter_mut().find(|i| i.id == item_id) {
            item.query_ids.push(row.try_get("query_id")?);
        }
    }
    Ok(())
}

impl SqlStore {
    /// The items of a conversation, oldest first (for the inbox).
    pub(crate) async fn items_of_conversation(
        &self,
        conversation_id: i64,
    ) -> Result<Vec<StoredItem>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            item_cols!(),
            " FROM conversation_items ci JOIN items i ON i.id = ci.item_id \
             WHERE ci.conversation_id = $1 ORDER BY i.published_at, i.id"
        ))
        .bind(conversation_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(item_row).collect()
    }

    /// Stores a batch in one transaction (see `ListeningStore::insert_items_for_alerts` for
    /// `awaiting_alerts`).
    async fn store_batch(
        &self,
        items: &[(NewItem, Vec<i64>)],
        awaiting_alerts: bool,
    ) -> Result<Vec<InsertOutcome>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        // SQLite: the batch writer's thread (one connection, group commit, near-duplicate
        // candidates from its memory of recent originals).
        if let Some(writer) = &self.batch_writer {
            return writer.write(items.to_vec(), awaiting_alerts).await;
        }
        // PostgreSQL: a pooled connection; near-duplicate candidates come from the database,
        // since its writers may be several processes.
        let mut tx = self.pool.begin().await?;
        let outcomes = crate::sql_batch::insert_batch(&mut tx, items).await?;
        count_inserted(&mut tx, items, &outcomes).await?;
        if awaiting_alerts && let Some(b) = AlertBacklog::of(items, &outcomes) {
            sqlx::query(AlertBacklog::INSERT)
                .bind(b.first_item_id)
                .bind(b.last_item_id)
                .bind(b.workspace_id)
                .bind(b.received_at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(outcomes)
    }

    /// The workspace's items written by any of these authors (as items record them), newest
    /// first.
    pub(crate) async fn items_by_authors(
        &self,
        workspace_id: i64,
        authors: &[String],
        limit: i64,
    ) -> Result<Vec<StoredItem>> {
        let mut items = Vec::new();
        for author in authors {
            // Without statistics SQLite would walk the workspace's items in id order.
            let hint = match self.backend {
                crate::Backend::Sqlite => " INDEXED BY items_by_author",
                crate::Backend::Postgres => "",
            };
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {} FROM items i{hint} WHERE i.workspace_id = $1 AND i.author_handle = $2 \
                 ORDER BY i.id DESC LIMIT $3",
                item_cols!()
            )))
            .bind(workspace_id)
            .bind(author)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
            for row in &rows {
                items.push(item_row(row)?);
            }
        }
        items.sort_by_key(|i: &StoredItem| std::cmp::Reverse((i.published_at, i.id)));
        items.truncate(limit.max(0) as usize);
        Ok(items)
    }
}

#[async_trait]
impl ListeningStore for SqlStore {
    async fn create_listening_query(&self, new: &NewListeningQuery<'_>) -> Result<ListeningQuery> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO listening_queries (workspace_id, name, query_text, kind, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id",
        )
        .bind(new.workspace_id)
        .bind(new.name)
        .bind(new.query_text)
        .bind(new.kind)
        .bind(new.created_by)
        .bind(new.now)
        .fetch_one(&self.pool)
        .await?;
        Ok(ListeningQuery {
            id,
            workspace_id: new.workspace_id,
            name: new.name.to_owned(),
            query_text: new.query_text.to_owned(),
            kind: new.kind.to_owned(),
            created_at: new.now,
            updated_at: new.now,
        })
    }

    async fn listening_queries(&self, workspace_id: i64) -> Result<Vec<ListeningQuery>> {
        let rows = sqlx::query(
            "SELECT id, workspace_id, name, query_text, kind, created_at, updated_at FROM listening_queries \
             WHERE workspace_id = $1 AND archived_at IS NULL ORDER BY name, id",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(query_row).collect()
    }

    async fn listening_query(&self, workspace_id: i64, id: i64) -> Result<Option<ListeningQuery>> {
        let row = sqlx::query(
            "SELECT id, workspace_id, name, query_text, kind, created_at, updated_at FROM listening_queries \
             WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(query_row).transpose()
    }

    async fn update_listening_query(
        &self,
        workspace_id: i64,
        id: i64,
        name: &str,
        query_text: &str,
        kind: &str,
        now: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE listening_queries SET name = $3, query_text = $4, kind = $5, updated_at = $6 \
             WHERE workspace_id = $1 AND id = $2 AND archived_at IS NULL",
        )
        .bind(workspace_id)
        .bind(id)
        .bind(name)
        .bind(query_text)
        .bind(kind)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "query" });
        }
        Ok(())
    }

    async fn archive_listening_query(&self, workspace_id: i64, id: i64, now: i64) -> Result<()> {
        let done = sqlx::query("UPDATE listening_queries SET archived_at = $3 WHERE workspace_id = $1 AND id = $2 AND archived_at IS NULL")
            .bind(workspace_id)
            .bind(id)
            .bind(now)
            .execute(&self.pool)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "query" });
        }
        Ok(())
    }

    async fn all_active_queries(&self) -> Result<Vec<(i64, i64, String)>> {
        let rows = sqlx::query("SELECT workspace_id, id, query_text FROM listening_queries WHERE archived_at IS NULL ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("workspace_id")?,
                    r.try_get("id")?,
                    r.try_get("query_text")?,
                ))
            })
            .collect()
    }

    async fn create_source(&self, new: &NewSource<'_>) -> Result<Source> {
        let row = sqlx::query(concat!(
            "INSERT INTO sources (workspace_id, kind, name, config, secret, interval_secs, enabled, status, failures, \
             next_fetch_at, item_count, created_at) VALUES ($1, $2, $3, $4, $5, $6, 1, 'new', 0, $7, 0, $7) RETURNING ",
            source_cols!()
        ))
        .bind(new.workspace_id)
        .bind(new.kind)
        .bind(new.name)
        .bind(new.config)
        .bind(new.secret)
        .bind(new.interval_secs)
        .bind(new.now)
        .fetch_one(&self.pool)
        .await?;
        source_row(&row)
    }

    async fn sources(&self, workspace_id: i64) -> Result<Vec<Source>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            source_cols!(),
            " FROM sources WHERE workspace_id = $1 ORDER BY name, id"
        ))
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(source_row).collect()
    }

    async fn enabled_sources_of_kind(&self, kind: &str) -> Result<Vec<Source>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            source_cols!(),
            " FROM sources WHERE kind = $1 AND enabled = 1 ORDER BY id"
        ))
        .bind(kind)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(source_row).collect()
    }

    async fn record_stream_state(
        &self,
        source_id: i64,
        now: i64,
        state: std::result::Result<(), &str>,
    ) -> Result<()> {
        match state {
            Ok(()) => {
                sqlx::query(
                    "UPDATE sources SET status = 'ok', last_success_at = $2, last_error = NULL WHERE id = $1",
                )
                .bind(source_id)
                .bind(now)
                .execute(&self.pool)
                .await?
            }
            Err(message) => {
                sqlx::query("UPDATE sources SET status = 'error', last_error = $2 WHERE id = $1")
                    .bind(source_id)
                    .bind(message)
                    .execute(&self.pool)
                    .await?
            }
        };
        Ok(())
    }

    async fn source_by_id(&self, id: i64) -> Result<Option<Source>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            source_cols!(),
            " FROM sources WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(source_row).transpose()
    }

    async fn due_sources(&self, now: i64, limit: i64) -> Result<Vec<Source>> {
        let rows = sqlx::query(concat!(
            "SELECT ", source_cols!(),
            " FROM sources WHERE enabled = 1 AND kind <> 'webhook' AND kind <> 'import' AND kind <> 'community' AND next_fetch_at <= $1 ORDER BY next_fetch_at LIMIT $2"
        ))
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(source_row).collect()
    }

    async fn record_fetch(&self, source_id: i64, o: &FetchOutcome<'_>) -> Result<()> {
        match o.result {
            Ok(_) => {
                sqlx::query(
                    "UPDATE sources SET status = 'ok', last_fetch_at = $2, last_success_at = $2, last_error = $6, failures = 0, \
                     next_fetch_at = $3, etag = COALESCE($4, etag), last_modified = COALESCE($5, last_modified) WHERE id = $1",
                )
                .bind(source_id)
                .bind(o.now)
                .bind(o.next_fetch_at)
                .bind(o.etag)
                .bind(o.last_modified)
                .bind(o.warning)
                .execute(&self.pool)
                .await?;
            }
            Err(message) => {
                sqlx::query(
                    "UPDATE sources SET status = 'error', last_fetch_at = $2, last_error = $4, failures = failures + 1, \
                     next_fetch_at = $3 WHERE id = $1",
                )
                .bind(source_id)
                .bind(o.now)
                .bind(o.next_fetch_at)
                .bind(message)
                .execute(&self.pool)
                .await?;
            }
        }
        Ok(())
    }

    async fn set_source_enabled(
        &self,
        workspace_id: i64,
        source_id: i64,
        enabled: bool,
    ) -> Result<()> {
        let done =
            sqlx::query("UPDATE sources SET enabled = $3 WHERE workspace_id = $1 AND id = $2")
                .bind(workspace_id)
                .bind(source_id)
                .bind(i64::from(enabled))
                .execute(&self.pool)
                .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "source" });
        }
        Ok(())
    }

    async fn insert_items(&self, items: &[(NewItem, Vec<i64>)]) -> Result<Vec<InsertOutcome>> {
        self.store_batch(items, false).await
    }

    async fn insert_items_for_alerts(
        &self,
        items: &[(NewItem, Vec<i64>)],
    ) -> Result<Vec<InsertOutcome>> {
        self.store_batch(items, true).await
    }

    async fn alert_backlog(&self) -> Result<Vec<AlertBacklog>> {
        let rows = sqlx::query(
            "SELECT first_item_id, last_item_id, workspace_id, received_at FROM alert_backlog \
             ORDER BY first_item_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(AlertBacklog {
                    first_item_id: row.try_get("first_item_id")?,
                    last_item_id: row.try_get("last_item_id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    received_at: row.try_get("received_at")?,
                })
            })
            .collect()
    }

    async fn alerts_evaluated(&self, first_item_ids: &[i64]) -> Result<()> {
        if first_item_ids.is_empty() {
            return Ok(());
        }
        const DONE: &str = "DELETE FROM alert_backlog WHERE first_item_id = $1";
        // SQLite: on the batch writer's connection, like the alerts it follows.
        if let Some(writer) = &self.batch_writer {
            let ids = first_item_ids.to_vec();
            return writer
                .transaction(move |tx| {
                    for id in &ids {
                        crate::sqlite_writer::execute(tx, DONE, &[id])?;
                    }
                    Ok(())
                })
                .await;
        }
        let mut tx = self.pool.begin().await?;
        for id in first_item_ids {
            sqlx::query(DONE).bind(id).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn recent_original_texts(&self, limit: i64) -> Result<Vec<(i64, i64, String)>> {
        let rows = sqlx::query(
            "SELECT workspace_id, id, body FROM items WHERE duplicate_of IS NULL \
             ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)))
            .collect()
    }

    async fn backlog_items(&self, backlog: &AlertBacklog) -> Result<Vec<StoredItem>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            item_cols!(),
            " FROM items i WHERE i.workspace_id = $1 AND i.id >= $2 AND i.id <= $3 \
             AND EXISTS (SELECT 1 FROM item_matches m WHERE m.item_id = i.id) ORDER BY i.id"
        ))
        .bind(backlog.workspace_id)
        .bind(backlog.first_item_id)
        .bind(backlog.last_item_id)
        .fetch_all(&self.pool)
        .await?;
        let mut items: Vec<StoredItem> = rows.iter().map(item_row).collect::<Result<_>>()?;
        let matches = sqlx::query(
            "SELECT item_id, query_id FROM item_matches WHERE item_id >= $1 AND item_id <= $2 \
             ORDER BY item_id, query_id",
        )
        .bind(backlog.first_item_id)
        .bind(backlog.last_item_id)
        .fetch_all(&self.pool)
        .await?;
        add_query_ids(&mut items, &matches)?;
        Ok(items)
    }

    async fn items(&self, f: &ItemFilter) -> Result<Vec<StoredItem>> {
        let (conditions, mut binds) = crate::sql_item_filter::item_where(self.backend, f);
        binds.push(crate::sql_item_filter::Bind::Int(f.limit));
        let sql = format!(
            concat!(
                "SELECT ",
                item_cols!(),
                " FROM items i WHERE {} ORDER BY i.id DESC LIMIT ${}"
            ),
            conditions,
            binds.len()
        );
        let query = crate::sql_item_filter::bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), binds);
        let rows = query.fetch_all(&self.pool).await?;
        let mut items: Vec<StoredItem> = rows.iter().map(item_row).collect::<Result<_>>()?;
        if let (Some(first), Some(last)) = (items.first().map(|i| i.id), items.last().map(|i| i.id))
        {
            let matches = sqlx::query(
                "SELECT item_id, query_id FROM item_matches WHERE workspace_id = $1 AND item_id >= $2 AND item_id <= $3",
            )
            .bind(f.workspace_id)
            .bind(last)
            .bind(first)
            .fetch_all(&self.pool)
            .await?;
            add_query_ids(&mut items, &matches)?;
        }
        Ok(items)
    }

    async fn count_items(&self, f: &ItemFilter, cap: i64) -> Result<(i64, bool)> {
        let (conditions, mut binds) = crate::sql_item_filter::item_where(self.backend, f);
        binds.push(crate::sql_item_filter::Bind::Int(cap + 1));
        let sql = format!(
            "SELECT COUNT(*) FROM (SELECT 1 FROM items i WHERE {conditions} LIMIT ${}) found",
            binds.len()
        );
        let query = crate::sql_item_filter::bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), binds);
        let count: i64 = query.fetch_one(&self.pool).await?.try_get(0)?;
        Ok((count.min(cap), count > cap))
    }

    async fn tone_over_time(
        &self,
        workspace_id: i64,
        since: i64,
        bucket_secs: i64,
    ) -> Result<Vec<(i64, String, i64)>> {
        sqlx::query(
            "SELECT (published_at - $2) / $3 AS bucket, \
             COALESCE(sentiment_corrected, sentiment, 'unknown') AS tone, COUNT(*) AS n FROM items \
             WHERE workspace_id = $1 AND published_at >= $2 GROUP BY bucket, tone ORDER BY bucket",
        )
        .bind(workspace_id)
        .bind(since)
        .bind(bucket_secs)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let bucket: i64 = row.try_get("bucket")?;
            Ok((
                since + bucket * bucket_secs,
                row.try_get("tone")?,
                row.try_get("n")?,
            ))
        })
        .collect()
    }

    async fn tones_between(
        &self,
        workspace_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64)>> {
        sqlx::query(
            "SELECT COALESCE(sentiment_corrected, sentiment, 'unknown') AS tone, COUNT(*) AS n \
             FROM items WHERE workspace_id = $1 AND published_at >= $2 AND published_at < $3 \
             GROUP BY tone",
        )
        .bind(workspace_id)
        .bind(from)
        .bind(to)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("tone")?, row.try_get("n")?)))
        .collect()
    }

    async fn dashboard(
        &self,
        workspace_id: i64,
        since: i64,
        bucket_secs: i64,
    ) -> Result<DashboardData> {
        let mut data = DashboardData::default();
        let rows = sqlx::query(
            "SELECT (published_at - $2) / $3 AS bucket, COUNT(*) AS n FROM items \
             WHERE workspace_id = $1 AND published_at >= $2 GROUP BY bucket ORDER BY bucket",
        )
        .bind(workspace_id)
        .bind(since)
        .bind(bucket_secs)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let bucket: i64 = row.try_get("bucket")?;
            data.volume
                .push((since + bucket * bucket_secs, row.try_get("n")?));
        }
        let rows = sqlx::query(
            "SELECT COALESCE(sentiment_corrected, sentiment, 'unknown') AS label, COUNT(*) AS n FROM items \
             WHERE workspace_id = $1 AND published_at >= $2 GROUP BY label",
        )
        .bind(workspace_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            data.sentiment
                .push((row.try_get("label")?, row.try_get("n")?));
        }
        let rows = sqlx::query(
            "SELECT query_id, COUNT(*) AS n FROM item_matches WHERE workspace_id = $1 AND published_at >= $2 GROUP BY query_id ORDER BY n DESC",
        )
        .bind(workspace_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            data.by_query
                .push((row.try_get("query_id")?, row.try_get("n")?));
        }
        let rows = sqlx::query(
            "SELECT site, COUNT(*) AS n FROM items WHERE workspace_id = $1 AND published_at >= $2 AND site IS NOT NULL \
             GROUP BY site ORDER BY n DESC, site LIMIT 10",
        )
        .bind(workspace_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            data.sites.push((row.try_get("site")?, row.try_get("n")?));
        }
        let rows = sqlx::query(
            "SELECT COALESCE(author_name, '') AS name, COALESCE(author_handle, '') AS handle, MAX(COALESCE(author_reach, 0)) AS reach, COUNT(*) AS n \
             FROM items WHERE workspace_id = $1 AND published_at >= $2 AND (author_name IS NOT NULL OR author_handle IS NOT NULL) \
             GROUP BY COALESCE(author_name, ''), COALESCE(author_handle, '') ORDER BY reach DESC, n DESC LIMIT 10",
        )
        .bind(workspace_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            data.authors.push((
                row.try_get("name")?,
                row.try_get("handle")?,
                row.try_get("reach")?,
                row.try_get("n")?,
            ));
        }
        data.recent_texts = sqlx::query_scalar(
            "SELECT body FROM items WHERE workspace_id = $1 AND published_at >= $2 AND duplicate_of IS NULL ORDER BY id DESC LIMIT 2000",
        )
        .bind(workspace_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(data)
    }

    async fn correct_sentiment(&self, workspace_id: i64, item_id: i64, label: &str) -> Result<()> {
        let done = sqlx::query(
            "UPDATE items SET sentiment_corrected = $3 WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(item_id)
        .bind(label)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "item" });
        }
        Ok(())
    }

    async fn sentiment_corrections(&self, workspace_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM items WHERE workspace_id = $1 AND sentiment_corrected IS NOT NULL")
            .bind(workspace_id)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn sentiment_correction_examples(
        &self,
        workspace_id: i64,
        limit: i64,
    ) -> Result<Vec<(String, String)>> {
        let rows: Vec<(Option<String>, String, String)> = sqlx::query_as(
            "SELECT title, body, sentiment_corrected FROM items \
             WHERE workspace_id = $1 AND sentiment_corrected IS NOT NULL \
             ORDER BY id DESC LIMIT $2",
        )
        .bind(workspace_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|(title, body, label)| {
                let text = match title {
                    Some(title) if !title.is_empty() => format!("{title}. {body}"),
                    _ => body,
                };
                (text, label)
            })
            .collect())
    }

    async fn workspaces_with_corrections(&self) -> Result<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM workspaces w WHERE EXISTS \
             (SELECT 1 FROM items i WHERE i.workspace_id = w.id AND i.sentiment_corrected IS NOT NULL) \
             ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?)
    }
}

/// Adds a batch's inserted items to their sources' counts, in the batch's transaction.
async fn count_inserted(
    conn: &mut sqlx::AnyConnection,
    items: &[(NewItem, Vec<i64>)],
    outcomes: &[InsertOutcome],
) -> Result<()> {
    // (mentions stored, the latest reception) per source.
    let mut inserted_per_source: std::collections::HashMap<i64, (i64, i64)> =
        std::collections::HashMap::new();
    for ((item, _), outcome) in items.iter().zip(outcomes) {
        if matches!(outcome, InsertOutcome::Inserted { .. }) {
            let entry = inserted_per_source.entry(item.source_id).or_default();
            entry.0 += 1;
            entry.1 = entry.1.max(item.received_at);
        }
    }
    // A delivery is activity: a source that pushes (webhook, import) is no longer "waiting for
    // its first delivery" once mentions came through it.
    for (source_id, (count, latest)) in inserted_per_source {
        sqlx::query(
            "UPDATE sources SET item_count = item_count + $2, \
             status = CASE WHEN status = 'new' THEN 'ok' ELSE status END, \
             last_fetch_at = CASE WHEN last_fetch_at IS NULL OR last_fetch_at < $3 THEN $3 ELSE last_fetch_at END \
             WHERE id = $1",
        )
        .bind(source_id)
        .bind(count)
        .bind(latest)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
