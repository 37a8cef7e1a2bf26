//! Storage for the inbox: conversations (threads of items needing an answer), their items, and
//! the history of what teammates did with them.

use async_trait::async_trait;

use crate::Result;
use crate::listening::StoredItem;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: i64,
    pub workspace_id: i64,
    /// The channel of its first item (source kind: mastodon, imap, webhook…).
    pub channel: String,
    pub subject: String,
    pub contact_name: Option<String>,
    pub contact_handle: Option<String>,
    /// new, assigned, waiting, done (see `jardinier_inbox::State`).
    pub state: String,
    /// low, normal, high, urgent.
    pub priority: String,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub last_inbound_at: i64,
    pub item_count: i64,
    /// When the brand's first reply reached the person (response times).
    pub first_response_at: Option<i64>,
    /// When it was last marked done.
    pub resolved_at: Option<i64>,
    /// The profile of the person (Members).
    pub member_id: Option<i64>,
    /// The team queue it is in (support, sales…), if any.
    pub queue: Option<String>,
    /// Its labels, in alphabetical order.
    pub labels: Vec<String>,
}

/// Something that happened to a conversation, for its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationEvent {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    /// opened, joined, assigned, state, priority, note.
    pub kind: String,
    pub detail: String,
}

/// Which conversations to list: newest activity first, `before` (an `updated_at`, id pair)
/// for the next page.
#[derive(Debug, Clone, Default)]
pub struct ConversationFilter {
    pub workspace_id: i64,
    /// None: the open ones (not done).
    pub state: Option<String>,
    pub assignee: AssigneeFilter,
    pub label: Option<String>,
    pub queue: Option<String>,
    /// Words searched in the conversations' messages (archive terms: every group must match
    /// one of its alternatives), or `contact` in the person's name or handle.
    pub terms: Vec<Vec<String>>,
    pub contact: Option<String>,
    pub limit: i64,
    /// Keyset pagination: only conversations after this `(updated_at, id)` in the list's order
    /// (newest activity first), so new conversations do not shift the pages being read.
    pub before: Option<(i64, i64)>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AssigneeFilter {
    #[default]
    Anyone,
    Nobody,
    User(i64),
}

/// A change a teammate makes to a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConversationChange {
    /// Give it to someone (`Some`) or back to the team (`None`); the state follows
    /// (`jardinier_inbox::after_assignment`).
    Assign(Option<i64>),
    /// A state chosen by hand, already checked with `jardinier_inbox::set_by_hand`.
    State(String),
    Priority(String),
    /// An internal note, never sent to the person.
    Note(String),
    /// Records that a routing rule (named) sent the conversation here; changes nothing else.
    Routed(String),
    /// Adds (`true`) or removes a label.
    Label(String, bool),
    /// Puts it in a team queue, or takes it out of any.
    Queue(Option<String>),
    /// Spam: labelled so and done, out of the queue.
    Spam,
}

