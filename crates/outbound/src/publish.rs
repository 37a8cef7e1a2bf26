//! Publishing: the scheduler that sends due post deliveries (the publishing outbox) to their
//! channels, once.
//!
//! - Mastodon: `POST /api/v1/statuses` with the delivery's `Idempotency-Key` (a second attempt
//!   gets the first status back).
//! - Bluesky: createRecord under a record key derived from the delivery; any attempt after the
//!   first asks getRecord before posting.
//! - Generic webhooks: signed JSON with the `Idempotency-Key` header, for the receiver to check.
//! - Matrix: the delivery's key is the transaction id, which the homeserver deduplicates.
//! - Discord and Slack webhooks and Telegram bots have no key and no way to look a message up: a
//!   delivery left in doubt by a stop is not sent again by itself; it fails with a message asking
//!   a person to check the channel (a duplicate is worse than a question).

use std::sync::Arc;
use std::time::Duration;

use jardinier_store::{DeliveryJob, DeliveryOutcome, Store, StoreError};
use serde_json::{Value, json};

use crate::bluesky::{DEFAULT_PDS, create_post_ref, post_ref, sign_in, text_at, tid};
use crate::{Delivered, MAX_ATTEMPTS, SendError, host_of, json_answer, retry_delay};

/// A delivery still `sending` this long after its claim was cut off by a stop.
pub const PUBLISH_STALE_AFTER: i64 = 120;

/// The kinds of channel a post can go to.
pub const CHANNEL_KINDS: [&str; 7] = [
    "mastodon", "bluesky", "discord", "slack", "telegram", "matrix", "webhook",
];

/// Kinds connected through OAuth (added by "Connect", not by the channel form).
pub const OAUTH_KINDS: [&str; 4] = ["x", "linkedin", "facebook", "instagram"];

/// Sends due deliveries of scheduled posts.
pub struct Publisher {
    store: Arc<dyn Store>,
    client: reqwest::Client,
    /// Deliveries this process finds `sending` from before it started were cut off by the stop
    /// of the one that claimed them: they are taken up at once (one publisher per database).
    started_at: i64,
    /// Where the media library's files are.
    media_dir: std::path::PathBuf,
    /// Applications registered with the OAuth networks (X, LinkedIn, Meta).
    oauth: Vec<crate::oauth::OAuthApp>,
    /// Jardinier's public address, where Meta fetches Instagram images.
    public_base: String,
}

