//! One "save" for a conversation's details: who has it, its state, priority and queue, as the
//! form shows them, turned into the changes that differ, in an order that holds.

use crate::{Priority, State, StateError, after_assignment, set_by_hand};

/// A conversation's details as they are, or as the form asks them to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub assignee: Option<i64>,
    pub state: State,
    pub priority: Priority,
    pub queue: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    Assign(Option<i64>),
    State(State),
    Priority(Priority),
    Queue(Option<String>),
}

/// The changes from `now` to `wanted`: the assignee first (the state follows it, as when
/// assigning by itself), then the state if the form changed it and it still differs, checked
/// against the new assignee, then priority and queue. Nothing changes when a state cannot be
/// (the caller says why).
pub fn edits(now: &Details, wanted: &Details) -> Result<Vec<Edit>, StateError> {
    let mut edits = Vec::new();
    let mut state = now.state;
    if wanted.assignee != now.assignee {
        edits.push(Edit::Assign(wanted.assignee));
        state = after_assignment(state, wanted.assignee);
    }
    // The state as the form left it (untouched) follows the assignee like the rest.
    if wanted.state != now.state && wanted.state != state {
        edits.push(Edit::State(set_by_hand(wanted.state, wanted.assignee)?));
    }
    if wanted.priority != now.priority {
        edits.push(Edit::Priority(wanted.priority));
    }
    if wanted.queue != now.queue {
        edits.push(Edit::Queue(wanted.queue.clone()));
    }
    Ok(edits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn details(assignee: Option<i64>, state: State) -> Details {
        Details {
            assignee,
            state,
            priority: Priority::Normal,
            queue: None,
        }
    }

    #[test]
    fn only_what_differs_changes_and_the_state_follows_the_assignee() {
        let now = details(None, State::New);
        assert_eq!(edits(&now, &now), Ok(vec![]));
        // Given to someone with "new" left in the form: assigned, no second change.
        assert_eq!(
            edits(&now, &details(Some(7), State::New)),
            Ok(vec![Edit::Assign(Some(7))])
        );
        // Given and put on hold at once.
        assert_eq!(
            edits(&now, &details(Some(7), State::Waiting)),
            Ok(vec![Edit::Assign(Some(7)), Edit::State(State::Waiting)])
        );
        let mut wanted = details(None, State::New);
        wanted.priority = Priority::Urgent;
        wanted.queue = Some("presse".into());
        assert_eq!(
            edits(&now, &wanted),
            Ok(vec![
                Edit::Priority(Priority::Urgent),
                Edit::Queue(Some("presse".into()))
            ])
        );
    }

    #[test]
    fn a_state_that_cannot_be_is_refused_whole() {
        let now = details(None, State::New);
        assert_eq!(
            edits(&now, &details(None, State::Assigned)),
            Err(StateError::NobodyAssigned)
        );
        let taken = details(Some(7), State::Assigned);
        assert_eq!(
            edits(&taken, &details(Some(7), State::New)),
            Err(StateError::StillAssigned)
        );
        // Given back to the team: new again, nothing else to say.
        assert_eq!(
            edits(&taken, &details(None, State::New)),
            Ok(vec![Edit::Assign(None)])
        );
    }
}