#[async_trait]
pub trait InboxStore: Send + Sync {
    /// Puts an item of the workspace in the inbox: into the conversation of the item it answers
    /// if that one is there (reopening it), else into a new conversation. Returns the
    /// conversation's id; an item already in the inbox returns its conversation unchanged.
    async fn send_to_inbox(
        &self,
        workspace_id: i64,
        item_id: i64,
        actor_id: Option<i64>,
        now: i64,
    ) -> Result<i64>;
    /// New items that answer an item of a conversation join it (the person wrote again: it
    /// reopens). Returns the conversations that changed.
    async fn join_replies(&self, item_ids: &[i64], now: i64) -> Result<Vec<i64>>;
    async fn conversations(&self, filter: &ConversationFilter) -> Result<Vec<Conversation>>;
    /// How many conversations `filter` finds: `(count, more)`, counted up to 1,000; with
    /// searched words, among the conversations of the 2,000 newest matching messages, so that
    /// a common word is not counted to its end. `more` says there are more than `count`.
    async fn count_conversations(&self, filter: &ConversationFilter) -> Result<(i64, bool)>;
    /// One conversation of the workspace, without its items and history.
    async fn conversation_summary(
        &self,
        workspace_id: i64,
        id: i64,
    ) -> Result<Option<Conversation>>;
    /// One conversation of the workspace with its items (oldest first) and history.
    async fn conversation(
        &self,
        workspace_id: i64,
        id: i64,
    ) -> Result<Option<(Conversation, Vec<StoredItem>, Vec<ConversationEvent>)>>;
    async fn change_conversation(
        &self,
        workspace_id: i64,
        id: i64,
        change: &ConversationChange,
        actor_id: Option<i64>,
        now: i64,
    ) -> Result<Conversation>;
    async fn create_routing_rule(&self, rule: &NewRoutingRule<'_>) -> Result<RoutingRule>;
    async fn routing_rules(&self, workspace_id: i64) -> Result<Vec<RoutingRule>>;
    /// Every enabled rule of every workspace, oldest first (for the pipeline).
    async fn all_enabled_routing_rules(&self) -> Result<Vec<RoutingRule>>;
    async fn delete_routing_rule(&self, workspace_id: i64, id: i64) -> Result<()>;
    /// A number that grows with every change to the workspace's inbox (or to one conversation
    /// of it): live pages compare it to know when to refresh.
    async fn inbox_version(&self, workspace_id: i64, conversation_id: Option<i64>) -> Result<i64>;
    /// Labels in use in the workspace, by name.
    async fn inbox_labels(&self, workspace_id: i64) -> Result<Vec<String>>;
    /// Open conversations assigned to `user_id` (the part of the counts that is personal).
    async fn inbox_mine(&self, workspace_id: i64, user_id: i64) -> Result<i64>;
    /// Saved views: the team's and this person's own.
    async fn inbox_views(&self, workspace_id: i64, user_id: i64) -> Result<Vec<InboxView>>;
    async fn save_inbox_view(&self, view: &InboxView) -> Result<InboxView>;
    /// Deletes a view: a personal one by its owner, a shared one by anyone of the workspace.
    async fn delete_inbox_view(&self, workspace_id: i64, user_id: i64, id: i64) -> Result<()>;
    /// Open conversations of any workspace still waiting for a first answer and not yet warned
    /// about, oldest first.
    async fn unanswered_unwarned(&self, limit: i64) -> Result<Vec<Conversation>>;
    /// Records that the team was warned the conversation's first response is at risk (or late).
    async fn mark_sla_warned(&self, conversation_id: i64, detail: &str, now: i64) -> Result<()>;
    /// The workspace's response-time targets, if set.
    async fn sla_policy(&self, workspace_id: i64) -> Result<Option<SlaPolicy>>;
    async fn set_sla_policy(&self, workspace_id: i64, policy: &SlaPolicy, now: i64) -> Result<()>;
    /// Conversations opened since `since`, oldest first (for response-time reports).
    async fn conversations_since(&self, workspace_id: i64, since: i64)
    -> Result<Vec<Conversation>>;
    /// Open conversations per state (new, assigned, waiting) and those assigned to `user_id`.
    async fn inbox_counts(&self, workspace_id: i64, user_id: i64) -> Result<InboxCounts>;
}

/// A saved view of the inbox: a named filter (a URL query string), personal or shared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboxView {
    pub id: i64,
    pub workspace_id: i64,
    /// `None`: shared with the team.
    pub user_id: Option<i64>,
    pub name: String,
    pub query: String,
    pub created_at: i64,
}

/// Response-time targets, in business minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPolicy {
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
    /// Warn when this share of the time is used.
    pub warn_percent: i64,
    /// `jardinier_inbox::sla::BusinessHours::describe` form.
    pub hours: String,
}

/// The queue's counts stop past this many ("more than 1,000"): counting every open
/// conversation of a busy workspace at each page took tens of milliseconds.
pub const COUNT_CAP: i64 = 1_000;

/// Open conversations per state and the person's own, each at most [`COUNT_CAP`] + 1.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InboxCounts {
    pub new: i64,
    pub assigned: i64,
    pub waiting: i64,
    pub mine: i64,
}

/// A routing rule as stored; `conditions` and `action` are JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutingRule {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub conditions: String,
    pub action: String,
    pub enabled: bool,
    pub created_at: i64,
}

pub struct NewRoutingRule<'a> {
    pub workspace_id: i64,
    pub name: &'a str,
    pub conditions: &'a str,
    pub action: &'a str,
    pub now: i64,
}
