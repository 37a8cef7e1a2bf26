//! Storage for alerts: rules, grouped alert events with their acknowledge tokens, and the
//! delivery outbox for webhooks and push (e-mail alerts go through the mail outbox).

use async_trait::async_trait;

use crate::Result;
use crate::records::NewMail;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRule {
    pub id: i64,
    pub workspace_id: i64,
    pub query_id: i64,
    /// volume_spike, negative_spike, keyword, high_reach.
    pub kind: String,
    /// The rule's parameters as JSON.
    pub params: String,
    /// Where to deliver, as JSON: [{"kind": "email"|"slack"|"mattermost"|"discord"|"ntfy", "target": …}].
    pub channels: String,
    pub enabled: bool,
    pub created_at: i64,
}

pub struct NewAlertRule<'a> {
    pub workspace_id: i64,
    pub query_id: i64,
    pub kind: &'a str,
    pub params: &'a str,
    pub channels: &'a str,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertEvent {
    pub id: i64,
    pub workspace_id: i64,
    pub rule_id: i64,
    pub query_id: i64,
    pub fired_at: i64,
    pub updated_at: i64,
    pub summary: String,
    /// Mentions grouped into this alert.
    pub item_count: i64,
    pub first_item_id: Option<i64>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<i64>,
}

pub struct NewAlertEvent<'a> {
    pub workspace_id: i64,
    pub rule_id: i64,
    pub query_id: i64,
    pub now: i64,
    pub summary: &'a str,
    pub item_count: i64,
    pub first_item_id: Option<i64>,
    pub ack_token_hash: &'a str,
}

pub struct NewDelivery {
    pub channel: String,
    pub target: String,
    pub payload: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub event_id: i64,
    pub idempotency_key: String,
    pub channel: String,
    pub target: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub delivered_at: Option<i64>,
    pub last_error: Option<String>,
}

/// Mentions of one query per time bucket, oldest first: (all, negative).
pub type BucketCounts = Vec<(i64, i64)>;

#[async_trait]
pub trait AlertStore: Send + Sync {
    async fn create_alert_rule(&self, new: &NewAlertRule<'_>) -> Result<AlertRule>;
    async fn alert_rules(&self, workspace_id: i64) -> Result<Vec<AlertRule>>;
    async fn all_enabled_alert_rules(&self) -> Result<Vec<AlertRule>>;
    async fn delete_alert_rule(&self, workspace_id: i64, rule_id: i64) -> Result<()>;
    /// Counts of matches of `query_id` in `buckets` buckets of `bucket_secs` ending at `until`.
    async fn match_counts(
        &self,
        query_id: i64,
        until: i64,
        bucket_secs: i64,
        buckets: i64,
    ) -> Result<BucketCounts>;
    /// The rule's unacknowledged alert updated since `since`, to group a burst into one alert.
    async fn open_alert(&self, rule_id: i64, since: i64) -> Result<Option<AlertEvent>>;
    /// A new alert with its deliveries and e-mails, in one transaction.
    async fn create_alert(
        &self,
        new: &NewAlertEvent<'_>,
        deliveries: &[NewDelivery],
        mails: &[NewMail<'_>],
    ) -> Result<AlertEvent>;
    async fn add_to_alert(&self, event_id: i64, items: i64, now: i64) -> Result<()>;
    async fn alert_by_token(&self, ack_token_hash: &str) -> Result<Option<AlertEvent>>;
    async fn acknowledge_alert(
        &self,
        ack_token_hash: &str,
        by: &str,
        now: i64,
    ) -> Result<Option<AlertEvent>>;
    async fn acknowledge_alert_in(
        &self,
        workspace_id: i64,
        event_id: i64,
        by: &str,
        now: i64,
    ) -> Result<()>;
    async fn alerts(&self, workspace_id: i64, limit: i64) -> Result<Vec<AlertEvent>>;
    async fn due_deliveries(&self, now: i64, limit: i64) -> Result<Vec<Delivery>>;
    async fn delivery_done(&self, id: i64, now: i64) -> Result<()>;
    async fn delivery_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> Result<()>;
    async fn deliveries_of(&self, event_id: i64) -> Result<Vec<Delivery>>;
}
