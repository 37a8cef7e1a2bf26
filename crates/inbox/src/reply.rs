//! Replies: who may send one without approval, what a reply does to its conversation, and the
//! saved replies' variables.

use crate::{Priority, State};

/// What happens to a conversation when a teammate's reply is accepted: it waits on the person
/// (or is done, when the teammate chose "send and close"), and it belongs to whoever answered if
/// nobody had it.
/// Whatever the state was: a reply answers a new conversation as well as a reopened one.
pub fn after_reply(assignee: Option<i64>, author: i64, close: bool) -> (State, Option<i64>) {
    let assignee = assignee.or(Some(author));
    (if close { State::Done } else { State::Waiting }, assignee)
}

/// Whether a reply must be approved before it goes out: replies of teammates who may not answer
/// on their own (moderators), and any reply on an urgent conversation (a sensitive case) unless
/// its author may approve replies.
pub fn needs_approval(
    author_may_reply_alone: bool,
    author_may_approve: bool,
    priority: Priority,
) -> bool {
    if author_may_approve {
        return false;
    }
    !author_may_reply_alone || priority == Priority::Urgent
}

/// The variables a saved reply may use, with their French names: a French-speaking team writes
/// `{{prenom}}`, an English-speaking one `{{first_name}}`; both mean the same.
pub const VARIABLES: [(&str, &str); 5] = [
    ("first_name", "prenom"),
    ("name", "nom"),
    ("handle", "pseudo"),
    ("agent", "conseiller"),
    ("brand", "marque"),
];

/// The values of a saved reply's variables for one conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplyContext {
    /// The person's name as the channel gives it.
    pub name: Option<String>,
    pub handle: Option<String>,
    /// The teammate who answers.
    pub agent: String,
    /// The workspace's name.
    pub brand: String,
}

impl ReplyContext {
    fn value(&self, variable: &str) -> String {
        let name = self.name.clone().filter(|n| !n.trim().is_empty());
        match variable {
            "first_name" => name
                .as_deref()
                .and_then(|n| n.split_whitespace().next())
                .map(str::to_owned)
                .or_else(|| self.handle.clone())
                .unwrap_or_default(),
            "name" => name.or_else(|| self.handle.clone()).unwrap_or_default(),
            "handle" => self.handle.clone().unwrap_or_default(),
            "agent" => self
                .agent
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned(),
            "brand" => self.brand.clone(),
            _ => String::new(),
        }
    }
}

/// A variable the saved reply names but nobody knows, with where it is (a character offset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateError {
    UnknownVariable { name: String, at: usize },
    Unclosed { at: usize },
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TemplateError::UnknownVariable { name, at } => write!(
                f,
                "{{{{{name}}}}} at character {} is not a variable (use {})",
                at + 1,
                known_variables()
            ),
            TemplateError::Unclosed { at } => {
                write!(
                    f,
                    "the {{{{ at character {} is never closed by }}}}",
                    at + 1
                )
            }
        }
    }
}

/// Every variable name, English then French, for messages.
pub fn known_variables() -> String {
    VARIABLES
        .iter()
        .map(|(en, fr)| format!("{{{{{en}}}}} / {{{{{fr}}}}}"))
        .collect::<Vec<_>>()
        .join(", ")
}

enum Piece<'a> {
    Text(&'a str),
    Variable(&'static str),
}

fn canonical(name: &str) -> Option<&'static str> {
    let name = name.trim();
    VARIABLES
        .iter()
        .find(|(en, fr)| {
            name.eq_ignore_ascii_case(en)
                || name.eq_ignore_ascii_case(fr)
                || (*fr == "prenom" && name == "prénom")
        })
        .map(|(en, _)| *en)
}

fn pieces(body: &str) -> Result<Vec<Piece<'_>>, TemplateError> {
    let mut out = Vec::new();
    let mut rest = body;
    let mut offset = 0;
    while let Some(start) = rest.find("{{") {
        out.push(Piece::Text(&rest[..start]));
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(TemplateError::Unclosed {
                at: body[..offset + start].chars().count(),
            });
        };
        let name = &after[..end];
        let Some(variable) = canonical(name) else {
            return Err(TemplateError::UnknownVariable {
                name: name.trim().to_owned(),
                at: body[..offset + start].chars().count(),
            });
        };
        out.push(Piece::Variable(variable));
        let consumed = start + 2 + end + 2;
        offset += consumed;
        rest = &rest[consumed..];
    }
    out.push(Piece::Text(rest));
    Ok(out)
}

/// Checks a saved reply's text before it is saved.
pub fn check_template(body: &str) -> Result<(), TemplateError> {
    pieces(body).map(drop)
}

