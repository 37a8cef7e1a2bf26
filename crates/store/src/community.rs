//! The community space's storage (issue 16): the site's settings, categories, member accounts
//! and their sessions, the charter's versions, topics and posts. The rules (who may read and
//! post, when the charter must be accepted again) are `jardinier_community`'s; this trait keeps
//! what they describe.

use async_trait::async_trait;

use crate::{NewMail, Result};

/// A workspace's community site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunitySite {
    pub workspace_id: i64,
    /// The workspace's slug: the site is under `/c/{slug}/` when it has no host of its own.
    pub slug: String,
    pub name: String,
    pub tagline: String,
    /// "#rrggbb".
    pub accent: String,
    pub host: Option<String>,
    pub open: bool,
    /// The message a new member receives, in French and in English (Markdown).
    pub welcome_fr: String,
    pub welcome_en: String,
    /// A member who deletes their account takes their posts with them (otherwise the posts
    /// stay, signed by nobody).
    pub remove_posts_on_delete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityCategory {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub colour: String,
    pub position: i64,
    /// `jardinier_community::CategoryKind` code.
    pub kind: String,
    /// `jardinier_community::Access` codes.
    pub read_access: String,
    pub post_access: String,
    /// Visible topics, and the newest post's time.
    pub topics: i64,
    pub last_posted_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCategory<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub colour: &'a str,
    pub position: i64,
    pub kind: &'a str,
    pub read_access: &'a str,
    pub post_access: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityAccount {
    pub id: i64,
    pub workspace_id: i64,
    pub email: String,
    pub handle: String,
    pub display_name: String,
    pub lang: Option<String>,
    pub bio: String,
    pub verified_at: Option<i64>,
    pub created_at: i64,
    pub first_posted_at: Option<i64>,
    /// The newest charter version they accepted.
    pub charter_version: Option<i64>,
    /// immediate, daily, weekly, never
    pub email_frequency: String,
    /// Web addresses shown on their page.
    pub links: Vec<String>,
    /// `{sha256}.{extension}` of their avatar.
    pub avatar: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAccount<'a> {
    pub workspace_id: i64,
    pub email: &'a str,
    pub handle: &'a str,
    pub display_name: &'a str,
    pub password_hash: Option<&'a str>,
    pub lang: Option<&'a str>,
    /// The charter version accepted with the sign-up form.
    pub charter_version: Option<i64>,
    /// Set for accounts whose address is already proven (imports, the demo).
    pub verified_at: Option<i64>,
    pub now: i64,
}

/// A one-time link sent by e-mail: only its hash is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken<'a> {
    pub token_hash: &'a str,
    /// "verify" or "signin".
    pub purpose: &'a str,
    pub expires_at: i64,
}

/// Who wrote a topic or a post: a member, or a teammate (shown with the staff badge).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    pub account_id: Option<i64>,
    pub user_id: Option<i64>,
    pub name: String,
    pub handle: Option<String>,
    /// `{sha256}.{extension}` of a member's avatar.
    pub avatar: Option<String>,
}

