//! Alert sensitivity in words (issue 15, item 6): low, normal or high instead of "k (mean +
//! k·σ)", and how many alerts each would have raised on a search's past mentions.

use crate::alerts::is_volume_spike;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    Low,
    Normal,
    High,
}

impl Sensitivity {
    pub const ALL: [Sensitivity; 3] = [Sensitivity::Low, Sensitivity::Normal, Sensitivity::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Sensitivity::Low => "low",
            Sensitivity::Normal => "normal",
            Sensitivity::High => "high",
        }
    }

    pub fn parse(text: &str) -> Option<Sensitivity> {
        Sensitivity::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// How many standard deviations above the usual volume a window must be.
    pub fn k(self) -> f64 {
        match self {
            Sensitivity::Low => 4.0,
            Sensitivity::Normal => 3.0,
            Sensitivity::High => 2.0,
        }
    }

    /// The sensitivity a stored rule's `k` reads as (the nearest one).
    pub fn of_k(k: f64) -> Sensitivity {
        Sensitivity::ALL
            .into_iter()
            .min_by(|a, b| (a.k() - k).abs().total_cmp(&(b.k() - k).abs()))
            .unwrap_or(Sensitivity::Normal)
    }
}

/// How many bursts a volume rule would have raised on `counts` (mentions per window, oldest
/// first), each window judged against the `history` windows before it; consecutive firing
/// windows are one burst, as the engine groups them into one alert.
pub fn replay_volume_alerts(counts: &[i64], history: usize, k: f64, min_volume: i64) -> usize {
    let mut bursts = 0;
    let mut firing = false;
    for end in history..counts.len() {
        let fires = is_volume_spike(counts[end], &counts[end - history..end], k, min_volume);
        if fires && !firing {
            bursts += 1;
        }
        firing = fires;
    }
    bursts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_sensitivity_raises_more_alerts_on_the_same_past() {
        // A quiet search (2–4 mentions an hour) with a small bump and a real burst.
        let mut counts: Vec<i64> = (0..200).map(|i| 2 + (i % 3)).collect();
        counts[100] = 7; // a bump
        counts[150] = 40; // a burst…
        counts[151] = 35; // …that lasts two hours: one alert
        let replay = |s: Sensitivity| replay_volume_alerts(&counts, 24, s.k(), 5);
        assert_eq!(replay(Sensitivity::Low), 1);
        assert_eq!(replay(Sensitivity::Normal), 2);
        assert!(replay(Sensitivity::High) >= 2);
        assert_eq!(
            replay_volume_alerts(&counts[..10], 24, 3.0, 5),
            0,
            "too little past"
        );
    }

    #[test]
    fn a_stored_k_reads_as_the_nearest_sensitivity() {
        assert_eq!(Sensitivity::of_k(3.0), Sensitivity::Normal);
        assert_eq!(Sensitivity::of_k(5.0), Sensitivity::Low);
        assert_eq!(Sensitivity::of_k(1.5), Sensitivity::High);
        assert_eq!(Sensitivity::parse("high"), Some(Sensitivity::High));
    }
}
