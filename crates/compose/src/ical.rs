//! The publishing calendar as an iCalendar feed (RFC 5545), for the calendar applications a
//! team already uses: one event per planned post, in UTC.

/// One planned post as an event.
#[derive(Debug, Clone)]
pub struct Event {
    /// Stable across reloads, so applications update the event instead of adding one.
    pub uid: String,
    /// UNIX seconds.
    pub start: i64,
    pub minutes: i64,
    pub summary: String,
    pub description: String,
    pub url: Option<String>,
    /// A post not yet approved or scheduled is tentative.
    pub confirmed: bool,
    pub categories: Vec<String>,
}

fn utc(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds)
        .map(|t| t.strftime("%Y%m%dT%H%M%SZ").to_string())
        .unwrap_or_else(|_| "19700101T000000Z".to_owned())
}

/// TEXT values: backslash, semicolon, comma and new lines escaped (§3.3.11).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends a content line, folded at 75 octets without splitting a character (§3.1).
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// The whole calendar; `now` is the time stamp of every event (when the feed was made).
pub fn calendar(name: &str, events: &[Event], now: i64) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Jardinier//Publishing calendar//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        line(&mut out, l);
    }
    line(&mut out, &format!("X-WR-CALNAME:{}", text(name)));
    // Calendar applications ask again every hour.
    line(&mut out, "REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    for e in events {
        line(&mut out, "BEGIN:VEVENT");
        line(&mut out, &format!("UID:{}", text(&e.uid)));
        line(&mut out, &format!("DTSTAMP:{}", utc(now)));
        line(&mut out, &format!("DTSTART:{}", utc(e.start)));
        line(
            &mut out,
            &format!("DTEND:{}", utc(e.start + e.minutes.max(1) * 60)),
        );
        line(&mut out, &format!("SUMMARY:{}", text(&e.summary)));
        if !e.description.is_empty() {
            line(&mut out, &format!("DESCRIPTION:{}", text(&e.description)));
        }
        if let Some(url) = &e.url {
            line(&mut out, &format!("URL:{url}"));
        }
        line(
            &mut out,
            if e.confirmed {
                "STATUS:CONFIRMED"
            } else {
                "STATUS:TENTATIVE"
            },
        );
        if !e.categories.is_empty() {
            let categories: Vec<String> = e.categories.iter().map(|c| text(c)).collect();
            line(&mut out, &format!("CATEGORIES:{}", categories.join(",")));
        }
        line(&mut out, "END:VEVENT");
    }
    line(&mut out, "END:VCALENDAR");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_escaped_folded_and_in_utc() {
        let description = format!(
            "Mastodon (fr) : Nouveau moka, d'Éthiopie; {}",
            "é".repeat(60)
        );
        let feed = calendar(
            "Brûlerie du Canal",
            &[Event {
                uid: "post-12@brulerie-du-canal.jardinier".into(),
                start: 1_795_856_400, // 2026-11-28 09:00 UTC
                minutes: 15,
                summary: "Atelier, samedi".into(),
                description,
                url: Some("https://j.example/w/b/publishing/calendar".into()),
                confirmed: false,
                categories: vec!["Arrivages".into(), "café".into()],
            }],
            1_795_800_000,
        );
        assert!(feed.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(feed.ends_with("END:VCALENDAR\r\n"));
        assert!(feed.contains("\r\nDTSTART:20261128T090000Z\r\n"), "{feed}");
        assert!(feed.contains("\r\nDTEND:20261128T091500Z\r\n"));
        assert!(feed.contains("\r\nSUMMARY:Atelier\\, samedi\r\n"));
        assert!(feed.contains("STATUS:TENTATIVE"));
        assert!(feed.contains("CATEGORIES:Arrivages,café"));
        for l in feed.split("\r\n") {
            assert!(l.len() <= 75, "line longer than 75 octets: {l:?}");
        }
        // Unfolded, the description is whole and escaped.
        let unfolded = feed.replace("\r\n ", "");
        assert!(unfolded.contains("DESCRIPTION:Mastodon (fr) : Nouveau moka\\, d'Éthiopie\\; ééé"));
        assert!(unfolded.contains(&"é".repeat(60)));
    }
}
