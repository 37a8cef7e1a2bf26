//! The inbox's rules, with no I/O: a conversation's workflow state and what moves it, its
//! priority, and the subject it is listed under.
//!
//! States: **new** (nobody has it) → **assigned** (a teammate has it) → **waiting** (answered,
//! waiting on the person) → **done**. A conversation whose person writes again is reopened:
//! back to *assigned* if someone has it, to *new* otherwise.

use std::fmt;

pub mod edit;
mod reply;
pub mod sla;
pub use reply::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    New,
    Assigned,
    Waiting,
    Done,
}

impl State {
    pub const ALL: [State; 4] = [State::New, State::Assigned, State::Waiting, State::Done];

    pub fn as_str(self) -> &'static str {
        match self {
            State::New => "new",
            State::Assigned => "assigned",
            State::Waiting => "waiting",
            State::Done => "done",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }

    /// Still needs someone: listed in the open queue.
    pub fn is_open(self) -> bool {
        !matches!(self, State::Done)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
}

impl Priority {
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }

    pub fn parse(text: &str) -> Option<Priority> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str() == text.trim())
    }
}

/// The state after (un)assigning: taking a new conversation makes it assigned, giving it back
/// makes it new again; a waiting or done conversation keeps its state.
pub fn after_assignment(state: State, assignee: Option<i64>) -> State {
    match (state, assignee) {
        (State::New, Some(_)) => State::Assigned,
        (State::Assigned, None) => State::New,
        (state, _) => state,
    }
}

/// The state after the person writes again: reopened unless it is still new or assigned.
pub fn after_inbound(state: State, assignee: Option<i64>) -> State {
    match (state, assignee) {
        (State::Waiting | State::Done, Some(_)) => State::Assigned,
        (State::Waiting | State::Done, None) => State::New,
        (state, _) => state,
    }
}

