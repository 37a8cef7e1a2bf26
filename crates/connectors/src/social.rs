//! Mastodon, Bluesky and Hacker News: public JSON APIs polled with a cursor.
//!
//! - Mastodon: `GET {instance}/api/v1/timelines/tag/{hashtag}?limit=40&since_id={cursor}`
//!   (public on every instance; statuses newest first; the cursor is the newest id seen).
//! - Bluesky: `GET {appview}/xrpc/app.bsky.feed.searchPosts?q=…&sort=latest&limit=50&since=…`
//!   on the public AppView (`https://public.api.bsky.app`); the cursor is the newest
//!   `indexedAt` seen.
//! - Hacker News: `GET {base}/api/v1/search_by_date?query=…&tags=(story,comment)&numericFilters=created_at_i>{cursor}`
//!   on its public search API (`https://hn.algolia.com`); the cursor is the newest
//!   `created_at_i` seen.
//!
//! Cursors live in the source's `etag` column, and move only after the items are committed.

use jardinier_listening::IncomingItem;
use serde::{Deserialize, Serialize};

use crate::FetchError;

/// What a social source is set up to follow.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SocialConfig {
    /// Mastodon instance, Bluesky AppView or search API base URL.
    pub base: String,
    /// Hashtag (Mastodon) or search terms (Bluesky, Hacker News).
    pub search: String,
    /// Mastodon: also hold a streaming connection, so statuses arrive within a second; the
    /// polling goes on and fills whatever a broken stream missed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub stream: bool,
    /// Bluesky: the brand's account (handle or DID) that replies from the inbox are posted as,
    /// with an app password as the source's secret. Mastodon replies use the access token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Bluesky: the account's server (PDS); `https://bsky.social` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pds: Option<String>,
    /// Follow the brand account's notifications instead of a search: mentions, replies to its
    /// posts (comments), direct messages (Mastodon) and quotes (Bluesky). They all need an
    /// answer and go to the inbox by themselves. Needs the account's token (Mastodon) or app
    /// password (Bluesky) as the source's secret.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub notifications: bool,
}

/// The title a direct message is given (it has none of its own): the inbox shows it, and a
/// reply to it stays direct.
pub const DIRECT_MESSAGE: &str = "Message privé / Direct message";

pub const BLUESKY_APPVIEW: &str = "https://public.api.bsky.app";
pub const HN_SEARCH: &str = "https://hn.algolia.com";

impl SocialConfig {
    pub fn parse(json: &str) -> Result<SocialConfig, FetchError> {
        let config: SocialConfig =
            serde_json::from_str(json).map_err(|e| FetchError::Config(e.to_string()))?;
        match url::Url::parse(&config.base) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
            _ => {
                return Err(FetchError::Config(format!(
                    "{:?} is not an http(s) address",
                    config.base
                )));
            }
        }
        if let Some(pds) = &config.pds {
            match url::Url::parse(pds) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
                _ => {
                    return Err(FetchError::Config(format!(
                        "pds: {pds:?} is not an http(s) address"
                    )));
                }
            }
        }
        if config.search.trim().is_empty() && !config.notifications {
            return Err(FetchError::Config(
                "nothing to follow: give a hashtag or search terms, or follow the account's notifications".into(),
            ));
        }
        Ok(config)
    }

    pub fn host(&self) -> String {
        url::Url::parse(&self.base)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default()
    }
}

