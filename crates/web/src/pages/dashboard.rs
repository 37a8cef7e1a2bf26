//! The listening dashboard: volume, sentiment, share of voice, where the brand is discussed,
//! who carries it, and what is said.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jardinier_domain::Permission;
use serde::Deserialize;

use super::{Chrome, render};
use crate::charts;
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// Words too common to be "what is said" (French and English function words and fillers).
const STOP_WORDS: &[&str] = &[
    "alors",
    "aussi",
    "avec",
    "avoir",
    "bien",
    "cela",
    "cette",
    "comme",
    "dans",
    "depuis",
    "donc",
    "elle",
    "encore",
    "etait",
    "etre",
    "fait",
    "faut",
    "leur",
    "mais",
    "meme",
    "merci",
    "nous",
    "pour",
    "plus",
    "quand",
    "quelqu",
    "sans",
    "sont",
    "sous",
    "suis",
    "tous",
    "tout",
    "toujours",
    "tres",
    "trop",
    "vous",
    "about",
    "after",
    "again",
    "also",
    "been",
    "before",
    "best",
    "from",
    "have",
    "just",
    "like",
    "more",
    "only",
    "over",
    "that",
    "their",
    "them",
    "then",
    "there",
    "they",
    "this",
    "very",
    "were",
    "what",
    "when",
    "with",
    "would",
    "your",
    "franchement",
    "honnetement",
];

#[derive(Deserialize, Default)]
pub struct Period {
    #[serde(default)]
    days: Option<i64>,
}

pub struct Row {
    pub label: String,
    pub value: i64,
}

#[derive(Template)]
#[template(path = "listening_dashboard.html")]
struct DashboardTemplate {
    c: Chrome,
    ws_slug: String,
    days: i64,
    total: i64,
    volume_svg: String,
    tone_svg: String,
    /// This period against the one before: mentions and net sentiment, in words.
    versus_total: String,
    versus_net: String,
    sentiment_svg: String,
    share_svg: String,
    sites_svg: String,
    positive: i64,
    neutral: i64,
    negative: i64,
    net: Option<i64>,
    share: Vec<Row>,
    /// (saved search, its mentions in the archive, mentions)
    share_links: Vec<(String, String, i64)>,
    sites: Vec<Row>,
    /// (author, their mentions in the archive, reach, mentions)
    authors: Vec<(String, String, i64, i64)>,
    /// (tag or term, its mentions in the archive, count)
    hashtags: Vec<(String, String, i64)>,
    terms: Vec<(String, String, i64)>,
    /// Where each tone's mentions are.
    tone_links: [String; 3],
}

fn top(counts: HashMap<String, i64>, n: usize) -> Vec<Row> {
    let mut rows: Vec<Row> = counts
        .into_iter()
        .map(|(label, value)| Row { label, value })
        .collect();
    rows.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.label.cmp(&b.label)));
    rows.truncate(n);
    rows
}

/// The dashboard's figures over the last `days` days, as the page and the API show them.
pub struct Figures {
    pub since: i64,
    /// Seconds per volume bucket: an hour over one day, a day otherwise (a day of the
    /// workspace's calendar: 23 or 25 hours when the clocks change).
    pub bucket: i64,
    /// (bucket start, mentions) from `since`, empty buckets included: the workspace's hours over
    /// one day, its days (from midnight) otherwise.
    pub volume: Vec<(i64, i64)>,
    /// Every mention of the period, those without a sentiment too.
    pub total: i64,
    /// [positive, neutral, negative] per bucket, as `volume`.
    pub tone: Vec<[i64; 3]>,
    /// The period just before, as long: its mentions and net sentiment.
    pub previous_total: i64,
    pub previous_net: Option<i64>,
    pub positive: i64,
    pub neutral: i64,
    pub negative: i64,
    /// Share of voice: (saved search id, its name, mentions) of the brand and competitors.
    pub share: Vec<(i64, String, i64)>,
    pub sites: Vec<Row>,
    /// (name, handle, reach, mentions)
    pub authors: Vec<(String, String, i64, i64)>,
    pub hashtags: Vec<Row>,
    pub terms: Vec<Row>,
}

