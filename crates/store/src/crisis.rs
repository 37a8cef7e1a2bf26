//! The response to a burst (issue 15, item 3): an alert becomes a crisis someone leads, with
//! the holding statement the team answers with. The burst itself (its mentions, its volume)
//! is read from the listening and alert stores.

use async_trait::async_trait;

use crate::Result;
use crate::alerts::AlertEvent;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crisis {
    pub alert: AlertEvent,
    /// The teammate leading the response.
    pub assignee: Option<(i64, String)>,
    pub statement: Option<String>,
    pub statement_by: Option<String>,
    pub statement_at: Option<i64>,
}

#[async_trait]
pub trait CrisisStore: Send + Sync {
    async fn crisis(&self, workspace_id: i64, alert_id: i64) -> Result<Option<Crisis>>;
    /// Gives the response to a teammate of the workspace (`None`: to nobody). Giving it takes
    /// charge of the alert if nobody had: `by` is who did. `NotFound` for an alert of another
    /// workspace or a person who is not a member of it.
    async fn assign_crisis(
        &self,
        workspace_id: i64,
        alert_id: i64,
        assignee_id: Option<i64>,
        now: i64,
    ) -> Result<()>;
    async fn set_crisis_statement(
        &self,
        workspace_id: i64,
        alert_id: i64,
        statement: &str,
        by: &str,
        now: i64,
    ) -> Result<()>;
}
