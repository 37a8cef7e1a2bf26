//! Moderation (issue 17): the review queue's items and the workspace's watched words. The rules
//! (screening, what an action does to a text) are `jardinier_moderation`'s; this is what is kept.

use async_trait::async_trait;

use crate::Result;

/// What screening found in a post it held, written with the post in one transaction (a crash
/// never leaves a held post out of the queue).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Screened<'a> {
    pub spam: f64,
    pub toxic: f64,
    /// Screening's reasons as JSON: `[{"code", "detail", "words": [..]}]`.
    pub reasons: &'a str,
}

/// An item of the review queue, with what a moderator needs to decide on it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModerationItem {
    pub id: i64,
    /// `post` (held by screening).
    pub kind: String,
    /// `pending`, `approved` or `removed`.
    pub state: String,
    pub spam: f64,
    pub toxic: f64,
    pub reasons: String,
    pub created_at: i64,
    /// Rises with every decision: a decision names the version it was made on.
    pub version: i64,
    pub post_id: Option<i64>,
    /// The member who wrote the post (none: a teammate's post, or an account deleted since).
    pub account_id: Option<i64>,
    pub topic_id: Option<i64>,
    pub topic_slug: Option<String>,
    pub topic_title: Option<String>,
    pub number: Option<i64>,
    pub body_md: Option<String>,
    pub author_name: Option<String>,
    pub author_handle: Option<String>,
    /// An appeal: the sanction appealed, and who gave it (another moderator decides).
    pub sanction_id: Option<i64>,
    pub sanction_by: Option<i64>,
    /// The appealed sanction: its kind code, message, rule and end.
    pub sanction_kind: Option<String>,
    pub sanction_reason: Option<String>,
    pub sanction_rule: Option<i64>,
    pub sanction_ends: Option<i64>,
}

/// A moderator's decision on an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Published as written.
    Approve,
    /// Deleted (its place in the topic kept, its text gone, as a member's own deletion).
    Remove,
}

impl Decision {
    pub fn state(self) -> &'static str {
        match self {
            Decision::Approve => "approved",
            Decision::Remove => "removed",
        }
    }
}

/// What became of a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    Done,
    /// Someone decided first (the item's version moved on): nothing was changed.
    AlreadyDecided,
}

/// A watched word or phrase of a workspace and its action (`jardinier_moderation::watch`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedWord {
    pub id: i64,
    pub words: String,
    /// `block`, `hold`, `flag`, `censor`, `replace`, `tag` or `silence`.
    pub action: String,
    /// The replacement (`replace`) or the tag (`tag`); empty otherwise.
    pub argument: String,
    pub created_at: i64,
}

/// What a sanction does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanctionKind {
    /// A message citing the rule; nothing else changes.
    Warn,
    /// Reads, but posts nothing.
    Mute,
    /// Neither posts nor signs in.
    Suspend,
    /// Suspended for good.
    Ban,
}

impl SanctionKind {
    pub const ALL: [SanctionKind; 4] = [
        SanctionKind::Warn,
        SanctionKind::Mute,
        SanctionKind::Suspend,
        SanctionKind::Ban,
    ];

    pub fn code(self) -> &'static str {
        match self {
            SanctionKind::Warn => "warn",
            SanctionKind::Mute => "mute",
            SanctionKind::Suspend => "suspend",
            SanctionKind::Ban => "ban",
        }
    }

    pub fn parse(code: &str) -> Option<SanctionKind> {
        SanctionKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// A sanction given to a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sanction {
    pub id: i64,
    pub account_id: i64,
    pub kind: SanctionKind,
    /// The charter's rule it applies.
    pub rule: Option<i64>,
    /// The message the member reads.
    pub reason: String,
    pub starts_at: i64,
    /// None: for good (a ban), or nothing to end (a warning).
    pub ends_at: Option<i64>,
    pub created_by: Option<i64>,
    pub lifted_at: Option<i64>,
    /// When the member appealed it (once only).
    pub appealed_at: Option<i64>,
}

impl Sanction {
    /// Whether it keeps the member from posting at `now`: a mute, suspension or ban that has
    /// started, has not ended and was not lifted. A sanction ends by itself.
    pub fn active_at(&self, now: i64) -> bool {
        self.kind != SanctionKind::Warn
            && self.lifted_at.is_none()
            && self.starts_at <= now
            && self.ends_at.is_none_or(|end| end > now)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSanction<'a> {
    pub workspace_id: i64,
    pub account_id: i64,
    pub kind: SanctionKind,
    pub rule: Option<i64>,
    pub reason: &'a str,
    pub item_id: Option<i64>,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub created_by: i64,
}

/// A recent post, for trying a watched word on the last weeks' content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentPost {
    pub topic_id: i64,
    pub topic_slug: String,
    pub topic_title: String,
    pub number: i64,
    pub body_md: String,
    pub created_at: i64,
}