/// The periods the dashboard offers, in days; 7 by default.
pub fn period_days(asked: Option<i64>) -> Option<i64> {
    match asked {
        None => Some(7),
        Some(d) if [1, 7, 30, 90].contains(&d) => Some(d),
        Some(_) => None,
    }
}

/// Where each bucket of the period starts, oldest first: the last 24 hours of the workspace's
/// clock (from the start of an hour) over one day, else its last `days` days from midnight.
pub fn bucket_starts(days: i64, timezone: &str, now: i64) -> Vec<i64> {
    let tz = jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(here) = jiff::Timestamp::from_second(now).map(|t| t.to_zoned(tz.clone())) else {
        return vec![now - days * 86_400];
    };
    if days == 1 {
        let hour =
            here.timestamp().as_second() - i64::from(here.minute()) * 60 - i64::from(here.second());
        return (0..24).rev().map(|i| hour - i * 3_600).collect();
    }
    let today = here.date();
    (0..days)
        .rev()
        .filter_map(|i| {
            let day = today.checked_sub(jiff::Span::new().days(i)).ok()?;
            Some(day.to_zoned(tz.clone()).ok()?.timestamp().as_second())
        })
        .collect()
}

pub async fn figures(
    state: &SharedState,
    workspace_id: i64,
    timezone: &str,
    days: i64,
) -> Result<Figures, WebError> {
    let now = unix_now();
    let starts = bucket_starts(days, timezone, now);
    let since = starts[0];
    let bucket = if days == 1 { 3_600 } else { 86_400 };
    // Counted per hour from a local hour's start, then summed into the workspace's buckets:
    // hours are an hour long everywhere, days are not when the clocks change.
    let data = state.store.dashboard(workspace_id, since, 3_600).await?;
    let queries = state.store.listening_queries(workspace_id).await?;
    // Every bucket of the period, empty ones included, so gaps show as gaps.
    let mut volume: Vec<(i64, i64)> = starts.iter().map(|s| (*s, 0)).collect();
    for (start, count) in &data.volume {
        let i = starts.partition_point(|s| s <= start);
        if let Some(slot) = i.checked_sub(1).and_then(|i| volume.get_mut(i)) {
            slot.1 += count;
        }
    }
    let count = |label: &str| {
        data.sentiment
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    let mut tone = vec![[0_i64; 3]; starts.len()];
    for (start, label, n) in state
        .store
        .tone_over_time(workspace_id, since, 3_600)
        .await?
    {
        let i = starts.partition_point(|s| *s <= start);
        let k = match label.as_str() {
            "positive" => 0,
            "neutral" => 1,
            "negative" => 2,
            _ => continue,
        };
        if let Some(slot) = i.checked_sub(1).and_then(|i| tone.get_mut(i)) {
            slot[k] += n;
        }
    }
    let previous = state
        .store
        .tones_between(workspace_id, since - (now - since), since)
        .await?;
    let previous_count = |label: &str| {
        previous
            .iter()
            .find(|(l, _)| l == label)
            .map_or(0, |(_, n)| *n)
    };
    // Share of voice: the brand against competitors (other kinds are topics, not voices).
    let share = data
        .by_query
        .iter()
        .filter_map(|(id, n)| {
            queries
                .iter()
                .find(|q| q.id == *id && (q.kind == "brand" || q.kind == "competitor"))
                .map(|q| (q.id, q.name.clone(), *n))
        })
        .collect();
    let sites = data
        .sites
        .iter()
        .map(|(site, n)| Row {
            label: site.clone(),
            value: *n,
        })
        .collect();
    let mut hashtags: HashMap<String, i64> = HashMap::new();
    // Terms are counted without accents or case ("cafe" and "Café" are one term) and shown as
    // people write them most ("café").
    let mut terms: HashMap<String, (i64, HashMap<String, i64>)> = HashMap::new();
    for text in &data.recent_texts {
        for token in jardinier_query::tokenize(text, 0) {
            if token.folded.starts_with('#') {
                *hashtags.entry(token.raw.clone()).or_default() += 1;
            } else if !token.folded.starts_with('@')
                && token.folded.chars().count() >= 4
                && !STOP_WORDS.contains(&token.folded.as_str())
                && !token.folded.chars().all(|c| c.is_ascii_digit())
            {
                let entry = terms.entry(token.folded.clone()).or_default();
                entry.0 += 1;
                *entry.1.entry(token.raw.to_lowercase()).or_default() += 1;
            }
        }
    }
    let terms: HashMap<String, i64> = terms
        .into_values()
        .map(|(n, forms)| {
            let shown = forms
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
                .map(|(form, _)| form)
                .unwrap_or_default();
            (shown, n)
        })
        .collect();
    Ok(Figures {
        since,
        bucket,
        volume,
        total: data.sentiment.iter().map(|(_, n)| n).sum(),
        tone,
        previous_total: previous.iter().map(|(_, n)| n).sum(),
        previous_net: crate::charts::net_sentiment(
            previous_count("positive"),
            previous_count("negative"),
        ),
        positive: count("positive"),
        neutral: count("neutral"),
        negative: count("negative"),
        share,
        sites,
        authors: data.authors,
        hashtags: top(hashtags, 12),
        terms: top(terms, 20),
    })
}

/// The period's mentions against the period before: "+25 % vs the previous period (8)".
fn versus_total(tr: jardinier_i18n::Tr, now: i64, before: i64) -> String {
    if before == 0 {
        return tr.t("dashboard.versus_none").to_owned();
    }
    let change = ((now - before) as f64 * 100.0 / before as f64).round() as i64;
    let sign = if change > 0 { "+" } else { "" };
    tr.f(
        "dashboard.versus_total",
        &[
            ("change", &format!("{sign}{}", tr.number(change))),
            ("n", &tr.number(before)),
        ],
    )
}

/// Net sentiment against the period before, in points: "−12 pts vs the previous period".
fn versus_net(tr: jardinier_i18n::Tr, now: Option<i64>, before: Option<i64>) -> String {
    match (now, before) {
        (Some(now), Some(before)) => {
            let change = now - before;
            let sign = if change > 0 { "+" } else { "" };
            tr.f(
                "dashboard.versus_net",
                &[("change", &format!("{sign}{}", tr.number(change)))],
            )
        }
        _ => String::new(),
    }
}

/// The archive's address filtered by one parameter.
fn link(archive: &str, name: &str, value: &str) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .append_pair(name, value)
        .finish();
    format!("{archive}?{query}")
}

