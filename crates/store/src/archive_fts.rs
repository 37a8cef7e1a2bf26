//! The SQLite archive index (`item_fts`, migration 0028): what a row holds and how a search is
//! written for it. One place, so the writer and the searches agree.
//!
//! A row is the item's terms, space-separated, after a token naming its workspace. The terms are
//! words folded and stemmed by the pipeline: letters, digits, `_`, and `#` for hashtags, never a
//! space, a quote or `~`; the `ascii` tokenizer with `#_~` as token characters keeps each one
//! whole.

/// The token naming a workspace; no term can be one (a term has no `~`).
fn workspace_token(workspace_id: i64) -> String {
    format!("~{workspace_id}")
}

/// The indexed text of an item.
pub(crate) fn row(workspace_id: i64, terms: &[String]) -> String {
    let mut text = workspace_token(workspace_id);
    for term in terms {
        text.push(' ');
        text.push_str(term);
    }
    text
}

/// An FTS5 string: quoted, inner quotes doubled (a term never has one; a search might).
fn quoted(term: &str) -> String {
    format!("\"{}\"", term.replace('"', "\"\""))
}

/// The MATCH expression for items of the workspace that have, for each group, one of its terms.
pub(crate) fn matching(workspace_id: i64, groups: &[&[String]]) -> String {
    let mut expression = quoted(&workspace_token(workspace_id));
    for group in groups.iter().filter(|g| !g.is_empty()) {
        let alternatives: Vec<String> = group.iter().map(|t| quoted(t)).collect();
        expression.push_str(&format!(" AND ({})", alternatives.join(" OR ")));
    }
    expression
}

/// A row of an index whose terms carry their workspace (`12~rembours`): a search then reads
/// only its workspace's postings, instead of intersecting them with a token every row of the
/// workspace has (the community's index, migration 0043: three times faster at a million posts).
pub(crate) fn scoped_row(workspace_id: i64, terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("{workspace_id}~{t}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The MATCH expression of a [`scoped_row`] index: each group's terms, in the workspace.
pub(crate) fn scoped_matching(workspace_id: i64, groups: &[&[String]]) -> String {
    groups
        .iter()
        .filter(|g| !g.is_empty())
        .map(|group| {
            let alternatives: Vec<String> = group
                .iter()
                .map(|t| quoted(&format!("{workspace_id}~{t}")))
                .collect();
            format!("({})", alternatives.join(" OR "))
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scoped_rows_and_searches_carry_the_workspace_in_each_term() {
        let terms = vec!["rembours".to_owned(), "#sav".to_owned()];
        assert_eq!(scoped_row(12, &terms), "12~rembours 12~#sav");
        let groups = [&terms[..1], &terms[..]];
        assert_eq!(
            scoped_matching(12, &groups),
            r##"("12~rembours") AND ("12~rembours" OR "12~#sav")"##
        );
    }

    #[test]
    fn rows_and_searches_name_the_workspace() {
        let terms = vec!["rembours".to_owned(), "#sav".to_owned()];
        assert_eq!(row(12, &terms), "~12 rembours #sav");
        let groups = [&terms[..1], &terms[..]];
        assert_eq!(
            matching(12, &groups),
            r##""~12" AND ("rembours") AND ("rembours" OR "#sav")"##
        );
        assert_eq!(
            matching(3, &[&["a\"b".to_owned()][..]]),
            r#""~3" AND ("a""b")"#
        );
    }
}