/// The saved reply's text with its variables filled in for one conversation.
pub fn render_template(body: &str, context: &ReplyContext) -> Result<String, TemplateError> {
    Ok(pieces(body)?
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.to_owned(),
            Piece::Variable(name) => context.value(name),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context() -> ReplyContext {
        ReplyContext {
            name: Some("Léa Martin".into()),
            handle: Some("@lea@piaille.fr".into()),
            agent: "Camille Roux".into(),
            brand: "Brûlerie du Canal".into(),
        }
    }

    #[test]
    fn variables_are_filled_in_both_languages() {
        let text = render_template(
            "Bonjour {{prenom}}, ici {{conseiller}} de {{marque}}. {{ first_name }} / {{name}} / {{pseudo}}",
            &context(),
        )
        .unwrap();
        assert_eq!(
            text,
            "Bonjour Léa, ici Camille de Brûlerie du Canal. Léa / Léa Martin / @lea@piaille.fr"
        );
        assert_eq!(render_template("{{prénom}}", &context()).unwrap(), "Léa");
    }

    #[test]
    fn a_person_without_a_name_is_called_by_their_handle() {
        let ctx = ReplyContext {
            name: None,
            ..context()
        };
        assert_eq!(
            render_template("Hi {{first_name}}", &ctx).unwrap(),
            "Hi @lea@piaille.fr"
        );
    }

    #[test]
    fn unknown_and_unclosed_variables_say_where() {
        assert_eq!(
            check_template("Bonjour {{prenon}} !"),
            Err(TemplateError::UnknownVariable {
                name: "prenon".into(),
                at: 8
            })
        );
        assert_eq!(
            check_template("Café {{prenom"),
            Err(TemplateError::Unclosed { at: 5 })
        );
        let message = check_template("x {{foo}}").unwrap_err().to_string();
        assert!(message.contains("character 3"), "{message}");
        assert!(message.contains("{{first_name}} / {{prenom}}"), "{message}");
        assert!(check_template("no variables at all { }").is_ok());
    }

    #[test]
    fn replying_waits_on_the_person_and_keeps_or_takes_the_conversation() {
        use State::*;
        let cases = [
            (None, false, (Waiting, Some(7))),
            (Some(3), false, (Waiting, Some(3))),
            (None, true, (Done, Some(7))),
            (Some(3), true, (Done, Some(3))),
        ];
        for (assignee, close, expected) in cases {
            assert_eq!(
                after_reply(assignee, 7, close),
                expected,
                "{assignee:?} close={close}"
            );
        }
    }

    #[test]
    fn approval_table() {
        use Priority::*;
        // (may reply alone, may approve, priority) → needs approval
        let cases = [
            (true, true, Urgent, false),
            (true, false, Normal, false),
            (true, false, Urgent, true),
            (false, false, Low, true),
            (false, false, Urgent, true),
        ];
        for (alone, approve, priority, expected) in cases {
            assert_eq!(
                needs_approval(alone, approve, priority),
                expected,
                "{alone} {approve} {priority:?}"
            );
        }
    }
}

/// The teammates a note mentions with `@name`: `name` is the part of their e-mail address
/// before the `@`, or their first name, in any case and with or without accents
/// (`@camille`, `@Lucas`, `@lucas.bernard`). Each teammate once, in the order given.
pub fn mentioned(note: &str, teammates: &[(i64, &str, &str)]) -> Vec<i64> {
    let fold = |s: &str| jardinier_members::fold(s.trim());
    let words: Vec<String> = note
        .split(|c: char| !(c.is_alphanumeric() || matches!(c, '@' | '.' | '_' | '-')))
        .filter_map(|w| w.strip_prefix('@'))
        .map(|w| fold(w.trim_end_matches(['.', '-', '_'])))
        .filter(|w| !w.is_empty())
        .collect();
    teammates
        .iter()
        .filter(|(_, email, name)| {
            let local = fold(email.split('@').next().unwrap_or_default());
            let first = fold(name.split_whitespace().next().unwrap_or_default());
            words.iter().any(|w| *w == local || *w == first)
        })
        .map(|(id, _, _)| *id)
        .collect()
}

#[cfg(test)]
mod mention_tests {
    use super::mentioned;

    #[test]
    fn notes_mention_teammates_by_address_or_first_name() {
        let team = [
            (1, "camille@pollen.example", "Camille Martin"),
            (2, "lucas.bernard@pollen.example", "Lucas Bernard"),
            (3, "ines@pollen.example", "Inès Haddad"),
        ];
        assert_eq!(
            mentioned("@Lucas tu peux regarder ? cc @INES.", &team),
            vec![2, 3]
        );
        assert_eq!(mentioned("voir @lucas.bernard", &team), vec![2]);
        assert_eq!(
            mentioned("écrire à contact@pollen.example", &team),
            Vec::<i64>::new()
        );
        assert_eq!(mentioned("@camille @camille", &team), vec![1]);
        assert_eq!(mentioned("@inès", &team), vec![3]);
    }
}
