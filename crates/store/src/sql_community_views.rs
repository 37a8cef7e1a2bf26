//! A topic page's reads together (`CommunityStore::community_topic_view`).
//!
//! On SQLite they run in one step on a connection of `sqlite_reads`; on PostgreSQL, one query
//! after the other through the pool (the same SQL).

use crate::cols::Cols;
use crate::community::{CommunityPost, PostReactions, TopicView, TopicViewQuery};
use crate::sql_community::{TOPIC_FROM, post, post_select, topic, topic_cols};
use crate::sqlite_reads::rows;
use crate::{CommunityStore, Result, SqlStore};

fn topic_sql() -> String {
    format!(
        "SELECT {} {TOPIC_FROM} WHERE t.workspace_id = $1 AND t.id = $2",
        topic_cols()
    )
}

fn posts_sql() -> String {
    format!(
        "{} WHERE p.topic_id = $1 AND p.number BETWEEN $2 AND $3 ORDER BY p.number",
        post_select()
    )
}

/// The reactions on a topic's posts numbered `$3` to `$4`, and whether the reader (`$1` a
/// member, `$2` a teammate) gave them.
const REACTIONS_SQL: &str = "SELECT r.post_id, r.kind, COUNT(*) AS n, \
     SUM(CASE WHEN r.account_id = $1 OR r.user_id = $2 THEN 1 ELSE 0 END) AS mine \
     FROM community_posts p JOIN community_reactions r ON r.post_id = p.id \
     WHERE p.topic_id = $3 AND p.number BETWEEN $4 AND $5 GROUP BY r.post_id, r.kind";

const TAGS_SQL: &str = "SELECT tag FROM community_topic_tags WHERE topic_id = $1 ORDER BY tag";
const WATCHING_SQL: &str =
    "SELECT COUNT(*) AS n FROM community_watches WHERE account_id = $1 AND topic_id = $2";
const VOTED_SQL: &str =
    "SELECT COUNT(*) AS n FROM community_votes WHERE topic_id = $1 AND account_id = $2";

fn reaction(row: &impl Cols) -> Result<PostReactions> {
    Ok(PostReactions {
        post_id: row.col("post_id")?,
        kind: row.col("kind")?,
        count: row.col("n")?,
        mine: row.col::<i64>("mine")? > 0,
    })
}

impl SqlStore {
    pub(crate) async fn topic_view(&self, q: &TopicViewQuery) -> Result<Option<TopicView>> {
        match &self.sqlite_reads {
            Some(reads) => {
                let q = *q;
                reads.read(move |c| read_view(c, &q)).await
            }
            None => self.pooled_view(q).await,
        }
    }

    async fn pooled_view(&self, q: &TopicViewQuery) -> Result<Option<TopicView>> {
        let Some(topic) = self.community_topic(q.workspace_id, q.topic_id).await? else {
            return Ok(None);
        };
        let (page, pages, (from, to)) = q.range(topic.posts);
        let posts = self.community_posts(topic.id, from, to).await?;
        let ids: Vec<i64> = posts.iter().map(|p| p.id).collect();
        let reactions = self.reactions_of(&ids, q.account_id, q.user_id).await?;
        let tags = self.tags_of(&[topic.id]).await?;
        let accepted = match topic.accepted_number {
            Some(n) => self.community_posts(topic.id, n, n).await?.pop(),
            None => None,
        };
        let (watching, voted) = match q.member_id {
            Some(account) => (
                Some(self.watching_community_topic(account, topic.id).await?),
                self.community_voted(topic.id, account).await?,
            ),
            None => (None, false),
        };
        Ok(Some(TopicView {
            page,
            pages,
            posts,
            reactions,
            tags: tags.into_iter().map(|(_, tag)| tag).collect(),
            accepted,
            watching,
            voted,
            topic,
        }))
    }
}

fn read_view(c: &rusqlite::Connection, q: &TopicViewQuery) -> Result<Option<TopicView>> {
    let Some(topic) = rows(c, &topic_sql(), &[&q.workspace_id, &q.topic_id], |r| {
        topic(r)
    })?
    .pop() else {
        return Ok(None);
    };
    let (page, pages, (from, to)) = q.range(topic.posts);
    let posts = rows(c, &posts_sql(), &[&topic.id, &from, &to], |r| post(r))?;
    let reader = (q.account_id.unwrap_or(-1), q.user_id.unwrap_or(-1));
    let reactions = rows(
        c,
        REACTIONS_SQL,
        &[&reader.0, &reader.1, &topic.id, &from, &to],
        |r| reaction(r),
    )?;
    let tags = rows(c, TAGS_SQL, &[&topic.id], |r| r.col("tag"))?;
    let accepted: Option<CommunityPost> = match topic.accepted_number {
        Some(n) => rows(c, &posts_sql(), &[&topic.id, &n, &n], |r| post(r))?.pop(),
        None => None,
    };
    let count = |sql: &str, a: i64, b: i64| -> Result<bool> {
        Ok(rows(c, sql, &[&a, &b], |r| r.col::<i64>("n"))?
            .first()
            .is_some_and(|n| *n > 0))
    };
    let (watching, voted) = match q.member_id {
        Some(account) => (
            Some(count(WATCHING_SQL, account, topic.id)?),
            count(VOTED_SQL, topic.id, account)?,
        ),
        None => (None, false),
    };
    Ok(Some(TopicView {
        page,
        pages,
        posts,
        reactions,
        tags,
        accepted,
        watching,
        voted,
        topic,
    }))
}
