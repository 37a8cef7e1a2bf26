//! Storage for newsletters: lists with double opt-in, campaigns, one send per subscriber (the
//! newsletter outbox) and counted links.

use async_trait::async_trait;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewsletterList {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    /// The sign-up form's address: `/n/{public_id}`.
    pub public_id: String,
    pub from_name: String,
    pub from_address: String,
    pub footer: String,
    /// fr, en.
    pub language: String,
    pub created_at: i64,
}

pub struct NewList<'a> {
    pub workspace_id: i64,
    pub name: &'a str,
    pub public_id: &'a str,
    pub from_name: &'a str,
    pub from_address: &'a str,
    pub footer: &'a str,
    pub language: &'a str,
    pub now: i64,
}

/// How many addresses a list has in each state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListCounts {
    pub pending: i64,
    pub subscribed: i64,
    pub unsubscribed: i64,
    pub bounced: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscriber {
    pub id: i64,
    pub list_id: i64,
    pub email: String,
    /// pending, subscribed, unsubscribed, bounced.
    pub status: String,
    pub unsubscribe_token: String,
    /// form, import, team.
    pub source: String,
    pub created_at: i64,
    pub confirmed_at: Option<i64>,
    pub unsubscribed_at: Option<i64>,
}

/// An address added to a list.
pub struct NewSubscriber<'a> {
    pub list_id: i64,
    pub email: &'a str,
    /// form, import, team.
    pub source: &'a str,
    /// Some: double opt-in, the address stays pending until the link (of which this is the hash)
    /// is opened. None: subscribed at once (the team vouches for the consent).
    pub confirm_token_hash: Option<&'a str>,
    /// Used if the address is new to the list.
    pub unsubscribe_token: &'a str,
    pub now: i64,
}

/// What adding an address did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subscribed {
    /// New, or back after unsubscribing: pending or subscribed as asked.
    Added(Subscriber),
    /// Already subscribed (or pending): nothing changed, no mail should be sent.
    Already(Subscriber),
    /// The address bounced: it is not added again without a person's decision.
    Bounced(Subscriber),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    pub id: i64,
    pub workspace_id: i64,
    pub list_id: i64,
    pub subject: String,
    pub body_markdown: String,
    /// draft, sending, sent.
    pub state: String,
    pub rate_per_minute: i64,
    pub author: String,
    pub created_at: i64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
}

pub struct NewCampaign<'a> {
    pub workspace_id: i64,
    pub list_id: i64,
    pub subject: &'a str,
    pub body_markdown: &'a str,
    pub rate_per_minute: i64,
    pub author: &'a str,
    pub now: i64,
}

/// Where a campaign's sends are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CampaignStats {
    pub recipients: i64,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub bounced: i64,
    /// Clicks on all its links (not people: no one is tracked).
    pub clicks: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignLink {
    pub url: String,
    pub token: String,
    pub clicks: i64,
}

/// What the sender needs for one message.
#[derive(Debug, Clone)]
pub struct SendJob {
    pub id: i64,
    pub idempotency_key: String,
    pub email: String,
    pub attempts: i64,
    /// It was being sent when the process stopped.
    pub in_doubt: bool,
    pub unsubscribe_token: String,
    pub campaign: Campaign,
    pub list: NewsletterList,
    pub links: Vec<CampaignLink>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendOutcome {
    Sent,
    Retry {
        error: String,
        at: i64,
    },
    Failed {
        error: String,
    },
    /// Refused at once by the receiving server as unknown.
    Bounced {
        error: String,
    },
}

#[async_trait]
pub trait NewsletterStore: Send + Sync {
    async fn create_list(&self, list: &NewList<'_>) -> Result<NewsletterList>;
    async fn newsletter_lists(
        &self,
        workspace_id: i64,
    ) -> Result<Vec<(NewsletterList, ListCounts)>>;
    async fn newsletter_list(&self, workspace_id: i64, id: i64) -> Result<Option<NewsletterList>>;
    async fn list_by_public_id(&self, public_id: &str) -> Result<Option<NewsletterList>>;
    /// Adds an address (compared without case) to a list; see [`Subscribed`].
    async fn subscribe(&self, subscriber: &NewSubscriber<'_>) -> Result<Subscribed>;
    /// Confirms the pending address whose link this is; `None` if the link is unknown or used.
    async fn confirm_subscription(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(Subscriber, NewsletterList)>>;
    async fn subscriber_by_unsubscribe_token(
        &self,
        token: &str,
    ) -> Result<Option<(Subscriber, NewsletterList)>>;
    /// Unsubscribes the address (and cancels what is still queued for it); idempotent.
    async fn unsubscribe(&self, token: &str, now: i64) -> Result<Option<Subscriber>>;
    async fn subscribers(
        &self,
        workspace_id: i64,
        list_id: i64,
        limit: i64,
    ) -> Result<Vec<Subscriber>>;
    /// A list's addresses with an id above `after_id`, by id (the API's pages).
    async fn subscribers_after(
        &self,
        workspace_id: i64,
        list_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Subscriber>>;
    async fn create_campaign(&self, campaign: &NewCampaign<'_>) -> Result<Campaign>;
    async fn campaigns(&self, workspace_id: i64) -> Result<Vec<(Campaign, CampaignStats)>>;
    async fn campaign(
        &self,
        workspace_id: i64,
        id: i64,
    ) -> Result<Option<(Campaign, CampaignStats, Vec<CampaignLink>)>>;
    /// Starts sending a draft: one queued send per subscribed address, and its links with their
    /// tokens. Returns how many sends were written; refused unless the campaign is a draft.
    async fn start_campaign(
        &self,
        workspace_id: i64,
        id: i64,
        links: &[(String, String)],
        now: i64,
    ) -> Result<u64>;
    /// Claims up to `limit` due sends (queued and due, or left `sending` before `stale_before`),
    /// committed as `sending` before this returns.
    async fn claim_sends(&self, now: i64, stale_before: i64, limit: i64) -> Result<Vec<SendJob>>;
    /// Records how a send went; the campaign is sent when no send is left queued or sending.
    async fn finish_send(&self, id: i64, outcome: &SendOutcome, now: i64) -> Result<()>;
    /// A bounce came back for the send with this key: the send is bounced and, when the failure
    /// is permanent, the address too (it gets no more newsletters). False if the key is unknown.
    async fn record_bounce(
        &self,
        idempotency_key: &str,
        permanent: bool,
        detail: &str,
        now: i64,
    ) -> Result<bool>;
    /// Counts a click and returns where the link goes.
    async fn click(&self, token: &str) -> Result<Option<String>>;
    async fn next_send_due(&self) -> Result<Option<i64>>;
}