impl Publisher {
    pub fn new(store: Arc<dyn Store>) -> Publisher {
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!(
                "Jardinier/",
                env!("CARGO_PKG_VERSION"),
                " (publishing; self-hosted)"
            ))
            .build()
            .expect("an HTTP client");
        Publisher {
            store,
            client,
            started_at: crate::unix_now(),
            media_dir: std::path::PathBuf::from("jardinier-data/media"),
            oauth: Vec::new(),
            public_base: String::new(),
        }
    }

    /// The OAuth applications, for posting and renewing tokens.
    pub fn with_oauth(mut self, apps: Vec<crate::oauth::OAuthApp>) -> Publisher {
        self.oauth = apps;
        self
    }

    /// Jardinier's public address (Instagram images are fetched from it).
    pub fn with_public_base(mut self, base: impl Into<String>) -> Publisher {
        self.public_base = base.into().trim_end_matches('/').to_owned();
        self
    }

    /// A library file's public address (Meta fetches images and videos from it).
    fn public_url(&self, media: &jardinier_store::Media) -> String {
        format!(
            "{}/m/{}/{}",
            self.public_base, media.workspace_id, media.sha256
        )
    }

    async fn app(
        &self,
        network: crate::oauth::Network,
    ) -> Result<crate::oauth::OAuthApp, SendError> {
        crate::oauth::app_for(&self.oauth, &*self.store, network)
            .await
            .map_err(|e| SendError::Retry(e.to_string()))?
            .ok_or_else(|| {
                SendError::Permanent(format!(
                    "this server has no {} application: an owner enters its keys in Settings → Networks",
                    network.name()
                ))
            })
    }

    /// The channel's tokens, renewed first when they are about to end.
    async fn tokens(
        &self,
        job: &DeliveryJob,
        network: crate::oauth::Network,
    ) -> Result<crate::oauth::Tokens, SendError> {
        let tokens = job
            .channel
            .secret
            .as_deref()
            .and_then(crate::oauth::Tokens::parse)
            .ok_or_else(|| {
                SendError::Permanent("the channel's connection is missing: connect it again".into())
            })?;
        let now = crate::unix_now();
        if !tokens.needs_refresh(now) {
            return Ok(tokens);
        }
        match &tokens.refresh_token {
            Some(refresh) => {
                let renewed =
                    crate::oauth::refresh(&self.client, &self.app(network).await?, refresh, now)
                        .await?;
                self.store
                    .set_channel_secret(job.channel.id, &renewed.to_secret())
                    .await
                    .map_err(|e| SendError::Retry(e.to_string()))?;
                Ok(renewed)
            }
            None if tokens.expires_at.is_some_and(|at| at <= now) => {
                Err(SendError::Permanent(format!(
                    "the connection to {} has ended: connect the channel again",
                    job.channel.kind
                )))
            }
            None => Ok(tokens),
        }
    }

    /// Reads media files from `dir` (the media library's folder).
    pub fn with_media_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Publisher {
        self.media_dir = dir.into();
        self
    }

    /// Sends every delivery due at `now` (a batch at a time, `concurrency` at once); returns
    /// how many reached their channel.
    pub async fn publish_due(&self, now: i64, concurrency: usize) -> Result<usize, StoreError> {
        let mut sent = 0;
        loop {
            let jobs = self
                .store
                // Claimed at or before this publisher started: cut off by the previous one's
                // stop, even within the same second (one publisher per database).
                .claim_deliveries(
                    now,
                    (self.started_at + 1).max(now - PUBLISH_STALE_AFTER),
                    200,
                )
                .await?;
            if jobs.is_empty() {
                return Ok(sent);
            }
            // Each chunk is sent together, then its outcomes are written in one transaction
            // (one commit per chunk, and nothing of it left in doubt longer than it takes).
            for chunk in jobs.chunks(concurrency.max(1)) {
                let results = futures_util::future::join_all(
                    chunk
                        .iter()
                        .map(|job| async move { (job, self.send(job).await) }),
                )
                .await;
                let mut outcomes = Vec::with_capacity(results.len());
                for (job, result) in results {
                    let outcome = match result {
                        Ok(d) => {
                            sent += 1;
                            DeliveryOutcome::Sent {
                                note: d.note,
                                remote_id: d.remote_id,
                                remote_url: d.remote_url,
                            }
                        }
                        Err(SendError::Retry(error)) if job.delivery.attempts < MAX_ATTEMPTS => {
                            DeliveryOutcome::Retry {
                                error,
                                at: now + retry_delay(job.delivery.attempts - 1),
                            }
                        }
                        Err(SendError::Retry(error)) => DeliveryOutcome::Failed {
                            error: format!("given up after {MAX_ATTEMPTS} attempts: {error}"),
                        },
                        Err(SendError::Permanent(error)) => DeliveryOutcome::Failed { error },
                    };
                    outcomes.push((job.delivery.id, outcome));
                }
                self.store
                    .finish_deliveries(&outcomes, crate::unix_now())
                    .await?;
            }
        }
    }

    /// The job's first comment under a Facebook or Instagram post it just made; a failure to
    /// comment is kept as a note on the delivery, which arrived.
    async fn meta_first_comment(
        &self,
        job: &DeliveryJob,
        api_url: &str,
        token: &str,
        delivered: &mut Delivered,
    ) {
        if let Some(comment) = job.comment_to_post() {
            delivered.note = crate::networks::meta_comment(
                &self.client,
                api_url,
                token,
                &delivered.remote_id,
                comment,
            )
            .await
            .err();
        }
    }

    async fn send(&self, job: &DeliveryJob) -> Result<Delivered, SendError> {
        let secret = job.channel.secret.as_deref().unwrap_or_default();
        let config: Value = serde_json::from_str(&job.channel.config).unwrap_or(Value::Null);
        let url = || {
            config
                .get("url")
                .and_then(|u| u.as_str())
                .map(str::to_owned)
                .ok_or_else(|| SendError::Permanent("the channel has no address (url)".into()))
        };
        match job.channel.kind.as_str() {
            "mastodon" => {
                let base = text_at(&config, "/base").ok_or_else(|| {
                    SendError::Permanent(
                        "the Mastodon channel has no instance address (base)".into(),
                    )
                })?;
                // The post, its thread's next parts, then the first comment: each a reply to the
                // one before, each with its own key (a retry gets the same statuses back).
                let mut parts = jardinier_compose::rules::thread_parts(&job.delivery.body);
                parts.extend(job.comment_to_post().map(str::to_owned));
                let mut first: Option<Delivered> = None;
                let mut previous: Option<String> = None;
                for (i, text) in parts.iter().enumerate() {
                    let mut status = json!({"status": text, "visibility": "public"});
                    if let Some(lang) = &job.delivery.language {
                        // ISO 639: shown to readers, used by their language filters.
                        status["language"] = json!(lang);
                    }
                    if i == 0 {
                        if !job.media.is_empty() {
                            let loaded = crate::media::load(&self.media_dir, &job.media).await?;
                            let ids =
                                crate::media::mastodon_upload(&self.client, &base, secret, &loaded)
                                    .await?;
                            status["media_ids"] = json!(ids);
                        }
                        if let Some(poll) = &job.poll {
                            status["poll"] =
                                json!({"options": poll.options, "expires_in": poll.minutes * 60});
                        }
                    }
                    if let Some(parent) = &previous {
                        status["in_reply_to_id"] = json!(parent);
                    }
                    let key = if i == 0 {
                        job.idempotency_key.clone()
                    } else {
                        format!("{}-part{i}", job.idempotency_key)
                    };
                    let delivered = crate::mastodon::create_status(
                        &self.client,
                        &base,
                        secret,
                        &status,
                        &key,
                        "publishing the post",
                    )
                    .await?;
                    previous = Some(delivered.remote_id.clone());
                    first.get_or_insert(delivered);
                }
                first.ok_or_else(|| SendError::Permanent("the post has no text".into()))
            }
            "bluesky" => {
                let account = text_at(&config, "/account").ok_or_else(|| {
                    SendError::Permanent("the Bluesky channel has no account to post as".into())
                })?;
                let pds = text_at(&config, "/pds").unwrap_or_else(|| DEFAULT_PDS.to_owned());
                let video_service = text_at(&config, "/video_service")
                    .unwrap_or_else(|| crate::media::BLUESKY_VIDEO_SERVICE.to_owned());
                bluesky_post(
                    &self.client,
                    &account,
                    &pds,
                    secret,
                    job,
                    &self.media_dir,
                    &video_service,
                )
                .await
            }
            "matrix" => {
                let homeserver = text_at(&config, "/homeserver").ok_or_else(|| {
                    SendError::Permanent("the Matrix channel has no homeserver".into())
                })?;
                let room = text_at(&config, "/room")
                    .ok_or_else(|| SendError::Permanent("the Matrix channel has no room".into()))?;
                let delivered = crate::matrix::send_message(
                    &self.client,
                    &homeserver,
                    secret,
                    &room,
                    &job.idempotency_key,
                    &job.delivery.body,
                )
                .await?;
                if !job.media.is_empty() {
                    let loaded = crate::media::load(&self.media_dir, &job.media).await?;
                    crate::matrix::send_images(
                        &self.client,
                        &homeserver,
                        secret,
                        &room,
                        &job.idempotency_key,
                        &loaded,
                    )
                    .await?;
                }
                Ok(delivered)
            }
            "discord" | "slack" | "telegram" | "x" | "linkedin" | "facebook" | "instagram"
                if job.in_doubt =>
            {
                Err(SendError::Permanent(format!(
                    "the publisher stopped while sending this post; {} cannot tell whether it arrived: check the channel, then send it again if it is not there",
                    job.channel.kind
                )))
            }
            "discord" => {
                // `wait=true`: Discord answers with the message, whose id is the receipt.
                let request = self.client.post(format!("{}?wait=true", url()?));
                let request = if job.media.is_empty() {
                    request.json(&json!({"content": job.delivery.body}))
                } else {
                    let loaded = crate::media::load(&self.media_dir, &job.media).await?;
                    request.multipart(crate::media::discord_form(&job.delivery.body, &loaded)?)
                };
                let answer = json_answer(
                    &host_of(&url()?),
                    "publishing the post",
                    request.send().await,
                )
                .await?;
                Ok(Delivered {
                    note: None,
                    remote_id: text_at(&answer, "/id")
                        .unwrap_or_else(|| format!("discord:{}", job.idempotency_key)),
                    remote_url: None,
                })
            }
            "x" => {
                let tokens = self.tokens(job, crate::oauth::Network::X).await?;
                let app = &self.app(crate::oauth::Network::X).await?;
                let username = text_at(&config, "/username").unwrap_or_default();
                let images = crate::media::load(&self.media_dir, &job.media).await?;
                crate::networks::x_post(
                    &self.client,
                    &app.api_url,
                    &tokens.access_token,
                    &username,
                    &job.delivery.body,
                    job.poll.as_ref(),
                    &images,
                )
                .await
            }
            "linkedin" => {
                let tokens = self.tokens(job, crate::oauth::Network::LinkedIn).await?;
                let app = &self.app(crate::oauth::Network::LinkedIn).await?;
                let author = text_at(&config, "/author").ok_or_else(|| {
                    SendError::Permanent("the LinkedIn channel has no author".into())
                })?;
                let images = crate::media::load(&self.media_dir, &job.media).await?;
                let mut delivered = crate::networks::linkedin_post(
                    &self.client,
                    &app.api_url,
                    &tokens.access_token,
                    &author,
                    &job.delivery.body,
                    &images,
                )
                .await?;
                if let Some(comment) = job.comment_to_post() {
                    delivered.note = crate::networks::linkedin_comment(
                        &self.client,
                        &app.api_url,
                        &tokens.access_token,
                        &author,
                        &delivered.remote_id,
                        comment,
                    )
                    .await
                    .err();
                }
                Ok(delivered)
            }
            "facebook" => {
                let tokens = self.tokens(job, crate::oauth::Network::Meta).await?;
                let app = &self.app(crate::oauth::Network::Meta).await?;
                let page = text_at(&config, "/page_id").ok_or_else(|| {
                    SendError::Permanent("the Facebook channel has no page".into())
                })?;
                let video = job.media.iter().find(|m| m.is_video());
                let mut delivered = if let Some(video) = video {
                    crate::networks::facebook_video_post(
                        &self.client,
                        &app.api_url,
                        &tokens.access_token,
                        &page,
                        &job.delivery.body,
                        &self.public_url(video),
                    )
                    .await?
                } else if job.media.is_empty() {
                    crate::networks::facebook_post(
                        &self.client,
                        &app.api_url,
                        &tokens.access_token,
                        &page,
                        &job.delivery.body,
                    )
                    .await?
                } else {
                    let urls: Vec<String> = job.media.iter().map(|m| self.public_url(m)).collect();
                    crate::networks::facebook_photos_post(
                        &self.client,
                        &app.api_url,
                        &tokens.access_token,
                        &page,
                        &job.delivery.body,
                        &urls,
                    )
                    .await?
                };
                self.meta_first_comment(job, &app.api_url, &tokens.access_token, &mut delivered)
                    .await;
                Ok(delivered)
            }
            "instagram" => {
                let tokens = self.tokens(job, crate::oauth::Network::Meta).await?;
                let app = &self.app(crate::oauth::Network::Meta).await?;
                let ig = text_at(&config, "/ig_user_id").ok_or_else(|| {
                    SendError::Permanent("the Instagram channel has no account".into())
                })?;
                if job.media.is_empty() {
                    return Err(SendError::Permanent(
                        "Instagram needs an image with the post".into(),
                    ));
                }
                let image_urls: Vec<String> =
                    job.media.iter().map(|m| self.public_url(m)).collect();
                let mut delivered = if job.media[0].is_video() {
                    crate::networks::instagram_reel(
                        &self.client,
                        &app.api_url,
                        &tokens.access_token,
                        &ig,
                        &image_urls[0],
                        &job.delivery.body,
                    )
                    .await?
                } else {
                    crate::networks::instagram_post(
                        &self.client,
                        &app.api_url,
                        &tokens.access_token,
                        &ig,
                        &image_urls,
                        &job.delivery.body,
                    )
                    .await?
                };
                self.meta_first_comment(job, &app.api_url, &tokens.access_token, &mut delivered)
                    .await;
                Ok(delivered)
            }
            "telegram" => {
                let chat = text_at(&config, "/chat").ok_or_else(|| {
                    SendError::Permanent("the Telegram channel has no chat to post in".into())
                })?;
                let api = text_at(&config, "/api")
                    .unwrap_or_else(|| crate::telegram::DEFAULT_API.to_owned());
                match job.media.first() {
                    None => {
                        crate::telegram::send_message(
                            &self.client,
                            &api,
                            secret,
                            &chat,
                            &job.delivery.body,
                        )
                        .await
                    }
                    Some(_) if job.media.len() == 1 => {
                        let loaded = crate::media::load(&self.media_dir, &job.media).await?;
                        crate::telegram::send_photo(
                            &self.client,
                            &api,
                            secret,
                            &chat,
                            &job.delivery.body,
                            &loaded[0],
                        )
                        .await
                    }
                    Some(_) => {
                        let loaded = crate::media::load(&self.media_dir, &job.media).await?;
                        crate::telegram::send_album(
                            &self.client,
                            &api,
                            secret,
                            &chat,
                            &job.delivery.body,
                            &loaded,
                        )
                        .await
                    }
                }
            }
            "slack" => {
                let response = self
                    .client
                    .post(url()?)
                    .json(&json!({"text": job.delivery.body}))
                    .send()
                    .await;
                // Slack answers "ok" as text, not JSON.
                let response = response.map_err(|e| SendError::Retry(e.to_string()))?;
                let status = response.status();
                if status.is_success() {
                    Ok(Delivered {
                        note: None,
                        remote_id: format!("slack:{}", job.idempotency_key),
                        remote_url: None,
                    })
                } else if status.is_server_error() || status.as_u16() == 429 {
                    Err(SendError::Retry(format!(
                        "Slack answered HTTP {}",
                        status.as_u16()
                    )))
                } else {
                    Err(SendError::Permanent(format!(
                        "Slack refused the post (HTTP {}): {}",
                        status.as_u16(),
                        response.text().await.unwrap_or_default()
                    )))
                }
            }
            "webhook" => {
                let body = json!({"post_id": job.delivery.post_id, "delivery_id": job.delivery.id,
                                  "text": job.delivery.body, "language": job.delivery.language})
                .to_string();
                let address = url()?;
                let answer = json_answer(
                    &host_of(&address),
                    "publishing the post",
                    self.client
                        .post(&address)
                        .header("Content-Type", "application/json")
                        .header("Idempotency-Key", &job.idempotency_key)
                        .header(
                            "X-Jardinier-Signature",
                            jardinier_listening::sign(secret, body.as_bytes()),
                        )
                        .body(body)
                        .send()
                        .await,
                )
                .await?;
                Ok(Delivered {
                    note: None,
                    remote_id: text_at(&answer, "/id")
                        .unwrap_or_else(|| format!("webhook:{}", job.idempotency_key)),
                    remote_url: text_at(&answer, "/url"),
                })
            }
            other => Err(SendError::Permanent(format!(
                "posts cannot be published to {other} channels"
            ))),
        }
    }

    /// Runs until `shutdown` flips to true: publishes what is due, then sleeps until the next
    /// delivery falls due (at most `interval`), or until `wake` (a post was scheduled).
    pub async fn run(
        self,
        interval: Duration,
        wake: Arc<tokio::sync::Notify>,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            if let Err(error) = self.publish_due(crate::unix_now(), 16).await {
                tracing::error!(%error, "publisher");
            }
            let sleep = match self.store.next_delivery_due().await {
                Ok(Some(at)) => {
                    Duration::from_secs((at - crate::unix_now()).clamp(0, 3_600) as u64)
                        .min(interval)
                }
                _ => interval,
            };
            tokio::select! {
                _ = tokio::time::sleep(sleep.max(Duration::from_millis(200))) => {}
                _ = wake.notified() => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }
}

