//! The charter's numbered rules (issue 17, item 1: "the charter is the law").
//!
//! A charter is Markdown; its rules are the items of its top-level numbered lists, numbered as
//! members read them (a list may start at any number). Moderation's decisions and messages cite
//! a rule by that number, and the site gives each rule its own address (`/charter#rule-3`).

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// A rule of the charter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub number: u64,
    /// Its words as plain text.
    pub text: String,
}

/// Where a top-level numbered list's items are, while reading a charter's events: the
/// number of the item an event belongs to, if it is a rule.
#[derive(Default)]
pub(crate) struct RuleTracker {
    /// Kinds of the lists open: `Some(next number)` for a numbered one.
    lists: Vec<Option<u64>>,
    /// The rule being read, and how deep in it (lists open inside it).
    current: Option<u64>,
}

impl RuleTracker {
    /// Follows `event`; returns the number of the rule it opens, if it opens one.
    pub(crate) fn follow(&mut self, event: &Event<'_>) -> Option<u64> {
        match event {
            Event::Start(Tag::List(start)) => self.lists.push(*start),
            Event::End(TagEnd::List(_)) => {
                self.lists.pop();
            }
            Event::Start(Tag::Item) if self.lists.len() == 1 => {
                if let Some(Some(next)) = self.lists.last_mut() {
                    let number = *next;
                    *next += 1;
                    self.current = Some(number);
                    return Some(number);
                }
            }
            Event::End(TagEnd::Item) if self.lists.len() == 1 => self.current = None,
            _ => {}
        }
        None
    }

    /// The rule the events now read belong to.
    fn current(&self) -> Option<u64> {
        self.current
    }
}

/// The charter's rules, in the order written.
pub fn rules(markdown: &str) -> Vec<Rule> {
    let mut tracker = RuleTracker::default();
    let mut rules: Vec<Rule> = Vec::new();
    for event in Parser::new(markdown) {
        if let Some(number) = tracker.follow(&event) {
            rules.push(Rule {
                number,
                text: String::new(),
            });
            continue;
        }
        let Some(rule) = rules.last_mut().filter(|_| tracker.current().is_some()) else {
            continue;
        };
        match event {
            Event::Text(t) | Event::Code(t) => rule.text.push_str(&t),
            // Blocks and breaks part words; inline ends (`**bold**`) do not.
            Event::SoftBreak
            | Event::HardBreak
            | Event::Start(Tag::Item | Tag::List(_) | Tag::Paragraph)
            | Event::End(TagEnd::Item | TagEnd::List(_) | TagEnd::Paragraph) => rule.text.push(' '),
            _ => {}
        }
    }
    for rule in &mut rules {
        rule.text = rule.text.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_the_top_level_numbered_items() {
        let charter = "## Charte\n\nBienvenue !\n\n\
                       1. **Bienveillance** : on critique les idées.\n\
                       2. **Pas de publicité**.\n   - ni affiliation\n   - ni spam\n\
                       3. Restez dans le sujet.\n\n\
                       - une puce n'est pas une règle\n\n\
                       L'équipe modère.\n\n\
                       4. **Vie privée**.\n";
        assert_eq!(
            rules(charter),
            [
                Rule {
                    number: 1,
                    text: "Bienveillance : on critique les idées.".into()
                },
                Rule {
                    number: 2,
                    text: "Pas de publicité. ni affiliation ni spam".into()
                },
                Rule {
                    number: 3,
                    text: "Restez dans le sujet.".into()
                },
                Rule {
                    number: 4,
                    text: "Vie privée.".into()
                },
            ]
        );
    }

    #[test]
    fn a_charter_without_a_numbered_list_has_no_rules() {
        assert_eq!(rules("Soyez bienveillants.\n\n- Pas de pub"), []);
        // A list starting at 5 numbers its rules from 5.
        assert_eq!(rules("5. Cinq\n6. Six")[1].number, 6);
    }
}
