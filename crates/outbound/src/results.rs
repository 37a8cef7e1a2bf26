//! Results: engagement counts fetched back from the networks that give them to the account that
//! posted — Mastodon (`GET /api/v1/statuses/{id}`: favourites, reblogs, replies), Bluesky
//! (`app.bsky.feed.getPosts` on the public AppView: likes, reposts and quotes, replies), X
//! (`GET /2/tweets/{id}` with `public_metrics`) and Facebook Pages (`GET /{post-id}` with the
//! reactions' and comments' summaries and shares), Instagram (`like_count`, `comments_count`).
//! LinkedIn (`socialActions`: likes and comments; reading them needs `r_member_social`, which
//! LinkedIn grants to approved applications). Discord, Slack, Telegram bots, Matrix and webhooks
//! give none: the pages say so.
//!
//! Counts are refreshed every [`REFRESH_EVERY`] for two weeks after publishing.

use std::sync::Arc;
use std::time::Duration;

use jardinier_store::{PostDelivery, PublishChannel, Store, StoreError};
use serde_json::Value;

use crate::bluesky::text_at;
use crate::{SendError, endpoint, host_of, json_answer};

/// The kinds of channel that give counts back.
pub const COUNTED_KINDS: [&str; 6] = [
    "mastodon",
    "bluesky",
    "x",
    "facebook",
    "instagram",
    "linkedin",
];
/// How often a post's counts are asked again.
pub const REFRESH_EVERY: i64 = 15 * 60;
/// How long after publishing they are followed.
pub const FOLLOW_FOR: i64 = 14 * 86_400;
/// Bluesky's public AppView (no account needed to read counts).
pub const DEFAULT_APPVIEW: &str = "https://public.api.bsky.app";

/// Likes, shares, replies.
pub type Counts = (i64, i64, i64);

pub struct ResultsFetcher {
    store: Arc<dyn Store>,
    client: reqwest::Client,
    /// The OAuth applications (X's and Meta's API addresses).
    oauth: Vec<crate::oauth::OAuthApp>,
}

