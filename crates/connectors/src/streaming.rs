//! Mastodon's streaming API: one long-lived server-sent-events connection per Mastodon source
//! that asks for it (`"stream": true`), so a status reaches the archive and the alerts within a
//! second of being posted instead of at the next poll.
//!
//! - The streaming server may live on another host: it is read from the instance's
//!   `GET /api/v2/instance` (`configuration.urls.streaming`, a `wss://` address whose `https://`
//!   twin serves the same events as SSE), falling back to the instance itself.
//! - `GET {streaming}/api/v1/streaming/hashtag?tag={tag}` with `Accept: text/event-stream` and,
//!   when the source has one, `Authorization: Bearer {access token}` (many instances require a
//!   token for streaming). `update` events carry a Status entity; `delete`, heartbeats (comment
//!   lines) and other events are ignored.
//! - A broken or refused stream is retried with doubling delays (1 s to 5 min) and its reason is
//!   shown on the source. The source keeps being polled on its interval, and polling fills
//!   whatever the stream missed; idempotency keys make the overlap harmless.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use jardinier_listening::Ingestor;
use jardinier_store::{Source, Store};
use tokio::task::JoinHandle;

use crate::social::{SocialConfig, mastodon_update};
use crate::unix_now;

/// Holds the streams of Mastodon sources, started and stopped as sources change.
pub struct MastodonStreams {
    store: Arc<dyn Store>,
    ingestor: Arc<Ingestor>,
    client: reqwest::Client,
    /// Source id → (its settings and token when started, the task).
    running: HashMap<i64, (String, Option<String>, JoinHandle<()>)>,
    /// How often the set of sources is looked at again.
    pub resync: Duration,
}

impl MastodonStreams {
    pub fn new(store: Arc<dyn Store>, ingestor: Arc<Ingestor>) -> MastodonStreams {
        // No overall timeout: the response is endless. A silent stream is noticed by
        // `stream_once`'s heartbeat timeout.
        let client = crate::http_client(None);
        MastodonStreams {
            store,
            ingestor,
            client,
            running: HashMap::new(),
            resync: Duration::from_secs(30),
        }
    }

    /// Starts the streams of sources that want one, stops those of sources paused, removed or
    /// changed (a changed source is restarted with its new settings). Returns how many run.
    pub async fn sync(&mut self) -> usize {
        let sources = match self.store.enabled_sources_of_kind("mastodon").await {
            Ok(sources) => sources,
            Err(error) => {
                tracing::error!(%error, "streams: could not read the Mastodon sources");
                return self.running.len();
            }
        };
        let wanted: HashMap<i64, Source> = sources
            .into_iter()
            .filter(|s| SocialConfig::parse(&s.config).is_ok_and(|c| c.stream))
            .map(|s| (s.id, s))
            .collect();
        self.running.retain(|id, (config, secret, task)| {
            let keep = wanted
                .get(id)
                .is_some_and(|s| &s.config == config && &s.secret == secret)
                && !task.is_finished();
            if !keep {
                task.abort();
            }
            keep
        });
        for (id, source) in wanted {
            if self.running.contains_key(&id) {
                continue;
            }
            let task = tokio::spawn(keep_streaming(
                self.store.clone(),
                self.ingestor.clone(),
                self.client.clone(),
                source.clone(),
            ));
            self.running
                .insert(id, (source.config, source.secret, task));
        }
        self.running.len()
    }