/// A state a teammate sets by hand, checked against the assignee: *assigned* needs someone.
pub fn set_by_hand(requested: State, assignee: Option<i64>) -> Result<State, StateError> {
    match (requested, assignee) {
        (State::Assigned, None) => Err(StateError::NobodyAssigned),
        (State::New, Some(_)) => Err(StateError::StillAssigned),
        (state, _) => Ok(state),
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    /// "Assigned" without an assignee.
    NobodyAssigned,
    /// "New" while someone has it: unassign instead.
    StillAssigned,
}

/// The subject a conversation is listed under: the first item's title, else the start of its
/// text, on one line, at most 90 characters.
pub fn subject(title: Option<&str>, text: &str) -> String {
    let source = title.filter(|t| !t.trim().is_empty()).unwrap_or(text);
    let one_line: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= 90 {
        return one_line;
    }
    let cut: String = one_line.chars().take(89).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assignment_moves_new_and_assigned_only() {
        use State::*;
        let cases = [
            (New, Some(1), Assigned),
            (New, None, New),
            (Assigned, None, New),
            (Assigned, Some(2), Assigned),
            (Waiting, Some(1), Waiting),
            (Waiting, None, Waiting),
            (Done, Some(1), Done),
        ];
        for (state, assignee, expected) in cases {
            assert_eq!(
                after_assignment(state, assignee),
                expected,
                "{state} {assignee:?}"
            );
        }
    }

    #[test]
    fn the_person_writing_again_reopens() {
        use State::*;
        let cases = [
            (Done, Some(1), Assigned),
            (Done, None, New),
            (Waiting, Some(1), Assigned),
            (Waiting, None, New),
            (New, None, New),
            (Assigned, Some(1), Assigned),
        ];
        for (state, assignee, expected) in cases {
            assert_eq!(
                after_inbound(state, assignee),
                expected,
                "{state} {assignee:?}"
            );
        }
    }

    #[test]
    fn states_set_by_hand_agree_with_the_assignee() {
        assert_eq!(set_by_hand(State::Done, None), Ok(State::Done));
        assert_eq!(set_by_hand(State::Waiting, Some(1)), Ok(State::Waiting));
        assert_eq!(
            set_by_hand(State::Assigned, None),
            Err(StateError::NobodyAssigned)
        );
        assert_eq!(
            set_by_hand(State::New, Some(3)),
            Err(StateError::StillAssigned)
        );
        assert_eq!(set_by_hand(State::New, None), Ok(State::New));
    }

    #[test]
    fn subjects_are_one_short_line() {
        assert_eq!(subject(Some("Commande 4512"), "texte"), "Commande 4512");
        assert_eq!(
            subject(Some("  "), "Bonjour\nma commande"),
            "Bonjour ma commande"
        );
        let long = "mot ".repeat(40);
        let s = subject(None, &long);
        assert_eq!(s.chars().count(), 90);
        assert!(s.ends_with('…'));
    }

    #[test]
    fn names_round_trip() {
        for s in State::ALL {
            assert_eq!(State::parse(s.as_str()), Some(s));
        }
        for p in Priority::ALL {
            assert_eq!(Priority::parse(p.as_str()), Some(p));
        }
        assert_eq!(State::parse("closed"), None);
    }
}

/// Authors whose audience makes a complaint urgent, or anything they say a priority.
pub const LARGE_AUDIENCE: i64 = 10_000;
pub const WIDE_AUDIENCE: i64 = 50_000;
pub const SOME_AUDIENCE: i64 = 1_000;

/// The priority a mention opens its conversation with, before any rule: what it could cost the
/// brand. A negative mention by an author with a large audience (10,000 or more) is urgent,
/// with some audience (1,000 or more) high; anything said to a wide audience (50,000 or more)
/// is high; the rest normal. A routing rule's priority replaces it.
pub fn initial_priority(sentiment: Option<&str>, reach: Option<i64>) -> Priority {
    let reach = reach.unwrap_or(0);
    match sentiment {
        Some("negative") if reach >= LARGE_AUDIENCE => Priority::Urgent,
        Some("negative") if reach >= SOME_AUDIENCE => Priority::High,
        _ if reach >= WIDE_AUDIENCE => Priority::High,
        _ => Priority::Normal,
    }
}

#[cfg(test)]
mod priority_tests {
    use super::*;

    #[test]
    fn reach_and_negativity_raise_the_priority() {
        assert_eq!(
            initial_priority(Some("negative"), Some(121_000)),
            Priority::Urgent
        );
        assert_eq!(
            initial_priority(Some("negative"), Some(2_500)),
            Priority::High
        );
        assert_eq!(
            initial_priority(Some("negative"), Some(40)),
            Priority::Normal
        );
        assert_eq!(
            initial_priority(Some("positive"), Some(121_000)),
            Priority::High
        );
        assert_eq!(
            initial_priority(Some("neutral"), Some(9_000)),
            Priority::Normal
        );
        assert_eq!(initial_priority(None, None), Priority::Normal);
    }
}

/// A routing rule's conditions: every condition given must hold (an empty list or `None`
/// means "any"). Keywords are a saved-search expression checked by the caller, which has the
/// matcher.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleConditions {
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub query_ids: Vec<i64>,
    #[serde(default)]
    pub langs: Vec<String>,
    #[serde(default)]
    pub sentiments: Vec<String>,
    #[serde(default)]
    pub min_reach: Option<i64>,
    #[serde(default)]
    pub keywords: Option<String>,
    /// The author's profile carries one of these tags (Members).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_tags: Vec<String>,
}

/// What a routing rule does with a mention that meets its conditions: it goes to the inbox,
/// given to someone and with a priority if the rule says so.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleAction {
    #[serde(default)]
    pub assign_to: Option<i64>,
    #[serde(default)]
    pub priority: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A team queue (support, sales…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    /// Closed as spam at once (labelled `spam`, done).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub spam: bool,
}

/// What a rule looks at in a mention, besides its words.
pub struct Facts<'a> {
    pub source_kind: &'a str,
    pub query_ids: &'a [i64],
    pub lang: Option<&'a str>,
    pub sentiment: Option<&'a str>,
    pub reach: Option<i64>,
    /// The tags of the author's profile, if they have one.
    pub member_tags: &'a [String],
}

