//! The community space's rules (issue 16), with no I/O: what a category is and who may read
//! and post in it, what a topic's state allows, when a member must accept the charter again,
//! how a topic is cut into pages, and what a member may write (`text`) and how it is shown
//! (`markup`).
//!
//! Architecture invariant: this crate knows nothing of HTTP, SQL or templates. The store keeps
//! what these types describe; the public site (`jardinier-site`) and the workbench ask these
//! functions before they show or accept anything.

pub mod archive;
pub mod charter;
pub mod editing;
pub mod figures;
pub mod images;
pub mod markup;
pub mod reactions;
pub mod search;
pub mod text;

/// Who may read, or post in, a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Access {
    /// Anyone, signed in or not (reading); any member (posting).
    #[default]
    Everyone,
    /// Members who are signed in, with a verified address and the current charter accepted.
    Members,
    /// The brand's team only.
    Staff,
}

impl Access {
    pub const ALL: [Access; 3] = [Access::Everyone, Access::Members, Access::Staff];

    pub fn code(self) -> &'static str {
        match self {
            Access::Everyone => "everyone",
            Access::Members => "members",
            Access::Staff => "staff",
        }
    }

    pub fn parse(code: &str) -> Option<Access> {
        Access::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// What a category is for: it changes what its topics offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CategoryKind {
    #[default]
    Discussion,
    /// Questions and answers: the asker or the staff mark the accepted answer.
    Questions,
    /// Members propose improvements and vote; the staff set a status.
    Ideas,
    /// Newcomers introduce themselves; the category shows a prompt.
    Introductions,
}

impl CategoryKind {
    pub const ALL: [CategoryKind; 4] = [
        CategoryKind::Discussion,
        CategoryKind::Questions,
        CategoryKind::Ideas,
        CategoryKind::Introductions,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CategoryKind::Discussion => "discussion",
            CategoryKind::Questions => "questions",
            CategoryKind::Ideas => "ideas",
            CategoryKind::Introductions => "introductions",
        }
    }

    pub fn parse(code: &str) -> Option<CategoryKind> {
        CategoryKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// Who is looking at the community.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewer {
    /// Not signed in.
    Visitor,
    /// A signed-in member account.
    Member {
        verified: bool,
        /// The current charter's version is among those they accepted.
        charter_accepted: bool,
    },
    /// A teammate of the workspace (posts with the staff badge).
    Staff,
}

/// Why a viewer may not post: each answer says what they can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostRefusal {
    /// Sign in or sign up first.
    SignIn,
    /// Confirm the e-mail address first.
    VerifyEmail,
    /// Accept the current charter first.
    AcceptCharter,
    /// Only the team posts here.
    StaffOnly,
    /// The topic is closed or archived.
    TopicClosed,
}

/// Whether `viewer` may read a category with this access.
pub fn can_read(read: Access, viewer: Viewer) -> bool {
    match (read, viewer) {
        (Access::Everyone, _) => true,
        (Access::Members, Viewer::Visitor) => false,
        (Access::Members, _) => true,
        (Access::Staff, Viewer::Staff) => true,
        (Access::Staff, _) => false,
    }
}

/// Whether `viewer` may start a topic or reply in a category with this posting access (and a
/// topic in this state): the first thing that stops them, if anything does.
pub fn may_post(post: Access, viewer: Viewer, topic: TopicState) -> Result<(), PostRefusal> {
    if topic.closed || topic.archived {
        // The team may still add a last word to a closed topic, as in Discourse.
        if viewer != Viewer::Staff {
            return Err(PostRefusal::TopicClosed);
        }
    }
    match viewer {
        Viewer::Staff => Ok(()),
        _ if post == Access::Staff => Err(PostRefusal::StaffOnly),
        Viewer::Visitor => Err(PostRefusal::SignIn),
        Viewer::Member {
            verified: false, ..
        } => Err(PostRefusal::VerifyEmail),
        Viewer::Member {
            charter_accepted: false,
            ..
        } => Err(PostRefusal::AcceptCharter),
        Viewer::Member { .. } => Ok(()),
    }
}

/// A topic's flags, as far as posting is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TopicState {
    pub closed: bool,
    pub archived: bool,
}