pub async fn dashboard(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(period): Query<Period>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    let tr = w.ctx.tr;
    let days = period_days(period.days).unwrap_or(7);
    let f = figures(&state, w.workspace.id, &w.workspace.timezone, days).await?;
    let tz = &w.workspace.timezone;
    let volume_bars: Vec<(String, i64)> = f
        .volume
        .iter()
        .map(|(start, v)| {
            (
                if f.bucket == 86_400 {
                    super::iso_day(*start, tz)
                } else {
                    super::format_hm(*start, tz)
                },
                *v,
            )
        })
        .collect();
    // Each bar opens its day's mentions in the archive (the workspace's days, as the bars).
    let archive = format!("/w/{}/listening", w.workspace.slug);
    let volume_links: Vec<String> = f
        .volume
        .iter()
        .map(|(start, _)| {
            let day = &super::iso_day(*start, tz);
            format!("{archive}?from={day}&to={day}")
        })
        .collect();
    let (positive, neutral, negative) = (f.positive, f.neutral, f.negative);
    let share: Vec<Row> = f
        .share
        .iter()
        .map(|(_, name, n)| Row {
            label: name.clone(),
            value: *n,
        })
        .collect();
    let authors = f
        .authors
        .iter()
        .map(|(name, handle, reach, n)| {
            let shown = if handle.is_empty() {
                name.clone()
            } else {
                format!("{name} ({handle})")
            };
            let who = if handle.is_empty() { name } else { handle };
            (shown, link(&archive, "author", who), *reach, *n)
        })
        .collect();
    let linked = |rows: &[Row]| -> Vec<(String, String, i64)> {
        rows.iter()
            .map(|r| (r.label.clone(), link(&archive, "q", &r.label), r.value))
            .collect()
    };
    let share_links: Vec<(String, String, i64)> = f
        .share
        .iter()
        .map(|(id, name, n)| (name.clone(), link(&archive, "query", &id.to_string()), *n))
        .collect();
    let as_pairs = |rows: &[Row]| {
        rows.iter()
            .map(|r| (r.label.clone(), r.value))
            .collect::<Vec<_>>()
    };
    render(DashboardTemplate {
        c: Chrome::workspace(&w, "listening"),
        ws_slug: w.workspace.slug.clone(),
        days,
        total: f.total,
        volume_svg: charts::columns(tr.t("dashboard.volume"), &volume_bars, &volume_links),
        tone_svg: charts::tone_columns(
            tr.t("dashboard.tone_over_time"),
            [
                tr.t("listening.positive"),
                tr.t("listening.neutral"),
                tr.t("listening.negative"),
            ],
            &volume_bars
                .iter()
                .zip(&f.tone)
                .map(|((label, _), tones)| (label.clone(), *tones))
                .collect::<Vec<_>>(),
        ),
        versus_total: versus_total(tr, f.total, f.previous_total),
        versus_net: versus_net(
            tr,
            charts::net_sentiment(f.positive, f.negative),
            f.previous_net,
        ),
        sentiment_svg: charts::sentiment_split(
            tr.t("dashboard.sentiment"),
            positive,
            neutral,
            negative,
        ),
        share_svg: charts::bars(tr.t("dashboard.share_of_voice"), &as_pairs(&share)),
        sites_svg: charts::bars(tr.t("dashboard.sites"), &as_pairs(&f.sites)),
        positive,
        neutral,
        negative,
        net: charts::net_sentiment(positive, negative),
        share,
        share_links,
        sites: f.sites,
        authors,
        hashtags: linked(&f.hashtags),
        terms: linked(&f.terms),
        tone_links: ["positive", "neutral", "negative"].map(|t| link(&archive, "sentiment", t)),
    })
}