fn text_of(html: &str) -> String {
    nanohtml2text::html2text(html)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Mastodon links every hashtag and mention to its page; the text keeps `#tag` and `@name` and
/// drops the ` (https://…)` that HTML-to-text adds after them. Other links stay as they are.
pub fn without_tag_links(text: &str) -> String {
    let words: Vec<&str> = text.split(' ').collect();
    let mut kept: Vec<&str> = Vec::with_capacity(words.len());
    for word in words {
        let is_target = word.starts_with("(http") && word.ends_with(')');
        let after_tag = kept
            .last()
            .is_some_and(|w| w.len() > 1 && (w.starts_with('#') || w.starts_with('@')));
        if is_target && after_tag {
            continue;
        }
        kept.push(word);
    }
    kept.join(" ")
}

async fn get_json(
    client: &reqwest::Client,
    host: &str,
    url: url::Url,
) -> Result<serde_json::Value, FetchError> {
    get_json_as(client, host, url, None).await
}

/// A GET of JSON, with the account's bearer token when given.
async fn get_json_as(
    client: &reqwest::Client,
    host: &str,
    url: url::Url,
    token: Option<&str>,
) -> Result<serde_json::Value, FetchError> {
    let mut request = client.get(url).header("Accept", "application/json");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.map_err(|e| FetchError::Unreachable {
        host: host.to_owned(),
        reason: if e.is_timeout() {
            "no answer in time".into()
        } else if e.is_connect() {
            "connection refused or host not found".into()
        } else {
            e.to_string()
        },
    })?;
    if token.is_some() && matches!(response.status().as_u16(), 401 | 403) {
        return Err(FetchError::Refused(format!(
            "{host} refused the account's token or password (HTTP {}): check the source's secret",
            response.status().as_u16()
        )));
    }
    if !response.status().is_success() {
        return Err(FetchError::Http {
            host: host.to_owned(),
            status: response.status().as_u16(),
        });
    }
    let body = response
        .bytes()
        .await
        .map_err(|e| FetchError::Unreachable {
            host: host.to_owned(),
            reason: e.to_string(),
        })?;
    if body.len() > crate::feed::MAX_FEED_BYTES {
        return Err(FetchError::TooLarge {
            limit_mb: crate::feed::MAX_FEED_BYTES >> 20,
        });
    }
    serde_json::from_slice(&body).map_err(|e| {
        FetchError::NotAFeed(format!("the answer is not the JSON this API gives ({e})"))
    })
}

fn url_with(base: &str, path: &str, params: &[(&str, String)]) -> Result<url::Url, FetchError> {
    let mut url = url::Url::parse(base)
        .and_then(|u| u.join(path))
        .map_err(|e| FetchError::Config(e.to_string()))?;
    url.query_pairs_mut()
        .extend_pairs(params.iter().map(|(k, v)| (*k, v.as_str())));
    Ok(url)
}

/// Items fetched, and the cursor to send next time.
pub struct SocialFetch {
    pub items: Vec<IncomingItem>,
    pub cursor: Option<String>,
}

#[derive(Deserialize)]
struct MastodonAccount {
    acct: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    followers_count: Option<i64>,
}

#[derive(Deserialize)]
struct MastodonStatus {
    id: String,
    created_at: String,
    url: Option<String>,
    uri: String,
    content: String,
    #[serde(default)]
    spoiler_text: String,
    account: MastodonAccount,
    in_reply_to_id: Option<String>,
    #[serde(default)]
    quote: Option<serde_json::Value>,
    #[serde(default)]
    visibility: String,
}

pub async fn fetch_mastodon(
    client: &reqwest::Client,
    config: &SocialConfig,
    cursor: Option<&str>,
) -> Result<SocialFetch, FetchError> {
    let tag = config.search.trim().trim_start_matches('#');
    let mut params = vec![("limit", "40".to_owned())];
    if let Some(since) = cursor {
        params.push(("since_id", since.to_owned()));
    }
    let url = url_with(
        &config.base,
        &format!("/api/v1/timelines/tag/{}", urlencode(tag)),
        &params,
    )?;
    let value = get_json(client, &config.host(), url).await?;
    let statuses: Vec<MastodonStatus> = serde_json::from_value(value)
        .map_err(|e| FetchError::NotAFeed(format!("unexpected Mastodon answer ({e})")))?;
    // Status ids are numeric strings that grow with time on Mastodon.
    let newest = statuses
        .iter()
        .map(|s| s.id.clone())
        .max_by_key(|id| (id.len(), id.clone()));
    let items = statuses
        .into_iter()
        .map(status_item)
        .filter(|i| !i.text.is_empty())
        .collect();
    Ok(SocialFetch {
        items,
        cursor: newest.or(cursor.map(str::to_owned)),
    })
}

/// One Mastodon status (REST or streaming `update` payload) as an item.
///
/// Its id is the status's id on the instance polled, the id that `in_reply_to_id` and a reply
/// sent from the inbox name (a remote status's URI is not accepted there), so a reply chain is
/// found within the source.
fn status_item(s: MastodonStatus) -> IncomingItem {
    IncomingItem {
        external_id: s.id.clone(),
        url: s.url.or(Some(s.uri)),
        author_name: Some(if s.account.display_name.is_empty() {
            s.account.acct.clone()
        } else {
            s.account.display_name
        }),
        author_handle: Some(format!("@{}", s.account.acct)),
        author_reach: s.account.followers_count,
        title: if !s.spoiler_text.is_empty() {
            Some(s.spoiler_text)
        } else if s.visibility == "direct" {
            Some(DIRECT_MESSAGE.to_owned())
        } else {
            None
        },
        text: without_tag_links(&text_of(&s.content)),
        published_at: s
            .created_at
            .parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_second()),
        parent_external_id: s.in_reply_to_id,
        // Mastodon 4.5 quotes: the quoted status, when the server shows it.
        quoted_ref: s
            .quote
            .as_ref()
            .and_then(|q| q.pointer("/quoted_status/id"))
            .and_then(|u| u.as_str())
            .map(str::to_owned),
    }
}

