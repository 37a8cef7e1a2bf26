//! Moving a community from Discourse (issue 16, item 11): a public Discourse forum read through
//! its documented JSON API, as any visitor reads it, and made into a Jardinier community
//! archive (`jardinier_community::archive`) that `jardinier_site::archive_import` writes — one
//! path for every import, with its checks.
//!
//! Read: `/site.json` (every category; `/categories.json` when it is refused), `/latest.json`
//! page after page (`more_topics_url`) for the topics, or the topics asked for by id, then
//! `/t/{id}.json` for each, and `/t/{id}/posts.json?post_ids[]=…` for the posts of long topics
//! that the first answer leaves out. Requests go one at a time, with a pause between them, and
//! a `429 Too Many Requests` is waited out (its `Retry-After`), as Discourse asks of API
//! clients.
//!
//! What cannot come: members' e-mail addresses (Discourse shows them to its admins only: members
//! get an address of the reserved `.invalid` domain and sign up again to claim nothing — their
//! old posts stay signed with their old name), private messages, likes, and images, which keep
//! their address on the old forum.

pub mod map;

use std::time::Duration;

use jardinier_community::archive::{self, Archive, Head};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum DiscourseError {
    #[error("{0} is not a web address (https://forum.example.org)")]
    Address(String),
    #[error("{url} could not be read: {reason}")]
    Request { url: String, reason: String },
    #[error("{url} answered {status}")]
    Status { url: String, status: u16 },
    #[error("{url} did not answer JSON: is it a Discourse forum? ({reason})")]
    NotJson { url: String, reason: String },
    #[error("{0}")]
    Answer(String),
    #[error("the forum lists no category: is it a Discourse forum, and public?")]
    NoCategory,
}

/// What to read.
#[derive(Debug, Clone)]
pub struct Options {
    /// The forum's address (`https://forum.example.org`).
    pub base: String,
    /// Only these topics (their Discourse ids); empty: every topic the latest list gives.
    pub topics: Vec<i64>,
    /// Stop after this many topics (0: no limit).
    pub max_topics: usize,
    /// The pause between two requests.
    pub pause: Duration,
}

/// What was read, and what could not be.
#[derive(Debug, Default)]
pub struct Report {
    /// (topic id, why) of the topics left out.
    pub skipped: Vec<(i64, String)>,
    pub requests: usize,
}

struct Reader {
    client: reqwest::Client,
    base: String,
    pause: Duration,
    requests: usize,
}

impl Reader {
    async fn get(&mut self, path: &str) -> Result<Value, DiscourseError> {
        let url = format!("{}{path}", self.base);
        let mut waited = 0;
        loop {
            if self.requests > 0 {
                tokio::time::sleep(self.pause).await;
            }
            self.requests += 1;
            let response = self
                .client
                .get(&url)
                .header("Accept", "application/json")
                .send()
                .await
                .map_err(|e| DiscourseError::Request {
                    url: url.clone(),
                    reason: e.to_string(),
                })?;
            let status = response.status();
            if status.as_u16() == 429 && waited < 5 {
                let wait = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .unwrap_or(10)
                    .min(120);
                tracing::info!(%url, wait, "Discourse asks to slow down");
                tokio::time::sleep(Duration::from_secs(wait)).await;
                waited += 1;
                continue;
            }
            if !status.is_success() {
                return Err(DiscourseError::Status {
                    url,
                    status: status.as_u16(),
                });
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|e| DiscourseError::Request {
                    url: url.clone(),
                    reason: e.to_string(),
                })?;
            return serde_json::from_slice(&bytes).map_err(|e| DiscourseError::NotJson {
                url,
                reason: e.to_string(),
            });
        }
    }
}

/// The forum's address without a trailing slash, or why it is not one.
fn base_of(raw: &str) -> Result<String, DiscourseError> {
    let parsed =
        url::Url::parse(raw.trim()).map_err(|_| DiscourseError::Address(raw.to_owned()))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(DiscourseError::Address(raw.to_owned()));
    }
    Ok(parsed.as_str().trim_end_matches('/').to_owned())
}

