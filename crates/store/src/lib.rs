//! Storage for Jardinier, behind the [`Store`] trait.
//!
//! Two backends: SQLite (embedded, the default, one file in WAL mode) and PostgreSQL (chosen by a
//! `postgres://` URL). Both are served by [`SqlStore`], which speaks SQL that both understand
//! (numbered `$n` parameters, `RETURNING`, UNIX-second integer times) through sqlx's `Any`
//! driver; each backend keeps its own migrations under `migrations/{sqlite,postgres}`, because
//! their DDL differs. The backend is picked once, from the URL, by [`connect`].
//!
//! The store knows nothing of HTTP, sessions cookies or password hashing: it keeps what it is
//! given (hashes, never secrets) and enforces uniqueness and atomicity. Every operation that must
//! be all-or-nothing (an invitation and its e-mail, accepting an invitation) is one method here,
//! run in one transaction.

mod alerts;
mod archive_fts;
mod campaign_edits;
mod cols;
mod community;
mod community_cache;
mod community_images;
mod crisis;
mod error;
mod inbox;
mod listening;
mod members;
mod moderation;
mod newsletters;
mod oauth_keys;
pub mod outbox;
mod post_edits;
mod publishing;
mod records;
mod regulars;
mod replies;
mod sql;
mod sql_alerts;
mod sql_batch;
mod sql_campaign_edits;
mod sql_community;
mod sql_community_edits;
mod sql_community_figures;
mod sql_community_images;
mod sql_community_reactions;
mod sql_community_search;
mod sql_community_tags;
mod sql_community_views;
mod sql_crisis;
#[macro_use]
mod sql_inbox;
mod sql_inbox_search;
mod sql_item_filter;
mod sql_listening;
mod sql_members;
mod sql_moderation;
mod sql_newsletters;
mod sql_oauth_keys;
mod sql_post_edits;
mod sql_publishing;
mod sql_regulars;
mod sql_replies;
mod sql_subscriptions;
mod sql_webhooks;
mod sql_work;
mod sqlite_reads;
mod sqlite_writer;
mod subscriptions;
pub mod testing;
mod webhooks;
mod work;

pub use alerts::*;
pub use campaign_edits::*;
pub use community::*;
pub use community_images::*;
pub use crisis::*;
pub use error::StoreError;
pub use inbox::*;
pub use listening::*;
pub use members::*;
pub use moderation::*;
pub use newsletters::*;
pub use oauth_keys::*;
pub use post_edits::*;
pub use publishing::*;
pub use records::*;
pub use regulars::*;
pub use replies::*;
pub use sql::{Backend, SqlStore, connect};
pub use subscriptions::*;
pub use webhooks::*;
pub use work::*;