impl RuleConditions {
    /// Whether a mention meets every condition; `keywords_match` is the caller's verdict on
    /// `keywords` (ignored when there are none).
    pub fn holds(&self, facts: &Facts, keywords_match: bool) -> bool {
        let any_or = |list: &[String], value: Option<&str>| {
            list.is_empty() || value.is_some_and(|v| list.iter().any(|x| x == v))
        };
        any_or(&self.sources, Some(facts.source_kind))
            && (self.query_ids.is_empty()
                || self.query_ids.iter().any(|q| facts.query_ids.contains(q)))
            && any_or(&self.langs, facts.lang)
            && any_or(&self.sentiments, facts.sentiment)
            && self
                .min_reach
                .is_none_or(|min| facts.reach.is_some_and(|r| r >= min))
            && (self.keywords.is_none() || keywords_match)
            && (self.member_tags.is_empty()
                || facts
                    .member_tags
                    .iter()
                    .any(|t| self.member_tags.contains(t)))
    }
}

#[cfg(test)]
mod routing_tests {
    use super::*;

    fn facts<'a>(query_ids: &'a [i64]) -> Facts<'a> {
        Facts {
            source_kind: "mastodon",
            query_ids,
            lang: Some("fr"),
            sentiment: Some("negative"),
            reach: Some(1_200),
            member_tags: &[],
        }
    }

    #[test]
    fn every_given_condition_must_hold() {
        let brand = [7];
        let cases: Vec<(RuleConditions, bool, bool)> = vec![
            (RuleConditions::default(), false, true),
            (
                RuleConditions {
                    sources: vec!["mastodon".into()],
                    ..Default::default()
                },
                false,
                true,
            ),
            (
                RuleConditions {
                    sources: vec!["imap".into()],
                    ..Default::default()
                },
                false,
                false,
            ),
            (
                RuleConditions {
                    query_ids: vec![3, 7],
                    ..Default::default()
                },
                false,
                true,
            ),
            (
                RuleConditions {
                    query_ids: vec![3],
                    ..Default::default()
                },
                false,
                false,
            ),
            (
                RuleConditions {
                    langs: vec!["en".into()],
                    ..Default::default()
                },
                false,
                false,
            ),
            (
                RuleConditions {
                    sentiments: vec!["negative".into()],
                    langs: vec!["fr".into()],
                    ..Default::default()
                },
                false,
                true,
            ),
            (
                RuleConditions {
                    min_reach: Some(1_000),
                    ..Default::default()
                },
                false,
                true,
            ),
            (
                RuleConditions {
                    min_reach: Some(5_000),
                    ..Default::default()
                },
                false,
                false,
            ),
            (
                RuleConditions {
                    keywords: Some("rembours*".into()),
                    ..Default::default()
                },
                true,
                true,
            ),
            (
                RuleConditions {
                    keywords: Some("rembours*".into()),
                    ..Default::default()
                },
                false,
                false,
            ),
        ];
        let tagged = vec!["vip".to_owned()];
        let vip = RuleConditions {
            member_tags: vec!["vip".into(), "presse".into()],
            ..Default::default()
        };
        assert!(vip.holds(
            &Facts {
                member_tags: &tagged,
                ..facts(&brand)
            },
            false
        ));
        assert!(!vip.holds(&facts(&brand), false), "no profile, no tag");
        for (conditions, keywords_match, expected) in cases {
            assert_eq!(
                conditions.holds(&facts(&brand), keywords_match),
                expected,
                "{conditions:?}"
            );
        }
        let unknown_reach = Facts {
            reach: None,
            ..facts(&brand)
        };
        let reach = RuleConditions {
            min_reach: Some(1),
            ..Default::default()
        };
        assert!(
            !reach.holds(&unknown_reach, false),
            "an unknown reach is not a high one"
        );
    }
}