impl Author {
    pub fn staff(&self) -> bool {
        self.user_id.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Topic {
    pub id: i64,
    pub category_id: i64,
    pub title: String,
    pub slug: String,
    pub author: Author,
    pub created_at: i64,
    pub last_posted_at: i64,
    /// The highest post number (the first post is 1).
    pub posts: i64,
    pub pinned: bool,
    pub closed: bool,
    pub archived: bool,
    pub status: String,
    /// The accepted answer's post number (questions).
    pub accepted_number: Option<i64>,
    /// `jardinier_community::IdeaStatus` code (ideas).
    pub idea_status: Option<String>,
    pub votes: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityPost {
    pub id: i64,
    pub topic_id: i64,
    pub number: i64,
    pub author: Author,
    pub body_md: String,
    pub body_html: String,
    pub status: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

/// A post about to be written; the author is a member or a teammate.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCommunityPost<'a> {
    pub workspace_id: i64,
    pub author_account: Option<i64>,
    pub author_user: Option<i64>,
    pub body_md: &'a str,
    pub body_html: &'a str,
    /// `jardinier_community::PostStatus` code.
    pub status: &'a str,
    /// The form's one-time key: the same key twice makes one post.
    pub idem_key: &'a str,
    /// What the search finds it by (`jardinier_community::search::post_terms`); `None`: left
    /// for the server's indexing of waiting posts (`jardinier_site::search`).
    pub terms: Option<&'a [String]>,
    /// What screening found, when it held the post: its review-queue item is written with it.
    pub screened: Option<crate::Screened<'a>>,
    pub now: i64,
}

/// A search of the community: every group of `groups` must match (one of its terms), in the
/// posts of `categories` (those the reader may read, or the one they chose).
#[derive(Debug, Clone, Default)]
pub struct CommunitySearch<'a> {
    pub workspace_id: i64,
    pub groups: &'a [Vec<String>],
    pub categories: &'a [i64],
    pub author_account: Option<i64>,
    /// Posts written at or after this time, and before `until`.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Topics with an accepted answer (`Some(true)`), or questions still without one.
    pub solved: Option<bool>,
    /// Topics with this tag.
    pub tag: Option<&'a str>,
    pub offset: i64,
    pub limit: i64,
}

/// A search's page of topics, each with its newest post the search found.
#[derive(Debug, Clone, Default)]
pub struct CommunityHits {
    pub hits: Vec<(Topic, CommunityPost)>,
    /// Topics found among the posts read.
    pub total: i64,
    /// The search read its limit of posts (`jardinier_community::search::CANDIDATES`): older
    /// ones may match too.
    pub capped: bool,
}

/// What the team's figures are made of, for a period cut in buckets (`starts`, oldest first;
/// the last runs to now).
#[derive(Debug, Clone, Default)]
pub struct CommunityFigures {
    /// Visible posts written in each bucket.
    pub posts: Vec<i64>,
    /// Accounts created in each bucket.
    pub new_members: Vec<i64>,
    /// Members who posted in the period.
    pub active_members: i64,
    /// Accounts in all.
    pub members: i64,
    /// Questions asked in the period: (asked at, first answer by someone else, accepted).
    pub questions: Vec<(i64, Option<i64>, bool)>,
    /// Visible topics with no reply yet, in categories where members write, oldest first (at
    /// most the limit asked), and how many in all.
    pub unanswered: Vec<Topic>,
    pub unanswered_count: i64,
}

/// A new version of a post, by its author or a teammate.
#[derive(Debug, Clone)]
pub struct CommunityPostEdit<'a> {
    pub workspace_id: i64,
    pub post_id: i64,
    pub body_md: &'a str,
    pub body_html: &'a str,
    /// The post's new terms (`jardinier_community::search::post_terms`).
    pub terms: &'a [String],
    /// A new title and address for the topic (first posts only).
    pub title: Option<(&'a str, &'a str)>,
    pub editor_account: Option<i64>,
    pub editor_user: Option<i64>,
    /// What screening found in the new text, when it holds or flags it: the post goes (back)
    /// to the review queue, in the edit's transaction.
    pub screened: Option<crate::Screened<'a>>,
    /// Screening holds the new text: the post is out of sight until a moderator decides.
    pub hold: bool,
    pub now: i64,
}

/// An earlier version of a post: its text, from when it was written until it was replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revision {
    pub body_md: String,
    pub written_at: i64,
    pub replaced_at: i64,
    /// Who replaced it (a member's or a teammate's name; empty: an account since deleted).
    pub replaced_by: String,
}

/// A kind of reaction on a post: how many gave it, and whether the reader did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostReactions {
    pub post_id: i64,
    pub kind: String,
    pub count: i64,
    pub mine: bool,
}

/// A topic page to read: which topic, which page, and who reads it.
#[derive(Debug, Clone, Copy)]
pub struct TopicViewQuery {
    pub workspace_id: i64,
    pub topic_id: i64,
    /// Asked for (from 1); kept within the topic's pages.
    pub page: i64,
    pub per_page: i64,
    /// Whose reactions are marked as the reader's: a member's or a teammate's (the one they
    /// post as), or neither (a visitor).
    pub account_id: Option<i64>,
    pub user_id: Option<i64>,
    /// The member signed in, whose watching and votes are read.
    pub member_id: Option<i64>,
}

