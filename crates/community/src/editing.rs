//! Changing what was written (issue 16, item 3). Authors edit their posts, and every earlier
//! version stays readable as a revision (so an edit cannot quietly rewrite a discussion); they
//! delete them softly: the post keeps its place and number, readers see that its author deleted
//! it, the team still reads the text (moderation needs it). The team may edit and delete any
//! post.

use crate::{PostStatus, TopicState, Viewer};

/// Why a post may not be changed: each answer says why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeRefusal {
    /// Sign in first.
    SignIn,
    /// Only its author (or the team) changes a post.
    NotYours,
    /// A deleted post is not changed any more.
    Deleted,
    /// An archived topic is kept as it is.
    Archived,
    /// A topic others replied to stays: its first post can be edited, not deleted.
    HasReplies,
}

impl ChangeRefusal {
    /// The catalogue key of the message that explains it.
    pub fn key(self) -> &'static str {
        match self {
            ChangeRefusal::SignIn => "site.change.sign_in",
            ChangeRefusal::NotYours => "site.change.not_yours",
            ChangeRefusal::Deleted => "site.change.deleted",
            ChangeRefusal::Archived => "site.change.archived",
            ChangeRefusal::HasReplies => "site.change.has_replies",
        }
    }
}

/// Whether `viewer` may edit a post (`is_author`: it is theirs).
pub fn may_edit(
    viewer: Viewer,
    is_author: bool,
    status: PostStatus,
    topic: TopicState,
) -> Result<(), ChangeRefusal> {
    if status == PostStatus::Deleted {
        return Err(ChangeRefusal::Deleted);
    }
    match viewer {
        Viewer::Staff => Ok(()),
        Viewer::Visitor => Err(ChangeRefusal::SignIn),
        Viewer::Member { .. } if !is_author => Err(ChangeRefusal::NotYours),
        Viewer::Member { .. } if topic.archived => Err(ChangeRefusal::Archived),
        Viewer::Member { .. } => Ok(()),
    }
}

/// Whether `viewer` may delete post `number` of a topic whose other posts are `replies` (by
/// anyone). Deleting the first post deletes the topic.
pub fn may_delete(
    viewer: Viewer,
    is_author: bool,
    status: PostStatus,
    topic: TopicState,
    number: i64,
    replies: i64,
) -> Result<(), ChangeRefusal> {
    may_edit(viewer, is_author, status, topic)?;
    if viewer != Viewer::Staff && number == 1 && replies > 0 {
        return Err(ChangeRefusal::HasReplies);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEMBER: Viewer = Viewer::Member {
        verified: true,
        charter_accepted: true,
    };
    const OPEN: TopicState = TopicState {
        closed: false,
        archived: false,
    };

    #[test]
    fn authors_and_the_team_edit_others_do_not() {
        assert_eq!(may_edit(MEMBER, true, PostStatus::Visible, OPEN), Ok(()));
        assert_eq!(may_edit(MEMBER, true, PostStatus::Held, OPEN), Ok(()));
        assert_eq!(
            may_edit(MEMBER, false, PostStatus::Visible, OPEN),
            Err(ChangeRefusal::NotYours)
        );
        assert_eq!(
            may_edit(Viewer::Visitor, false, PostStatus::Visible, OPEN),
            Err(ChangeRefusal::SignIn)
        );
        assert_eq!(
            may_edit(Viewer::Staff, false, PostStatus::Visible, OPEN),
            Ok(())
        );
        // A closed topic's posts can still be corrected; an archived one is kept as it is.
        let closed = TopicState {
            closed: true,
            archived: false,
        };
        assert_eq!(may_edit(MEMBER, true, PostStatus::Visible, closed), Ok(()));
        let archived = TopicState {
            closed: true,
            archived: true,
        };
        assert_eq!(
            may_edit(MEMBER, true, PostStatus::Visible, archived),
            Err(ChangeRefusal::Archived)
        );
        assert_eq!(
            may_edit(Viewer::Staff, true, PostStatus::Deleted, OPEN),
            Err(ChangeRefusal::Deleted)
        );
    }

    #[test]
    fn a_topic_others_replied_to_is_not_deleted_by_its_author() {
        let delete = |viewer, number, replies| {
            may_delete(viewer, true, PostStatus::Visible, OPEN, number, replies)
        };
        assert_eq!(delete(MEMBER, 1, 0), Ok(()));
        assert_eq!(delete(MEMBER, 1, 2), Err(ChangeRefusal::HasReplies));
        assert_eq!(delete(MEMBER, 3, 2), Ok(()));
        assert_eq!(delete(Viewer::Staff, 1, 2), Ok(()));
    }
}