/// Reads the forum into an archive for the workspace `workspace` (its address name).
pub async fn read(options: &Options, workspace: &str) -> Result<(Archive, Report), DiscourseError> {
    let base = base_of(&options.base)?;
    let client = reqwest::Client::builder()
        .user_agent(concat!(
            "Jardinier/",
            env!("CARGO_PKG_VERSION"),
            " (community import)"
        ))
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| DiscourseError::Request {
            url: base.clone(),
            reason: e.to_string(),
        })?;
    let mut reader = Reader {
        client,
        base: base.clone(),
        pause: options.pause,
        requests: 0,
    };
    let mut report = Report::default();
    let site = match reader.get("/site.json").await {
        Ok(site) => site,
        Err(DiscourseError::Status { .. }) => reader.get("/categories.json").await?,
        Err(other) => return Err(other),
    };
    let categories = map::categories(&site);
    if categories.is_empty() {
        return Err(DiscourseError::NoCategory);
    }

    let mut ids = options.topics.clone();
    if ids.is_empty() {
        let mut next = Some("/latest.json".to_owned());
        let mut pages = 0;
        while let Some(path) = next.take() {
            pages += 1;
            let path = if path.contains(".json") {
                path
            } else {
                path.replacen("/latest", "/latest.json", 1)
            };
            let list = match reader.get(&path).await {
                Ok(list) => list,
                // The first page is required; a later one missing ends the list.
                Err(error) if pages > 1 => {
                    tracing::warn!(%error, "the topic list stops here");
                    break;
                }
                Err(error) => return Err(error),
            };
            let (found, more) = map::topic_list(&list);
            let new: Vec<i64> = found.into_iter().filter(|id| !ids.contains(id)).collect();
            if new.is_empty() {
                break;
            }
            ids.extend(new);
            if options.max_topics > 0 && ids.len() >= options.max_topics {
                ids.truncate(options.max_topics);
                break;
            }
            next = more;
        }
    }

    let mut people = map::People::default();
    let mut topics = Vec::new();
    for id in ids {
        let answer = match reader.get(&format!("/t/{id}.json")).await {
            Ok(answer) => answer,
            Err(error) => {
                report.skipped.push((id, error.to_string()));
                continue;
            }
        };
        let mut more = Vec::new();
        for chunk in map::missing_posts(&answer).chunks(20) {
            let query: Vec<String> = chunk.iter().map(|p| format!("post_ids[]={p}")).collect();
            match reader
                .get(&format!("/t/{id}/posts.json?{}", query.join("&")))
                .await
            {
                Ok(posts) => more.extend(map::posts_of(&posts)),
                Err(error) => report
                    .skipped
                    .push((id, format!("some of its posts could not be read: {error}"))),
            }
        }
        match map::topic(&answer, &more, &categories, &mut people, &base) {
            Ok(topic) => topics.push(topic),
            Err(error) => report.skipped.push((id, error.to_string())),
        }
    }
    report.requests = reader.requests;
    let archive = Archive {
        head: Head {
            format: archive::FORMAT.to_owned(),
            version: archive::VERSION,
            exported_at: jiff::Timestamp::from_second(jiff::Timestamp::now().as_second())
                .map(|t| t.to_string())
                .unwrap_or_default(),
            workspace: workspace.to_owned(),
            site: None,
            categories: categories.into_iter().map(|(_, c)| c).collect(),
            charter: None,
            members: people.members.into_values().collect(),
        },
        topics,
    };
    Ok((archive, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_kept_without_their_trailing_slash() {
        assert_eq!(
            base_of("https://meta.discourse.org/").unwrap(),
            "https://meta.discourse.org"
        );
        assert!(base_of("meta.discourse.org").is_err());
        assert!(base_of("ftp://x.org").is_err());
    }
}