impl ResultsFetcher {
    pub fn new(store: Arc<dyn Store>) -> ResultsFetcher {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!(
                "Jardinier/",
                env!("CARGO_PKG_VERSION"),
                " (results; self-hosted)"
            ))
            .build()
            .expect("an HTTP client");
        ResultsFetcher {
            store,
            client,
            oauth: Vec::new(),
        }
    }

    pub fn with_oauth(mut self, apps: Vec<crate::oauth::OAuthApp>) -> ResultsFetcher {
        self.oauth = apps;
        self
    }

    async fn api(&self, network: crate::oauth::Network) -> Result<String, SendError> {
        crate::oauth::app_for(&self.oauth, &*self.store, network)
            .await
            .map_err(|e| SendError::Retry(e.to_string()))?
            .map(|a| a.api_url)
            .ok_or_else(|| SendError::Permanent(format!("no {} application", network.name())))
    }

    /// Refreshes what is due; returns how many deliveries got fresh counts.
    pub async fn refresh(&self, now: i64) -> Result<usize, StoreError> {
        let due = self
            .store
            .due_metrics(&COUNTED_KINDS, now - FOLLOW_FOR, now - REFRESH_EVERY, 200)
            .await?;
        let mut fresh = 0;
        for (delivery, channel) in due {
            match self.counts(&delivery, &channel).await {
                Ok((likes, shares, replies)) => {
                    self.store
                        .record_metrics(delivery.id, likes, shares, replies, now)
                        .await?;
                    fresh += 1;
                }
                Err(error) => {
                    tracing::warn!(delivery = delivery.id, %error, "could not fetch a post's counts");
                }
            }
        }
        Ok(fresh)
    }

    async fn counts(
        &self,
        delivery: &PostDelivery,
        channel: &PublishChannel,
    ) -> Result<Counts, SendError> {
        let config: Value = serde_json::from_str(&channel.config).unwrap_or(Value::Null);
        let remote = delivery
            .remote_id
            .as_deref()
            .ok_or_else(|| SendError::Permanent("sent without a remote id".into()))?;
        match channel.kind.as_str() {
            "mastodon" => {
                let base = text_at(&config, "/base")
                    .ok_or_else(|| SendError::Permanent("no instance address".into()))?;
                let status = json_answer(
                    &host_of(&base),
                    "reading the post's counts",
                    self.client
                        .get(endpoint(&base, &format!("/api/v1/statuses/{remote}")))
                        .bearer_auth(channel.secret.as_deref().unwrap_or_default())
                        .send()
                        .await,
                )
                .await?;
                Ok(mastodon_counts(&status))
            }
            "bluesky" => {
                let appview =
                    text_at(&config, "/appview").unwrap_or_else(|| DEFAULT_APPVIEW.to_owned());
                let answer = json_answer(
                    &host_of(&appview),
                    "reading the post's counts",
                    self.client
                        .get(format!(
                            "{}?{}",
                            endpoint(&appview, "/xrpc/app.bsky.feed.getPosts"),
                            url::form_urlencoded::Serializer::new(String::new())
                                .append_pair("uris", remote)
                                .finish()
                        ))
                        .send()
                        .await,
                )
                .await?;
                bluesky_counts(&answer)
                    .ok_or_else(|| SendError::Permanent("the post is no longer there".into()))
            }
            "x" | "facebook" | "instagram" | "linkedin" => {
                let token = channel
                    .secret
                    .as_deref()
                    .and_then(crate::oauth::Tokens::parse)
                    .ok_or_else(|| SendError::Permanent("the connection is missing".into()))?
                    .access_token;
                if channel.kind == "x" {
                    let api = &self.api(crate::oauth::Network::X).await?;
                    let answer = json_answer(
                        &host_of(api),
                        "reading the post's counts",
                        self.client
                            .get(format!(
                                "{}?tweet.fields=public_metrics",
                                endpoint(api, &format!("/2/tweets/{remote}"))
                            ))
                            .bearer_auth(&token)
                            .send()
                            .await,
                    )
                    .await?;
                    Ok(x_counts(&answer))
                } else if channel.kind == "linkedin" {
                    let api = &self.api(crate::oauth::Network::LinkedIn).await?;
                    let encoded: String =
                        url::form_urlencoded::byte_serialize(remote.as_bytes()).collect();
                    let answer = json_answer(
                        &host_of(api),
                        "reading the post's counts",
                        self.client
                            .get(endpoint(api, &format!("/rest/socialActions/{encoded}")))
                            .bearer_auth(&token)
                            .header("LinkedIn-Version", crate::networks::LINKEDIN_VERSION)
                            .header("X-Restli-Protocol-Version", "2.0.0")
                            .send()
                            .await,
                    )
                    .await?;
                    let n = |pointer: &str| {
                        answer.pointer(pointer).and_then(Value::as_i64).unwrap_or(0)
                    };
                    // Reposts are not part of social actions.
                    Ok((
                        n("/likesSummary/totalLikes"),
                        0,
                        n("/commentsSummary/aggregatedTotalComments"),
                    ))
                } else if channel.kind == "instagram" {
                    let api = &self.api(crate::oauth::Network::Meta).await?;
                    let answer = json_answer(
                        &host_of(api),
                        "reading the post's counts",
                        self.client
                            .get(format!(
                                "{}?{}",
                                endpoint(api, &format!("/{remote}")),
                                url::form_urlencoded::Serializer::new(String::new())
                                    .append_pair("fields", "like_count,comments_count")
                                    .append_pair("access_token", &token)
                                    .finish()
                            ))
                            .send()
                            .await,
                    )
                    .await?;
                    let n = |k: &str| answer.get(k).and_then(Value::as_i64).unwrap_or(0);
                    // Instagram gives no share count to applications.
                    Ok((n("like_count"), 0, n("comments_count")))
                } else {
                    let api = &self.api(crate::oauth::Network::Meta).await?;
                    let answer = json_answer(
                        &host_of(api),
                        "reading the post's counts",
                        self.client
                            .get(format!(
                                "{}?{}",
                                endpoint(api, &format!("/{remote}")),
                                url::form_urlencoded::Serializer::new(String::new())
                                    .append_pair(
                                        "fields",
                                        "reactions.summary(total_count),comments.summary(total_count),shares",
                                    )
                                    .append_pair("access_token", &token)
                                    .finish()
                            ))
                            .send()
                            .await,
                    )
                    .await?;
                    Ok(facebook_counts(&answer))
                }
            }
            other => Err(SendError::Permanent(format!("{other} gives no counts"))),
        }
    }

    /// Runs until `shutdown`, refreshing every `interval`.
    pub async fn run(self, interval: Duration, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            if let Err(error) = self.refresh(crate::unix_now()).await {
                tracing::error!(%error, "results fetcher");
            }
            tokio::select! {
                _ = tokio::time::sleep(interval) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }
}