#[cfg(test)]
mod tests {
    use super::bucket_starts;

    fn local(unix: i64) -> String {
        jiff::Timestamp::from_second(unix)
            .unwrap()
            .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
            .strftime("%Y-%m-%d %H:%M")
            .to_string()
    }

    #[test]
    fn days_start_at_the_workspace_s_midnight_even_when_the_clocks_change() {
        // 2026-10-27 12:00 in Paris; the clocks went back on the 25th.
        let now = 1_793_098_800;
        assert_eq!(local(now), "2026-10-27 12:00");
        let starts = bucket_starts(7, "Europe/Paris", now);
        assert_eq!(starts.len(), 7);
        assert_eq!(
            local(starts[6]),
            "2026-10-27 00:00",
            "today is the last bucket"
        );
        assert_eq!(local(starts[0]), "2026-10-21 00:00");
        let day = |d: &str| {
            starts
                .iter()
                .position(|s| local(*s).starts_with(d))
                .unwrap()
        };
        assert_eq!(
            starts[day("2026-10-26")] - starts[day("2026-10-25")],
            25 * 3_600,
            "the day the clocks went back lasted 25 hours"
        );
    }

    #[test]
    fn hours_are_the_workspace_s_hours() {
        let now = 1_793_098_800 + 17 * 60; // 12:17 in Paris
        let starts = bucket_starts(1, "Europe/Paris", now);
        assert_eq!(starts.len(), 24);
        assert_eq!(local(starts[23]), "2026-10-27 12:00");
        assert_eq!(local(starts[0]), "2026-10-26 13:00");
    }
}
