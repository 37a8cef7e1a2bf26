//! The best time to post, learned from the workspace's own past posts: the average engagement
//! of the posts published in each hour of each weekday, in the workspace's time zone.

/// An hour of the week and how posts published then did.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i8,
    pub hour: i8,
    pub posts: usize,
    /// Mean engagement per post (likes + 2 × shares + 2 × replies + clicks).
    pub average: f64,
}

/// How much one post did: shares and replies weigh more than likes, as they reach further.
pub fn engagement(likes: i64, shares: i64, replies: i64, clicks: i64) -> f64 {
    (likes + 2 * shares + 2 * replies + clicks) as f64
}

/// The best `n` hours of the week, from (publishing time, engagement) of past posts; an hour
/// needs `min_posts` posts to count (one lucky post is not a pattern). Best first; ties go to
/// the hour with more posts.
pub fn best_slots(samples: &[(i64, f64)], timezone: &str, min_posts: usize, n: usize) -> Vec<Slot> {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let mut cells: std::collections::HashMap<(i8, i8), (usize, f64)> = Default::default();
    for (at, value) in samples {
        let Ok(ts) = jiff::Timestamp::from_second(*at) else {
            continue;
        };
        let zoned = ts.to_zoned(tz.clone());
        let cell = cells
            .entry((zoned.weekday().to_monday_one_offset(), zoned.hour()))
            .or_default();
        cell.0 += 1;
        cell.1 += value;
    }
    let mut slots: Vec<Slot> = cells
        .into_iter()
        .filter(|(_, (posts, _))| *posts >= min_posts.max(1))
        .map(|((weekday, hour), (posts, total))| Slot {
            weekday,
            hour,
            posts,
            average: total / posts as f64,
        })
        .collect();
    slots.sort_by(|a, b| {
        b.average
            .total_cmp(&a.average)
            .then(b.posts.cmp(&a.posts))
            .then((a.weekday, a.hour).cmp(&(b.weekday, b.hour)))
    });
    slots.truncate(n);
    slots
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-23 is a Monday.
    fn at(day: i64, hour: i64) -> i64 {
        let monday_midnight_paris = "2026-11-23T00:00[Europe/Paris]"
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
            .as_second();
        monday_midnight_paris + day * 86_400 + hour * 3_600
    }

    #[test]
    fn the_best_hours_are_found_in_the_workspace_zone() {
        let samples = [
            (at(0, 9), 10.0),
            (at(7, 9), 14.0), // Monday 9:00 twice: 12 on average
            (at(2, 18), 30.0),
            (at(9, 18), 20.0),  // Wednesday 18:00: 25
            (at(4, 12), 100.0), // Friday noon, once: not a pattern
            (at(1, 8), 1.0),
            (at(8, 8), 3.0), // Tuesday 8:00: 2
        ];
        let best = best_slots(&samples, "Europe/Paris", 2, 2);
        assert_eq!(
            best,
            [
                Slot {
                    weekday: 3,
                    hour: 18,
                    posts: 2,
                    average: 25.0
                },
                Slot {
                    weekday: 1,
                    hour: 9,
                    posts: 2,
                    average: 12.0
                },
            ]
        );
        // In UTC the same posts fall an hour earlier.
        assert_eq!(best_slots(&samples, "UTC", 2, 1)[0].hour, 17);
        assert!(best_slots(&samples[..1], "UTC", 2, 3).is_empty());
        assert_eq!(engagement(3, 1, 1, 2), 9.0);
    }
}