/// Links and hashtags of a text as Bluesky richtext facets (without them Bluesky shows neither
/// as a link).
fn bluesky_facets(text: &str) -> Vec<Value> {
    use jardinier_compose::rules::Facet;
    jardinier_compose::rules::bluesky_facets(text)
        .into_iter()
        .map(|facet| match facet {
            Facet::Link { start, end, uri } => json!({
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
            }),
            Facet::Tag { start, end, tag } => json!({
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}],
            }),
        })
        .collect()
}

/// A post on Bluesky under a record key derived from the delivery, looked up before any second
/// attempt.
async fn bluesky_post(
    client: &reqwest::Client,
    account: &str,
    pds: &str,
    app_password: &str,
    job: &DeliveryJob,
    media_dir: &std::path::Path,
    video_service: &str,
) -> Result<Delivered, SendError> {
    let session = sign_in(client, pds, account, app_password).await?;
    let micros =
        (job.delivery.created_at.max(0) as u64) * 1_000_000 + (job.delivery.id as u64 % 1_000_000);
    let rkey = tid(micros, job.delivery.id as u64 + 512);
    let delivered = |uri: String| Delivered {
        note: None,
        remote_id: uri,
        remote_url: Some(format!(
            "https://bsky.app/profile/{}/post/{rkey}",
            session.handle
        )),
    };
    // The post, its thread's next parts, then the first comment, each a reply to the one
    // before under a record key derived from the delivery and its place: looked up before any
    // second attempt, so a retry after a stop makes nothing twice.
    let mut parts = jardinier_compose::rules::thread_parts(&job.delivery.body);
    parts.extend(job.comment_to_post().map(str::to_owned));
    let look_first = job.in_doubt || job.delivery.attempts > 1;
    let mut root: Option<(String, String)> = None;
    let mut parent: Option<(String, String)> = None;
    for (i, text) in parts.iter().enumerate() {
        let key = if i == 0 {
            rkey.clone()
        } else {
            tid(micros + i as u64, job.delivery.id as u64 + 512)
        };
        let made = if look_first {
            post_ref(client, pds, &session.did, &key).await?
        } else {
            None
        };
        let made = match made {
            Some(found) => found,
            None => {
                let mut record = json!({
                    "$type": "app.bsky.feed.post",
                    "text": text,
                    "createdAt": jiff::Timestamp::now().to_string(),
                });
                if let Some(lang) = &job.delivery.language {
                    // The post's languages (BCP 47), which Bluesky's feeds filter on.
                    record["langs"] = json!([lang]);
                }
                let facets = bluesky_facets(text);
                if !facets.is_empty() {
                    record["facets"] = json!(facets);
                }
                if i == 0 && job.media.iter().any(|m| m.is_video()) {
                    let loaded = crate::media::load(media_dir, &job.media[..1]).await?;
                    record["embed"] = crate::media::bluesky_video_embed(
                        client,
                        pds,
                        video_service,
                        &session.jwt,
                        &session.did,
                        &loaded[0],
                    )
                    .await?;
                } else if i == 0 && !job.media.is_empty() {
                    let loaded = crate::media::load(media_dir, &job.media).await?;
                    record["embed"] =
                        crate::media::bluesky_embed(client, pds, &session.jwt, &loaded).await?;
                } else if let Some(card) =
                    crate::media::bluesky_card(client, pds, &session.jwt, text).await
                {
                    // Bluesky shows no preview by itself: the linked page's card.
                    record["embed"] = card;
                }
                if let (Some((root_uri, root_cid)), Some((parent_uri, parent_cid))) =
                    (&root, &parent)
                {
                    record["reply"] = json!({
                        "root": {"uri": root_uri, "cid": root_cid},
                        "parent": {"uri": parent_uri, "cid": parent_cid},
                    });
                }
                create_post_ref(client, pds, &session, &key, &record, "publishing the post").await?
            }
        };
        if root.is_none() {
            root = Some(made.clone());
        }
        parent = Some(made);
    }
    let (uri, _) = root.ok_or_else(|| SendError::Permanent("the post has no text".into()))?;
    Ok(delivered(uri))
}