/// What a topic page shows, read together (one step on SQLite, see `sqlite_reads`).
#[derive(Debug, Clone)]
pub struct TopicView {
    pub topic: Topic,
    /// The page shown (the one asked for, within the topic's pages), and how many there are.
    pub page: i64,
    pub pages: i64,
    pub posts: Vec<CommunityPost>,
    pub reactions: Vec<PostReactions>,
    pub tags: Vec<String>,
    /// The accepted answer, when there is one.
    pub accepted: Option<CommunityPost>,
    /// Whether the member reading watches the topic (`None` for anyone else).
    pub watching: Option<bool>,
    /// Whether the member reading voted for it (an idea).
    pub voted: bool,
}

impl TopicViewQuery {
    /// The page shown for a topic of `posts` posts, the topic's pages, and the numbers of the
    /// page's posts.
    pub fn range(&self, posts: i64) -> (i64, i64, (i64, i64)) {
        let per = self.per_page.max(1);
        let pages = (posts.max(1) - 1) / per + 1;
        let page = self.page.clamp(1, pages);
        (page, pages, ((page - 1) * per + 1, page * per))
    }
}

/// A post the search index does not hold yet (written before it existed).
#[derive(Debug, Clone)]
pub struct UnindexedPost {
    pub id: i64,
    pub workspace_id: i64,
    pub title: String,
    pub body_md: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charter {
    pub version: i64,
    pub body_fr: String,
    pub body_en: String,
    pub published_by: String,
    pub published_at: i64,
}

/// A post written in the community, for the writer's member profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityActivity {
    pub at: i64,
    pub topic_id: i64,
    pub topic_slug: String,
    pub topic_title: String,
    pub number: i64,
    pub body_md: String,
}

/// A notification, with what its e-mail or its line in the bell needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityNotification {
    pub id: i64,
    pub account_id: i64,
    /// reply, mention, topic, accepted
    pub kind: String,
    pub topic_id: i64,
    pub topic_slug: String,
    pub topic_title: String,
    pub number: i64,
    pub actor: String,
    pub created_at: i64,
    pub read: bool,
}

/// Someone to e-mail about notifications: their address, name, language, how often they want
/// mail, and the secret of their unsubscribe link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRecipient {
    pub account_id: i64,
    pub workspace_id: i64,
    pub email: String,
    pub display_name: String,
    pub lang: Option<String>,
    pub frequency: String,
    pub unsubscribe_token: Option<String>,
}

/// What a new post tells whom: the mentioned handles get "mention", the topic's watchers
/// "reply", the category's watchers "topic" (a new topic), the answer's author "accepted".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotifications<'a> {
    pub workspace_id: i64,
    pub topic_id: i64,
    pub number: i64,
    pub actor: &'a str,
    /// The writer, who is never told about their own post.
    pub actor_account: Option<i64>,
    pub mentioned: &'a [String],
    /// Numbers of the topic's posts this one quotes: their authors are told.
    pub quoted: &'a [i64],
    /// "reply" (watchers of the topic) or "topic" (watchers of the category), or "accepted"
    /// (the author of post `number`).
    pub kind: &'a str,
    pub now: i64,
}

#[async_trait]
pub trait CommunityStore: Send + Sync {
    // The site
    async fn community_site(&self, workspace_id: i64) -> Result<Option<CommunitySite>>;
    /// What every page of a community needs, in one read: the site at a workspace's slug, the
    /// workspace's time zone, and the charter's newest version.
    async fn community_context(
        &self,
        slug: &str,
    ) -> Result<Option<(CommunitySite, String, Option<Charter>)>>;
    /// Every host name a site is served on, with its workspace's slug.
    async fn community_hosts(&self) -> Result<Vec<(String, String)>>;
    /// Creates or replaces the site's settings (`slug` is ignored: it is the workspace's).
    /// `Conflict("host")` when another site has the host name.
    async fn put_community_site(&self, site: &CommunitySite, now: i64) -> Result<()>;