/// Whether a member who accepted `accepted` (their latest version, if any) must accept the
/// `current` charter before posting. No charter published: nothing to accept.
pub fn must_accept_charter(accepted: Option<i64>, current: Option<i64>) -> bool {
    match (accepted, current) {
        (_, None) => false,
        (None, Some(_)) => true,
        (Some(a), Some(c)) => a < c,
    }
}

/// A colour as `#rrggbb` (lower case), or the default green: colours go into stylesheets, so
/// nothing else passes.
pub fn safe_colour(raw: &str) -> String {
    let ok =
        raw.len() == 7 && raw.starts_with('#') && raw[1..].chars().all(|c| c.is_ascii_hexdigit());
    if ok {
        raw.to_ascii_lowercase()
    } else {
        DEFAULT_COLOUR.to_owned()
    }
}

pub const DEFAULT_COLOUR: &str = "#2f6f4f";

/// What the team says it does with an idea.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdeaStatus {
    UnderReview,
    Planned,
    Done,
    Declined,
}

impl IdeaStatus {
    pub const ALL: [IdeaStatus; 4] = [
        IdeaStatus::UnderReview,
        IdeaStatus::Planned,
        IdeaStatus::Done,
        IdeaStatus::Declined,
    ];

    pub fn code(self) -> &'static str {
        match self {
            IdeaStatus::UnderReview => "under_review",
            IdeaStatus::Planned => "planned",
            IdeaStatus::Done => "done",
            IdeaStatus::Declined => "declined",
        }
    }

    pub fn parse(code: &str) -> Option<IdeaStatus> {
        IdeaStatus::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// Who may mark a reply as a question's accepted answer: the asker or the team, in a
/// questions category, and never the question itself.
pub fn may_accept_answer(
    kind: CategoryKind,
    viewer: Viewer,
    viewer_is_asker: bool,
    number: i64,
) -> bool {
    kind == CategoryKind::Questions
        && number > 1
        && (viewer == Viewer::Staff
            || (viewer_is_asker && matches!(viewer, Viewer::Member { verified: true, .. })))
}

/// Who may vote for an idea: a member who may post (one vote each; the team counts its members
/// in its own ways).
pub fn may_vote(kind: CategoryKind, viewer: Viewer) -> bool {
    kind == CategoryKind::Ideas
        && matches!(
            viewer,
            Viewer::Member {
                verified: true,
                charter_accepted: true
            }
        )
}

/// Posts shown on one page of a topic.
pub const POSTS_PER_PAGE: i64 = 20;

/// The numbers of the posts on page `page` (from 1) of a topic: posts keep their number for
/// ever (a deleted one leaves a placeholder), so a page is a range of numbers, read from an
/// index whatever the topic's length.
pub fn page_range(page: i64) -> (i64, i64) {
    let page = page.max(1);
    ((page - 1) * POSTS_PER_PAGE + 1, page * POSTS_PER_PAGE)
}

/// How many pages a topic of `posts` posts has (at least one).
pub fn page_count(posts: i64) -> i64 {
    ((posts.max(1) - 1) / POSTS_PER_PAGE) + 1
}

/// The page that shows post `number`.
pub fn page_of(number: i64) -> i64 {
    (number.max(1) - 1) / POSTS_PER_PAGE + 1
}

/// What a topic or a post is, for readers. A screening step (the moderation issue) holds a post
/// before anyone else sees it; its author still sees it, marked as waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PostStatus {
    #[default]
    Visible,
    /// Waiting for a moderator: shown to its author and the team only.
    Held,
    /// Removed by its author: its place is kept, its text is not shown.
    Deleted,
}

