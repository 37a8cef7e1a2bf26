//! The community's search (issue 16, item 7): its index (SQLite's `community_post_fts`,
//! PostgreSQL's `community_post_terms`, migrations 0043 / 0042) and its one query.
//!
//! A search reads the newest posts that have every word (at most `candidates`, newest first,
//! from the index alone), keeps those its filters allow, and groups them by topic: one result
//! per topic, its newest post found. The count and the page come from one statement.

use sqlx::Row;

use crate::cols::Cols;

use crate::community::*;
use crate::sql::Backend;
use crate::sql_community::{TOPIC_FROM, post, post_select, topic, topic_cols};
use crate::{Result, SqlStore};

/// Terms written per PostgreSQL statement (three binds each).
const TERMS_PER_INSERT: usize = 300;

/// Puts a post's terms in the search index.
pub(crate) async fn index_post(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    workspace_id: i64,
    post_id: i64,
    terms: &[String],
) -> Result<()> {
    match backend {
        Backend::Sqlite => {
            sqlx::query("INSERT INTO community_post_fts (rowid, terms) VALUES ($1, $2)")
                .bind(post_id)
                .bind(crate::archive_fts::scoped_row(workspace_id, terms))
                .execute(&mut **tx)
                .await?;
        }
        Backend::Postgres => {
            for chunk in terms.chunks(TERMS_PER_INSERT) {
                let rows: Vec<String> = (0..chunk.len())
                    .map(|k| format!("($1, $2, ${})", k + 3))
                    .collect();
                let sql = format!(
                    "INSERT INTO community_post_terms (workspace_id, post_id, term) VALUES {} \
                     ON CONFLICT DO NOTHING",
                    rows.join(", ")
                );
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(workspace_id)
                    .bind(post_id);
                for term in chunk {
                    query = query.bind(term.as_str());
                }
                query.execute(&mut **tx).await?;
            }
        }
    }
    Ok(())
}

