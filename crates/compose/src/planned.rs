//! Planned posts as CSV, to plan a month in a spreadsheet and bring it in, or take the
//! calendar out. One row per text: rows with the same title, date and time are one post.
//!
//! Columns: `title, date, time, channel, language, text, campaign, tags` (`state` is added on
//! export and ignored on import). Date `2026-12-01` and time `09:30` are in the workspace's
//! time zone; a row without a date is a draft. Tags are separated by `|`.

use jardinier_domain::spreadsheet::{self, cell};
use std::collections::HashMap;

/// A channel a row may name (by its name, or by its kind when only one channel has it).
#[derive(Debug, Clone)]
pub struct ChannelRef {
    pub id: i64,
    pub name: String,
    pub kind: String,
}

/// A post read from the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedPost {
    /// The first line it was read from (1 is the header).
    pub line: usize,
    pub title: String,
    /// UNIX seconds; `None`: a draft.
    pub at: Option<i64>,
    pub campaign: String,
    pub tags: Vec<String>,
    /// (channel, language, text).
    pub variants: Vec<(i64, Option<String>, String)>,
}

/// What is wrong, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

pub const HEADER: [&str; 9] = [
    "title", "date", "time", "channel", "language", "text", "campaign", "tags", "state",
];

/// Reads a file; every line is checked, and any error refuses the whole file (nothing half
/// imported). `now`: dates in the past are refused.
pub fn read(
    data: &str,
    channels: &[ChannelRef],
    timezone: &str,
    now: i64,
) -> Result<Vec<PlannedPost>, Vec<LineError>> {
    let tz = jiff::tz::TimeZone::get(timezone).map_err(|e| {
        vec![LineError {
            line: 0,
            message: format!("unknown time zone {timezone:?} ({e})"),
        }]
    })?;
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::Headers)
        .from_reader(data.as_bytes());
    let headers: Vec<String> = match reader.headers() {
        Ok(h) => h.iter().map(|h| h.to_ascii_lowercase()).collect(),
        Err(e) => {
            return Err(vec![LineError {
                line: 1,
                message: format!("the file is not CSV ({e})"),
            }]);
        }
    };
    let column = |name: &str| headers.iter().position(|h| h == name);
    let mut errors = Vec::new();
    for required in ["title", "channel", "text"] {
        if column(required).is_none() {
            errors.push(LineError {
                line: 1,
                message: format!(
                    "the header has no {required:?} column (expected: {})",
                    HEADER[..8].join(",")
                ),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut posts: Vec<PlannedPost> = Vec::new();
    let mut index: HashMap<(String, Option<i64>), usize> = HashMap::new();
    for (n, record) in reader.records().enumerate() {
        let line = n + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(LineError {
                    line,
                    message: format!("unreadable ({e})"),
                });
                continue;
            }
        };
        let get = |name: &str| {
            column(name)
                .and_then(|i| record.get(i))
                .map(|cell| spreadsheet::text(cell.trim()))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let mut fail = |message: String| errors.push(LineError { line, message });
        let title = get("title");
        let text = get("text");
        if title.is_empty() {
            fail("the title is empty".into());
            continue;
        }
        if text.is_empty() {
            fail("the text is empty".into());
            continue;
        }
        let wanted = get("channel");
        let by_name: Vec<&ChannelRef> = channels
            .iter()
            .filter(|c| c.name.eq_ignore_ascii_case(&wanted))
            .collect();
        let by_kind: Vec<&ChannelRef> = channels
            .iter()
            .filter(|c| c.kind.eq_ignore_ascii_case(&wanted))
            .collect();
        let channel = match (by_name.as_slice(), by_kind.as_slice()) {
            ([one], _) | ([], [one]) => *one,
            _ => {
                let names: Vec<&str> = channels.iter().map(|c| c.name.as_str()).collect();
                fail(format!(
                    "the channel {wanted:?} is not one of this workspace's ({})",
                    names.join(", ")
                ));
                continue;
            }
        };
        let language = match get("language").to_ascii_lowercase().as_str() {
            "" => None,
            l @ ("fr" | "en") => Some(l.to_owned()),
            other => {
                fail(format!("the language {other:?} is not fr or en"));
                continue;
            }
        };
        if let Err(problem) = crate::rules::check(&channel.kind, &text) {
            if let crate::rules::TextProblem::TooLong { length, limit } = problem {
                fail(format!(
                    "the text is {length} characters for {} (at most {limit})",
                    channel.name
                ));
            }
            continue;
        }
        let (date, time) = (get("date"), get("time"));
        let at = if date.is_empty() {
            None
        } else {
            let civil = format!("{date}T{}", if time.is_empty() { "09:00" } else { &time });
            match civil
                .parse::<jiff::civil::DateTime>()
                .ok()
                .and_then(|dt| dt.to_zoned(tz.clone()).ok())
            {
                Some(zoned) if zoned.timestamp().as_second() < now => {
                    fail(format!("{date} {time} is in the past"));
                    continue;
                }
                Some(zoned) => Some(zoned.timestamp().as_second()),
                None => {
                    fail(format!(
                        "the date {date:?} or time {time:?} is not like 2026-12-01 and 09:30"
                    ));
                    continue;
                }
            }
        };
        let key = (title.clone(), at);
        let at_index = *index.entry(key).or_insert_with(|| {
            posts.push(PlannedPost {
                line,
                title: title.clone(),
                at,
                campaign: get("campaign"),
                tags: get("tags")
                    .split('|')
                    .map(|t| t.trim().to_lowercase())
                    .filter(|t| !t.is_empty())
                    .collect(),
                variants: Vec::new(),
            });
            posts.len() - 1
        });
        let post = &mut posts[at_index];
        if post
            .variants
            .iter()
            .any(|(c, l, _)| *c == channel.id && *l == language)
        {
            fail(format!(
                "{} already has a text in {} for this post",
                channel.name,
                language.as_deref().unwrap_or("this language")
            ));
            continue;
        }
        post.variants.push((channel.id, language, text));
    }
    if errors.is_empty() {
        Ok(posts)
    } else {
        Err(errors)
    }
}

/// One row of the export.
pub struct Row<'a> {
    pub title: &'a str,
    /// In the workspace's time zone.
    pub date: String,
    pub time: String,
    pub channel: &'a str,
    pub language: &'a str,
    pub text: &'a str,
    pub campaign: &'a str,
    pub tags: String,
    pub state: &'a str,
}

/// Writes rows under the header (which [`read`] takes back).
pub fn write(rows: &[Row<'_>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(HEADER);
    for r in rows {
        // Text people typed is neutralised for spreadsheets (issue 14), and `read` takes the
        // quote back off; date, time, language and state are ours.
        let _ = writer.write_record([
            &*cell(r.title),
            &r.date,
            &r.time,
            &cell(r.channel),
            r.language,
            &cell(r.text),
            &cell(r.campaign),
            &cell(&r.tags),
            r.state,
        ]);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Date and time of `at` in `timezone`, as the file writes them.
pub fn local(at: i64, timezone: &str) -> (String, String) {
    let Ok(tz) = jiff::tz::TimeZone::get(timezone) else {
        return (String::new(), String::new());
    };
    match jiff::Timestamp::from_second(at) {
        Ok(t) => {
            let zoned = t.to_zoned(tz);
            (
                zoned.strftime("%Y-%m-%d").to_string(),
                zoned.strftime("%H:%M").to_string(),
            )
        }
        Err(_) => (String::new(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channels() -> Vec<ChannelRef> {
        vec![
            ChannelRef {
                id: 1,
                name: "Mastodon".into(),
                kind: "mastodon".into(),
            },
            ChannelRef {
                id: 2,
                name: "Discord communauté".into(),
                kind: "discord".into(),
            },
        ]
    }

    const NOW: i64 = 1_795_000_000; // 2026-11-18

    #[test]
    fn rows_make_posts_in_the_workspace_zone() {
        let data = "title,date,time,channel,language,text,campaign,tags\n\
Moka,2026-12-01,09:30,Mastodon,fr,\"Nouveau moka, enfin\",Arrivages,café|moka\n\
Moka,2026-12-01,09:30,discord,en,New moka,Arrivages,\n\
Idée,,,mastodon,,Un brouillon,,\n";
        let posts = read(data, &channels(), "Europe/Paris", NOW).unwrap();
        assert_eq!(posts.len(), 2);
        assert_eq!(posts[0].title, "Moka");
        // 09:30 in Paris in winter is 08:30 UTC.
        assert_eq!(posts[0].at, Some(1_796_113_800));
        assert_eq!(posts[0].tags, ["café", "moka"]);
        assert_eq!(
            posts[0].variants,
            [
                (1, Some("fr".into()), "Nouveau moka, enfin".into()),
                (2, Some("en".into()), "New moka".into())
            ]
        );
        assert_eq!((posts[1].at, posts[1].line), (None, 4));
    }

    #[test]
    fn every_mistake_is_named_with_its_line_and_nothing_is_kept() {
        let data = format!(
            "title,date,time,channel,language,text\n\
Moka,2026-12-01,09:30,Instagram,fr,Texte\n\
Moka,2026-13-01,09:30,Mastodon,fr,Texte\n\
Moka,2026-11-01,09:30,Mastodon,fr,Texte\n\
Moka,,,Mastodon,de,Text\n\
Moka,,,Mastodon,,{}\n\
,,,Mastodon,,x\n",
            "a".repeat(501)
        );
        let errors = read(&data, &channels(), "Europe/Paris", NOW).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7], "{errors:?}");
        assert!(
            errors[0].message.contains("\"Instagram\"")
                && errors[0].message.contains("Mastodon, Discord communauté")
        );
        assert!(errors[2].message.contains("past"));
        assert!(errors[4].message.contains("501"));
        let missing = read("name,text\nx,y\n", &channels(), "UTC", NOW).unwrap_err();
        assert!(missing[0].message.contains("\"title\""));
    }

    #[test]
    fn an_export_reads_back() {
        let (date, time) = local(1_796_113_800, "Europe/Paris");
        assert_eq!((date.as_str(), time.as_str()), ("2026-12-01", "09:30"));
        let out = write(&[Row {
            title: "Moka",
            date,
            time,
            channel: "Mastodon",
            language: "fr",
            text: "Nouveau moka, \"enfin\"",
            campaign: "Arrivages",
            tags: "café|moka".into(),
            state: "scheduled",
        }]);
        let back = read(&out, &channels(), "Europe/Paris", NOW).unwrap();
        assert_eq!(back[0].variants[0].2, "Nouveau moka, \"enfin\"");
        assert_eq!(back[0].at, Some(1_796_113_800));
    }

    /// Issue 14, defect 2: a post's text starting with `=` was a formula in the spreadsheet.
    #[test]
    fn formulas_are_neutralised_in_the_file_and_read_back_as_typed() {
        let (date, time) = local(1_796_113_800, "Europe/Paris");
        let out = write(&[Row {
            title: "=1+1",
            date,
            time,
            channel: "Mastodon",
            language: "fr",
            text: "-20 % sur le moka",
            campaign: "@noel",
            tags: "+promo".into(),
            state: "scheduled",
        }]);
        assert!(
            out.lines().nth(1).unwrap().starts_with(
                "'=1+1,2026-12-01,09:30,Mastodon,fr,'-20 % sur le moka,'@noel,'+promo,"
            ),
            "{out}"
        );
        let back = read(&out, &channels(), "Europe/Paris", NOW).unwrap();
        assert_eq!(back[0].title, "=1+1");
        assert_eq!(back[0].variants[0].2, "-20 % sur le moka");
    }
}