/// What became of an appeal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appealed {
    /// In the queue for another moderator.
    Queued,
    /// This sanction was appealed before: one appeal per decision.
    AlreadyAppealed,
}

/// A member's recent posting, for new-member limits, rate limits and repeated posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RecentPosting {
    /// The member's posts since `since_burst`.
    pub burst: i64,
    /// The member's posts since `since_day`.
    pub day: i64,
    /// Posts with exactly this text since `since_day`, by anyone (deleted ones left out).
    pub same_text: i64,
}

#[async_trait]
pub trait ModerationStore {
    /// How much `account_id` posted lately, and how often `body` was posted in the workspace
    /// (the post of `idem_key`, the same form sent twice, left out).
    async fn recent_posting(
        &self,
        workspace_id: i64,
        account_id: i64,
        body: &str,
        idem_key: &str,
        since_burst: i64,
        since_day: i64,
    ) -> Result<RecentPosting>;
    /// The items waiting for a decision, oldest first, at most `limit`.
    async fn moderation_queue(&self, workspace_id: i64, limit: i64) -> Result<Vec<ModerationItem>>;
    /// The workspace's posts written since `since` (deleted ones left out), newest first, at
    /// most `limit`.
    async fn recent_posts(
        &self,
        workspace_id: i64,
        since: i64,
        limit: i64,
    ) -> Result<Vec<RecentPost>>;
    /// One item of the workspace, whatever its state.
    async fn moderation_item(&self, workspace_id: i64, id: i64) -> Result<Option<ModerationItem>>;
    /// How many items wait.
    async fn moderation_pending(&self, workspace_id: i64) -> Result<i64>;
    /// Decides item `id` of the workspace if it is still at `version` and pending.
    async fn decide_moderation_item(
        &self,
        workspace_id: i64,
        id: i64,
        version: i64,
        decision: Decision,
        user_id: i64,
        now: i64,
    ) -> Result<Decided>;
    async fn watched_words(&self, workspace_id: i64) -> Result<Vec<WatchedWord>>;
    /// Records a sanction on a member of the workspace (not found: no such member there).
    async fn sanction_member(&self, sanction: &NewSanction<'_>) -> Result<i64>;
    /// A member's sanctions, newest first.
    async fn sanctions_of(&self, workspace_id: i64, account_id: i64) -> Result<Vec<Sanction>>;
    /// A member appeals one of their sanctions, with their words: a queue item, once.
    async fn appeal_sanction(
        &self,
        workspace_id: i64,
        account_id: i64,
        sanction_id: i64,
        text: &str,
        now: i64,
    ) -> Result<Appealed>;
    /// Ends a sanction now.
    async fn lift_sanction(&self, workspace_id: i64, id: i64, user_id: i64, now: i64)
    -> Result<()>;
    /// Adds a watched word, or changes the action of the same words.
    async fn watch_word(
        &self,
        workspace_id: i64,
        words: &str,
        action: &str,
        argument: &str,
        now: i64,
    ) -> Result<()>;
    async fn unwatch_word(&self, workspace_id: i64, id: i64) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sanction(kind: SanctionKind, ends_at: Option<i64>, lifted_at: Option<i64>) -> Sanction {
        Sanction {
            id: 1,
            account_id: 2,
            kind,
            rule: Some(3),
            reason: "Insultes".into(),
            starts_at: 1_000,
            ends_at,
            created_by: Some(4),
            lifted_at,
            appealed_at: None,
        }
    }

    #[test]
    fn a_sanction_is_active_from_its_start_until_it_ends_by_itself() {
        let mute = sanction(SanctionKind::Mute, Some(2_000), None);
        assert!(!mute.active_at(999), "not started");
        assert!(mute.active_at(1_000) && mute.active_at(1_999));
        assert!(!mute.active_at(2_000), "ended by itself");
        let ban = sanction(SanctionKind::Ban, None, None);
        assert!(ban.active_at(1_000_000_000), "a ban is for good");
        assert!(
            !sanction(SanctionKind::Ban, None, Some(1_500)).active_at(1_600),
            "lifted"
        );
        assert!(
            !sanction(SanctionKind::Warn, None, None).active_at(1_500),
            "a warning keeps nobody out"
        );
        for kind in SanctionKind::ALL {
            assert_eq!(SanctionKind::parse(kind.code()), Some(kind));
        }
    }
}
