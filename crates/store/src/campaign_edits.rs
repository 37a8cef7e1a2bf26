//! Changing a newsletter campaign before it goes out, and its test sends (issue 15): the
//! campaign as subscribers will get it, sent to a few addresses the team chooses. Test sends
//! are an outbox of their own — no subscriber, no statistics, no unsubscribe link that works.

use async_trait::async_trait;

use crate::Result;
use crate::newsletters::{Campaign, NewsletterList};

/// A draft campaign as it should now be.
pub struct CampaignEdit<'a> {
    pub workspace_id: i64,
    pub campaign_id: i64,
    pub list_id: i64,
    pub subject: &'a str,
    pub body_markdown: &'a str,
    pub rate_per_minute: i64,
}

/// One test send, as the campaign's page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestSend {
    pub id: i64,
    pub email: String,
    pub requested_by: String,
    /// queued, sending, sent, failed
    pub status: String,
    pub last_error: Option<String>,
    pub sent_at: Option<i64>,
    pub created_at: i64,
}

/// What the sender needs to send one test.
#[derive(Debug, Clone)]
pub struct TestSendJob {
    pub id: i64,
    pub email: String,
    pub attempts: i64,
    pub campaign: Campaign,
    pub list: NewsletterList,
}

#[async_trait]
pub trait CampaignEditStore: Send + Sync {
    /// Replaces a draft's list, subject, text and rate. `Refused` once it is sending or sent;
    /// `NotFound` for a list or campaign of another workspace.
    async fn edit_campaign(&self, edit: &CampaignEdit<'_>) -> Result<Campaign>;
    /// Queues the campaign, as it is now, to each address (any state: a sent campaign can be
    /// sent to oneself again).
    async fn queue_test_sends(
        &self,
        workspace_id: i64,
        campaign_id: i64,
        emails: &[String],
        requested_by: &str,
        now: i64,
    ) -> Result<Vec<TestSend>>;
    /// The campaign's test sends with an id below `before_id`, newest first.
    async fn test_sends(
        &self,
        workspace_id: i64,
        campaign_id: i64,
        before_id: i64,
        limit: i64,
    ) -> Result<Vec<TestSend>>;
    /// Claims due test sends, as [`crate::NewsletterStore::claim_sends`] does sends.
    async fn claim_test_sends(
        &self,
        now: i64,
        stale_before: i64,
        limit: i64,
    ) -> Result<Vec<TestSendJob>>;
    /// `Ok(())`: sent; `Err(error)` with `retry_at`: tried again then; without: given up.
    async fn finish_test_send(
        &self,
        id: i64,
        outcome: std::result::Result<(), (String, Option<i64>)>,
        now: i64,
    ) -> Result<()>;
    /// When the next queued test send is due.
    async fn next_test_send_due(&self) -> Result<Option<i64>>;
}