impl PostStatus {
    pub fn code(self) -> &'static str {
        match self {
            PostStatus::Visible => "visible",
            PostStatus::Held => "held",
            PostStatus::Deleted => "deleted",
        }
    }

    pub fn parse(code: &str) -> Option<PostStatus> {
        [PostStatus::Visible, PostStatus::Held, PostStatus::Deleted]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMBER: Viewer = Viewer::Member {
        verified: true,
        charter_accepted: true,
    };

    #[test]
    fn reading_follows_the_categorys_access() {
        assert!(can_read(Access::Everyone, Viewer::Visitor));
        assert!(!can_read(Access::Members, Viewer::Visitor));
        assert!(can_read(
            Access::Members,
            Viewer::Member {
                verified: false,
                charter_accepted: false
            }
        ));
        assert!(!can_read(Access::Staff, MEMBER));
        assert!(can_read(Access::Staff, Viewer::Staff));
    }

    #[test]
    fn posting_says_what_stops_the_member_first() {
        let open = TopicState::default();
        assert_eq!(
            may_post(Access::Everyone, Viewer::Visitor, open),
            Err(PostRefusal::SignIn)
        );
        assert_eq!(
            may_post(
                Access::Everyone,
                Viewer::Member {
                    verified: false,
                    charter_accepted: false
                },
                open
            ),
            Err(PostRefusal::VerifyEmail)
        );
        assert_eq!(
            may_post(
                Access::Members,
                Viewer::Member {
                    verified: true,
                    charter_accepted: false
                },
                open
            ),
            Err(PostRefusal::AcceptCharter)
        );
        assert_eq!(may_post(Access::Members, MEMBER, open), Ok(()));
        assert_eq!(
            may_post(Access::Staff, MEMBER, open),
            Err(PostRefusal::StaffOnly)
        );
        assert_eq!(may_post(Access::Staff, Viewer::Staff, open), Ok(()));
    }

    #[test]
    fn a_closed_topic_takes_replies_from_the_team_only() {
        let closed = TopicState {
            closed: true,
            archived: false,
        };
        assert_eq!(
            may_post(Access::Everyone, MEMBER, closed),
            Err(PostRefusal::TopicClosed)
        );
        assert_eq!(may_post(Access::Everyone, Viewer::Staff, closed), Ok(()));
    }

    #[test]
    fn a_new_charter_version_must_be_accepted_again() {
        assert!(!must_accept_charter(None, None));
        assert!(must_accept_charter(None, Some(1)));
        assert!(!must_accept_charter(Some(2), Some(2)));
        assert!(must_accept_charter(Some(1), Some(2)));
    }

    #[test]
    fn pages_are_ranges_of_post_numbers() {
        assert_eq!(page_range(1), (1, 20));
        assert_eq!(page_range(3), (41, 60));
        assert_eq!(page_range(0), (1, 20));
        assert_eq!(page_count(0), 1);
        assert_eq!(page_count(20), 1);
        assert_eq!(page_count(21), 2);
        assert_eq!(page_count(5001), 251);
        assert_eq!(page_of(1), 1);
        assert_eq!(page_of(20), 1);
        assert_eq!(page_of(21), 2);
    }

    #[test]
    fn the_asker_or_the_team_accepts_an_answer_in_questions_only() {
        assert!(may_accept_answer(CategoryKind::Questions, MEMBER, true, 2));
        assert!(!may_accept_answer(
            CategoryKind::Questions,
            MEMBER,
            false,
            2
        ));
        assert!(may_accept_answer(
            CategoryKind::Questions,
            Viewer::Staff,
            false,
            3
        ));
        assert!(!may_accept_answer(
            CategoryKind::Questions,
            Viewer::Staff,
            false,
            1
        ));
        assert!(!may_accept_answer(
            CategoryKind::Discussion,
            Viewer::Staff,
            false,
            2
        ));
        assert!(!may_accept_answer(
            CategoryKind::Questions,
            Viewer::Visitor,
            true,
            2
        ));
    }

    #[test]
    fn members_vote_for_ideas() {
        assert!(may_vote(CategoryKind::Ideas, MEMBER));
        assert!(!may_vote(CategoryKind::Ideas, Viewer::Visitor));
        assert!(!may_vote(CategoryKind::Questions, MEMBER));
        for s in IdeaStatus::ALL {
            assert_eq!(IdeaStatus::parse(s.code()), Some(s));
        }
    }

    #[test]
    fn colours_are_hex_or_the_default() {
        assert_eq!(safe_colour("#A1B2C3"), "#a1b2c3");
        assert_eq!(safe_colour("red;}body{display:none"), DEFAULT_COLOUR);
        assert_eq!(safe_colour("#12345"), DEFAULT_COLOUR);
    }

    #[test]
    fn codes_read_back() {
        for a in Access::ALL {
            assert_eq!(Access::parse(a.code()), Some(a));
        }
        for k in CategoryKind::ALL {
            assert_eq!(CategoryKind::parse(k.code()), Some(k));
        }
        assert_eq!(PostStatus::parse("held"), Some(PostStatus::Held));
        assert_eq!(Access::parse("admins"), None);
    }
}