/// Takes posts out of the search index: `which` is a subquery of post ids, with `$1` bound to
/// `id`.
pub(crate) async fn unindex(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    which: &str,
    id: i64,
) -> Result<()> {
    let sql = match backend {
        Backend::Sqlite => format!("DELETE FROM community_post_fts WHERE rowid IN ({which})"),
        Backend::Postgres => format!("DELETE FROM community_post_terms WHERE post_id IN ({which})"),
    };
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Takes out of the search index the posts a member wrote and every post of the topics they
/// started (found by their title), before their account is deleted with its posts.
pub(crate) async fn forget_account_posts(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    backend: Backend,
    account_id: i64,
) -> Result<()> {
    let posts = "SELECT p.id FROM community_posts p WHERE p.author_account = $1 \
                 OR p.topic_id IN (SELECT t.id FROM community_topics t WHERE t.author_account = $1)";
    unindex(tx, backend, posts, account_id).await
}

/// The count and the page's post ids, from the rows of the search's statement (total, seen,
/// post id).
fn page_of(found: Vec<(i64, i64, Option<i64>)>, candidates: i64) -> (CommunityHits, Vec<i64>) {
    let mut result = CommunityHits::default();
    let mut ids = Vec::new();
    for (total, seen, post_id) in found {
        result.total = total;
        result.capped = seen >= candidates;
        ids.extend(post_id);
    }
    (result, ids)
}

/// The posts found. Post ids read from the store: numbers, written in the statement.
fn posts_sql(ids: &[i64]) -> String {
    format!(
        "{} WHERE p.id IN ({})",
        post_select(),
        crate::sql_community::id_list(ids)
    )
}

/// Their topics.
fn topics_sql(posts: &[CommunityPost]) -> String {
    let ids = crate::sql_community::id_list(&posts.iter().map(|p| p.topic_id).collect::<Vec<_>>());
    format!("SELECT {} {TOPIC_FROM} WHERE t.id IN ({ids})", topic_cols())
}

/// The hits in the order found, each with its topic.
fn hits(
    mut result: CommunityHits,
    ids: &[i64],
    posts: &[CommunityPost],
    topics: &[Topic],
) -> CommunityHits {
    for id in ids {
        let post = posts.iter().find(|p| p.id == *id);
        let topic = post.and_then(|p| topics.iter().find(|t| t.id == p.topic_id));
        if let (Some(post), Some(topic)) = (post, topic) {
            result.hits.push((topic.clone(), post.clone()));
        }
    }
    result
}

/// A value bound to the search's statement.
///
/// (The statement reads the posts found, then their posts and topics, in that order: `CROSS
/// JOIN` fixes it on SQLite, whose planner otherwise chose to walk every topic of the
/// categories — 330 ms instead of 5 at a million posts.)
enum Bind {
    Int(i64),
    Text(String),
}

impl SqlStore {
    pub(crate) async fn search_community_posts(
        &self,
        s: &CommunitySearch<'_>,
        candidates: i64,
    ) -> Result<CommunityHits> {
        if s.categories.is_empty() {
            return Ok(CommunityHits::default());
        }
        let sqlite = self.backend == Backend::Sqlite;
        let mut binds = vec![Bind::Int(s.workspace_id)];
        let mut next = |b: Bind| {
            binds.push(b);
            format!("${}", binds.len())
        };
        let groups: Vec<&[String]> = s
            .groups
            .iter()
            .map(Vec::as_slice)
            .filter(|g| !g.is_empty())
            .collect();
        let newest = if groups.is_empty() {
            let author = match s.author_account {
                Some(a) => format!(" AND p.author_account = {}", next(Bind::Int(a))),
                None => String::new(),
            };
            format!(
                "SELECT p.id AS post_id FROM community_posts p WHERE p.workspace_id = $1{author} \
                 ORDER BY p.id DESC LIMIT {candidates}"
            )
        } else if sqlite {
            let m = next(Bind::Text(crate::archive_fts::scoped_matching(
                s.workspace_id,
                &groups,
            )));
            format!(
                "SELECT rowid AS post_id FROM community_post_fts WHERE community_post_fts \
                 MATCH {m} ORDER BY rowid DESC LIMIT {candidates}"
            )
        } else {
            // The first word's posts, newest first (one backward index scan per alternative),
            // each checked for the other words.
            let first: Vec<String> = groups[0]
                .iter()
                .map(|t| {
                    let p = next(Bind::Text(t.clone()));
                    format!(
                        "(SELECT x.post_id FROM community_post_terms x WHERE x.workspace_id = $1 \
                         AND x.term = {p} ORDER BY x.post_id DESC LIMIT {candidates})"
                    )
                })
                .collect();
            let mut others = String::new();
            for group in &groups[1..] {
                let alternatives: Vec<String> =
                    group.iter().map(|t| next(Bind::Text(t.clone()))).collect();
                others += &format!(
                    " AND EXISTS (SELECT 1 FROM community_post_terms o WHERE o.workspace_id = $1 \
                     AND o.post_id = first.post_id AND o.term IN ({}))",
                    alternatives.join(", ")
                );
            }
            format!(
                "SELECT DISTINCT first.post_id FROM ({}) AS first WHERE TRUE{others} \
                 ORDER BY first.post_id DESC LIMIT {candidates}",
                first.join(" UNION ALL ")
            )
        };
        // Category ids are numbers the caller read from the store: written in the statement.
        let categories = crate::sql_community::id_list(s.categories);
        let mut filters = String::new();
        if let Some(author) = s.author_account {
            filters += &format!(" AND p.author_account = {}", next(Bind::Int(author)));
        }
        if let Some(since) = s.since {
            filters += &format!(" AND p.created_at >= {}", next(Bind::Int(since)));
        }
        if let Some(until) = s.until {
            filters += &format!(" AND p.created_at < {}", next(Bind::Int(until)));
        }
        if let Some(tag) = s.tag {
            filters += &format!(
                " AND EXISTS (SELECT 1 FROM community_topic_tags g WHERE g.topic_id = t.id \
                 AND g.tag = {})",
                next(Bind::Text(tag.to_owned()))
            );
        }
        match s.solved {
            Some(true) => filters += " AND t.accepted_number IS NOT NULL",
            Some(false) => {
                filters += " AND t.accepted_number IS NULL AND EXISTS (SELECT 1 FROM \
                            community_categories k WHERE k.id = t.category_id AND k.kind = 'questions')"
            }
            None => {}
        }
        let limit = next(Bind::Int(s.limit.max(0)));
        let offset = next(Bind::Int(s.offset.max(0)));
        let sql = format!(
            "WITH newest AS MATERIALIZED ({newest}), \
             found AS MATERIALIZED (SELECT p.topic_id, MAX(p.id) AS post_id FROM newest \
               CROSS JOIN community_posts p CROSS JOIN community_topics t \
               WHERE p.id = newest.post_id AND t.id = p.topic_id \
               AND p.workspace_id = $1 AND p.status = 'visible' AND t.status = 'visible' \
               AND t.category_id IN ({categories}){filters} GROUP BY p.topic_id), \
             counts AS (SELECT (SELECT COUNT(*) FROM found) AS total, \
               (SELECT COUNT(*) FROM newest) AS seen) \
             SELECT counts.total, counts.seen, page.post_id FROM counts LEFT JOIN \
             (SELECT post_id FROM found ORDER BY post_id DESC LIMIT {limit} OFFSET {offset}) AS page \
             ON TRUE ORDER BY page.post_id DESC"
        );
        if let Some(reads) = &self.sqlite_reads {
            // The three statements in one step (see `sqlite_reads`).
            return reads
                .read(move |c| {
                    use crate::sqlite_reads::{rows, rows_once};
                    let params: Vec<&dyn rusqlite::types::ToSql> = binds
                        .iter()
                        .map(|b| match b {
                            Bind::Int(v) => v as &dyn rusqlite::types::ToSql,
                            Bind::Text(v) => v,
                        })
                        .collect();
                    let found = rows(c, &sql, &params, |r| {
                        Ok((r.col("total")?, r.col("seen")?, r.col("post_id")?))
                    })?;
                    let (result, ids) = page_of(found, candidates);
                    if ids.is_empty() {
                        return Ok(result);
                    }
                    let posts = rows_once(c, &posts_sql(&ids), &[], |r| post(r))?;
                    let topics = rows_once(c, &topics_sql(&posts), &[], |r| topic(r))?;
                    Ok(hits(result, &ids, &posts, &topics))
                })
                .await;
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for b in binds {
            query = match b {
                Bind::Int(v) => query.bind(v),
                Bind::Text(v) => query.bind(v),
            };
        }
        let found = query
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(|r| Ok((r.col("total")?, r.col("seen")?, r.col("post_id")?)))
            .collect::<Result<Vec<_>>>()?;
        let (result, ids) = page_of(found, candidates);
        if ids.is_empty() {
            return Ok(result);
        }
        let posts = sqlx::query(sqlx::AssertSqlSafe(posts_sql(&ids)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(post)
            .collect::<Result<Vec<_>>>()?;
        let topics = sqlx::query(sqlx::AssertSqlSafe(topics_sql(&posts)))
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(topic)
            .collect::<Result<Vec<_>>>()?;
        Ok(hits(result, &ids, &posts, &topics))
    }

    pub(crate) async fn unindexed_posts(&self, limit: i64) -> Result<Vec<UnindexedPost>> {
        let rows = sqlx::query(
            "SELECT p.id, p.workspace_id, t.title, p.body_md FROM community_posts p \
             JOIN community_topics t ON t.id = p.topic_id WHERE p.indexed = 0 \
             ORDER BY p.id LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(UnindexedPost {
                    id: row.try_get("id")?,
                    workspace_id: row.try_get("workspace_id")?,
                    title: row.try_get("title")?,
                    body_md: row.try_get("body_md")?,
                })
            })
            .collect()
    }

    pub(crate) async fn index_posts(&self, posts: &[(i64, i64, Vec<String>)]) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        for (post_id, workspace_id, terms) in posts {
            // Written by a run that stopped before marking it: its terms again, from scratch.
            unindex(&mut tx, self.backend, "SELECT $1", *post_id).await?;
            index_post(&mut tx, self.backend, *workspace_id, *post_id, terms).await?;
            sqlx::query("UPDATE community_posts SET indexed = 1 WHERE id = $1")
                .bind(post_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
