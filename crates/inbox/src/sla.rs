//! Response-time targets (SLAs) counted in the workspace's business hours and time zone: how
//! much business time lies between two instants, when a target falls due, and whether a
//! conversation is on time, at risk (most of its time used) or late.

use jiff::Timestamp;
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;

/// Opening hours per weekday (Monday first), in minutes since midnight, end excluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessHours {
    pub days: [Option<(u16, u16)>; 7],
}

impl Default for BusinessHours {
    /// Monday to Friday, 9:00 to 18:00.
    fn default() -> Self {
        let open = Some((9 * 60, 18 * 60));
        BusinessHours {
            days: [open, open, open, open, open, None, None],
        }
    }
}

impl BusinessHours {
    /// Always open: targets count in plain hours.
    pub fn always() -> BusinessHours {
        BusinessHours {
            days: [Some((0, 24 * 60)); 7],
        }
    }

    /// `"mon-fri 09:00-18:00, sat 10:00-13:00"`: days (mon…sun, ranges allowed) and hours.
    pub fn parse(text: &str) -> Result<BusinessHours, String> {
        const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let day = |name: &str| {
            NAMES
                .iter()
                .position(|n| *n == name.trim().to_lowercase())
                .ok_or_else(|| format!("{name:?} is not a day (mon, tue, wed, thu, fri, sat, sun)"))
        };
        let minutes = |hhmm: &str| -> Result<u16, String> {
            let (h, m) = hhmm
                .trim()
                .split_once(':')
                .ok_or_else(|| format!("{hhmm:?} is not a time (HH:MM)"))?;
            let (h, m): (u16, u16) = (
                h.parse()
                    .map_err(|_| format!("{hhmm:?} is not a time (HH:MM)"))?,
                m.parse()
                    .map_err(|_| format!("{hhmm:?} is not a time (HH:MM)"))?,
            );
            if h > 24 || m > 59 || (h == 24 && m > 0) {
                return Err(format!("{hhmm:?} is not a time of day"));
            }
            Ok(h * 60 + m)
        };
        let mut days = [None; 7];
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (which, hours) = part.split_once(' ').ok_or_else(|| {
                format!("{part:?}: write days then hours, as \"mon-fri 09:00-18:00\"")
            })?;
            let (first, last) = match which.split_once('-') {
                Some((a, b)) => (day(a)?, day(b)?),
                None => (day(which)?, day(which)?),
            };
            let (open, close) = hours
                .trim()
                .split_once('-')
                .ok_or_else(|| format!("{hours:?}: write hours as 09:00-18:00"))?;
            let (open, close) = (minutes(open)?, minutes(close)?);
            if open >= close {
                return Err(format!(
                    "{hours:?}: the opening must come before the closing"
                ));
            }
            if first > last {
                return Err(format!(
                    "{which:?}: the first day must come before the last"
                ));
            }
            for d in &mut days[first..=last] {
                *d = Some((open, close));
            }
        }
        if days.iter().all(Option::is_none) {
            return Err("no opening hours: give at least one day".into());
        }
        Ok(BusinessHours { days })
    }

    /// Written back as `parse` reads it.
    pub fn describe(&self) -> String {
        const NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let mut parts: Vec<String> = Vec::new();
        let mut i = 0;
        while i < 7 {
            let Some(hours) = self.days[i] else {
                i += 1;
                continue;
            };
            let mut j = i;
            while j + 1 < 7 && self.days[j + 1] == Some(hours) {
                j += 1;
            }
            let range = if i == j {
                NAMES[i].to_owned()
            } else {
                format!("{}-{}", NAMES[i], NAMES[j])
            };
            parts.push(format!(
                "{range} {:02}:{:02}-{:02}:{:02}",
                hours.0 / 60,
                hours.0 % 60,
                hours.1 / 60,
                hours.1 % 60
            ));
            i = j + 1;
        }
        parts.join(", ")
    }

    fn open_on(&self, date: Date) -> Option<(u16, u16)> {
        self.days[date.weekday().to_monday_zero_offset() as usize]
    }
}

fn at(date: Date, minutes: u16, tz: &TimeZone) -> Option<Timestamp> {
    let time = if minutes >= 24 * 60 {
        return date
            .tomorrow()
            .ok()?
            .to_zoned(tz.clone())
            .ok()
            .map(|z| z.timestamp());
    } else {
        Time::new((minutes / 60) as i8, (minutes % 60) as i8, 0, 0).ok()?
    };
    date.to_datetime(time)
        .to_zoned(tz.clone())
        .ok()
        .map(|z| z.timestamp())
}