/// The item of a streaming `update` event's payload (a Status entity as JSON); `None` when the
/// payload is not a status or has no text.
pub fn mastodon_update(payload: &str) -> Option<IncomingItem> {
    let status: MastodonStatus = serde_json::from_str(payload).ok()?;
    Some(status_item(status)).filter(|i| !i.text.is_empty())
}

#[derive(Deserialize)]
struct BlueskyAuthor {
    handle: String,
    #[serde(rename = "displayName", default)]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct BlueskyPost {
    uri: String,
    author: BlueskyAuthor,
    record: serde_json::Value,
    #[serde(rename = "indexedAt")]
    indexed_at: String,
}

#[derive(Deserialize)]
struct BlueskySearch {
    posts: Vec<BlueskyPost>,
}

pub async fn fetch_bluesky(
    client: &reqwest::Client,
    config: &SocialConfig,
    cursor: Option<&str>,
) -> Result<SocialFetch, FetchError> {
    let mut params = vec![
        ("q", config.search.trim().to_owned()),
        ("sort", "latest".to_owned()),
        ("limit", "50".to_owned()),
    ];
    if let Some(since) = cursor {
        params.push(("since", since.to_owned()));
    }
    let url = url_with(&config.base, "/xrpc/app.bsky.feed.searchPosts", &params)?;
    let value = get_json(client, &config.host(), url).await?;
    let search: BlueskySearch = serde_json::from_value(value)
        .map_err(|e| FetchError::NotAFeed(format!("unexpected Bluesky answer ({e})")))?;
    let newest = search.posts.iter().map(|p| p.indexed_at.clone()).max();
    let items = search
        .posts
        .into_iter()
        .filter(|p| cursor.is_none_or(|c| p.indexed_at.as_str() > c))
        .map(|p| bluesky_item(&p.uri, &p.author, &p.record))
        .filter(|i| !i.text.is_empty())
        .collect();
    Ok(SocialFetch {
        items,
        cursor: newest.or(cursor.map(str::to_owned)),
    })
}

#[derive(Deserialize)]
struct HnHit {
    #[serde(rename = "objectID")]
    object_id: String,
    created_at_i: i64,
    author: Option<String>,
    title: Option<String>,
    story_text: Option<String>,
    comment_text: Option<String>,
    story_title: Option<String>,
    parent_id: Option<i64>,
}

#[derive(Deserialize)]
struct HnSearch {
    hits: Vec<HnHit>,
}

