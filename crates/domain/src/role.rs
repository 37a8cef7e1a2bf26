//! Roles inside a workspace and what each may do.
//!
//! A user holds exactly one role per workspace. Permissions are checked against the role of the
//! workspace named in the request, never against a role held elsewhere: an agency user who owns
//! one brand's workspace is still a client in another's.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the workspace: everything, including granting and removing ownership.
    Owner,
    /// Runs the team: everything but ownership.
    Manager,
    /// Writes and publishes content, answers the inbox, watches listening.
    Editor,
    /// Keeps the community space civil: inbox, community, members.
    Moderator,
    /// Reads listening, members and reports; changes nothing.
    Analyst,
    /// The brand's client in an agency: reviews and approves content, reads reports.
    Client,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ViewInbox,
    ViewListening,
    ViewPublishing,
    ViewCommunity,
    ViewMembers,
    ViewAnimation,
    ViewReports,
    /// Invite people, change roles, remove members, rename the workspace.
    ManageWorkspace,
    /// Create personal API tokens acting in this workspace.
    UseApi,
    /// Write saved searches, add and pause sources, correct an item's sentiment.
    ManageListening,
    /// Replies from the inbox go out without an approver (moderators' replies wait).
    ReplyWithoutApproval,
    /// Approve or refuse teammates' replies.
    ApproveReplies,
    /// Connect channels, write and schedule posts.
    Publish,
    /// Set up the community site: its look, categories, charter and welcome message.
    ManageCommunity,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Owner,
        Role::Manager,
        Role::Editor,
        Role::Moderator,
        Role::Analyst,
        Role::Client,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Manager => "manager",
            Role::Editor => "editor",
            Role::Moderator => "moderator",
            Role::Analyst => "analyst",
            Role::Client => "client",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn can(self, permission: Permission) -> bool {
        use Permission::*;
        use Role::*;
        match permission {
            ViewInbox => matches!(self, Owner | Manager | Editor | Moderator),
            ViewListening => matches!(self, Owner | Manager | Editor | Analyst),
            ViewPublishing => matches!(self, Owner | Manager | Editor | Client),
            ViewCommunity => matches!(self, Owner | Manager | Moderator),
            ViewMembers => matches!(self, Owner | Manager | Editor | Moderator | Analyst),
            ViewAnimation => matches!(self, Owner | Manager | Editor),
            ViewReports => true,
            ManageWorkspace => matches!(self, Owner | Manager),
            UseApi => !matches!(self, Client),
            ManageListening => matches!(self, Owner | Manager | Editor),
            ReplyWithoutApproval => matches!(self, Owner | Manager | Editor),
            ApproveReplies => matches!(self, Owner | Manager),
            Publish => matches!(self, Owner | Manager | Editor),
            ManageCommunity => matches!(self, Owner | Manager),
        }
    }

    /// Whether someone holding `self` may give `target` to somebody, or change or remove the role
    /// of somebody who holds `target`. Only owners touch ownership.
    pub fn can_assign(self, target: Role) -> bool {
        match self {
            Role::Owner => true,
            Role::Manager => target != Role::Owner,
            _ => false,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("admin"), None);
    }

    #[test]
    fn managers_cannot_touch_ownership() {
        assert!(Role::Owner.can_assign(Role::Owner));
        assert!(Role::Manager.can_assign(Role::Editor));
        assert!(!Role::Manager.can_assign(Role::Owner));
        assert!(!Role::Editor.can_assign(Role::Client));
    }

    #[test]
    fn clients_read_reports_and_review_publishing_only() {
        let allowed: Vec<Permission> = [
            Permission::ViewInbox,
            Permission::ViewListening,
            Permission::ViewPublishing,
            Permission::ViewCommunity,
            Permission::ViewMembers,
            Permission::ViewAnimation,
            Permission::ViewReports,
            Permission::ManageWorkspace,
            Permission::UseApi,
            Permission::ManageListening,
            Permission::ReplyWithoutApproval,
            Permission::ApproveReplies,
            Permission::Publish,
        ]
        .into_iter()
        .filter(|p| Role::Client.can(*p))
        .collect();
        assert_eq!(
            allowed,
            vec![Permission::ViewPublishing, Permission::ViewReports]
        );
    }
}
