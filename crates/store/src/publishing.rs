//! Storage for publishing: channels (the brand's accounts), posts, and their deliveries (the
//! publishing outbox: one per channel variant, claimed before the network call, finished with
//! the channel's receipt).

use async_trait::async_trait;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishChannel {
    pub id: i64,
    pub workspace_id: i64,
    /// mastodon, bluesky, discord, slack, webhook.
    pub kind: String,
    pub name: String,
    pub config: String,
    pub secret: Option<String>,
    pub created_at: i64,
}

pub struct NewChannel<'a> {
    pub workspace_id: i64,
    pub kind: &'a str,
    pub name: &'a str,
    pub config: &'a str,
    pub secret: Option<&'a str>,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Post {
    pub id: i64,
    pub workspace_id: i64,
    pub author_id: Option<i64>,
    pub title: String,
    /// draft, scheduled, published, failed.
    pub state: String,
    pub scheduled_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostDelivery {
    pub id: i64,
    pub post_id: i64,
    pub channel_id: i64,
    pub body: String,
    /// draft, scheduled, sending, sent, failed.
    pub status: String,
    pub attempts: i64,
    pub due_at: Option<i64>,
    pub remote_id: Option<String>,
    pub remote_url: Option<String>,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    pub created_at: i64,
}

/// A post and the text each channel gets.
pub struct NewPost<'a> {
    pub workspace_id: i64,
    pub author_id: Option<i64>,
    pub title: &'a str,
    /// (channel, text) per variant.
    pub variants: &'a [(i64, String)],
    /// `None`: a draft.
    pub scheduled_at: Option<i64>,
    pub now: i64,
}

/// What the publisher needs to send one delivery.
#[derive(Debug, Clone)]
pub struct DeliveryJob {
    pub delivery: PostDelivery,
    pub workspace_id: i64,
    pub idempotency_key: String,
    /// It was being sent when the process stopped: it may have reached the channel.
    pub in_doubt: bool,
    pub channel: PublishChannel,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent {
        remote_id: String,
        remote_url: Option<String>,
    },
    Retry {
        error: String,
        at: i64,
    },
    Failed {
        error: String,
    },
}

#[async_trait]
pub trait PublishStore: Send + Sync {
    async fn create_channel(&self, channel: &NewChannel<'_>) -> Result<PublishChannel>;
    async fn channels(&self, workspace_id: i64) -> Result<Vec<PublishChannel>>;
    /// A post with one delivery per variant, scheduled at once when `scheduled_at` is given.
    async fn create_post(&self, post: &NewPost<'_>) -> Result<Post>;
    async fn post(&self, workspace_id: i64, id: i64) -> Result<Option<(Post, Vec<PostDelivery>)>>;
    /// The workspace's posts with their deliveries, the soonest scheduled first, then drafts.
    async fn posts(&self, workspace_id: i64, limit: i64) -> Result<Vec<(Post, Vec<PostDelivery>)>>;
    /// Claims up to `limit` due deliveries (scheduled and due, or left `sending` before
    /// `stale_before`): each is marked `sending` with its attempt counted, committed before this
    /// returns.
    async fn claim_deliveries(
        &self,
        now: i64,
        stale_before: i64,
        limit: i64,
    ) -> Result<Vec<DeliveryJob>>;
    /// Records how a delivery went; the post becomes published when all are sent, failed when
    /// one gave up.
    async fn finish_delivery(&self, id: i64, outcome: &DeliveryOutcome, now: i64) -> Result<()>;
    /// Moves every scheduled post of the workspace, and its deliveries, by `seconds` (later when
    /// positive): postponing the calendar during a crisis. Returns how many deliveries moved.
    async fn shift_scheduled(&self, workspace_id: i64, seconds: i64, now: i64) -> Result<u64>;
    /// When the next delivery falls due (for the scheduler's sleep), if any.
    async fn next_delivery_due(&self) -> Result<Option<i64>>;
}
