//! A person's newsletter subscriptions, found by their e-mail addresses, for their profile's
//! timeline (issue 15, item 11: every interaction on the timeline).

use async_trait::async_trait;

use crate::Result;
use crate::newsletters::Subscriber;

#[async_trait]
pub trait SubscriptionStore: Send + Sync {
    /// The workspace's subscribers with one of `emails` (compared without case), with their
    /// list's name, newest first.
    async fn subscriptions_of(
        &self,
        workspace_id: i64,
        emails: &[String],
    ) -> Result<Vec<(Subscriber, String)>>;
    /// The campaigns sent to one of `emails`: (sent or bounced at, subject, send status),
    /// newest first.
    async fn newsletters_sent_to(
        &self,
        workspace_id: i64,
        emails: &[String],
    ) -> Result<Vec<(i64, String, String)>>;
}