    pub async fn run(mut self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            self.sync().await;
            tokio::select! {
                _ = tokio::time::sleep(self.resync) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
        for (_, (_, _, task)) in self.running.drain() {
            task.abort();
        }
    }
}

impl Drop for MastodonStreams {
    fn drop(&mut self) {
        for (_, (_, _, task)) in self.running.drain() {
            task.abort();
        }
    }
}

/// Why a stream stopped, in words for the source's page.
#[derive(Debug)]
enum StreamEnd {
    /// The server closed it or it went silent: reconnect soon.
    Closed(String),
    /// Refused (bad token, streaming disabled…): reconnect, but the reason is shown.
    Refused(String),
}

/// Connects, reads, reconnects, for as long as the task lives.
async fn keep_streaming(
    store: Arc<dyn Store>,
    ingestor: Arc<Ingestor>,
    client: reqwest::Client,
    source: Source,
) {
    let Ok(config) = SocialConfig::parse(&source.config) else {
        return;
    };
    let mut delay = Duration::from_secs(1);
    loop {
        let streaming = streaming_base(&client, &config).await;
        let end = stream_once(&store, &ingestor, &client, &source, &config, &streaming).await;
        match &end {
            StreamEnd::Refused(reason) => {
                tracing::warn!(source_id = source.id, %reason, "stream refused");
                let _ = store
                    .record_stream_state(source.id, unix_now(), Err(reason))
                    .await;
            }
            StreamEnd::Closed(reason) => {
                tracing::info!(source_id = source.id, %reason, "stream closed; reconnecting");
            }
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(300));
        if matches!(end, StreamEnd::Closed(_)) && delay > Duration::from_secs(8) {
            // A stream that worked for a while starts over quickly.
            delay = Duration::from_secs(8);
        }
    }
}

/// The streaming server's base URL, from the instance's own description.
pub async fn streaming_base(client: &reqwest::Client, config: &SocialConfig) -> String {
    let described = async {
        let url = url::Url::parse(&config.base)
            .ok()?
            .join("/api/v2/instance")
            .ok()?;
        let response = client
            .get(url)
            .timeout(Duration::from_secs(15))
            .send()
            .await
            .ok()?;
        let value: serde_json::Value = response.json().await.ok()?;
        let streaming = value
            .pointer("/configuration/urls/streaming")?
            .as_str()?
            .to_owned();
        let https = streaming
            .strip_prefix("wss://")
            .map(|rest| format!("https://{rest}"))
            .or_else(|| {
                streaming
                    .strip_prefix("ws://")
                    .map(|rest| format!("http://{rest}"))
            })?;
        url::Url::parse(&https).ok().map(|_| https)
    }
    .await;
    described.unwrap_or_else(|| config.base.clone())
}

/// How long a stream may stay silent: Mastodon sends a heartbeat comment every 15 seconds.
const SILENCE: Duration = Duration::from_secs(60);

async fn stream_once(
    store: &Arc<dyn Store>,
    ingestor: &Ingestor,
    client: &reqwest::Client,
    source: &Source,
    config: &SocialConfig,
    streaming: &str,
) -> StreamEnd {
    let tag = config.search.trim().trim_start_matches('#');
    let url = match url::Url::parse(streaming)
        .and_then(|u| u.join("/api/v1/streaming/hashtag"))
        .map(|mut u| {
            u.query_pairs_mut().append_pair("tag", tag);
            u
        }) {
        Ok(url) => url,
        Err(e) => return StreamEnd::Refused(format!("the streaming address is invalid ({e})")),
    };
    let mut request = client.get(url).header("Accept", "text/event-stream");
    if let Some(token) = source.secret.as_deref().filter(|t| !t.is_empty()) {
        request = request.bearer_auth(token);
    }
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => return StreamEnd::Closed(format!("could not connect ({e})")),
    };
    let status = response.status();
    if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
        return StreamEnd::Refused(format!(
            "the instance's streaming API answered HTTP {} — it needs an access token \
             (Preferences → Development → New application, scope read:statuses)",
            status.as_u16()
        ));
    }
    if !status.is_success() {
        return StreamEnd::Refused(format!(
            "the instance's streaming API answered HTTP {}",
            status.as_u16()
        ));
    }
    let _ = store
        .record_stream_state(source.id, unix_now(), Ok(()))
        .await;
    let mut events = response.bytes_stream().eventsource();
    loop {
        let next = match tokio::time::timeout(SILENCE, events.next()).await {
            Ok(next) => next,
            Err(_) => return StreamEnd::Closed("silent for a minute".into()),
        };
        let event = match next {
            None => return StreamEnd::Closed("the server ended the stream".into()),
            Some(Err(e)) => return StreamEnd::Closed(format!("the stream broke ({e})")),
            Some(Ok(event)) => event,
        };
        if event.event != "update" {
            continue;
        }
        let Some(item) = mastodon_update(&event.data) else {
            tracing::warn!(
                source_id = source.id,
                "stream: an update that is not a status"
            );
            continue;
        };
        if let Err(error) = ingestor.ingest(source, vec![item], unix_now()).await {
            tracing::error!(source_id = source.id, %error, "stream: could not store a status");
        }
    }
}
