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
    /// The campaign it belongs to ("" for none).
    pub campaign: String,
    pub tags: Vec<String>,
    /// While pending approval: the team step it waits at (0-based); `None` when no team step
    /// is left (the client's turn, or not pending).
    pub approval_step: Option<i64>,
    /// Posted as a reply to the post where the network allows it.
    pub first_comment: Option<String>,
    pub poll: Option<PostPoll>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostDelivery {
    pub id: i64,
    pub post_id: i64,
    pub channel_id: i64,
    /// fr, en: the language of this variant, when the post has one per language.
    pub language: Option<String>,
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
    /// Engagement fetched back from the network (None: not given, or not yet fetched).
    pub likes: Option<i64>,
    pub shares: Option<i64>,
    pub replies: Option<i64>,
    pub metrics_at: Option<i64>,
}

/// An image or video of the media library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    pub id: i64,
    pub workspace_id: i64,
    pub sha256: String,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    /// The description read aloud to people who cannot see it.
    pub alt: String,
    pub created_at: i64,
}

impl Media {
    /// Its file, relative to the media folder: `{workspace}/{sha256}`.
    pub fn relative_path(&self) -> String {
        format!("{}/{}", self.workspace_id, self.sha256)
    }

    pub fn is_video(&self) -> bool {
        self.content_type.starts_with("video/")
    }
}

pub struct NewMedia<'a> {
    pub workspace_id: i64,
    pub sha256: &'a str,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub alt: &'a str,
    pub now: i64,
}

/// A weekly time a channel publishes at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueSlotRow {
    pub id: i64,
    pub channel_id: i64,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i64,
    /// Minutes after midnight, local time.
    pub minute: i64,
}

/// A poll with a post.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PostPoll {
    pub options: Vec<String>,
    pub minutes: i64,
}

/// A built-in short link put in a post's text: `/s/{code}` redirects to `url` and counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShortLink {
    pub code: String,
    pub url: String,
    pub channel_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortLink {
    pub code: String,
    pub url: String,
    pub post_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub clicks: i64,
}

/// One text of a post: for a channel, in a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVariant {
    pub channel_id: i64,
    pub language: Option<String>,
    pub text: String,
}

impl NewVariant {
    /// A text for a channel, with no language of its own.
    pub fn plain(channel_id: i64, text: impl Into<String>) -> NewVariant {
        NewVariant {
            channel_id,
            language: None,
            text: text.into(),
        }
    }
}

/// A post and the text each channel gets.
pub struct NewPost<'a> {
    pub workspace_id: i64,
    pub author_id: Option<i64>,
    pub title: &'a str,
    /// One per delivery; a channel appears once per language.
    pub variants: &'a [NewVariant],
    pub campaign: &'a str,
    pub tags: &'a [String],
    /// Short links its texts use, written with the post.
    pub short_links: &'a [NewShortLink],
    /// Media of the library shown with every text, in order.
    pub media: &'a [i64],
    pub first_comment: Option<&'a str>,
    pub poll: Option<&'a PostPoll>,
    /// When it goes out; `None`: a draft without a date.
    pub scheduled_at: Option<i64>,
    /// Kept as a draft even with a time (the time it aims for, shown on the calendar).
    pub draft: bool,
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
    /// The post's images or video, in order.
    pub media: Vec<Media>,
    pub first_comment: Option<String>,
    pub poll: Option<PostPoll>,
}

impl DeliveryJob {
    /// The first comment to post under the post: none when it is empty or blank.
    pub fn comment_to_post(&self) -> Option<&str> {
        self.first_comment
            .as_deref()
            .filter(|c| !c.trim().is_empty())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Sent {
        remote_id: String,
        remote_url: Option<String>,
        /// Kept as the delivery's last error: what went wrong after it arrived.
        note: Option<String>,
    },
    Retry {
        error: String,
        at: i64,
    },
    Failed {
        error: String,
    },
}

/// A draft sent for approval.
pub struct ApprovalRequest<'a> {
    pub workspace_id: i64,
    pub post_id: i64,
    /// When to publish once approved (now, if that time has passed by then).
    pub scheduled_at: i64,
    /// The client link's token, hashed: given when the client's turn is now (no team step);
    /// with team steps, the link is made when they are passed ([`PublishStore::open_client_link`]).
    pub token_hash: Option<&'a str>,
    /// Where to send the client's link when it is made later.
    pub client_email: Option<&'a str>,
    pub expires_at: i64,
    /// Who asked (for the history).
    pub actor: &'a str,
    pub now: i64,
}

/// A teammate's decision on the step a post waits at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalVote {
    pub step: i64,
    pub user_id: i64,
    /// approved, changes_requested.
    pub decision: String,
    pub at: i64,
}

