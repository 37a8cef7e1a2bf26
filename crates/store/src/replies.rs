//! Storage for replies sent from the inbox (the reply outbox) and saved replies.
//!
//! A reply is accepted in one transaction with its effect on the conversation and its history;
//! the reply worker claims due replies (`sending`, with the attempt counted, committed before any
//! network call) and records the outcome. A reply found in `sending` after a crash is claimed
//! again *in doubt*: the sender then uses the channel's own idempotency (same key, same record
//! key, same Message-ID) so that the person never receives it twice.

use async_trait::async_trait;

use crate::Result;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyStatus {
    /// Written by a teammate who needs an approver (or on a sensitive case).
    PendingApproval,
    Queued,
    Sending,
    Sent,
    /// Given up: the error says why; a teammate may try again.
    Failed,
    /// An approver refused it.
    Rejected,
}

impl ReplyStatus {
    pub const ALL: [ReplyStatus; 6] = [
        ReplyStatus::PendingApproval,
        ReplyStatus::Queued,
        ReplyStatus::Sending,
        ReplyStatus::Sent,
        ReplyStatus::Failed,
        ReplyStatus::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReplyStatus::PendingApproval => "pending_approval",
            ReplyStatus::Queued => "queued",
            ReplyStatus::Sending => "sending",
            ReplyStatus::Sent => "sent",
            ReplyStatus::Failed => "failed",
            ReplyStatus::Rejected => "rejected",
        }
    }

    pub fn parse(text: &str) -> Option<ReplyStatus> {
        ReplyStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub id: i64,
    pub workspace_id: i64,
    pub conversation_id: i64,
    /// The item answered.
    pub item_id: i64,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub body: String,
    pub close_after: bool,
    pub status: ReplyStatus,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub decided_by: Option<String>,
    pub decided_at: Option<i64>,
    /// The channel's id of the sent reply (status id, record URI, Message-ID) and its address.
    pub remote_id: Option<String>,
    pub remote_url: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub sent_at: Option<i64>,
}

pub struct NewReply<'a> {
    pub workspace_id: i64,
    pub conversation_id: i64,
    pub author_id: i64,
    pub body: &'a str,
    /// "Send and close": the conversation is done once the reply is accepted.
    pub close_after: bool,
    /// Decided by `jardinier_inbox::needs_approval`.
    pub needs_approval: bool,
    /// Chosen when the reply form was drawn: sending the same form twice stores one reply.
    pub idempotency_key: &'a str,
    pub now: i64,
}

/// What the reply worker needs to send one reply: the reply, the item it answers and the
/// channel (source) that item came from, with its secret.
#[derive(Debug, Clone)]
pub struct ReplyJob {
    pub reply: Reply,
    pub idempotency_key: String,
    /// It was being sent when the process stopped: it may have reached the channel.
    pub in_doubt: bool,
    pub source_id: i64,
    pub source_kind: String,
    pub source_config: String,
    pub source_secret: Option<String>,
    pub item_external_id: String,
    pub item_parent_external_id: Option<String>,
    pub item_author_name: Option<String>,
    pub item_author_handle: Option<String>,
    pub item_title: Option<String>,
    pub item_url: Option<String>,
    pub item_lang: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyOutcome {
    Sent {
        remote_id: String,
        remote_url: Option<String>,
    },
    /// Try again at `at` (a network failure, a server error, a rate limit).
    Retry { error: String, at: i64 },
    /// Never going to work as it is (refused token, deleted post): a person must look.
    Failed { error: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedReply {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    /// fr or en.
    pub lang: String,
    pub body: String,
    pub created_at: i64,
}

#[async_trait]
pub trait ReplyStore: Send + Sync {
    /// Accepts a reply to the conversation's newest inbound item. Unless it needs approval, the
    /// conversation moves as `jardinier_inbox::after_reply` says, in the same transaction. The
    /// same idempotency key returns the reply already stored.
    async fn queue_reply(&self, reply: &NewReply<'_>) -> Result<Reply>;
    /// An approver sends (`approve`) or refuses a reply that waits for approval.
    async fn decide_reply(
        &self,
        workspace_id: i64,
        reply_id: i64,
        approve: bool,
        actor_id: i64,
        now: i64,
    ) -> Result<Reply>;
    /// A failed reply, queued again by a teammate.
    async fn retry_reply(
        &self,
        workspace_id: i64,
        reply_id: i64,
        actor_id: i64,
        now: i64,
    ) -> Result<Reply>;
    async fn replies_of(&self, workspace_id: i64, conversation_id: i64) -> Result<Vec<Reply>>;
    /// Replies waiting for an approver in the workspace, oldest first.
    async fn replies_awaiting_approval(&self, workspace_id: i64) -> Result<Vec<Reply>>;
    /// Claims up to `limit` due replies (queued and due, or left `sending` before
    /// `stale_before`): each is marked `sending` with its attempt counted, committed before
    /// this returns.
    async fn claim_replies(&self, now: i64, stale_before: i64, limit: i64)
    -> Result<Vec<ReplyJob>>;
    /// Records how sending went; a sent reply marks the conversation's first response.
    async fn finish_reply(&self, reply_id: i64, outcome: &ReplyOutcome, now: i64) -> Result<()>;

    async fn create_saved_reply(
        &self,
        workspace_id: i64,
        name: &str,
        lang: &str,
        body: &str,
        now: i64,
    ) -> Result<SavedReply>;
    /// The workspace's saved replies, by language then name.
    async fn saved_replies(&self, workspace_id: i64) -> Result<Vec<SavedReply>>;
    async fn delete_saved_reply(&self, workspace_id: i64, id: i64) -> Result<()>;
}