/// The business seconds between two instants (0 if `end` is not after `start`).
pub fn business_seconds(start: i64, end: i64, hours: &BusinessHours, tz: &TimeZone) -> i64 {
    if end <= start {
        return 0;
    }
    let (Ok(start_ts), Ok(end_ts)) = (Timestamp::from_second(start), Timestamp::from_second(end))
    else {
        return 0;
    };
    let mut date = start_ts.to_zoned(tz.clone()).date();
    let last = end_ts.to_zoned(tz.clone()).date();
    let mut total = 0;
    // A year of days at most: older conversations are counted as that.
    for _ in 0..366 {
        if let Some((open, close)) = hours.open_on(date)
            && let (Some(o), Some(c)) = (at(date, open, tz), at(date, close, tz))
        {
            let from = o.as_second().max(start);
            let to = c.as_second().min(end);
            total += (to - from).max(0);
        }
        if date >= last {
            break;
        }
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    total
}

/// Whether the clock runs at `now` (inside business hours), and if not, when it starts again
/// (the next opening, within four weeks).
pub fn paused_until(now: i64, hours: &BusinessHours, tz: &TimeZone) -> Option<i64> {
    let Ok(now_ts) = Timestamp::from_second(now) else {
        return None;
    };
    let mut date = now_ts.to_zoned(tz.clone()).date();
    for _ in 0..28 {
        if let Some((open, close)) = hours.open_on(date)
            && let (Some(o), Some(c)) = (at(date, open, tz), at(date, close, tz))
        {
            let (o, c) = (o.as_second(), c.as_second());
            if now >= o && now < c {
                return None;
            }
            if o > now {
                return Some(o);
            }
        }
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    None
}

/// The instant when `target` business seconds after `start` are used up.
pub fn due_at(start: i64, target: i64, hours: &BusinessHours, tz: &TimeZone) -> i64 {
    let Ok(start_ts) = Timestamp::from_second(start) else {
        return start + target;
    };
    let mut left = target.max(0);
    let mut date = start_ts.to_zoned(tz.clone()).date();
    for _ in 0..3_660 {
        if let Some((open, close)) = hours.open_on(date)
            && let (Some(o), Some(c)) = (at(date, open, tz), at(date, close, tz))
        {
            let from = o.as_second().max(start);
            let to = c.as_second();
            if to > from {
                if left <= to - from {
                    return from + left;
                }
                left -= to - from;
            }
        }
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    start + target
}

/// A conversation against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlaClock {
    /// Due at this instant, with most of the time left.
    OnTime { due: i64 },
    /// Due at this instant, `warn_percent` or more of the time used: warn now.
    AtRisk { due: i64 },
    /// Late since this instant.
    Breached { since: i64 },
    /// Met (answered or resolved in time), with the business seconds it took.
    Met { took: i64 },
    /// Missed, with the business seconds it took.
    Missed { took: i64 },
}

/// Where a target stands: `done_at` is when the answer (or resolution) came, if it did.
pub fn clock(
    start: i64,
    done_at: Option<i64>,
    now: i64,
    target: i64,
    warn_percent: i64,
    hours: &BusinessHours,
    tz: &TimeZone,
) -> SlaClock {
    if let Some(done) = done_at {
        let took = business_seconds(start, done, hours, tz);
        return if took <= target {
            SlaClock::Met { took }
        } else {
            SlaClock::Missed { took }
        };
    }
    let due = due_at(start, target, hours, tz);
    if now >= due {
        return SlaClock::Breached { since: due };
    }
    let used = business_seconds(start, now, hours, tz);
    if used * 100 >= target * warn_percent.clamp(1, 100) {
        SlaClock::AtRisk { due }
    } else {
        SlaClock::OnTime { due }
    }
}

/// The median of some durations (seconds); `None` for none.
pub fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2
    } else {
        values[mid]
    })
}

