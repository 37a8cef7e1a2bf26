//! What the store hands out and takes in. `New*` types borrow their fields: they exist only to
//! carry one insert.

use jardinier_domain::Role;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub lang: Option<String>,
    pub created_at: i64,
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub lang: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub timezone: String,
    pub created_at: i64,
}

pub struct NewWorkspace<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub timezone: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub user: User,
    pub role: Role,
    pub joined_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub created_at: i64,
    pub expires_at: i64,
}

/// Failed sign-ins for one key inside the current window, and a lock if there were too many.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub failures: i64,
    pub window_start: i64,
    pub locked_until: Option<i64>,
}

pub struct NewPasswordReset<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: i64,
    pub workspace_id: i64,
    pub email: String,
    pub role: Role,
    pub invited_by: Option<i64>,
    pub created_at: i64,
    pub expires_at: i64,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Invitation {
    pub fn is_pending(&self, now: i64) -> bool {
        self.accepted_at.is_none() && self.revoked_at.is_none() && self.expires_at > now
    }
}

pub struct NewInvitation<'a> {
    pub token_hash: &'a str,
    pub workspace_id: i64,
    pub email: &'a str,
    pub role: Role,
    pub invited_by: i64,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub workspace_id: i64,
    pub user_id: i64,
    pub name: String,
    /// The first characters of the secret, shown so people can tell their tokens apart.
    pub prefix: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

pub struct NewApiToken<'a> {
    pub workspace_id: i64,
    pub user_id: i64,
    pub name: &'a str,
    pub token_hash: &'a str,
    pub prefix: &'a str,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiPrincipal {
    pub token_id: i64,
    pub user: User,
    pub workspace: Workspace,
    pub role: Role,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailStatus {
    /// Waiting for the worker (also after a failed attempt that will be retried).
    Pending,
    /// Handed to the SMTP server.
    Sent,
    /// Kept in the local mail log only (demo and development): never left the machine.
    Logged,
    /// Gave up after repeated failures.
    Failed,
}

impl MailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            MailStatus::Pending => "pending",
            MailStatus::Sent => "sent",
            MailStatus::Logged => "logged",
            MailStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> MailStatus {
        match s {
            "sent" => MailStatus::Sent,
            "logged" => MailStatus::Logged,
            "failed" => MailStatus::Failed,
            _ => MailStatus::Pending,
        }
    }
}

pub struct NewMail<'a> {
    /// Unique per message: enqueuing the same key twice keeps one message.
    pub idempotency_key: &'a str,
    pub to: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub created_at: i64,
    /// The one-click unsubscribe address (`List-Unsubscribe`, RFC 8058), for mail a person may
    /// stop receiving.
    pub list_unsubscribe: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub id: i64,
    pub idempotency_key: String,
    pub to: String,
    pub subject: String,
    pub body_text: String,
    pub created_at: i64,
    pub status: MailStatus,
    pub attempts: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
    pub list_unsubscribe: Option<String>,
}

pub struct NewAudit<'a> {
    pub workspace_id: Option<i64>,
    pub actor_id: Option<i64>,
    pub action: &'a str,
    pub detail: &'a str,
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub id: i64,
    pub actor: Option<String>,
    pub action: String,
    pub detail: String,
    pub at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub users: i64,
    pub workspaces: i64,
    pub active_sessions: i64,
    pub pending_mail: i64,
}
