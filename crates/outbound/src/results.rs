//! Results: engagement counts fetched back from the networks that give them to the account that
//! posted — Mastodon (`GET /api/v1/statuses/{id}`: favourites, reblogs, replies) and Bluesky
//! (`app.bsky.feed.getPosts` on the public AppView: likes, reposts and quotes, replies). Discord,
//! Slack, Telegram bots, Matrix and webhooks give no counts: the pages say so.
//!
//! Counts are refreshed every [`REFRESH_EVERY`] for two weeks after publishing.

use std::sync::Arc;
use std::time::Duration;

use jardinier_store::{PostDelivery, PublishChannel, Store, StoreError};
use serde_json::Value;

use crate::bluesky::text_at;
use crate::{SendError, endpoint, host_of, json_answer};

/// The kinds of channel that give counts back.
pub const COUNTED_KINDS: [&str; 2] = ["mastodon", "bluesky"];
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
        ResultsFetcher { store, client }
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
    }
}
