//! Measuring sentiment on labelled text: accuracy with its 95 % Wilson interval and a confusion
//! matrix. Used by `jardinier analyze --eval FILE`, the accuracy tests and the training example,
//! so every figure quoted anywhere is computed the same way.
//!
//! Two accuracies:
//! - **binary**, on the positive and negative texts only, reading the score's sign (above 0
//!   positive, below 0 negative, exactly 0 wrong): how review and polarity sets are scored;
//! - **three-class**, on every text, reading the label (neutral included).

use std::fmt;

use crate::{Label, Sentiment};

/// A line of a labelled file that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

fn parse_label(s: &str) -> Option<Label> {
    match s.trim().to_ascii_lowercase().as_str() {
        "positive" | "pos" | "1" | "+1" => Some(Label::Positive),
        "neutral" | "neu" | "0" => Some(Label::Neutral),
        "negative" | "neg" | "-1" => Some(Label::Negative),
        _ => None,
    }
}

/// Reads `label<TAB>text` lines (label: positive, neutral or negative; pos/neu/neg and 1/0/-1
/// also accepted). Blank lines are skipped; anything else that does not fit is an error naming
/// its line.
pub fn parse_labelled(content: &str) -> Result<Vec<(Label, String)>, ParseError> {
    let mut items = Vec::new();
    for (i, line) in content.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let Some((label, text)) = line.split_once('\t') else {
            return Err(ParseError {
                line: i + 1,
                message: "expected a label, a tab, then the text".to_owned(),
            });
        };
        let Some(label) = parse_label(label) else {
            return Err(ParseError {
                line: i + 1,
                message: format!("unknown label {label:?} (use positive, neutral or negative)"),
            });
        };
        items.push((label, text.to_owned()));
    }
    Ok(items)
}

/// Reads a VADER ground-truth file (Hutto & Gilbert 2014): `id<TAB>mean rating<TAB>text`,
/// ratings from -4 to 4. A mean of 0.5 or more is positive, -0.5 or less negative, neutral in
/// between. Lines without a number are skipped.
pub fn parse_vader(content: &str) -> Vec<(Label, String)> {
    content
        .lines()
        .filter_map(|line| {
            let mut cols = line.trim_end_matches('\r').splitn(3, '\t');
            let (_, rating, text) = (cols.next()?, cols.next()?, cols.next()?);
            let rating: f64 = rating.trim().parse().ok()?;
            let label = if rating >= 0.5 {
                Label::Positive
            } else if rating <= -0.5 {
                Label::Negative
            } else {
                Label::Neutral
            };
            Some((label, text.to_owned()))
        })
        .collect()
}

/// Splits a set into a training part (even positions) and a held-out part (odd positions).
pub fn halves<T>(items: Vec<T>) -> (Vec<T>, Vec<T>) {
    let (even, odd): (Vec<_>, Vec<_>) =
        items.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
    (
        even.into_iter().map(|(_, x)| x).collect(),
        odd.into_iter().map(|(_, x)| x).collect(),
    )
}

/// The 95 % Wilson score interval of `k` successes out of `n`.
pub fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = 1.959_964_f64;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denominator = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denominator;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denominator;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

const CLASSES: [Label; 3] = [Label::Positive, Label::Neutral, Label::Negative];

fn index(label: Label) -> usize {
    match label {
        Label::Positive => 0,
        Label::Neutral => 1,
        Label::Negative => 2,
    }
}

/// Counts of (gold, predicted) over a set.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// `labels[gold][predicted]`, classes in the order positive, neutral, negative.
    pub labels: [[usize; 3]; 3],
    /// Positive and negative texts whose score had the right sign.
    pub binary_right: usize,
    /// Positive and negative texts.
    pub binary_total: usize,
    /// Positive and negative texts scored exactly 0.
    pub zeros: usize,
}

impl Report {
    /// Adds one text's gold label and prediction.
    pub fn add(&mut self, gold: Label, got: Sentiment) {
        self.labels[index(gold)][index(got.label)] += 1;
        if gold != Label::Neutral {
            self.binary_total += 1;
            let right = match gold {
                Label::Positive => got.score > 0.0,
                _ => got.score < 0.0,
            };
            self.binary_right += usize::from(right);
            self.zeros += usize::from(got.score == 0.0);
        }
    }

    pub fn total(&self) -> usize {
        self.labels.iter().flatten().sum()
    }

    /// Binary accuracy and its interval.
    pub fn binary(&self) -> (f64, (f64, f64)) {
        let n = self.binary_total.max(1);
        (
            self.binary_right as f64 / n as f64,
            wilson(self.binary_right, self.binary_total),
        )
    }

    /// Three-class accuracy and its interval.
    pub fn three_class(&self) -> (f64, (f64, f64)) {
        let right: usize = (0..3).map(|i| self.labels[i][i]).sum();
        let n = self.total();
        (right as f64 / n.max(1) as f64, wilson(right, n))
    }

    /// Whether the set has neutral texts (three-class figures mean something).
    pub fn has_neutral(&self) -> bool {
        self.labels[1].iter().sum::<usize>() > 0
    }
}

impl fmt::Display for Report {
    /// A few lines: the accuracies with their intervals, then the confusion matrix.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (b, (lo, hi)) = self.binary();
        writeln!(
            f,
            "binary accuracy {b:.3} (95 % CI {lo:.3}–{hi:.3}), {} of {} positive/negative texts, {} scored exactly 0",
            self.binary_right, self.binary_total, self.zeros
        )?;
        if self.has_neutral() {
            let (a, (lo, hi)) = self.three_class();
            writeln!(
                f,
                "3-class accuracy {a:.3} (95 % CI {lo:.3}–{hi:.3}) over {} texts",
                self.total()
            )?;
        }
        writeln!(f, "gold \\ predicted   positive   neutral  negative")?;
        for (i, class) in CLASSES.iter().enumerate() {
            if self.labels[i].iter().sum::<usize>() == 0 {
                continue;
            }
            writeln!(
                f,
                "{:<18}{:>9}{:>10}{:>10}",
                class.as_str(),
                self.labels[i][0],
                self.labels[i][1],
                self.labels[i][2]
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_interval_matches_the_textbook_value() {
        // 81 of 100: the Wilson interval is 0.722–0.875.
        let (lo, hi) = wilson(81, 100);
        assert!(
            (lo - 0.722).abs() < 0.001 && (hi - 0.875).abs() < 0.001,
            "{lo} {hi}"
        );
    }

    #[test]
    fn a_zero_score_is_wrong_in_binary_accuracy() {
        let mut r = Report::default();
        let s = |label, score| Sentiment { label, score };
        r.add(Label::Positive, s(Label::Positive, 0.4));
        r.add(Label::Negative, s(Label::Neutral, 0.0));
        r.add(Label::Neutral, s(Label::Neutral, 0.01));
        assert_eq!((r.binary_right, r.binary_total, r.zeros), (1, 2, 1));
        assert_eq!(r.labels[1][1], 1);
        assert!(r.to_string().contains("binary accuracy 0.500"));
    }

    #[test]
    fn a_bad_line_is_named() {
        let err = parse_labelled("positive\tgood\nbogus\ttext\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("bogus"));
        let err = parse_labelled("no tab here").unwrap_err();
        assert!(err.to_string().starts_with("line 1: expected a label"));
    }
}