/// A duration in words a CM reads at a glance: "2 h 05", "35 min", "3 d 4 h".
pub fn short_duration(seconds: i64) -> String {
    let minutes = seconds.abs() / 60;
    let (d, h, m) = (minutes / 1440, (minutes % 1440) / 60, minutes % 60);
    if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m:02}")
    } else {
        format!("{m} min")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paris() -> TimeZone {
        TimeZone::get("Europe/Paris").unwrap()
    }

    /// A Paris wall-clock time as UNIX seconds.
    fn t(text: &str) -> i64 {
        text.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(paris())
            .unwrap()
            .timestamp()
            .as_second()
    }

    #[test]
    fn the_clock_is_paused_outside_business_hours_until_the_next_opening() {
        let hours = BusinessHours::parse("mon-fri 09:00-18:00").unwrap();
        // Saturday afternoon: paused until Monday 09:00.
        assert_eq!(
            paused_until(t("2026-12-05T15:00"), &hours, &paris()),
            Some(t("2026-12-07T09:00"))
        );
        // Monday 10:00: running.
        assert_eq!(paused_until(t("2026-12-07T10:00"), &hours, &paris()), None);
        // Monday 07:00: paused until 09:00 the same day.
        assert_eq!(
            paused_until(t("2026-12-07T07:00"), &hours, &paris()),
            Some(t("2026-12-07T09:00"))
        );
        assert_eq!(
            paused_until(t("2026-12-05T15:00"), &BusinessHours::always(), &paris()),
            None
        );
    }

    #[test]
    fn hours_parse_and_describe() {
        let hours = BusinessHours::parse("mon-fri 09:00-18:00, sat 10:00-13:00").unwrap();
        assert_eq!(hours.days[0], Some((540, 1080)));
        assert_eq!(hours.days[5], Some((600, 780)));
        assert_eq!(hours.days[6], None);
        assert_eq!(hours.describe(), "mon-fri 09:00-18:00, sat 10:00-13:00");
        assert_eq!(BusinessHours::default().describe(), "mon-fri 09:00-18:00");
        assert!(
            BusinessHours::parse("lundi 9:00-18:00")
                .unwrap_err()
                .contains("not a day")
        );
        assert!(
            BusinessHours::parse("mon 18:00-09:00")
                .unwrap_err()
                .contains("before")
        );
        assert!(BusinessHours::parse("mon 09:00").is_err());
        assert!(BusinessHours::parse("").is_err());
    }

    #[test]
    fn business_time_skips_nights_and_weekends() {
        let hours = BusinessHours::default();
        let tz = paris();
        // Friday 17:00 → Monday 10:00: one hour on Friday, one on Monday.
        assert_eq!(
            business_seconds(t("2026-11-20T17:00"), t("2026-11-23T10:00"), &hours, &tz),
            2 * 3600
        );
        // Saturday to Sunday: nothing.
        assert_eq!(
            business_seconds(t("2026-11-21T10:00"), t("2026-11-22T20:00"), &hours, &tz),
            0
        );
        // A four-hour target written Friday 16:00 falls due Monday 11:00.
        assert_eq!(
            due_at(t("2026-11-20T16:00"), 4 * 3600, &hours, &tz),
            t("2026-11-23T11:00")
        );
        // Written on Saturday: the clock starts Monday 9:00.
        assert_eq!(
            due_at(t("2026-11-21T12:00"), 3600, &hours, &tz),
            t("2026-11-23T10:00")
        );
        // Always open: plain time.
        assert_eq!(due_at(100, 3600, &BusinessHours::always(), &tz), 3700);
    }

    #[test]
    fn daylight_saving_changes_are_wall_clock_hours() {
        // Sunday 29 March 2026 Paris springs forward; Monday's hours are still 9 hours.
        let hours = BusinessHours::default();
        let tz = paris();
        assert_eq!(
            business_seconds(t("2026-03-30T00:00"), t("2026-03-31T00:00"), &hours, &tz),
            9 * 3600
        );
    }

    #[test]
    fn clocks_warn_before_the_breach() {
        let hours = BusinessHours::always();
        let tz = paris();
        let hour = 3600;
        assert_eq!(
            clock(0, None, 10, hour, 80, &hours, &tz),
            SlaClock::OnTime { due: hour }
        );
        assert_eq!(
            clock(0, None, 2900, hour, 80, &hours, &tz),
            SlaClock::AtRisk { due: hour }
        );
        assert_eq!(
            clock(0, None, 4000, hour, 80, &hours, &tz),
            SlaClock::Breached { since: hour }
        );
        assert_eq!(
            clock(0, Some(1200), 9999, hour, 80, &hours, &tz),
            SlaClock::Met { took: 1200 }
        );
        assert_eq!(
            clock(0, Some(7200), 9999, hour, 80, &hours, &tz),
            SlaClock::Missed { took: 7200 }
        );
    }

    #[test]
    fn medians_and_durations() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1, 3]), Some(3));
        assert_eq!(median(vec![4, 1, 3, 2]), Some(2));
        assert_eq!(short_duration(35 * 60), "35 min");
        assert_eq!(short_duration(2 * 3600 + 5 * 60), "2 h 05");
        assert_eq!(short_duration(3 * 86400 + 4 * 3600), "3 d 4 h");
    }
}
