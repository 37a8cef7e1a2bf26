//! A few reactions on posts (issue 16, item 2): a member answers without writing a reply that
//! says only "thanks". Four, as a brand's community needs them (Discourse's default set is
//! larger and more playful), each given once per person and taken back by a second click; never
//! on one's own post.

use crate::Viewer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    Heart,
    Agree,
    Insightful,
    Thanks,
}

impl Reaction {
    pub const ALL: [Reaction; 4] = [
        Reaction::Heart,
        Reaction::Agree,
        Reaction::Insightful,
        Reaction::Thanks,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Reaction::Heart => "heart",
            Reaction::Agree => "agree",
            Reaction::Insightful => "insightful",
            Reaction::Thanks => "thanks",
        }
    }

    pub fn parse(code: &str) -> Option<Reaction> {
        Reaction::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the button shows.
    pub fn emoji(self) -> &'static str {
        match self {
            Reaction::Heart => "❤️",
            Reaction::Agree => "👍",
            Reaction::Insightful => "💡",
            Reaction::Thanks => "🙏",
        }
    }
}

/// Who may react to a post: a member who may post (verified, charter accepted) or a teammate,
/// and never its author.
pub fn may_react(viewer: Viewer, is_author: bool) -> bool {
    !is_author
        && matches!(
            viewer,
            Viewer::Staff
                | Viewer::Member {
                    verified: true,
                    charter_accepted: true
                }
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_nothing_else_is_a_reaction() {
        for r in Reaction::ALL {
            assert_eq!(Reaction::parse(r.code()), Some(r));
        }
        assert_eq!(Reaction::parse("<script>"), None);
    }

    #[test]
    fn members_and_the_team_react_to_others_posts() {
        let member = Viewer::Member {
            verified: true,
            charter_accepted: true,
        };
        assert!(may_react(member, false));
        assert!(!may_react(member, true));
        assert!(may_react(Viewer::Staff, false));
        assert!(!may_react(Viewer::Visitor, false));
        assert!(!may_react(
            Viewer::Member {
                verified: false,
                charter_accepted: true
            },
            false
        ));
    }
}
