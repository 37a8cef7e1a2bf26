//! RSS, Atom and JSON Feed, fetched with conditional GET (ETag / Last-Modified).

use jardinier_listening::IncomingItem;
use serde::Deserialize;

use crate::{FetchError, decode, tolerate};

pub const MAX_FEED_BYTES: usize = 5 * 1024 * 1024;

#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct FeedConfig {
    pub url: String,
}

impl FeedConfig {
    pub fn parse(json: &str) -> Result<FeedConfig, FetchError> {
        let config: FeedConfig =
            serde_json::from_str(json).map_err(|e| FetchError::Config(e.to_string()))?;
        match url::Url::parse(&config.url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(config),
            _ => Err(FetchError::Config(format!(
                "{:?} is not an http(s) address",
                config.url
            ))),
        }
    }

    pub fn host(&self) -> String {
        url::Url::parse(&self.url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

#[derive(Debug)]
pub enum FeedFetch {
    /// 304: nothing new since the validators we sent.
    NotModified,
    Fetched {
        items: Vec<IncomingItem>,
        etag: Option<String>,
        last_modified: Option<String>,
        /// What was wrong but did not stop the reading (shown on the source).
        warnings: Vec<String>,
    },
}

/// Text of an HTML fragment, whitespace collapsed.
fn text_of(html: &str) -> String {
    nanohtml2text::html2text(html)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a feed body gave: its items, and what was wrong but did not stop the reading.
#[derive(Debug, Default)]
pub struct Parsed {
    pub items: Vec<IncomingItem>,
    pub warnings: Vec<String>,
}

/// Text of a title or content: plain text kept as is (`<blink>` is words there), markup
/// turned into text.
fn text_as(content: &str, content_type: &impl std::fmt::Display) -> String {
    if content_type.to_string().starts_with("text/plain") {
        content.split_whitespace().collect::<Vec<_>>().join(" ")
    } else {
        text_of(content)
    }
}

/// Parses a feed body into items (no HTTP `charset` known).
pub fn parse_feed(body: &[u8], feed_url: &str) -> Result<Vec<IncomingItem>, FetchError> {
    parse_response(body, None, feed_url).map(|p| p.items)
}

/// Parses a response body: decompressed and decoded to UTF-8 first (see [`crate::decode`]),
/// then read by feed-rs. Never panics: a panic inside the parser is this feed's error.
pub fn parse_response(
    body: &[u8],
    content_type: Option<&str>,
    feed_url: &str,
) -> Result<Parsed, FetchError> {
    let body = decode::decompress(body, MAX_FEED_BYTES);
    let is_json = body
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    let (text, mut warnings) = if is_json {
        (String::from_utf8_lossy(&body).into_owned(), Vec::new())
    } else {
        let decoded = decode::to_utf8(&body, content_type.and_then(decode::charset_of));
        (tolerate::prepare(decoded.text), decoded.warnings)
    };
    let feed = match read(&text, feed_url) {
        Ok(feed) => feed,
        Err(error) if is_empty_feed(&text) => {
            warnings.push(format!("the feed has nothing in it yet ({error})"));
            return Ok(Parsed {
                items: Vec::new(),
                warnings,
            });
        }
        Err(error) => match entry_by_entry(&text, feed_url) {
            // One odd entry (or a damaged end) does not refuse the others.
            Some((feed, unread)) => {
                warnings.push(format!(
                    "{unread} entries could not be read and were skipped ({error})"
                ));
                feed
            }
            None => return Err(FetchError::NotAFeed(error)),
        },
    };
    Ok(Parsed {
        items: items_of(feed),
        warnings,
    })
}

/// feed-rs on UTF-8 text; a panic inside it is an error like another.
fn read(text: &str, feed_url: &str) -> Result<feed_rs::model::Feed, String> {
    let parsed = std::panic::catch_unwind(|| {
        feed_rs::parser::Builder::new()
            .base_uri(Some(feed_url))
            // No invented ids: an entry without one gets ours, from its content and date.
            .id_generator(|_, _, _| String::new())
            .build()
            .parse(text.as_bytes())
    });
    match parsed {
        Ok(result) => result.map_err(|e| e.to_string()),
        Err(_) => Err("the feed reader stopped on this file".into()),
    }
}

/// The feed read one entry at a time, each inside the feed's head: the entries that can be read
/// and how many could not. `None` when even the head cannot be read, or no entry can.
fn entry_by_entry(text: &str, feed_url: &str) -> Option<(feed_rs::model::Feed, usize)> {
    let split = tolerate::split_entries(text)?;
    let mut feed = read(&format!("{}{}", split.head, split.tail), feed_url).ok()?;
    let mut unread = split.damaged;
    for entry in &split.entries {
        match read(&format!("{}{entry}{}", split.head, split.tail), feed_url) {
            Ok(one) => feed.entries.extend(one.entries),
            Err(_) => unread += 1,
        }
    }
    // Nothing readable at all is the damaged file it looks like, not an empty feed.
    (!feed.entries.is_empty() || unread == 0).then_some((feed, unread))
}

/// Items of a parsed feed: entries with no text at all are skipped.
fn items_of(feed: feed_rs::model::Feed) -> Vec<IncomingItem> {
    let feed_author = feed.authors.first().and_then(|a| a.name.clone());
    let mut items = Vec::new();
    for entry in feed.entries {
        let title = entry
            .title
            .as_ref()
            .map(|t| text_as(&t.content, &t.content_type))
            .filter(|t| !t.is_empty());
        let body = entry
            .content
            .as_ref()
            .and_then(|c| Some(text_as(c.body.as_deref()?, &c.content_type)))
            .filter(|t| !t.is_empty())
            .or_else(|| {
                entry
                    .summary
                    .as_ref()
                    .map(|s| text_as(&s.content, &s.content_type))
                    .filter(|t| !t.is_empty())
            })
            .or_else(|| title.clone());
        let Some(text) = body else { continue };
        let title = title.or_else(|| Some(title_from(&text)));
        let url = page_link(&entry.links);
        let published_at = entry.published.or(entry.updated).map(|t| t.timestamp());
        let external_id = if !entry.id.trim().is_empty() {
            entry.id.clone()
        } else if let Some(url) = &url {
            url.clone()
        } else {
            // Never the title alone: two "Daily report" on two days are two items.
            let date = published_at.map(|d| d.to_string()).unwrap_or_default();
            let words = format!("{}\n{text}", title.as_deref().unwrap_or_default());
            format!(
                "content:{}",
                jardinier_listening::content_hash(&date, &words)
            )
        };
        items.push(IncomingItem {
            external_id,
            url,
            author_name: entry
                .authors
                .first()
                .and_then(|a| a.name.clone())
                .or_else(|| feed_author.clone()),
            author_handle: None,
            author_reach: None,
            title,
            text,
            published_at,
            parent_external_id: None,
            quoted_ref: None,
        });
    }
    items
}

/// The address of the entry's page: its `alternate` link (or one with no `rel`), else any link
/// that is not the comments feed, an edit link or the feed itself.
fn page_link(links: &[feed_rs::model::Link]) -> Option<String> {
    let rel = |l: &feed_rs::model::Link| l.rel.as_deref().unwrap_or("alternate").to_owned();
    links
        .iter()
        .find(|l| rel(l).eq_ignore_ascii_case("alternate"))
        .or_else(|| {
            links.iter().find(|l| {
                !matches!(
                    rel(l).to_ascii_lowercase().as_str(),
                    "replies" | "edit" | "edit-media" | "self" | "comments" | "enclosure"
                )
            })
        })
        .map(|l| l.href.clone())
        .filter(|h| !h.trim().is_empty() && h != tolerate::NO_LINK)
}

/// A title for an entry that has none: the start of its text, cut at a word.
fn title_from(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() <= MAX {
        return text.to_owned();
    }
    let cut: String = text.chars().take(MAX).collect();
    let at_word = cut.rfind(' ').filter(|i| *i > MAX / 2).unwrap_or(cut.len());
    format!("{}…", cut[..at_word].trim_end())
}

/// An `<rss>`, `<channel>`, RDF or Atom document with no item in it: a feed with nothing yet.
fn is_empty_feed(text: &str) -> bool {
    let root = text
        .split('<')
        .skip(1)
        .find(|t| !t.starts_with('?') && !t.starts_with('!'))
        .map(|t| {
            t.split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let local = root.rsplit(':').next().unwrap_or_default();
    matches!(local, "rss" | "rdf" | "channel" | "feed")
        && !["<item", "<entry", ":item", ":entry"]
            .iter()
            .any(|tag| text.contains(tag))
}

/// Fetches a feed, sending the validators of the previous fetch.
pub async fn fetch(
    client: &reqwest::Client,
    config: &FeedConfig,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> Result<FeedFetch, FetchError> {
    let host = config.host();
    let mut request = client.get(&config.url).header("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, */*;q=0.5");
    if let Some(etag) = etag {
        request = request.header("If-None-Match", etag);
    }
    if let Some(last_modified) = last_modified {
        request = request.header("If-Modified-Since", last_modified);
    }
    let mut response = request.send().await.map_err(|e| FetchError::Unreachable {
        host: host.clone(),
        reason: short_reason(&e),
    })?;
    let status = response.status();
    if status == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(FeedFetch::NotModified);
    }
    if !status.is_success() {
        return Err(FetchError::Http {
            host,
            status: status.as_u16(),
        });
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (etag, last_modified) = (header("etag"), header("last-modified"));
    let content_type = header("content-type");
    if response
        .content_length()
        .is_some_and(|n| n as usize > MAX_FEED_BYTES)
    {
        return Err(FetchError::TooLarge {
            limit_mb: MAX_FEED_BYTES >> 20,
        });
    }
    // Read by chunks so a server that lies about (or omits) its length cannot exhaust memory.
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| FetchError::Unreachable {
            host: host.clone(),
            reason: short_reason(&e),
        })?
    {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_FEED_BYTES {
            return Err(FetchError::TooLarge {
                limit_mb: MAX_FEED_BYTES >> 20,
            });
        }
    }
    let parsed = parse_response(&body, content_type.as_deref(), &config.url)?;
    Ok(FeedFetch::Fetched {
        items: parsed.items,
        warnings: parsed.warnings,
        etag,
        last_modified,
    })
}

fn short_reason(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "no answer in time".into()
    } else if error.is_connect() {
        "connection refused or host not found".into()
    } else {
        error.to_string()
    }
}