/// A teammate's decision on the step a post waits at.
pub struct Vote<'a> {
    pub workspace_id: i64,
    pub post_id: i64,
    pub user_id: i64,
    /// Their name, for the history.
    pub actor: &'a str,
    pub approve: bool,
    pub comment: &'a str,
    pub now: i64,
}

/// What a teammate's vote did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoteOutcome {
    /// The step waits for more approvals.
    Waiting,
    /// The step is passed; the post waits at the next one.
    NextStep(i64),
    /// The team's steps are passed; the client's link now works.
    ClientTurn,
    /// Approved by everyone: scheduled.
    Scheduled,
    /// Changes asked: back to draft (the client's link no longer works).
    BackToDraft,
}

/// An approval request as the link shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub id: i64,
    pub workspace_id: i64,
    pub post_id: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub decided_at: Option<i64>,
    /// approved, changes_requested.
    pub decision: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostEvent {
    pub at: i64,
    pub actor: String,
    /// created, approval_requested, approved, changes_requested, approval_revoked, comment,
    /// published, failed.
    pub kind: String,
    pub detail: String,
}

#[async_trait]
pub trait PublishStore: Send + Sync {
    async fn create_channel(&self, channel: &NewChannel<'_>) -> Result<PublishChannel>;
    async fn channels(&self, workspace_id: i64) -> Result<Vec<PublishChannel>>;
    /// The campaigns the workspace's posts belong to, by name.
    async fn post_campaigns(&self, workspace_id: i64) -> Result<Vec<String>>;
    /// A pending OAuth authorization (the state kept as its hash).
    async fn save_oauth_state(
        &self,
        state_hash: &str,
        workspace_id: i64,
        user_id: i64,
        network: &str,
        verifier: &str,
        now: i64,
    ) -> Result<()>;
    /// Takes a pending authorization made after `since` (each is used once): (workspace, user,
    /// network, PKCE verifier).
    async fn take_oauth_state(
        &self,
        state_hash: &str,
        since: i64,
    ) -> Result<Option<(i64, i64, String, String)>>;
    /// A medium by its file's hash (the public address Instagram fetches).
    async fn media_by_hash(&self, workspace_id: i64, sha256: &str) -> Result<Option<Media>>;
    /// Keeps a channel's renewed secret (OAuth tokens after a refresh).
    async fn set_channel_secret(&self, channel_id: i64, secret: &str) -> Result<()>;
    /// Channels of `kinds` whose connection ends before `before` and nobody was warned of;
    /// marks them warned.
    async fn channels_expiring(&self, kinds: &[&str], before: i64) -> Result<Vec<PublishChannel>>;
    async fn mark_channel_warned(&self, channel_id: i64, now: i64) -> Result<()>;
    /// A post with one delivery per variant, scheduled at once when `scheduled_at` is given.
    async fn create_post(&self, post: &NewPost<'_>) -> Result<Post>;
    async fn post(&self, workspace_id: i64, id: i64) -> Result<Option<(Post, Vec<PostDelivery>)>>;
    /// Posts with an id above `after_id`, by id, with their deliveries (the API's pages).
    async fn posts_after(
        &self,
        workspace_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<(Post, Vec<PostDelivery>)>>;
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
    /// Several outcomes in one transaction (one commit for a batch sent together).
    async fn finish_deliveries(&self, outcomes: &[(i64, DeliveryOutcome)], now: i64) -> Result<()>;
    /// Moves every scheduled post of the workspace, and its deliveries, by `seconds` (later when
    /// positive): postponing the calendar during a crisis. Returns how many deliveries moved.
    async fn shift_scheduled(&self, workspace_id: i64, seconds: i64, now: i64) -> Result<u64>;
    /// Sends a draft for approval, to be published at `scheduled_at` once approved: it waits at
    /// the policy's first team step, if any; the client's link (its token stored as its hash)
    /// works once the team's steps are passed. Refused unless the post is a draft. Returns the
    /// link's approval, if the policy has one.
    async fn request_approval(&self, request: &ApprovalRequest<'_>) -> Result<Option<Approval>>;
    /// The approval a link opens, with its post and deliveries, whatever its state (the page says
    /// when it no longer works).
    async fn approval_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(Approval, Post, Vec<PostDelivery>)>>;
    /// Approves (the post is scheduled) or asks for changes (back to draft), once, while the link
    /// works at `now`.
    async fn decide_approval(
        &self,
        token_hash: &str,
        approve: bool,
        comment: &str,
        now: i64,
    ) -> Result<Approval>;
    /// Revokes the post's open approval links.
    async fn revoke_approvals(
        &self,
        workspace_id: i64,
        post_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<u64>;
    async fn post_events(&self, workspace_id: i64, post_id: i64) -> Result<Vec<PostEvent>>;
    /// The workspace's approval policy (the default: the client's link only).
    async fn approval_policy(&self, workspace_id: i64) -> Result<jardinier_domain::ApprovalPolicy>;
    async fn set_approval_policy(
        &self,
        workspace_id: i64,
        policy: &jardinier_domain::ApprovalPolicy,
        now: i64,
    ) -> Result<()>;
    /// A teammate approves (or asks for changes on) the step the post waits at. Refused unless
    /// the post waits at a team step that names this teammate, who has not decided yet.
    async fn vote_approval(&self, vote: &Vote<'_>) -> Result<VoteOutcome>;
    /// Makes the client's link once the team's steps are passed; returns the address to send
    /// it to, if one was given. Refused unless the post waits for its client.
    async fn open_client_link(
        &self,
        workspace_id: i64,
        post_id: i64,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> Result<Option<String>>;
    /// The votes of the current round.
    async fn approval_votes(&self, workspace_id: i64, post_id: i64) -> Result<Vec<ApprovalVote>>;
    /// A teammate's comment on a post, kept in its history.
    async fn comment_post(
        &self,
        workspace_id: i64,
        post_id: i64,
        actor: &str,
        text: &str,
        now: i64,
    ) -> Result<()>;
    /// The posts planned in `[from, to)` (by their publishing time), soonest first, with their
    /// deliveries: what the calendar shows.
    async fn posts_between(
        &self,
        workspace_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(Post, Vec<PostDelivery>)>>;
    /// The workspace's drafts (no publishing time yet), newest first.
    async fn drafts(&self, workspace_id: i64, limit: i64)
    -> Result<Vec<(Post, Vec<PostDelivery>)>>;
    /// The calendar feed's token (hashed): a new one replaces the previous, which stops working.
    async fn set_calendar_feed(&self, workspace_id: i64, token_hash: &str, now: i64) -> Result<()>;
    /// The workspace whose calendar feed this token opens.
    async fn calendar_feed_workspace(&self, token_hash: &str) -> Result<Option<i64>>;
    /// Sends a post's failed deliveries again (due at `now`, a fresh count of attempts); the post
    /// is scheduled again. Returns how many were put back.
    async fn retry_failed(
        &self,
        workspace_id: i64,
        post_id: i64,
        actor: &str,
        now: i64,
    ) -> Result<u64>;
    /// Failed deliveries nobody has been told about yet, oldest first, with their post.
    async fn failed_unnotified(&self, limit: i64) -> Result<Vec<(PostDelivery, Post)>>;
    /// Records that the team was told about a failed delivery.
    async fn mark_failure_notified(&self, delivery_id: i64, now: i64) -> Result<()>;
    /// Sent deliveries whose counts are due a refresh: sent after `sent_after`, on a channel
    /// of `kinds`, not fetched since `fetched_before`; with their channel.
    async fn due_metrics(
        &self,
        kinds: &[&str],
        sent_after: i64,
        fetched_before: i64,
        limit: i64,
    ) -> Result<Vec<(PostDelivery, PublishChannel)>>;
    async fn record_metrics(
        &self,
        delivery_id: i64,
        likes: i64,
        shares: i64,
        replies: i64,
        now: i64,
    ) -> Result<()>;
    /// Counts a click on a short link and returns where it goes.
    async fn click_short_link(&self, code: &str) -> Result<Option<String>>;
    /// The short links of a post.
    async fn short_links(&self, workspace_id: i64, post_id: i64) -> Result<Vec<ShortLink>>;
    /// Clicks on each post's short links: (post id, clicks).
    async fn clicks_by_post(&self, workspace_id: i64) -> Result<Vec<(i64, i64)>>;
    async fn queue_slots(&self, workspace_id: i64) -> Result<Vec<QueueSlotRow>>;
    /// Adds a slot (nothing if the channel has it already); the channel must be the workspace's.
    async fn add_queue_slot(
        &self,
        workspace_id: i64,
        channel_id: i64,
        weekday: i64,
        minute: i64,
    ) -> Result<()>;
    async fn delete_queue_slot(&self, workspace_id: i64, id: i64) -> Result<()>;
    /// The times already taken on a channel from `from` on (deliveries scheduled or sent).
    async fn taken_times(&self, channel_id: i64, from: i64) -> Result<Vec<i64>>;
    /// Adds a file to the library; the same file (same SHA-256) twice is one entry, whose
    /// description the new one replaces when given.
    async fn add_media(&self, media: &NewMedia<'_>) -> Result<Media>;
    async fn media_library(&self, workspace_id: i64, limit: i64) -> Result<Vec<Media>>;
    async fn media(&self, workspace_id: i64, id: i64) -> Result<Option<Media>>;
    async fn set_media_alt(&self, workspace_id: i64, id: i64, alt: &str) -> Result<()>;
    /// A post's media, in order.
    async fn post_media(&self, post_id: i64) -> Result<Vec<Media>>;
    /// When the next delivery falls due (for the scheduler's sleep), if any.
    async fn next_delivery_due(&self) -> Result<Option<i64>>;
}
