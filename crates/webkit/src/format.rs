//! Dates in the reader's language and the workspace's time zone.

use jardinier_i18n::Tr;

fn zone(timezone: &str) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC)
}

/// A UNIX time as a date and time in the given IANA time zone, in the reader's language
/// ("5 déc. 2026, 14:20", "Dec 5, 2026, 14:20").
pub fn format_time(tr: Tr, unix: i64, timezone: &str) -> String {
    match jiff::Timestamp::from_second(unix) {
        Ok(ts) => {
            let local = ts.to_zoned(zone(timezone));
            tr.f(
                "date.at",
                &[
                    ("day", &local.day().to_string()),
                    ("month", tr.t(&format!("date.month_{}", local.month()))),
                    ("year", &local.year().to_string()),
                    ("time", &local.strftime("%H:%M").to_string()),
                ],
            )
        }
        Err(_) => String::new(),
    }
}

/// A time of day in the workspace's zone (HH:MM), for chart labels and short lines.
pub fn format_hm(unix: i64, timezone: &str) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|ts| ts.to_zoned(zone(timezone)).strftime("%H:%M").to_string())
        .unwrap_or_default()
}

/// A day in the workspace's zone as forms and links write it (YYYY-MM-DD).
pub fn iso_day(unix: i64, timezone: &str) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|ts| ts.to_zoned(zone(timezone)).date().to_string())
        .unwrap_or_default()
}

/// The start of a `YYYY-MM-DD` day in the workspace's zone and the start of the next, as UNIX
/// seconds (a day is not always 24 hours long); `None` when `text` is not such a day.
pub fn day_bounds(text: &str, timezone: &str) -> Option<(i64, i64)> {
    let date: jiff::civil::Date = text.trim().parse().ok()?;
    let start = date.to_zoned(zone(timezone)).ok()?;
    let end = date.tomorrow().ok()?.to_zoned(zone(timezone)).ok()?;
    Some((start.timestamp().as_second(), end.timestamp().as_second()))
}

/// A UNIX time as RFC 3339 in UTC, for `<time datetime>`, feeds and sitemaps.
pub fn rfc3339(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|ts| ts.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_runs_from_the_zone_s_midnight_to_the_next_even_when_clocks_change() {
        // Paris moved its clocks back on 25 October 2026: that day lasted 25 hours.
        let (start, end) = day_bounds("2026-10-25", "Europe/Paris").unwrap();
        assert_eq!(rfc3339(start), "2026-10-24T22:00:00Z");
        assert_eq!(end - start, 25 * 3600);
        assert_eq!(
            day_bounds(" 2026-12-06 ", "UTC"),
            Some((1_796_515_200, 1_796_601_600))
        );
        assert_eq!(day_bounds("06/12/2026", "UTC"), None);
        assert_eq!(day_bounds("2026-02-30", "UTC"), None);
    }
    use jardinier_i18n::Lang;

    #[test]
    fn times_are_in_the_zone_and_the_language() {
        // 2026-12-05 13:20 UTC is 14:20 in Paris.
        let unix = 1_796_476_800;
        let fr = format_time(Tr::new(Lang::Fr), unix, "Europe/Paris");
        assert!(fr.contains("14:20") && fr.contains("2026"), "{fr}");
        assert_eq!(format_hm(unix, "Europe/Paris"), "14:20");
        assert_eq!(format_hm(unix, "Not/AZone"), "13:20");
        assert_eq!(iso_day(unix, "Europe/Paris"), "2026-12-05");
        assert_eq!(rfc3339(unix), "2026-12-05T13:20:00Z");
    }
}