/// A Mastodon status's counts.
pub fn mastodon_counts(status: &Value) -> Counts {
    let n = |k: &str| status.get(k).and_then(Value::as_i64).unwrap_or(0);
    (
        n("favourites_count"),
        n("reblogs_count"),
        n("replies_count"),
    )
}

/// The counts of the first post of a `getPosts` answer (quotes count as shares).
pub fn bluesky_counts(answer: &Value) -> Option<Counts> {
    let post = answer.get("posts")?.as_array()?.first()?;
    let n = |k: &str| post.get(k).and_then(Value::as_i64).unwrap_or(0);
    Some((
        n("likeCount"),
        n("repostCount") + n("quoteCount"),
        n("replyCount"),
    ))
}

/// An X post's counts (`public_metrics`; quotes count as shares).
pub fn x_counts(answer: &Value) -> Counts {
    let m = &answer["data"]["public_metrics"];
    let n = |k: &str| m.get(k).and_then(Value::as_i64).unwrap_or(0);
    (
        n("like_count"),
        n("retweet_count") + n("quote_count"),
        n("reply_count"),
    )
}

/// A Facebook Page post's counts (reactions, shares, comments).
pub fn facebook_counts(answer: &Value) -> Counts {
    let n = |pointer: &str| answer.pointer(pointer).and_then(Value::as_i64).unwrap_or(0);
    (
        n("/reactions/summary/total_count"),
        n("/shares/count"),
        n("/comments/summary/total_count"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_read_from_each_networks_answer() {
        // Shapes from the APIs' documentation (fields trimmed).
        let status = serde_json::json!({"id": "1133", "favourites_count": 12, "reblogs_count": 3,
            "replies_count": 2, "url": "https://piaille.example/@brand/1133"});
        assert_eq!(mastodon_counts(&status), (12, 3, 2));
        let posts = serde_json::json!({"posts": [{"uri": "at://did:plc:x/app.bsky.feed.post/3l",
            "likeCount": 7, "repostCount": 2, "quoteCount": 1, "replyCount": 4}]});
        assert_eq!(bluesky_counts(&posts), Some((7, 3, 4)));
        assert_eq!(bluesky_counts(&serde_json::json!({"posts": []})), None);
        let tweet = serde_json::json!({"data": {"id": "1", "public_metrics": {"retweet_count": 4,
            "reply_count": 2, "like_count": 30, "quote_count": 1, "impression_count": 900}}});
        assert_eq!(x_counts(&tweet), (30, 5, 2));
        let page_post = serde_json::json!({"id": "1_2", "shares": {"count": 3},
            "reactions": {"data": [], "summary": {"total_count": 41}},
            "comments": {"data": [], "summary": {"total_count": 6}}});
        assert_eq!(facebook_counts(&page_post), (41, 3, 6));
    }
}
