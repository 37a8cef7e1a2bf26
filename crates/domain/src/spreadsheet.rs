//! Cells of the CSV files Jardinier writes, safe to open in a spreadsheet.
//!
//! Excel, LibreOffice and Google Sheets run a cell that starts with `=`, `+`, `-` or `@` as a
//! formula, and some skip a leading tab or carriage return first; a public post ingested by
//! Listening could otherwise plant `=HYPERLINK(…)` in the file a community manager opens
//! (issue 14). Following OWASP's "CSV Injection" guidance, such a cell gets a leading single
//! quote, which spreadsheets show as text and people still read easily.
//!
//! Only text that people or networks control goes through [`cell`]: numbers that Jardinier
//! writes itself (ids, reach, a sentiment score of `-0.600`) stay numbers so that they can be
//! summed and sorted.

use std::borrow::Cow;

/// The characters that make a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// `text` as a CSV cell a spreadsheet shows as text.
pub fn cell(text: &str) -> Cow<'_, str> {
    if text.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The text [`cell`] was given, for files Jardinier reads back (the calendar's CSV): the quote
/// is removed only where `cell` would have added it.
pub fn text(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => cell,
    }
}

#[cfg(test)]
mod tests {
    use super::{cell, text};

    #[test]
    fn formulas_become_text_and_read_back() {
        for (raw, written) in [
            (
                "=HYPERLINK(\"http://evil.example\")",
                "'=HYPERLINK(\"http://evil.example\")",
            ),
            ("+33 6 12", "'+33 6 12"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
            ("Enfin remboursé", "Enfin remboursé"),
            ("'quoted", "'quoted"),
            ("", ""),
        ] {
            assert_eq!(cell(raw), written, "{raw:?}");
            assert_eq!(text(&cell(raw)), raw, "{raw:?}");
        }
    }
}
