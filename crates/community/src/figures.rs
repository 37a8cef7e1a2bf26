//! The community's figures for the team (issue 16, item 9): how questions are answered. The
//! store counts; these rules say what "answered" and "time to first answer" mean.
//!
//! A question is answered when someone other than its asker replied (a teammate or another
//! member); solved when a reply was accepted. The time to first answer is the median over the
//! answered questions (a mean would let one question answered after a month hide a week of
//! quick answers), as Discourse's "time to first response" report does.

/// A question asked in the period, as the store reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    pub asked_at: i64,
    /// When someone other than the asker first replied.
    pub first_answer_at: Option<i64>,
    pub accepted: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Answering {
    pub questions: usize,
    pub answered: usize,
    pub solved: usize,
    /// Median seconds from a question to its first answer (`None`: none answered).
    pub median_first_answer: Option<i64>,
}

impl Answering {
    /// The share of questions answered, in percent (`None` when none was asked).
    pub fn answered_percent(&self) -> Option<f64> {
        (self.questions > 0).then(|| 100.0 * self.answered as f64 / self.questions as f64)
    }
}

pub fn answering(questions: &[Question]) -> Answering {
    let mut waits: Vec<i64> = questions
        .iter()
        .filter_map(|q| q.first_answer_at.map(|at| (at - q.asked_at).max(0)))
        .collect();
    waits.sort_unstable();
    let median = match waits.len() {
        0 => None,
        n if n % 2 == 1 => Some(waits[n / 2]),
        n => Some((waits[n / 2 - 1] + waits[n / 2]) / 2),
    };
    Answering {
        questions: questions.len(),
        answered: waits.len(),
        solved: questions.iter().filter(|q| q.accepted).count(),
        median_first_answer: median,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(asked_at: i64, answer_after: Option<i64>, accepted: bool) -> Question {
        Question {
            asked_at,
            first_answer_at: answer_after.map(|after| asked_at + after),
            accepted,
        }
    }

    #[test]
    fn answered_share_and_median_wait() {
        let figures = answering(&[
            q(1_000, Some(600), true),
            q(2_000, Some(3_600), false),
            q(3_000, Some(30 * 86_400), false),
            q(4_000, None, false),
        ]);
        assert_eq!(figures.questions, 4);
        assert_eq!(figures.answered, 3);
        assert_eq!(figures.solved, 1);
        // The month-long wait does not move the median.
        assert_eq!(figures.median_first_answer, Some(3_600));
        assert_eq!(figures.answered_percent(), Some(75.0));
        let even = answering(&[q(0, Some(100), false), q(0, Some(300), false)]);
        assert_eq!(even.median_first_answer, Some(200));
    }

    #[test]
    fn nothing_asked_is_no_figure_rather_than_zero() {
        let figures = answering(&[]);
        assert_eq!(figures.answered_percent(), None);
        assert_eq!(figures.median_first_answer, None);
        let unanswered = answering(&[q(0, None, false)]);
        assert_eq!(unanswered.answered_percent(), Some(0.0));
        assert_eq!(unanswered.median_first_answer, None);
    }
}
