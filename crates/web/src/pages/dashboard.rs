//! The listening dashboard: volume, sentiment, share of voice, where the brand is discussed,
//! who carries it, and what is said.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use jardinier_domain::Permission;
use serde::Deserialize;

use super::{Chrome, format_time, render};
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
    sentiment_svg: String,
    share_svg: String,
    sites_svg: String,
    positive: i64,
    neutral: i64,
    negative: i64,
    net: Option<i64>,
    share: Vec<Row>,
    sites: Vec<Row>,
    authors: Vec<(String, i64, i64)>,
    hashtags: Vec<Row>,
    terms: Vec<Row>,
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
    /// Seconds per volume bucket: an hour over one day, a day otherwise.
    pub bucket: i64,
    /// Mentions per bucket from `since`, empty buckets included.
    pub volume: Vec<i64>,
    /// Every mention of the period, those without a sentiment too.
    pub total: i64,
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

pub async fn figures(
    state: &SharedState,
    workspace_id: i64,
    days: i64,
) -> Result<Figures, WebError> {
    let now = unix_now();
    let since = now - days * 86_400;
    let bucket = if days == 1 { 3_600 } else { 86_400 };
    let data = state.store.dashboard(workspace_id, since, bucket).await?;
    let queries = state.store.listening_queries(workspace_id).await?;
    // Every bucket of the period, empty ones included, so gaps show as gaps.
    let buckets = (days * 86_400 / bucket) as usize;
    let mut volume = vec![0_i64; buckets.max(1)];
    for (start, count) in &data.volume {
        let i = ((start - since) / bucket) as usize;
        if let Some(slot) = volume.get_mut(i) {
            *slot += count;
        }
    }
    let count = |label: &str| {
        data.sentiment
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, n)| *n)
            .unwrap_or(0)
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
    let (mut hashtags, mut terms): (HashMap<String, i64>, HashMap<String, i64>) =
        Default::default();
    for text in &data.recent_texts {
        for token in jardinier_query::tokenize(text, 0) {
            if token.folded.starts_with('#') {
                *hashtags.entry(token.raw.clone()).or_default() += 1;
            } else if !token.folded.starts_with('@')
                && token.folded.chars().count() >= 4
                && !STOP_WORDS.contains(&token.folded.as_str())
                && !token.folded.chars().all(|c| c.is_ascii_digit())
            {
                *terms.entry(token.folded.clone()).or_default() += 1;
            }
        }
    }
    Ok(Figures {
        since,
        bucket,
        volume,
        total: data.sentiment.iter().map(|(_, n)| n).sum(),
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

pub async fn dashboard(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(period): Query<Period>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    let tr = w.ctx.tr;
    let days = period_days(period.days).unwrap_or(7);
    let f = figures(&state, w.workspace.id, days).await?;
    let tz = &w.workspace.timezone;
    let volume_bars: Vec<(String, i64)> = f
        .volume
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let label = format_time(f.since + i as i64 * f.bucket, tz);
            (
                if f.bucket == 86_400 {
                    label[..10].to_owned()
                } else {
                    label[11..].to_owned()
                },
                *v,
            )
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
            (
                if handle.is_empty() {
                    name.clone()
                } else {
                    format!("{name} ({handle})")
                },
                *reach,
                *n,
            )
        })
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
        volume_svg: charts::columns(tr.t("dashboard.volume"), &volume_bars),
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
        sites: f.sites,
        authors,
        hashtags: f.hashtags,
        terms: f.terms,
    })
}
