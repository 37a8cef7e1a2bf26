//! How a burst is followed (the crisis view): whether it is still going, and the time line
//! its volume is drawn on.

use crate::alerts::GROUP_SECS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Mentions keep coming: a new one joins this alert rather than raising another.
    Ongoing,
    /// Quiet for [`GROUP_SECS`] since its last mention, at `since`: the next mention of the
    /// search would raise a new alert.
    Over { since: i64 },
}

/// Where a burst whose alert was last fed at `updated_at` stands at `now`.
pub fn phase(updated_at: i64, now: i64) -> Phase {
    if now - updated_at < GROUP_SECS {
        Phase::Ongoing
    } else {
        Phase::Over { since: updated_at }
    }
}

/// The time line of a burst: from an hour before it fired (the calm before) to now, or to the
/// hour of quiet that ended it, in at most 48 buckets of whole five minutes (15 minutes at
/// least). Returns (end, bucket length in seconds, buckets), as `AlertStore::match_counts`
/// takes them.
pub fn timeline(fired_at: i64, updated_at: i64, now: i64) -> (i64, i64, i64) {
    let start = fired_at - 3_600;
    let end = match phase(updated_at, now) {
        Phase::Ongoing => now,
        Phase::Over { since } => (since + GROUP_SECS).min(now),
    }
    .max(fired_at);
    let span = (end - start).max(1);
    let ceil = |a: i64, b: i64| (a + b - 1) / b;
    let bucket = (ceil(ceil(span, 48), 300) * 300).max(900);
    let buckets = ceil(span, bucket);
    (start + buckets * bucket, bucket, buckets)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_is_over_after_an_hour_without_a_mention() {
        assert_eq!(phase(10_000, 10_000 + GROUP_SECS - 1), Phase::Ongoing);
        assert_eq!(
            phase(10_000, 10_000 + GROUP_SECS),
            Phase::Over { since: 10_000 }
        );
    }

    #[test]
    fn the_timeline_starts_an_hour_before_and_keeps_to_48_buckets() {
        // Fired 30 minutes ago, still going: 90 minutes in six quarters of an hour.
        let (end, bucket, buckets) = timeline(100_000, 101_000, 101_800);
        assert_eq!((bucket, buckets), (900, 6));
        assert_eq!(end - bucket * buckets, 100_000 - 3_600);
        assert!(end >= 101_800);
        // Three days of burst: buckets grow, never more than 48.
        let (end, bucket, buckets) = timeline(0, 3 * 86_400, 10 * 86_400);
        assert!(buckets <= 48 && bucket % 300 == 0, "{bucket} × {buckets}");
        assert!(end >= 3 * 86_400 + GROUP_SECS);
    }
}
