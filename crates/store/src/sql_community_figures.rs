//! The community's figures for the team (issue 16, item 9): counts per bucket of a period, the
//! questions asked and their first answers, the topics nobody replied to. Read by the
//! workbench's Community section; `jardinier_community::figures` says what they mean.

use sqlx::Row;

use crate::community::*;
use crate::sql_community::{TOPIC_FROM, topic, topic_cols};
use crate::{Result, SqlStore};

/// `CASE` giving the bucket (0, 1, …) a time column falls in. The starts are numbers computed
/// by the caller: written in the statement.
fn bucket_of(column: &str, starts: &[i64]) -> String {
    let mut case = String::from("CAST(CASE");
    for (i, start) in starts.iter().enumerate().rev() {
        case += &format!(" WHEN {column} >= {start} THEN {i}");
    }
    case + " END AS BIGINT)"
}

impl SqlStore {
    /// (bucket, count) rows into one count per bucket.
    async fn per_bucket(&self, sql: String, workspace_id: i64, buckets: usize) -> Result<Vec<i64>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(workspace_id)
            .fetch_all(&self.pool)
            .await?;
        let mut counts = vec![0; buckets];
        for row in &rows {
            let bucket: i64 = row.try_get("bucket")?;
            if let Some(count) = counts.get_mut(bucket as usize) {
                *count = row.try_get("n")?;
            }
        }
        Ok(counts)
    }

    pub(crate) async fn figures_of_community(
        &self,
        workspace_id: i64,
        starts: &[i64],
        quiet_since: i64,
        unanswered_limit: i64,
    ) -> Result<CommunityFigures> {
        let Some(&since) = starts.first() else {
            return Ok(CommunityFigures::default());
        };
        let posts = self
            .per_bucket(
                format!(
                    "SELECT {} AS bucket, COUNT(*) AS n FROM community_posts \
                     WHERE workspace_id = $1 AND created_at >= {since} AND status = 'visible' \
                     GROUP BY 1",
                    bucket_of("created_at", starts)
                ),
                workspace_id,
                starts.len(),
            )
            .await?;
        let new_members = self
            .per_bucket(
                format!(
                    "SELECT {} AS bucket, COUNT(*) AS n FROM community_accounts \
                     WHERE workspace_id = $1 AND created_at >= {since} GROUP BY 1",
                    bucket_of("created_at", starts)
                ),
                workspace_id,
                starts.len(),
            )
            .await?;
        let (active_members, members): (i64, i64) = {
            let row = sqlx::query(
                "SELECT (SELECT COUNT(DISTINCT author_account) FROM community_posts \
                   WHERE workspace_id = $1 AND created_at >= $2 AND status = 'visible' \
                   AND author_account IS NOT NULL) AS active, \
                 (SELECT COUNT(*) FROM community_accounts WHERE workspace_id = $1) AS members",
            )
            .bind(workspace_id)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
            (row.try_get("active")?, row.try_get("members")?)
        };
        // A question's first answer: the first visible reply by someone other than its asker
        // (an author missing on either side, a NULL, is someone else: COALESCE).
        let questions = sqlx::query(
            "SELECT t.created_at, t.accepted_number, \
             (SELECT MIN(p.created_at) FROM community_posts p WHERE p.topic_id = t.id \
               AND p.number > 1 AND p.status = 'visible' \
               AND NOT (COALESCE(p.author_account = t.author_account, FALSE) \
                 OR COALESCE(p.author_user = t.author_user, FALSE))) AS answered_at \
             FROM community_topics t JOIN community_categories c ON c.id = t.category_id \
             WHERE t.workspace_id = $1 AND c.kind = 'questions' AND t.status = 'visible' \
             AND t.created_at >= $2",
        )
        .bind(workspace_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok((
                row.try_get("created_at")?,
                row.try_get("answered_at")?,
                row.try_get::<Option<i64>, _>("accepted_number")?.is_some(),
            ))
        })
        .collect::<Result<Vec<_>>>()?;
        // Topics waiting for a reply, where members write (announcements expect none).
        let waiting = "t.workspace_id = $1 AND t.status = 'visible' AND t.posts = 1 \
                       AND t.created_at < $2 AND t.category_id IN (SELECT c.id FROM \
                       community_categories c WHERE c.workspace_id = $1 AND c.post_access <> 'staff')";
        let unanswered_count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM community_topics t WHERE {waiting}"
        )))
        .bind(workspace_id)
        .bind(quiet_since)
        .fetch_one(&self.pool)
        .await?;
        let unanswered = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {} {TOPIC_FROM} WHERE {waiting} ORDER BY t.created_at, t.id LIMIT $3",
            topic_cols()
        )))
        .bind(workspace_id)
        .bind(quiet_since)
        .bind(unanswered_limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(topic)
        .collect::<Result<Vec<_>>>()?;
        Ok(CommunityFigures {
            posts,
            new_members,
            active_members,
            members,
            questions,
            unanswered,
            unanswered_count,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_newest_bucket_is_tried_first() {
        assert_eq!(
            super::bucket_of("created_at", &[100, 200, 300]),
            "CAST(CASE WHEN created_at >= 300 THEN 2 WHEN created_at >= 200 THEN 1 \
             WHEN created_at >= 100 THEN 0 END AS BIGINT)"
        );
    }
}
