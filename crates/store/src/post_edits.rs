//! Changing a planned post until it goes out (issue 15): its texts, media, poll, first comment
//! and time; taking it off the schedule; deleting it. A post with a delivery being sent or sent
//! is refused. Approval resets the way a CM expects: a post waiting for approval, or scheduled
//! because it was approved, goes back to draft when what readers would see changes (its texts,
//! media, poll or first comment) — the approvers did not approve the new version; a new time
//! alone keeps it where it is.

use async_trait::async_trait;

use crate::Result;
use crate::publishing::{NewShortLink, NewVariant, PostPoll};

/// The post as it should now be.
pub struct PostEdit<'a> {
    pub workspace_id: i64,
    pub post_id: i64,
    pub title: &'a str,
    pub variants: &'a [NewVariant],
    pub campaign: &'a str,
    pub tags: &'a [String],
    /// Short links the new texts use (added to the post's).
    pub short_links: &'a [NewShortLink],
    pub media: &'a [i64],
    pub first_comment: Option<&'a str>,
    pub poll: Option<&'a PostPoll>,
    pub scheduled_at: Option<i64>,
    /// Kept (or put back) as a draft, with `scheduled_at` as the time it aims for.
    pub draft: bool,
    pub actor: &'a str,
    pub now: i64,
}

/// What an edit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    /// draft, scheduled or pending_approval.
    pub state: String,
    /// The approval it had (or waited for) no longer holds: it is a draft to send again.
    pub approval_reset: bool,
}

#[async_trait]
pub trait PostEditStore: Send + Sync {
    /// Replaces the post's content and time. `Refused` once a delivery is being sent or sent.
    async fn edit_post(&self, edit: &PostEdit<'_>) -> Result<Edited>;
    /// A scheduled post (or one waiting for approval) back to draft, its time kept as the time
    /// it aims for; open approval links stop working.
    async fn unschedule_post(
        &self,
        workspace_id: i64,
        post_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<()>;
    /// Deletes a post that has not gone out, with its history. `Refused` once a delivery is
    /// being sent or sent.
    async fn delete_post(&self, workspace_id: i64, post_id: i64) -> Result<()>;
}
