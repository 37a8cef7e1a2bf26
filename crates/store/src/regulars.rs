//! Authors who come back get profiles (issue 15, item 11): someone seen again and again in
//! Listening becomes a member with their identity, before anyone answers them, so their
//! mentions and later conversations gather on one timeline.

use async_trait::async_trait;

use crate::Result;

#[async_trait]
pub trait RegularStore: Send + Sync {
    /// Gives a profile to each author with at least `min_mentions` mentions received since
    /// `since` who has none yet (at most `limit` per call, the most frequent first); returns
    /// how many profiles were made.
    async fn profile_regulars(
        &self,
        min_mentions: i64,
        since: i64,
        limit: i64,
        now: i64,
    ) -> Result<usize>;
}
