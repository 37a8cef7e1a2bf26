//! The sections of the workbench. Each later capability (listening, inbox, publishing, …) fills
//! one; the shell, the navigation and the role checks all read this one list.

use crate::role::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Section {
    Inbox,
    Listening,
    Publishing,
    Community,
    Members,
    Animation,
    Reports,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Inbox,
        Section::Listening,
        Section::Publishing,
        Section::Community,
        Section::Members,
        Section::Animation,
        Section::Reports,
    ];

    /// The path segment under `/w/{workspace}/` and the key prefix in the catalogues.
    pub fn slug(self) -> &'static str {
        match self {
            Section::Inbox => "inbox",
            Section::Listening => "listening",
            Section::Publishing => "publishing",
            Section::Community => "community",
            Section::Members => "members",
            Section::Animation => "animation",
            Section::Reports => "reports",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|s| s.slug() == slug)
    }

    pub fn permission(self) -> Permission {
        match self {
            Section::Inbox => Permission::ViewInbox,
            Section::Listening => Permission::ViewListening,
            Section::Publishing => Permission::ViewPublishing,
            Section::Community => Permission::ViewCommunity,
            Section::Members => Permission::ViewMembers,
            Section::Animation => Permission::ViewAnimation,
            Section::Reports => Permission::ViewReports,
        }
    }
}
