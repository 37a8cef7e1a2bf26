//! A topic page's reads together (`CommunityStore::community_topic_view`).
//!
//! Three statements (four with an accepted answer): the topic with its tags and the member's
//! watching and vote, the page's posts, their reactions. On SQLite they run in one step on a
//! connection of `sqlite_reads`; on PostgreSQL, one after the other through the pool.

use crate::cols::Cols;
use crate::community::{CommunityPost, PostReactions, Topic, TopicView, TopicViewQuery};
use crate::sql_community::{TOPIC_FROM, post, post_select, topic, topic_cols};
use crate::sqlite_reads::rows;
use crate::{Result, SqlStore};

/// The topic, with its tags (one text, comma-separated: tags are addresses, without commas)
/// and whether the member reading (`$3`, or -1) watches it and voted for it.
fn topic_sql() -> String {
    // string_agg: PostgreSQL's, and SQLite's since 3.44 (the bundled one is newer).
    let tags = "(SELECT string_agg(g.tag, ',' ORDER BY g.tag) FROM community_topic_tags g \
                WHERE g.topic_id = t.id)";
    format!(
        "SELECT {}, {tags} AS tags, \
         (SELECT COUNT(*) FROM community_watches w WHERE w.account_id = $3 AND w.topic_id = t.id) \
         AS watching, \
         (SELECT COUNT(*) FROM community_votes v WHERE v.topic_id = t.id AND v.account_id = $3) \
         AS voted {TOPIC_FROM} WHERE t.workspace_id = $1 AND t.id = $2",
        topic_cols()
    )
}

fn posts_sql() -> String {
    format!(
        "{} WHERE p.topic_id = $1 AND p.number BETWEEN $2 AND $3 ORDER BY p.number",
        post_select()
    )
}

/// The reactions on a topic's posts numbered `$4` to `$5`, and whether the reader (`$1` a
/// member, `$2` a teammate) gave them.
const REACTIONS_SQL: &str = "SELECT r.post_id, r.kind, COUNT(*) AS n, \
     SUM(CASE WHEN r.account_id = $1 OR r.user_id = $2 THEN 1 ELSE 0 END) AS mine \
     FROM community_posts p JOIN community_reactions r ON r.post_id = p.id \
     WHERE p.topic_id = $3 AND p.number BETWEEN $4 AND $5 GROUP BY r.post_id, r.kind";

/// A topic row of `topic_sql`: the topic, its tags, and the member's watching and vote.
fn topic_of(row: &impl Cols) -> Result<(Topic, Vec<String>, bool, bool)> {
    let tags = row
        .col::<Option<String>>("tags")?
        .unwrap_or_default()
        .split(',')
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    Ok((
        topic(row)?,
        tags,
        row.col::<i64>("watching")? > 0,
        row.col::<i64>("voted")? > 0,
    ))
}

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
        let topic_sql = topic_sql();
        let member = q.member_id.unwrap_or(-1);
        let reader = (q.account_id.unwrap_or(-1), q.user_id.unwrap_or(-1));
        if let Some(reads) = &self.sqlite_reads {
            let q = *q;
            return reads
                .read(move |c| {
                    let Some(found) = rows(
                        c,
                        &topic_sql,
                        &[&q.workspace_id, &q.topic_id, &member],
                        |r| topic_of(r),
                    )?
                    .pop() else {
                        return Ok(None);
                    };
                    let (_, _, (from, to)) = q.range(found.0.posts);
                    let id = found.0.id;
                    let posts = rows(c, &posts_sql(), &[&id, &from, &to], |r| post(r))?;
                    let reactions = rows(
                        c,
                        REACTIONS_SQL,
                        &[&reader.0, &reader.1, &id, &from, &to],
                        |r| reaction(r),
                    )?;
                    let accepted = match found.0.accepted_number {
                        Some(n) => rows(c, &posts_sql(), &[&id, &n, &n], |r| post(r))?.pop(),
                        None => None,
                    };
                    Ok(Some(view(&q, found, posts, reactions, accepted)))
                })
                .await;
        }
        let ints = |sql: &str, values: &[i64]| {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
            for v in values {
                query = query.bind(*v);
            }
            query
        };
        let Some(row) = ints(&topic_sql, &[q.workspace_id, q.topic_id, member])
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let found = topic_of(&row)?;
        let (_, _, (from, to)) = q.range(found.0.posts);
        let id = found.0.id;
        let posts = ints(&posts_sql(), &[id, from, to])
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(post)
            .collect::<Result<Vec<_>>>()?;
        let reactions = ints(REACTIONS_SQL, &[reader.0, reader.1, id, from, to])
            .fetch_all(&self.pool)
            .await?
            .iter()
            .map(reaction)
            .collect::<Result<Vec<_>>>()?;
        let accepted = match found.0.accepted_number {
            Some(n) => ints(&posts_sql(), &[id, n, n])
                .fetch_optional(&self.pool)
                .await?
                .as_ref()
                .map(post)
                .transpose()?,
            None => None,
        };
        Ok(Some(view(q, found, posts, reactions, accepted)))
    }
}

fn view(
    q: &TopicViewQuery,
    (topic, tags, watching, voted): (Topic, Vec<String>, bool, bool),
    posts: Vec<CommunityPost>,
    reactions: Vec<PostReactions>,
    accepted: Option<CommunityPost>,
) -> TopicView {
    let (page, pages, _) = q.range(topic.posts);
    TopicView {
        page,
        pages,
        posts,
        reactions,
        tags,
        accepted,
        watching: q.member_id.map(|_| watching),
        voted: q.member_id.is_some() && voted,
        topic,
    }
}
