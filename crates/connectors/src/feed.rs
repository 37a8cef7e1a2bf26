//! RSS, Atom and JSON Feed, fetched with conditional GET (ETag / Last-Modified).

use jardinier_listening::IncomingItem;
use serde::Deserialize;

use crate::FetchError;

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
    },
}

/// Text of an HTML fragment, whitespace collapsed.
fn text_of(html: &str) -> String {
    nanohtml2text::html2text(html)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Parses a feed body into items.
pub fn parse_feed(body: &[u8], feed_url: &str) -> Result<Vec<IncomingItem>, FetchError> {
    let feed = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url))
        .build()
        .parse(body)
        .map_err(|e| FetchError::NotAFeed(e.to_string()))?;
    let feed_author = feed.authors.first().and_then(|a| a.name.clone());
    let mut items = Vec::new();
    for entry in feed.entries {
        let title = entry
            .title
            .as_ref()
            .map(|t| text_of(&t.content))
            .filter(|t| !t.is_empty());
        let body = entry
            .content
            .as_ref()
            .and_then(|c| c.body.as_deref())
            .map(text_of)
            .filter(|t| !t.is_empty())
            .or_else(|| {
                entry
                    .summary
                    .as_ref()
                    .map(|s| text_of(&s.content))
                    .filter(|t| !t.is_empty())
            })
            .or_else(|| title.clone());
        let Some(text) = body else { continue };
        let url = entry.links.first().map(|l| l.href.clone());
        // feed-rs derives an id from the content when a feed gives none; the link is a more
        // stable identity then.
        let external_id = if entry.id.is_empty() {
            url.clone().unwrap_or_default()
        } else {
            entry.id.clone()
        };
        if external_id.is_empty() {
            continue;
        }
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
            published_at: entry.published.or(entry.updated).map(|t| t.timestamp()),
            parent_external_id: None,
            quoted_ref: None,
        });
    }
    Ok(items)
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
    let items = parse_feed(&body, &config.url)?;
    Ok(FeedFetch::Fetched {
        items,
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
