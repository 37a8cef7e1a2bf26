//! Measuring the classifiers on labelled text: `label<TAB>text` files, a confusion matrix,
//! accuracy with its 95 % interval, and a balanced subset (as many of each class) drawn the same
//! way on every machine.

use std::fmt;

/// One labelled text: whether it is of the positive class (spam, insult), and the text.
pub type Labelled = (bool, String);

/// What is wrong with a labelled file.
#[derive(Debug, Clone, PartialEq, Eq)]
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

/// Labels read as the positive class, and as the negative one.
const POSITIVE: &[&str] = &["spam", "insult", "toxic", "1"];
const NEGATIVE: &[&str] = &["ham", "ok", "clean", "complaint", "0"];

/// Parses `label<TAB>text` lines (blank lines and `#` comments skipped).
pub fn parse_labelled(content: &str) -> Result<Vec<Labelled>, ParseError> {
    let mut out = Vec::new();
    for (i, line) in content.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((label, text)) = line.split_once('\t') else {
            return Err(ParseError {
                line: i + 1,
                message: "expected a label, a tab, then the text".into(),
            });
        };
        let label = label.trim().to_lowercase();
        let positive = if POSITIVE.contains(&label.as_str()) {
            true
        } else if NEGATIVE.contains(&label.as_str()) {
            false
        } else {
            return Err(ParseError {
                line: i + 1,
                message: format!(
                    "unknown label \"{label}\" (expected one of {} or {})",
                    POSITIVE.join(", "),
                    NEGATIVE.join(", ")
                ),
            });
        };
        out.push((positive, text.to_owned()));
    }
    Ok(out)
}

/// As many texts of each class as the rarer one has, the same ones on every run (the first of
/// the more common class in an order fixed by a hash of their text).
pub fn balanced(items: &[Labelled]) -> Vec<Labelled> {
    let (mut pos, mut neg): (Vec<&Labelled>, Vec<&Labelled>) = items.iter().partition(|(y, _)| *y);
    let n = pos.len().min(neg.len());
    let key = |t: &String| {
        t.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    };
    pos.sort_by_key(|(_, t)| key(t));
    neg.sort_by_key(|(_, t)| key(t));
    pos.into_iter()
        .take(n)
        .chain(neg.into_iter().take(n))
        .cloned()
        .collect()
}

/// Counts of gold × predicted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Confusion {
    pub true_positive: usize,
    pub false_negative: usize,
    pub false_positive: usize,
    pub true_negative: usize,
}

impl Confusion {
    pub fn add(&mut self, gold: bool, predicted: bool) {
        match (gold, predicted) {
            (true, true) => self.true_positive += 1,
            (true, false) => self.false_negative += 1,
            (false, true) => self.false_positive += 1,
            (false, false) => self.true_negative += 1,
        }
    }

    pub fn total(&self) -> usize {
        self.true_positive + self.false_negative + self.false_positive + self.true_negative
    }

    /// Accuracy and its 95 % Wilson interval.
    pub fn accuracy(&self) -> (f64, (f64, f64)) {
        let right = self.true_positive + self.true_negative;
        ratio(right, self.total())
    }

    /// The share of negative texts predicted positive, and its 95 % interval.
    pub fn false_positive_rate(&self) -> (f64, (f64, f64)) {
        ratio(
            self.false_positive,
            self.false_positive + self.true_negative,
        )
    }
}

fn ratio(k: usize, n: usize) -> (f64, (f64, f64)) {
    let value = if n == 0 { 0.0 } else { k as f64 / n as f64 };
    (value, jardinier_analysis::eval::wilson(k, n))
}

impl fmt::Display for Confusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (acc, (lo, hi)) = self.accuracy();
        writeln!(
            f,
            "  accuracy {acc:.3} (95 % interval {lo:.3}–{hi:.3}) on {} texts",
            self.total()
        )?;
        writeln!(f, "                 predicted +   predicted −")?;
        writeln!(
            f,
            "  positive     {:>10}   {:>11}",
            self.true_positive, self.false_negative
        )?;
        write!(
            f,
            "  negative     {:>10}   {:>11}",
            self.false_positive, self.true_negative
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_parse_and_bad_lines_are_named() {
        let items = parse_labelled("spam\tWin now\n\n# note\nham\tHi there\n").expect("valid");
        assert_eq!(
            items,
            vec![(true, "Win now".into()), (false, "Hi there".into())]
        );
        let err = parse_labelled("spam\tok\nmaybe\tfoo\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("\"maybe\""));
        assert_eq!(parse_labelled("no tab here").unwrap_err().line, 1);
    }

    #[test]
    fn a_balanced_set_has_as_many_of_each_and_a_report_counts_right() {
        let items: Vec<Labelled> = (0..10).map(|i| (i < 3, format!("text {i}"))).collect();
        let b = balanced(&items);
        assert_eq!(b.iter().filter(|(y, _)| *y).count(), 3);
        assert_eq!(b.len(), 6);
        assert_eq!(balanced(&items), b);
        let mut c = Confusion::default();
        c.add(true, true);
        c.add(false, true);
        c.add(false, false);
        c.add(false, false);
        assert_eq!(c.accuracy().0, 0.75);
        assert!((c.false_positive_rate().0 - 1.0 / 3.0).abs() < 1e-9);
    }
}
