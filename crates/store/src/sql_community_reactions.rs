//! Reactions on posts (issue 16, item 2): given and taken back (a topic page counts them:
//! `sql_community_views.rs`); and the members a writer may @mention, for completion.

use sqlx::Row;

use crate::{Result, SqlStore, StoreError};

/// `column = $n` for the reader (a member's account or a teammate's user), and its value.
fn reader(account_id: Option<i64>, user_id: Option<i64>) -> Result<(&'static str, i64)> {
    match (account_id, user_id) {
        (Some(account), None) => Ok(("account_id", account)),
        (None, Some(user)) => Ok(("user_id", user)),
        _ => Err(StoreError::NotFound { what: "reader" }),
    }
}

impl SqlStore {
    pub(crate) async fn handles_starting(
        &self,
        workspace_id: i64,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<(String, String)>> {
        // LIKE's own characters never reach the pattern.
        let prefix: String = prefix
            .chars()
            .filter(|ch| ch.is_alphanumeric() || *ch == '-' || *ch == ' ')
            .collect::<String>()
            .to_lowercase();
        if prefix.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT handle, display_name FROM community_accounts WHERE workspace_id = $1 \
             AND verified_at IS NOT NULL \
             AND (handle LIKE $2 || '%' OR LOWER(display_name) LIKE $2 || '%') \
             ORDER BY handle LIMIT $3",
        )
        .bind(workspace_id)
        .bind(&prefix)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get("handle")?, row.try_get("display_name")?)))
            .collect()
    }

    pub(crate) async fn toggle_reaction(
        &self,
        post_id: i64,
        account_id: Option<i64>,
        user_id: Option<i64>,
        kind: &str,
        now: i64,
    ) -> Result<bool> {
        let (column, who) = reader(account_id, user_id)?;
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let removed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM community_reactions WHERE post_id = $1 AND {column} = $2 AND kind = $3"
        )))
        .bind(post_id)
        .bind(who)
        .bind(kind)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if !removed {
            sqlx::query(
                "INSERT INTO community_reactions (post_id, account_id, user_id, kind, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(post_id)
            .bind(account_id)
            .bind(user_id)
            .bind(kind)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(!removed)
    }
}
