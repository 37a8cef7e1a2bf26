use async_trait::async_trait;
use sqlx::Row;

use crate::crisis::{Crisis, CrisisStore};
use crate::{AlertStore, Result, SqlStore, StoreError};

#[async_trait]
impl CrisisStore for SqlStore {
    async fn crisis(&self, workspace_id: i64, alert_id: i64) -> Result<Option<Crisis>> {
        let Some(alert) = self.alert(workspace_id, alert_id).await? else {
            return Ok(None);
        };
        let row = sqlx::query(
            "SELECT e.assignee_id, u.display_name, e.statement, e.statement_by, e.statement_at \
             FROM alert_events e LEFT JOIN users u ON u.id = e.assignee_id WHERE e.id = $1",
        )
        .bind(alert_id)
        .fetch_one(&self.pool)
        .await?;
        let assignee = match row.try_get::<Option<i64>, _>("assignee_id")? {
            Some(id) => Some((id, row.try_get::<String, _>("display_name")?)),
            None => None,
        };
        Ok(Some(Crisis {
            alert,
            assignee,
            statement: row.try_get("statement")?,
            statement_by: row.try_get("statement_by")?,
            statement_at: row.try_get("statement_at")?,
        }))
    }

    async fn assign_crisis(
        &self,
        workspace_id: i64,
        alert_id: i64,
        assignee_id: Option<i64>,
        now: i64,
    ) -> Result<()> {
        let name: Option<String> = match assignee_id {
            Some(id) => Some(
                sqlx::query_scalar(
                    "SELECT u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
                     WHERE m.workspace_id = $1 AND m.user_id = $2",
                )
                .bind(workspace_id)
                .bind(id)
                .fetch_optional(&self.pool)
                .await?
                .ok_or(StoreError::NotFound { what: "teammate" })?,
            ),
            None => None,
        };
        let done = sqlx::query(
            "UPDATE alert_events SET assignee_id = $3, \
             acknowledged_by = COALESCE(acknowledged_by, $4), \
             acknowledged_at = CASE WHEN acknowledged_at IS NULL AND $4 IS NOT NULL THEN $5 ELSE acknowledged_at END \
             WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(alert_id)
        .bind(assignee_id)
        .bind(name)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "alert" });
        }
        Ok(())
    }

    async fn set_crisis_statement(
        &self,
        workspace_id: i64,
        alert_id: i64,
        statement: &str,
        by: &str,
        now: i64,
    ) -> Result<()> {
        let done = sqlx::query(
            "UPDATE alert_events SET statement = $3, statement_by = $4, statement_at = $5 \
             WHERE workspace_id = $1 AND id = $2",
        )
        .bind(workspace_id)
        .bind(alert_id)
        .bind(statement)
        .bind(by)
        .bind(now)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "alert" });
        }
        Ok(())
    }
}
