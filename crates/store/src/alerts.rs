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

/// Who is on call, in turn: `user_ids` in order, each for `period_days`, from `starts_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OnCallRotation {
    pub workspace_id: i64,
    pub user_ids: Vec<i64>,
    pub period_days: i64,
    pub starts_at: i64,
}

impl OnCallRotation {
    /// The person on call at `now`, if the rotation has anyone.
    pub fn on_call(&self, now: i64) -> Option<i64> {
        if self.user_ids.is_empty() || self.period_days < 1 {
            return None;
        }
        let period = self.period_days * 86_400;
        let turn = (now - self.starts_at).div_euclid(period);
        Some(self.user_ids[turn.rem_euclid(self.user_ids.len() as i64) as usize])
    }
}

/// A person's quiet hours, in minutes after local midnight (may cross midnight).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: i64,
    pub end: i64,
}

impl QuietHours {
    /// Whether `minute` (after local midnight) is quiet, and if so how many minutes remain.
    pub fn remaining(&self, minute: i64) -> Option<i64> {
        let (s, e) = (self.start, self.end);
        let inside = if s <= e {
            minute >= s && minute < e
        } else {
            minute >= s || minute < e
        };
        inside.then(|| (e - minute).rem_euclid(24 * 60))
    }
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
    /// The rule's alert updated since `since`, acknowledged or not, to group a burst into one
    /// alert: acknowledging takes charge of the burst, it does not end it.
    async fn open_alert(&self, rule_id: i64, since: i64) -> Result<Option<AlertEvent>>;
    /// A new alert with its deliveries and e-mails (each sent no earlier than its time: quiet
    /// hours), in one transaction.
    async fn create_alert(
        &self,
        new: &NewAlertEvent<'_>,
        deliveries: &[NewDelivery],
        mails: &[(NewMail<'_>, i64)],
    ) -> Result<AlertEvent>;
    async fn oncall_rotation(&self, workspace_id: i64) -> Result<Option<OnCallRotation>>;
    async fn set_oncall_rotation(&self, rotation: &OnCallRotation, now: i64) -> Result<()>;
    /// Quiet hours of a user, if they set any.
    async fn quiet_hours(&self, user_id: i64) -> Result<Option<QuietHours>>;
    async fn set_quiet_hours(&self, user_id: i64, hours: Option<QuietHours>) -> Result<()>;
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
    /// Alerts with an id below `before_id`, newest first (the API's pages).
    async fn alerts_before(
        &self,
        workspace_id: i64,
        before_id: i64,
        limit: i64,
    ) -> Result<Vec<AlertEvent>>;
    async fn alert(&self, workspace_id: i64, id: i64) -> Result<Option<AlertEvent>>;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rotation_hands_over_every_period() {
        let rotation = OnCallRotation {
            workspace_id: 1,
            user_ids: vec![10, 20, 30],
            period_days: 7,
            starts_at: 1_000,
        };
        let week = 7 * 86_400;
        assert_eq!(rotation.on_call(1_000), Some(10));
        assert_eq!(rotation.on_call(1_000 + week - 1), Some(10));
        assert_eq!(rotation.on_call(1_000 + week), Some(20));
        assert_eq!(
            rotation.on_call(1_000 + 3 * week),
            Some(10),
            "and round again"
        );
        assert_eq!(
            rotation.on_call(1_000 - 1),
            Some(30),
            "before the start, counting backwards"
        );
        assert_eq!(
            OnCallRotation {
                user_ids: vec![],
                ..rotation
            }
            .on_call(1_000),
            None
        );
    }

    #[test]
    fn quiet_hours_may_cross_midnight() {
        let night = QuietHours {
            start: 22 * 60,
            end: 7 * 60,
        };
        assert_eq!(night.remaining(23 * 60), Some(8 * 60));
        assert_eq!(night.remaining(6 * 60 + 30), Some(30));
        assert_eq!(night.remaining(7 * 60), None);
        assert_eq!(night.remaining(12 * 60), None);
        let lunch = QuietHours {
            start: 12 * 60,
            end: 14 * 60,
        };
        assert_eq!(lunch.remaining(13 * 60), Some(60));
        assert_eq!(lunch.remaining(11 * 60), None);
    }
}
