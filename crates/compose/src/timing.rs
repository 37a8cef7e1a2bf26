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

/// A weekly publishing slot of a channel, in the workspace's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSlot {
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i8,
    pub hour: i8,
    pub minute: i8,
}

/// The first slot after `now` (within four weeks) whose time is not in `taken` (the times
/// already used by scheduled posts of the channel), as UNIX seconds.
pub fn next_free_slot(slots: &[QueueSlot], taken: &[i64], timezone: &str, now: i64) -> Option<i64> {
    let tz = jiff::tz::TimeZone::get(timezone).ok()?;
    let today = jiff::Timestamp::from_second(now)
        .ok()?
        .to_zoned(tz.clone())
        .date();
    let mut candidates: Vec<i64> = Vec::new();
    for offset in 0..29 {
        let Ok(day) = today.checked_add(jiff::Span::new().days(offset)) else {
            continue;
        };
        for slot in slots {
            if day.weekday().to_monday_one_offset() != slot.weekday {
                continue;
            }
            // A slot in a DST gap is moved forward, as the clock is.
            if let Ok(zoned) = day.at(slot.hour, slot.minute, 0, 0).to_zoned(tz.clone()) {
                let at = zoned.timestamp().as_second();
                if at > now && !taken.contains(&at) {
                    candidates.push(at);
                }
            }
        }
    }
    candidates.into_iter().min()
}

/// How often a post repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    Day,
    Week,
    Month,
}

/// `count` publishing times from `first`, each one period later at the same local time (so a
/// weekly post stays at 9:00 across a change of summer time; a monthly post on the 31st goes
/// to the month's last day).
pub fn repeat(first: i64, every: Every, count: usize, timezone: &str) -> Vec<i64> {
    let Ok(tz) = jiff::tz::TimeZone::get(timezone) else {
        return vec![first];
    };
    let Ok(start) = jiff::Timestamp::from_second(first).map(|t| t.to_zoned(tz)) else {
        return vec![first];
    };
    (0..count.max(1) as i64)
        .filter_map(|n| {
            let span = match every {
                Every::Day => jiff::Span::new().days(n),
                Every::Week => jiff::Span::new().weeks(n),
                Every::Month => jiff::Span::new().months(n),
            };
            start
                .checked_add(span)
                .ok()
                .map(|z| z.timestamp().as_second())
        })
        .collect()
}

#[cfg(test)]
mod queue_tests {
    use super::*;

    fn paris(text: &str) -> i64 {
        format!("{text}[Europe/Paris]")
            .parse::<jiff::Zoned>()
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn the_next_free_slot_skips_the_past_and_the_taken() {
        let slots = [
            QueueSlot {
                weekday: 1,
                hour: 9,
                minute: 0,
            },
            QueueSlot {
                weekday: 3,
                hour: 18,
                minute: 30,
            },
        ];
        // Monday 2026-11-23 at 10:00: Monday 9:00 has passed; Wednesday 18:30 is next.
        let now = paris("2026-11-23T10:00");
        assert_eq!(
            next_free_slot(&slots, &[], "Europe/Paris", now),
            Some(paris("2026-11-25T18:30"))
        );
        let taken = [paris("2026-11-25T18:30")];
        assert_eq!(
            next_free_slot(&slots, &taken, "Europe/Paris", now),
            Some(paris("2026-11-30T09:00"))
        );
        assert_eq!(next_free_slot(&[], &[], "Europe/Paris", now), None);
    }

    #[test]
    fn repeats_keep_the_local_time_across_summer_time() {
        // Saturday 2027-03-27 09:00 in Paris; summer time starts the next night.
        let first = paris("2027-03-27T09:00");
        let days = repeat(first, Every::Day, 3, "Europe/Paris");
        assert_eq!(
            days,
            [first, paris("2027-03-28T09:00"), paris("2027-03-29T09:00")]
        );
        assert_eq!(days[1] - days[0], 23 * 3_600, "a 23-hour day");
        let months = repeat(paris("2027-01-31T09:00"), Every::Month, 2, "Europe/Paris");
        assert_eq!(months[1], paris("2027-02-28T09:00"));
        assert_eq!(
            repeat(first, Every::Week, 2, "Europe/Paris")[1],
            paris("2027-04-03T09:00")
        );
    }
}
