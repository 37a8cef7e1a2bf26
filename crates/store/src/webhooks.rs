//! Outgoing webhooks (issue 14, item 8): subscriptions of a workspace's addresses to events, and
//! the delivery outbox.
//!
//! An event is written as one delivery per subscribed address **in the transaction of the change
//! it reports** (a conversation opened, a reply sent, …), so a change that is committed always has
//! its deliveries and one that is rolled back never does. The outbound worker claims due
//! deliveries (the attempt counted and committed before the network call), signs and posts them,
//! and records each outcome; failures wait longer each time (the outbox schedule) and are given up
//! after the last attempt, still listed with their error so an owner can send them again.

use async_trait::async_trait;

use crate::Result;

/// Every event a workspace can subscribe to, in the order the settings page lists them.
pub const EVENTS: &[&str] = &[
    "mention.matched",
    "alert.raised",
    "conversation.opened",
    "conversation.closed",
    "reply.sent",
    "reply.failed",
    "post.published",
    "post.failed",
    "member.merged",
    "member.erased",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSubscription {
    pub id: i64,
    pub workspace_id: i64,
    pub url: String,
    pub events: Vec<String>,
    pub description: String,
    pub enabled: bool,
    pub created_at: i64,
    /// Deliveries waiting (ready or being sent), delivered, and given up, over its life.
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
}

pub struct NewWebhookSubscription<'a> {
    pub workspace_id: i64,
    pub url: &'a str,
    pub secret: &'a str,
    pub events: &'a [String],
    pub description: &'a str,
    pub created_by: Option<i64>,
    pub now: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookStatus {
    Ready,
    Sending,
    Delivered,
    Failed,
}

impl WebhookStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WebhookStatus::Ready => "ready",
            WebhookStatus::Sending => "sending",
            WebhookStatus::Delivered => "delivered",
            WebhookStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> WebhookStatus {
        match text {
            "sending" => WebhookStatus::Sending,
            "delivered" => WebhookStatus::Delivered,
            "failed" => WebhookStatus::Failed,
            _ => WebhookStatus::Ready,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: i64,
    pub subscription_id: i64,
    pub event: String,
    pub payload: String,
    pub status: WebhookStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    /// The receiver's last HTTP status, if it answered.
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
}

/// A claimed delivery, with what sending it needs.
#[derive(Debug, Clone)]
pub struct WebhookJob {
    pub delivery: WebhookDelivery,
    pub url: String,
    pub secret: String,
}

/// What came of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// A 2xx answer.
    Delivered { status: i64 },
    /// Another answer, or none (`status: None`): tried again later, or given up.
    Failed { status: Option<i64>, error: String },
}

#[async_trait]
pub trait WebhookStore {
    async fn create_webhook(&self, new: &NewWebhookSubscription<'_>)
    -> Result<WebhookSubscription>;
    async fn webhooks(&self, workspace_id: i64) -> Result<Vec<WebhookSubscription>>;
    async fn set_webhook_enabled(&self, workspace_id: i64, id: i64, enabled: bool) -> Result<()>;
    async fn delete_webhook(&self, workspace_id: i64, id: i64) -> Result<()>;
    /// A `webhook.test` delivery to this subscription only, whatever it subscribed to.
    async fn queue_webhook_test(&self, workspace_id: i64, id: i64, now: i64) -> Result<i64>;
    /// Newest first; `before` a delivery id, for the next page.
    async fn webhook_deliveries(
        &self,
        workspace_id: i64,
        subscription_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>>;
    /// Sends a delivery again from now, with a fresh count of attempts.
    async fn redeliver_webhook(&self, workspace_id: i64, delivery_id: i64, now: i64) -> Result<()>;
    async fn claim_webhook_deliveries(
        &self,
        now: i64,
        stale_before: i64,
        limit: i64,
    ) -> Result<Vec<WebhookJob>>;
    async fn record_webhook_outcome(
        &self,
        delivery_id: i64,
        outcome: &WebhookOutcome,
        now: i64,
    ) -> Result<()>;
}