use async_trait::async_trait;
use jardinier_domain::Role;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[async_trait]
pub trait Store:
    ListeningStore
    + AlertStore
    + CrisisStore
    + CommunityStore
    + CommunityImageStore
    + ModerationStore
    + OAuthKeyStore
    + RegularStore
    + SubscriptionStore
    + InboxStore
    + ReplyStore
    + MemberStore
    + PublishStore
    + PostEditStore
    + NewsletterStore
    + CampaignEditStore
    + WebhookStore
    + WorkStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;
    async fn migrate(&self) -> Result<()>;
    async fn ping(&self) -> Result<()>;
    /// After a bulk load (a benchmark, an import): gives PostgreSQL's planner fresh statistics
    /// and visibility maps (`VACUUM ANALYZE`), which autovacuum would give later. SQLite plans
    /// with the indexes the queries name: nothing to do.
    async fn refresh_statistics(&self) -> Result<()>;

    // Users
    async fn create_user(&self, new: &NewUser<'_>, now: i64) -> Result<User>;
    async fn user_by_id(&self, id: i64) -> Result<Option<User>>;
    async fn user_credentials(&self, email: &str) -> Result<Option<(User, String)>>;
    async fn set_user_lang(&self, user_id: i64, lang: Option<&str>) -> Result<()>;
    async fn set_display_name(&self, user_id: i64, display_name: &str) -> Result<()>;
    /// Replaces the password hash and ends every session of the user.
    async fn set_password_hash(&self, user_id: i64, hash: &str) -> Result<()>;

    // Workspaces and memberships
    async fn create_workspace(
        &self,
        new: &NewWorkspace<'_>,
        owner: i64,
        now: i64,
    ) -> Result<Workspace>;
    async fn workspace_by_slug(&self, slug: &str) -> Result<Option<Workspace>>;
    async fn workspace_by_id(&self, id: i64) -> Result<Option<Workspace>>;
    async fn workspaces_of_user(&self, user_id: i64) -> Result<Vec<(Workspace, Role)>>;
    async fn membership(&self, user_id: i64, slug: &str) -> Result<Option<(Workspace, Role)>>;
    async fn members(&self, workspace_id: i64) -> Result<Vec<Member>>;
    async fn add_member(&self, workspace_id: i64, user_id: i64, role: Role, now: i64)
    -> Result<()>;
    async fn set_member_role(&self, workspace_id: i64, user_id: i64, role: Role) -> Result<()>;
    async fn remove_member(&self, workspace_id: i64, user_id: i64) -> Result<()>;
    async fn rename_workspace(&self, workspace_id: i64, name: &str, timezone: &str) -> Result<()>;

    // Sessions and sign-in throttling
    async fn create_session(&self, session: &NewSession<'_>) -> Result<()>;
    async fn session(&self, token_hash: &str, now: i64) -> Result<Option<(Session, User)>>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Current throttle state for a key (an e-mail or an address), if any failure is on record.
    async fn login_throttle(&self, key: &str) -> Result<Option<Throttle>>;
    async fn put_login_throttle(&self, key: &str, state: &Throttle) -> Result<()>;
    async fn clear_login_throttle(&self, key: &str) -> Result<()>;

    // Password resets
    async fn create_password_reset(
        &self,
        reset: &NewPasswordReset<'_>,
        mail: &NewMail<'_>,
    ) -> Result<()>;
    /// Marks the reset used and returns its user, if it exists, is unused and not expired.
    async fn take_password_reset(&self, token_hash: &str, now: i64) -> Result<Option<i64>>;
    async fn password_reset_user(&self, token_hash: &str, now: i64) -> Result<Option<i64>>;

    // Invitations
    async fn create_invitation(
        &self,
        invitation: &NewInvitation<'_>,
        mail: &NewMail<'_>,
    ) -> Result<Invitation>;
    async fn invitation(&self, token_hash: &str) -> Result<Option<(Invitation, Workspace)>>;
    async fn pending_invitations(&self, workspace_id: i64, now: i64) -> Result<Vec<Invitation>>;
    /// Accepts a pending invitation for `user_id`, adding the membership, in one transaction.
    async fn accept_invitation(
        &self,
        token_hash: &str,
        user_id: i64,
        now: i64,
    ) -> Result<Workspace>;
    async fn revoke_invitation(
        &self,
        workspace_id: i64,
        invitation_id: i64,
        now: i64,
    ) -> Result<()>;

    // Personal API tokens
    async fn create_api_token(&self, token: &NewApiToken<'_>) -> Result<ApiToken>;
    async fn api_tokens(&self, workspace_id: i64, user_id: i64) -> Result<Vec<ApiToken>>;
    async fn revoke_api_token(
        &self,
        workspace_id: i64,
        user_id: i64,
        token_id: i64,
        now: i64,
    ) -> Result<()>;
    /// Resolves a token to its user, workspace and the user's *current* role there: a token stops
    /// working as soon as its owner leaves the workspace.
    async fn authenticate_api_token(
        &self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<ApiPrincipal>>;

    // Mail outbox
    async fn enqueue_mail(&self, mail: &NewMail<'_>) -> Result<()>;
    async fn due_mail(&self, now: i64, limit: i64) -> Result<Vec<OutgoingMail>>;
    async fn mark_mail_delivered(&self, id: i64, status: MailStatus, now: i64) -> Result<()>;
    async fn mark_mail_failed(
        &self,
        id: i64,
        error: &str,
        next_attempt_at: Option<i64>,
    ) -> Result<()>;
    async fn recent_mail(&self, limit: i64) -> Result<Vec<OutgoingMail>>;

    // Audit log
    async fn record_audit(&self, entry: &NewAudit<'_>) -> Result<()>;
    /// Newest first; `before` an id, for the next page.
    async fn audit_log(
        &self,
        workspace_id: i64,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AuditEntry>>;

    // Figures for /metrics
    async fn counts(&self, now: i64) -> Result<Counts>;
}
