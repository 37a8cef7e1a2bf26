//! What needs the team now, counted for the overview and the menu (issue 15, item 1): open
//! alerts, posts by state (failed, waiting for approval), each read without scanning a
//! section's whole history.

use async_trait::async_trait;

use crate::Result;
use crate::publishing::Post;

#[async_trait]
pub trait WorkStore: Send + Sync {
    /// Alerts nobody has acknowledged yet.
    async fn open_alert_count(&self, workspace_id: i64) -> Result<i64>;
    /// The workspace's posts in `state` (draft, scheduled, pending_approval, published,
    /// failed), soonest first, at most `limit`.
    async fn posts_in_state(&self, workspace_id: i64, state: &str, limit: i64)
    -> Result<Vec<Post>>;
}