    // Categories
    async fn community_categories(&self, workspace_id: i64) -> Result<Vec<CommunityCategory>>;
    /// `Conflict("slug")` when the workspace has a category at that address.
    async fn create_community_category(
        &self,
        workspace_id: i64,
        category: &NewCategory<'_>,
    ) -> Result<i64>;
    async fn update_community_category(
        &self,
        workspace_id: i64,
        id: i64,
        category: &NewCategory<'_>,
    ) -> Result<()>;

    // Topics and posts
    /// Visible topics of the given categories, pinned first when `pinned_first`, then by the
    /// newest post; `offset` for the next pages.
    async fn community_topics(
        &self,
        workspace_id: i64,
        categories: &[i64],
        pinned_first: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Topic>>;
    async fn community_topic(&self, workspace_id: i64, topic_id: i64) -> Result<Option<Topic>>;
    /// The posts numbered `from..=to` of a topic, in order.
    async fn community_posts(
        &self,
        topic_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<CommunityPost>>;
    /// The first post of each of these topics (feeds show it as the topic's content).
    async fn community_first_posts(&self, topic_ids: &[i64]) -> Result<Vec<CommunityPost>>;
    /// Starts a topic with its first post, in one transaction. The same `idem_key` again
    /// returns the topic it made the first time.
    async fn create_community_topic(
        &self,
        category_id: i64,
        title: &str,
        slug: &str,
        tags: &[String],
        first: &NewCommunityPost<'_>,
    ) -> Result<i64>;
    /// Gives a reaction (a member's or a teammate's) or takes it back; returns whether it is
    /// now given.
    async fn toggle_community_reaction(
        &self,
        post_id: i64,
        account_id: Option<i64>,
        user_id: Option<i64>,
        kind: &str,
        now: i64,
    ) -> Result<bool>;
    /// Topics of the workspace (every category, every state but deleted) with an id above
    /// `after_id`, by id: the archive's export reads them page by page.
    async fn community_topics_after(
        &self,
        workspace_id: i64,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<Topic>>;
    /// Sets when post `number` of a topic was last changed (imports keep the archive's time).
    async fn set_community_post_edited(
        &self,
        topic_id: i64,
        number: i64,
        edited_at: Option<i64>,
    ) -> Result<()>;
    /// Replaces a topic's tags.
    async fn set_community_topic_tags(
        &self,
        workspace_id: i64,
        topic_id: i64,
        tags: &[String],
    ) -> Result<()>;
    /// (topic id, tag) of these topics, each topic's tags in alphabetical order.
    async fn community_topic_tags(&self, topic_ids: &[i64]) -> Result<Vec<(i64, String)>>;
    /// Everything a topic page shows; `None` when the workspace has no such topic.
    async fn community_topic_view(&self, q: &TopicViewQuery) -> Result<Option<TopicView>>;
    /// Visible topics of these categories with this tag, latest activity first.
    async fn community_tagged_topics(
        &self,
        workspace_id: i64,
        categories: &[i64],
        tag: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Topic>>;
    /// Adds many replies to a topic in one transaction (imports, the benchmark), numbered after
    /// its last post; returns the last number.
    async fn add_community_posts(
        &self,
        topic_id: i64,
        posts: &[NewCommunityPost<'_>],
    ) -> Result<i64>;
    /// Adds a reply and returns its number. The same `idem_key` again returns the number the
    /// first reply got.
    async fn create_community_reply(
        &self,
        topic_id: i64,
        post: &NewCommunityPost<'_>,
    ) -> Result<i64>;
    /// Topics whose posts match `search`, newest match first, reading at most `candidates`
    /// matching posts.
    async fn search_community(
        &self,
        search: &CommunitySearch<'_>,
        candidates: i64,
    ) -> Result<CommunityHits>;
    /// The team's figures over buckets starting at `starts`; topics without a reply written
    /// before `quiet_since` are listed (at most `unanswered_limit`).
    async fn community_figures(
        &self,
        workspace_id: i64,
        starts: &[i64],
        quiet_since: i64,
        unanswered_limit: i64,
    ) -> Result<CommunityFigures>;
    /// Saves a new version of a post: the text it replaces becomes a revision, the search index
    /// follows (every post of the topic when its title changes: they are found by it).
    async fn edit_community_post(&self, edit: &CommunityPostEdit<'_>) -> Result<()>;
    /// A post's earlier versions, oldest first.
    async fn community_revisions(&self, post_id: i64) -> Result<Vec<Revision>>;
    /// Deletes a post softly (status `deleted`, text kept for the team, out of the search);
    /// the first post takes its topic with it.
    async fn delete_community_post(&self, workspace_id: i64, post_id: i64, now: i64) -> Result<()>;
    /// Up to `limit` posts the search index does not hold yet.
    async fn unindexed_community_posts(&self, limit: i64) -> Result<Vec<UnindexedPost>>;
    /// Puts posts in the search index with their terms.
    async fn index_community_posts(&self, posts: &[(i64, i64, Vec<String>)]) -> Result<()>;
    async fn set_community_topic_flags(
        &self,
        workspace_id: i64,
        topic_id: i64,
        pinned: bool,
        closed: bool,
        archived: bool,
    ) -> Result<()>;

    /// Marks post `number` as the question's accepted answer (`None`: no answer accepted).
    async fn set_community_accepted(
        &self,
        workspace_id: i64,
        topic_id: i64,
        number: Option<i64>,
    ) -> Result<()>;
    /// Gives or takes back a member's vote for an idea; returns whether they now vote for it.
    async fn toggle_community_vote(&self, topic_id: i64, account_id: i64, now: i64)
    -> Result<bool>;
    async fn set_community_idea_status(
        &self,
        workspace_id: i64,
        topic_id: i64,
        status: Option<&str>,
    ) -> Result<()>;

    /// Sends to the inbox every question of a members' topic still without a reply since before
    /// `asked_before`, once: the conversation opens on the question's listening item (the
    /// community source's `community:{topic}:1`). Returns how many were sent.
    async fn send_unanswered_questions_to_inbox(
        &self,
        asked_before: i64,
        now: i64,
    ) -> Result<usize>;

    // Notifications
    async fn watch_community_topic(
        &self,
        account_id: i64,
        topic_id: i64,
        watch: bool,
    ) -> Result<()>;
    async fn watch_community_category(
        &self,
        account_id: i64,
        category_id: i64,
        watch: bool,
    ) -> Result<()>;
    async fn watched_community_categories(&self, account_id: i64) -> Result<Vec<i64>>;
    /// Writes the notifications a post gives (each person once per post, the strongest
    /// reason first: mention, then reply or topic) and returns their recipients.
    async fn notify_community(
        &self,
        new: &NewNotifications<'_>,
    ) -> Result<Vec<(CommunityNotification, NotificationRecipient)>>;
    async fn community_notifications(
        &self,
        account_id: i64,
        limit: i64,
    ) -> Result<Vec<CommunityNotification>>;
    async fn unread_community_notifications(&self, account_id: i64) -> Result<i64>;
    async fn mark_community_notifications_read(&self, account_id: i64, now: i64) -> Result<()>;
    /// Marks notifications as e-mailed (at once, or in a digest).
    async fn mark_community_notifications_emailed(&self, ids: &[i64], now: i64) -> Result<()>;
    /// Gives the account an unsubscribe secret if it has none, and returns the one it has.
    async fn community_unsubscribe_token(&self, account_id: i64, candidate: &str)
    -> Result<String>;
    /// Stops every e-mail of notifications for the account with this secret; its account.
    async fn unsubscribe_community(&self, token: &str) -> Result<Option<i64>>;
    async fn set_community_email_frequency(&self, account_id: i64, frequency: &str) -> Result<()>;
    async fn update_community_profile(
        &self,
        account_id: i64,
        display_name: &str,
        bio: &str,
        links: &[String],
        lang: Option<&str>,
    ) -> Result<()>;
    /// People whose digest is due (daily: a day since the last, weekly: a week), with the
    /// notifications not e-mailed yet, oldest first.
    async fn due_community_digests(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<(NotificationRecipient, Vec<CommunityNotification>)>>;
    async fn mark_community_digest_sent(&self, account_id: i64, now: i64) -> Result<()>;

    // Self-service GDPR
    /// Everything kept about a member account, as JSON (profile, posts, votes, notifications,
    /// charter acceptances, watches).
    async fn export_community_account(&self, account_id: i64) -> Result<serde_json::Value>;
    /// Deletes a member account and what belongs to it (sessions, links, notifications,
    /// watches, votes, acceptances). Its posts stay, signed by nobody, or are emptied and
    /// marked deleted when `remove_posts`.
    async fn delete_community_account(&self, account_id: i64, remove_posts: bool) -> Result<()>;

    // Member accounts
    /// Creates an account and, if given, the link and the e-mail that confirm its address, in
    /// one transaction. `Conflict("email")` or `Conflict("handle")` when taken in the workspace.
    async fn create_community_account(
        &self,
        account: &NewAccount<'_>,
        verify: Option<(&NewToken<'_>, &NewMail<'_>)>,
    ) -> Result<CommunityAccount>;
    async fn community_account(&self, account_id: i64) -> Result<Option<CommunityAccount>>;
    /// The account at an address, with its password hash.
    async fn community_account_by_email(
        &self,
        workspace_id: i64,
        email: &str,
    ) -> Result<Option<(CommunityAccount, Option<String>)>>;
    async fn community_account_by_handle(
        &self,
        workspace_id: i64,
        handle: &str,
    ) -> Result<Option<CommunityAccount>>;
    /// (handle, name) of up to `limit` confirmed members whose handle or name starts with
    /// `prefix` (letters, digits, spaces and hyphens only), by handle: @mention completion.
    async fn community_handles_starting(
        &self,
        workspace_id: i64,
        prefix: &str,
        limit: i64,
    ) -> Result<Vec<(String, String)>>;
    async fn set_community_account_lang(&self, account_id: i64, lang: &str) -> Result<()>;
    /// Keeps a one-time link and the e-mail that carries it, in one transaction.
    async fn add_community_token(
        &self,
        account_id: i64,
        token: &NewToken<'_>,
        mail: &NewMail<'_>,
    ) -> Result<()>;
    /// Uses a one-time link: its account, if the link exists, is unused, unexpired and for
    /// `purpose`. A "verify" link also marks the address verified.
    async fn take_community_token(
        &self,
        token_hash: &str,
        purpose: &str,
        now: i64,
    ) -> Result<Option<i64>>;
    async fn create_community_session(
        &self,
        token_hash: &str,
        account_id: i64,
        csrf_token: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<()>;
    /// The session's CSRF token, account and unread notifications, if it is current.
    async fn community_session(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(String, CommunityAccount, i64)>>;
    async fn delete_community_session(&self, token_hash: &str) -> Result<()>;
    /// The visible posts of the community accounts with one of `emails`, newest first.
    async fn community_activity(
        &self,
        workspace_id: i64,
        emails: &[String],
        limit: i64,
    ) -> Result<Vec<CommunityActivity>>;
    /// Accounts created since `since`, newest first.
    async fn community_newcomers(
        &self,
        workspace_id: i64,
        since: i64,
        limit: i64,
    ) -> Result<Vec<CommunityAccount>>;

    // The charter
    async fn community_charter(&self, workspace_id: i64) -> Result<Option<Charter>>;
    /// Publishes a new version and returns its number (1 for the first).
    async fn publish_community_charter(
        &self,
        workspace_id: i64,
        body_fr: &str,
        body_en: &str,
        by: &str,
        now: i64,
    ) -> Result<i64>;
    async fn accept_community_charter(&self, account_id: i64, version: i64, now: i64)
    -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::TopicViewQuery;

    fn asking(page: i64) -> TopicViewQuery {
        TopicViewQuery {
            workspace_id: 1,
            topic_id: 1,
            page,
            per_page: 20,
            account_id: None,
            user_id: None,
            member_id: None,
        }
    }

    #[test]
    fn a_page_asked_for_is_kept_within_the_topic_s_pages() {
        assert_eq!(asking(1).range(1), (1, 1, (1, 20)));
        assert_eq!(asking(2).range(20), (1, 1, (1, 20)));
        assert_eq!(asking(2).range(21), (2, 2, (21, 40)));
        assert_eq!(asking(0).range(5_000), (1, 250, (1, 20)));
        assert_eq!(asking(999).range(5_000), (250, 250, (4_981, 5_000)));
    }
}
