//! The response-time settings as a CM fills them in (issue 15, item 6): a target as a number
//! and a unit, business hours as a week of days with opening and closing times.

use std::collections::HashMap;

use jardinier_inbox::sla::BusinessHours;

pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One day of the week as the form shows it.
pub struct DayLine {
    pub day: &'static str,
    pub open: bool,
    pub from: String,
    pub to: String,
}

fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The week of `hours`, closed days with the usual 09:00–18:00 ready to tick.
pub fn week(hours: &BusinessHours) -> Vec<DayLine> {
    DAYS.iter()
        .zip(hours.days)
        .map(|(day, open)| DayLine {
            day,
            open: open.is_some(),
            from: hhmm(open.map_or(9 * 60, |h| h.0)),
            to: hhmm(open.map_or(18 * 60, |h| h.1)),
        })
        .collect()
}

/// The week the form sent (`open_mon`, `from_mon`, `to_mon`…), as typed.
pub fn typed_week(fields: &HashMap<String, String>) -> Vec<DayLine> {
    DAYS.iter()
        .map(|day| DayLine {
            day,
            open: fields.contains_key(&format!("open_{day}")),
            from: fields
                .get(&format!("from_{day}"))
                .cloned()
                .unwrap_or_default(),
            to: fields
                .get(&format!("to_{day}"))
                .cloned()
                .unwrap_or_default(),
        })
        .collect()
}

/// Why a week cannot be business hours.
#[derive(Debug, PartialEq, Eq)]
pub enum WeekError {
    NoDay,
    /// This day's times are missing, malformed or closing before opening.
    Day(&'static str),
}

pub fn business_hours(week: &[DayLine]) -> Result<BusinessHours, WeekError> {
    let minutes = |text: &str| -> Option<u16> {
        let (h, m) = text.trim().split_once(':')?;
        let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
        (h < 24 && m < 60 || h == 24 && m == 0).then_some(h * 60 + m)
    };
    let mut days = [None; 7];
    for (i, line) in week.iter().enumerate().filter(|(_, l)| l.open) {
        match (minutes(&line.from), minutes(&line.to)) {
            (Some(from), Some(to)) if from < to => days[i] = Some((from, to)),
            _ => return Err(WeekError::Day(line.day)),
        }
    }
    if days.iter().all(Option::is_none) {
        return Err(WeekError::NoDay);
    }
    Ok(BusinessHours { days })
}

/// A target as the form shows it: (number, "minutes" or "hours").
pub fn target_parts(minutes: i64) -> (String, &'static str) {
    if minutes > 0 && minutes % 60 == 0 {
        ((minutes / 60).to_string(), "hours")
    } else {
        (minutes.to_string(), "minutes")
    }
}

/// A target from the form, in minutes: a whole number of minutes or hours, at least one
/// minute and at most `max` minutes.
pub fn target_minutes(value: &str, unit: &str, max: i64) -> Option<i64> {
    let n: i64 = value.trim().parse().ok()?;
    let minutes = if unit == "hours" {
        n.checked_mul(60)?
    } else {
        n
    };
    (1..=max).contains(&minutes).then_some(minutes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_week_of_ticked_days_is_business_hours_and_reads_back() {
        let typed = typed_week(&fields(&[
            ("open_mon", "1"),
            ("from_mon", "09:00"),
            ("to_mon", "18:00"),
            ("open_sat", "1"),
            ("from_sat", "10:00"),
            ("to_sat", "13:30"),
            ("from_tue", "08:00"), // not ticked: closed
        ]));
        let hours = business_hours(&typed).unwrap();
        assert_eq!(hours.describe(), "mon 09:00-18:00, sat 10:00-13:30");
        let again = week(&hours);
        assert!(again[0].open && !again[1].open && again[5].open);
        assert_eq!(
            (again[5].from.as_str(), again[5].to.as_str()),
            ("10:00", "13:30")
        );
    }

    #[test]
    fn a_bad_day_is_named_and_an_empty_week_refused() {
        let typed = typed_week(&fields(&[
            ("open_wed", "1"),
            ("from_wed", "18:00"),
            ("to_wed", "09:00"),
        ]));
        assert_eq!(business_hours(&typed).err(), Some(WeekError::Day("wed")));
        assert_eq!(
            business_hours(&typed_week(&HashMap::new())).err(),
            Some(WeekError::NoDay)
        );
    }

    #[test]
    fn targets_are_minutes_or_hours() {
        assert_eq!(target_minutes("4", "hours", 10_000), Some(240));
        assert_eq!(target_minutes("90", "minutes", 10_000), Some(90));
        assert_eq!(target_minutes("0", "hours", 10_000), None);
        assert_eq!(target_minutes("x", "hours", 10_000), None);
        assert_eq!(target_parts(1620), ("27".to_owned(), "hours"));
        assert_eq!(target_parts(90), ("90".to_owned(), "minutes"));
    }
}