pub async fn fetch_hackernews(
    client: &reqwest::Client,
    config: &SocialConfig,
    cursor: Option<&str>,
) -> Result<SocialFetch, FetchError> {
    let after = cursor.and_then(|c| c.parse::<i64>().ok()).unwrap_or(0);
    let params = [
        ("query", config.search.trim().to_owned()),
        ("tags", "(story,comment)".to_owned()),
        ("numericFilters", format!("created_at_i>{after}")),
        ("hitsPerPage", "50".to_owned()),
    ];
    let url = url_with(&config.base, "/api/v1/search_by_date", &params)?;
    let value = get_json(client, &config.host(), url).await?;
    let search: HnSearch = serde_json::from_value(value)
        .map_err(|e| FetchError::NotAFeed(format!("unexpected Hacker News answer ({e})")))?;
    let newest = search.hits.iter().map(|h| h.created_at_i).max();
    let items = search
        .hits
        .into_iter()
        .filter(|h| h.created_at_i > after)
        .map(|h| {
            let text = h
                .comment_text
                .or(h.story_text)
                .map(|t| text_of(&t))
                .filter(|t| !t.is_empty())
                .or_else(|| h.title.clone())
                .unwrap_or_default();
            IncomingItem {
                external_id: format!("hn:{}", h.object_id),
                url: Some(format!(
                    "https://news.ycombinator.com/item?id={}",
                    h.object_id
                )),
                author_name: h.author.clone(),
                author_handle: h.author,
                author_reach: None,
                title: h.title.or(h.story_title),
                text,
                published_at: Some(h.created_at_i),
                parent_external_id: h.parent_id.map(|p| format!("hn:{p}")),
                quoted_ref: None,
            }
        })
        .filter(|i| !i.text.is_empty())
        .collect();
    Ok(SocialFetch {
        items,
        cursor: newest.map(|n| n.to_string()).or(cursor.map(str::to_owned)),
    })
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A Bluesky post (a search result or a notification's record) as an item.
fn bluesky_item(uri: &str, author: &BlueskyAuthor, record: &serde_json::Value) -> IncomingItem {
    // at://did:plc:…/app.bsky.feed.post/<rkey> → https://bsky.app/profile/<handle>/post/<rkey>
    let rkey = uri.rsplit('/').next().unwrap_or_default().to_owned();
    let text = record
        .get("text")
        .and_then(|t| t.as_str())
        .unwrap_or_default()
        .to_owned();
    let created = record
        .get("createdAt")
        .and_then(|t| t.as_str())
        .and_then(|t| t.parse::<jiff::Timestamp>().ok())
        .map(|t| t.as_second());
    // A quote post embeds the quoted record (with or without media).
    let quoted_ref = record
        .pointer("/embed/record/uri")
        .or_else(|| record.pointer("/embed/record/record/uri"))
        .and_then(|u| u.as_str())
        .map(str::to_owned);
    let parent = record
        .pointer("/reply/parent/uri")
        .and_then(|u| u.as_str())
        .map(str::to_owned);
    IncomingItem {
        external_id: uri.to_owned(),
        url: Some(format!(
            "https://bsky.app/profile/{}/post/{rkey}",
            author.handle
        )),
        author_name: author
            .display_name
            .clone()
            .filter(|n| !n.is_empty())
            .or_else(|| Some(author.handle.clone())),
        author_handle: Some(format!("@{}", author.handle)),
        author_reach: None,
        title: None,
        text,
        published_at: created,
        parent_external_id: parent,
        quoted_ref,
    }
}

#[derive(Deserialize)]
struct MastodonNotification {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    status: Option<MastodonStatus>,
}

/// The brand account's mentions on Mastodon (`GET /api/v1/notifications?types[]=mention`, with
/// its access token): replies to its posts, posts naming it and direct messages. The cursor is
/// the newest notification id.
pub async fn fetch_mastodon_notifications(
    client: &reqwest::Client,
    config: &SocialConfig,
    token: &str,
    cursor: Option<&str>,
) -> Result<SocialFetch, FetchError> {
    if token.is_empty() {
        return Err(FetchError::Config(
            "following the account's notifications needs its access token (read:notifications)"
                .into(),
        ));
    }
    let mut params = vec![
        ("types[]", "mention".to_owned()),
        ("limit", "40".to_owned()),
    ];
    if let Some(since) = cursor {
        params.push(("since_id", since.to_owned()));
    }
    let url = url_with(&config.base, "/api/v1/notifications", &params)?;
    let value = get_json_as(client, &config.host(), url, Some(token)).await?;
    let notifications: Vec<MastodonNotification> = serde_json::from_value(value)
        .map_err(|e| FetchError::NotAFeed(format!("unexpected Mastodon answer ({e})")))?;
    let newest = notifications
        .iter()
        .map(|n| n.id.clone())
        .max_by_key(|id| (id.len(), id.clone()));
    let items = notifications
        .into_iter()
        .filter(|n| n.kind == "mention")
        .filter_map(|n| n.status)
        .map(status_item)
        .filter(|i| !i.text.is_empty())
        .collect();
    Ok(SocialFetch {
        items,
        cursor: newest.or(cursor.map(str::to_owned)),
    })
}

#[derive(Deserialize)]
struct BlueskyNotification {
    uri: String,
    author: BlueskyAuthor,
    reason: String,
    record: serde_json::Value,
    #[serde(rename = "indexedAt")]
    indexed_at: String,
}

/// The brand account's notifications on Bluesky (`app.bsky.notification.listNotifications`
/// through its PDS, after `com.atproto.server.createSession` with the app password): mentions,
/// replies and quotes. The cursor is the newest `indexedAt`.
pub async fn fetch_bluesky_notifications(
    client: &reqwest::Client,
    config: &SocialConfig,
    app_password: &str,
    cursor: Option<&str>,
) -> Result<SocialFetch, FetchError> {
    let (Some(account), false) = (config.account.as_deref(), app_password.is_empty()) else {
        return Err(FetchError::Config(
            "following the account's notifications needs its handle (account) and an app password"
                .into(),
        ));
    };
    let pds = config.pds.as_deref().unwrap_or("https://bsky.social");
    let host = url::Url::parse(pds)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    let session = client
        .post(url_with(
            pds,
            "/xrpc/com.atproto.server.createSession",
            &[],
        )?)
        .json(&serde_json::json!({"identifier": account, "password": app_password}))
        .send()
        .await
        .map_err(|e| FetchError::Unreachable {
            host: host.clone(),
            reason: e.to_string(),
        })?;
    if !session.status().is_success() {
        return Err(FetchError::Refused(format!(
            "{host} refused the account {account:?} and its app password (HTTP {})",
            session.status().as_u16()
        )));
    }
    let session: serde_json::Value = session
        .json()
        .await
        .map_err(|e| FetchError::NotAFeed(format!("unexpected Bluesky answer ({e})")))?;
    let jwt = session
        .get("accessJwt")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    let url = url_with(
        pds,
        "/xrpc/app.bsky.notification.listNotifications",
        &[("limit", "50".to_owned())],
    )?;
    let value = get_json_as(client, &host, url, Some(&jwt)).await?;
    let notifications: Vec<BlueskyNotification> = value
        .get("notifications")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| FetchError::NotAFeed(format!("unexpected Bluesky answer ({e})")))?
        .unwrap_or_default();
    let newest = notifications.iter().map(|n| n.indexed_at.clone()).max();
    let mut items: Vec<IncomingItem> = notifications
        .into_iter()
        .filter(|n| matches!(n.reason.as_str(), "mention" | "reply" | "quote"))
        .filter(|n| cursor.is_none_or(|c| n.indexed_at.as_str() > c))
        .map(|n| bluesky_item(&n.uri, &n.author, &n.record))
        .filter(|i| !i.text.is_empty())
        .collect();
    let did = session
        .get("did")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_owned();
    items.extend(fetch_bluesky_chats(client, pds, &host, &jwt, &did).await?);
    Ok(SocialFetch {
        items,
        cursor: newest.or(cursor.map(str::to_owned)),
    })
}

/// The header that sends a chat call through the account's PDS to Bluesky's chat service.
pub const BLUESKY_CHAT_PROXY: (&str, &str) = ("atproto-proxy", "did:web:api.bsky.chat#bsky_chat");

/// How far back direct messages are read at each poll: conversations active in this window
/// have their last messages read again (they are stored once).
const CHAT_WINDOW_SECS: i64 = 7 * 86_400;

#[derive(Deserialize)]
struct ChatMember {
    did: String,
    handle: String,
    #[serde(rename = "displayName", default)]
    display_name: Option<String>,
}

#[derive(Deserialize)]
struct ChatMessage {
    #[serde(default)]
    id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    sender: Option<serde_json::Value>,
    #[serde(rename = "sentAt", default)]
    sent_at: String,
}

#[derive(Deserialize)]
struct ChatConvo {
    id: String,
    members: Vec<ChatMember>,
    #[serde(rename = "lastMessage", default)]
    last_message: Option<ChatMessage>,
}

/// The brand account's direct messages on Bluesky (`chat.bsky.convo.listConvos` and
/// `getMessages`, through the PDS with the chat proxy header; the app password must allow
/// direct messages). Each message of the other person is an item `chat:<convo>:<message>`
/// whose parent is their previous message, so a chat is one conversation in the inbox.
async fn fetch_bluesky_chats(
    client: &reqwest::Client,
    pds: &str,
    host: &str,
    jwt: &str,
    own_did: &str,
) -> Result<Vec<IncomingItem>, FetchError> {
    let get = |url: url::Url| {
        client
            .get(url)
            .bearer_auth(jwt)
            .header(BLUESKY_CHAT_PROXY.0, BLUESKY_CHAT_PROXY.1)
            .send()
    };
    let unreachable = |e: reqwest::Error| FetchError::Unreachable {
        host: host.to_owned(),
        reason: e.to_string(),
    };
    let response = get(url_with(
        pds,
        "/xrpc/chat.bsky.convo.listConvos",
        &[("limit", "50".to_owned())],
    )?)
    .await
    .map_err(unreachable)?;
    if matches!(response.status().as_u16(), 401 | 403) {
        // An app password without access to direct messages: notifications still work.
        tracing::warn!(
            host,
            "the app password does not give access to direct messages"
        );
        return Ok(Vec::new());
    }
    if !response.status().is_success() {
        return Err(FetchError::Http {
            host: host.to_owned(),
            status: response.status().as_u16(),
        });
    }
    let value: serde_json::Value = response.json().await.map_err(unreachable)?;
    let convos: Vec<ChatConvo> = value
        .get("convos")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| FetchError::NotAFeed(format!("unexpected Bluesky chat answer ({e})")))?
        .unwrap_or_default();
    let since = crate::unix_now() - CHAT_WINDOW_SECS;
    let recent = |m: &ChatMessage| {
        m.sent_at
            .parse::<jiff::Timestamp>()
            .map(|t| t.as_second() >= since)
            .unwrap_or(false)
    };
    let mut items = Vec::new();
    for convo in convos
        .iter()
        .filter(|c| c.last_message.as_ref().is_some_and(recent))
    {
        let url = url_with(
            pds,
            "/xrpc/chat.bsky.convo.getMessages",
            &[("convoId", convo.id.clone()), ("limit", "20".to_owned())],
        )?;
        let response = get(url).await.map_err(unreachable)?;
        if !response.status().is_success() {
            continue;
        }
        let value: serde_json::Value = response.json().await.map_err(unreachable)?;
        let mut messages: Vec<ChatMessage> = value
            .get("messages")
            .and_then(|m| m.as_array())
            .map(|all| {
                all.iter()
                    .filter_map(|m| serde_json::from_value(m.clone()).ok())
                    .collect()
            })
            .unwrap_or_default();
        // Oldest first; only the other person's words.
        messages.sort_by(|a, b| a.sent_at.cmp(&b.sent_at));
        let mut previous: Option<String> = None;
        for message in messages {
            let sender = message
                .sender
                .as_ref()
                .and_then(|s| s.get("did"))
                .and_then(|d| d.as_str())
                .unwrap_or_default()
                .to_owned();
            if sender == own_did || message.text.trim().is_empty() || message.id.is_empty() {
                continue;
            }
            let member = convo.members.iter().find(|m| m.did == sender);
            let external_id = format!("chat:{}:{}", convo.id, message.id);
            items.push(IncomingItem {
                external_id: external_id.clone(),
                url: None,
                author_name: member.map(|m| {
                    m.display_name
                        .clone()
                        .filter(|n| !n.is_empty())
                        .unwrap_or_else(|| m.handle.clone())
                }),
                author_handle: member.map(|m| format!("@{}", m.handle)),
                author_reach: None,
                title: Some(DIRECT_MESSAGE.to_owned()),
                text: message.text,
                published_at: message
                    .sent_at
                    .parse::<jiff::Timestamp>()
                    .ok()
                    .map(|t| t.as_second()),
                parent_external_id: previous.replace(external_id),
                quoted_ref: None,
            });
        }
    }
    Ok(items)
}
