//! Runs due sources on their schedules.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jardinier_listening::Ingestor;
use jardinier_store::{FetchOutcome, Source, Store};
use tokio::sync::Semaphore;

use crate::feed::{self, FeedConfig, FeedFetch};
use crate::{FetchError, unix_now};

#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// How often due sources are looked for.
    pub tick: Duration,
    /// Fetches at once, across all hosts.
    pub concurrency: usize,
    /// Per fetch.
    pub timeout: Duration,
    /// Minimum time between two requests to one host.
    pub politeness: Duration,
}

impl Default for PollerConfig {
    fn default() -> Self {
        PollerConfig {
            tick: Duration::from_secs(5),
            concurrency: 8,
            timeout: Duration::from_secs(20),
            politeness: Duration::from_secs(2),
        }
    }
}

/// The source kinds this poller fetches (webhooks and imports are pushed to Jardinier).
pub const POLLED_KINDS: &[&str] = &["feed", "mastodon", "bluesky", "hackernews", "imap"];

fn source_host(source: &Source) -> String {
    match source.kind.as_str() {
        "feed" => FeedConfig::parse(&source.config)
            .map(|c| c.host())
            .unwrap_or_default(),
        "imap" => crate::imap::ImapConfig::parse(&source.config)
            .map(|c| c.host())
            .unwrap_or_default(),
        _ => crate::social::SocialConfig::parse(&source.config)
            .map(|c| c.host())
            .unwrap_or_default(),
    }
}

/// After `failures` failures in a row: the interval doubled each time, at most six hours.
pub fn next_fetch_after_failure(now: i64, interval_secs: i64, failures: i64) -> i64 {
    let backoff = interval_secs
        .max(60)
        .saturating_mul(1 << failures.clamp(0, 10))
        .min(6 * 3600);
    now + backoff
}

pub struct Poller {
    store: Arc<dyn Store>,
    ingestor: Arc<Ingestor>,
    client: reqwest::Client,
    config: PollerConfig,
    /// When each host was last asked, and whether a fetch to it is running.
    hosts: Arc<Mutex<HashMap<String, (Instant, bool)>>>,
    slots: Arc<Semaphore>,
}

impl Poller {
    pub fn new(store: Arc<dyn Store>, ingestor: Arc<Ingestor>, config: PollerConfig) -> Poller {
        let client = crate::http_client(Some(config.timeout));
        let slots = Arc::new(Semaphore::new(config.concurrency));
        Poller {
            store,
            ingestor,
            client,
            config,
            hosts: Arc::default(),
            slots,
        }
    }

    /// Starts the fetches of every due source whose host may be asked now. Returns the tasks, so
    /// tests can wait for them; the loop in [`Poller::run`] does not.
    pub async fn poll_once(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let now = unix_now();
        let due = match self.store.due_sources(now, 100).await {
            Ok(due) => due,
            Err(error) => {
                tracing::error!(%error, "poller: could not read due sources");
                return Vec::new();
            }
        };
        let mut started = Vec::new();
        for source in due
            .into_iter()
            .filter(|s| POLLED_KINDS.contains(&s.kind.as_str()))
        {
            let host = source_host(&source);
            {
                let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
                let entry = hosts
                    .entry(host.clone())
                    .or_insert((Instant::now() - self.config.politeness, false));
                if entry.1 || entry.0.elapsed() < self.config.politeness {
                    continue; // this host is busy or was asked too recently: next tick
                }
                *entry = (Instant::now(), true);
            }
            // Released when the task ends, however it ends (a panic included).
            let guard = HostGuard {
                hosts: self.hosts.clone(),
                host,
            };
            let timeout = self.config.timeout;
            let (store, ingestor, client, slots) = (
                self.store.clone(),
                self.ingestor.clone(),
                self.client.clone(),
                self.slots.clone(),
            );
            started.push(tokio::spawn(async move {
                let _host = guard;
                let _slot = slots.acquire_owned().await;
                fetch_contained(store, ingestor, client, timeout, source).await;
            }));
        }
        started
    }

    /// Fetches one source now, whatever its schedule ("fetch now" in the UI, and tests).
    pub async fn fetch_now(&self, source: &Source) {
        fetch_contained(
            self.store.clone(),
            self.ingestor.clone(),
            self.client.clone(),
            self.config.timeout,
            source.clone(),
        )
        .await;
    }

    pub async fn run(self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        loop {
            drop(self.poll_once().await);
            tokio::select! {
                _ = tokio::time::sleep(self.config.tick) => {}
                _ = shutdown.changed() => {}
            }
            if *shutdown.borrow() {
                break;
            }
        }
    }
}

/// Marks a host free again when dropped: after a fetch that ended well, failed or panicked.
struct HostGuard {
    hosts: Arc<Mutex<HashMap<String, (Instant, bool)>>>,
    host: String,
}

impl Drop for HostGuard {
    fn drop(&mut self) {
        // A poisoned lock still holds the map: release the host rather than leave it busy.
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(entry) = hosts.get_mut(&self.host) {
            *entry = (Instant::now(), false);
        }
    }
}

/// What a source says when reading it crashed: the CM cannot fix it, but knows it is not them.
pub const CRASHED: &str = "reading this source failed because of an error in Jardinier \
    (reported in the server's log); the other sources are not affected and this one is tried again later";

/// [`fetch_source`] on a task of its own, so a panic anywhere in fetching, parsing or storing
/// becomes this source's error and never reaches the poller, its host slot or other sources.
async fn fetch_contained(
    store: Arc<dyn Store>,
    ingestor: Arc<Ingestor>,
    client: reqwest::Client,
    timeout: Duration,
    source: Source,
) {
    let (id, interval, failures) = (source.id, source.interval_secs, source.failures);
    let task_store = store.clone();
    let joined = tokio::spawn(async move {
        fetch_source(task_store.as_ref(), &ingestor, &client, timeout, &source).await;
    })
    .await;
    let Err(error) = joined else { return };
    tracing::error!(source_id = id, %error, "a fetch panicked; recorded as the source's error");
    let now = unix_now();
    let outcome = FetchOutcome {
        now,
        next_fetch_at: next_fetch_after_failure(now, interval, failures),
        result: Err(CRASHED),
        etag: None,
        last_modified: None,
        warning: None,
    };
    if let Err(error) = store.record_fetch(id, &outcome).await {
        tracing::error!(%error, source_id = id, "could not record the fetch");
    }
}

#[cfg(test)]
pub(crate) static PANIC_ON: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// One fetch of one source: ingest what it gives, then record how it went. The cursor (the
/// validators and the next fetch time) only moves after the items are committed.
async fn fetch_source(
    store: &dyn Store,
    ingestor: &Ingestor,
    client: &reqwest::Client,
    timeout: Duration,
    source: &Source,
) {
    #[cfg(test)]
    if PANIC_ON
        .lock()
        .unwrap()
        .iter()
        .any(|url| source.config.contains(url.as_str()))
    {
        panic!("a fetch made to panic by a test");
    }
    // What was wrong with a feed that was read all the same, said on the source.
    let mut warning: Option<String> = None;
    let result: Result<(i64, Option<String>, Option<String>), FetchError> = async {
        // For feeds, `etag`/`last_modified` are HTTP validators; for the social APIs, `etag` is
        // the cursor. Either moves only once the items are committed.
        let (items, etag, last_modified) = match source.kind.as_str() {
            "feed" => {
                let config = FeedConfig::parse(&source.config)?;
                match feed::fetch(
                    client,
                    &config,
                    source.etag.as_deref(),
                    source.last_modified.as_deref(),
                )
                .await?
                {
                    FeedFetch::NotModified => return Ok((0, None, None)),
                    FeedFetch::Fetched {
                        items,
                        etag,
                        last_modified,
                        warnings,
                    } => {
                        warning = (!warnings.is_empty()).then(|| warnings.join("; "));
                        (items, etag, last_modified)
                    }
                }
            }
            "imap" => {
                let config = crate::imap::ImapConfig::parse(&source.config)?;
                let password = source.secret.as_deref().unwrap_or_default();
                let fetched =
                    crate::imap::fetch(&config, password, source.etag.as_deref(), timeout).await?;
                (fetched.items, fetched.cursor, None)
            }
            kind => {
                let config = crate::social::SocialConfig::parse(&source.config)?;
                let cursor = source.etag.as_deref();
                let secret = source.secret.as_deref().unwrap_or_default();
                let fetched = match kind {
                    "mastodon" if config.notifications => {
                        crate::social::fetch_mastodon_notifications(client, &config, secret, cursor)
                            .await?
                    }
                    "bluesky" if config.notifications => {
                        crate::social::fetch_bluesky_notifications(client, &config, secret, cursor)
                            .await?
                    }
                    "mastodon" => crate::social::fetch_mastodon(client, &config, cursor).await?,
                    "bluesky" => crate::social::fetch_bluesky(client, &config, cursor).await?,
                    "hackernews" => {
                        crate::social::fetch_hackernews(client, &config, cursor).await?
                    }
                    other => {
                        return Err(FetchError::Config(format!(
                            "no connector for sources of kind {other:?}"
                        )));
                    }
                };
                (fetched.items, fetched.cursor, None)
            }
        };
        let report = ingestor
            .ingest(source, items, unix_now())
            .await
            .map_err(|e| FetchError::Config(format!("could not store the items: {e}")))?;
        Ok((report.inserted as i64, etag, last_modified))
    }
    .await;
    let now = unix_now();
    let outcome = match &result {
        Ok((new_items, etag, last_modified)) => FetchOutcome {
            now,
            next_fetch_at: now + source.interval_secs.max(60),
            result: Ok(*new_items),
            etag: etag.as_deref(),
            last_modified: last_modified.as_deref(),
            warning: warning.as_deref(),
        },
        Err(_) => FetchOutcome {
            now,
            next_fetch_at: next_fetch_after_failure(now, source.interval_secs, source.failures),
            result: Err(""),
            etag: None,
            last_modified: None,
            warning: None,
        },
    };
    let message = result.as_ref().err().map(ToString::to_string);
    let outcome = FetchOutcome {
        result: outcome
            .result
            .map_err(|_| message.as_deref().unwrap_or_default()),
        ..outcome
    };
    match &result {
        Ok((n, _, _)) => tracing::info!(source_id = source.id, new_items = n, "feed fetched"),
        Err(error) => tracing::warn!(source_id = source.id, %error, "feed fetch failed"),
    }
    if let Err(error) = store.record_fetch(source.id, &outcome).await {
        tracing::error!(%error, source_id = source.id, "could not record the fetch");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_back_off_to_six_hours() {
        assert_eq!(next_fetch_after_failure(0, 300, 0), 300);
        assert_eq!(next_fetch_after_failure(0, 300, 1), 600);
        assert_eq!(next_fetch_after_failure(0, 300, 3), 2_400);
        assert_eq!(next_fetch_after_failure(0, 300, 30), 6 * 3600);
        assert_eq!(next_fetch_after_failure(0, 5, 0), 60, "at least a minute");
    }

    const RSS: &str = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
        <item><guid>a</guid><title>Hello</title><description>Hello there</description></item>
        </channel></rss>"#;

    /// A fetch that panics is that source's error; its host is free again at once, so the
    /// next feed on the same host is fetched at the very next tick.
    #[tokio::test]
    async fn a_panicking_fetch_does_not_silence_its_host() {
        use axum::routing::get;
        let app = axum::Router::new()
            .route("/crash", get(|| async { RSS }))
            .route("/fine", get(|| async { RSS }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        let db = jardinier_store::testing::TestDatabase::sqlite();
        let store = jardinier_store::connect(&db.url).await.unwrap();
        store.migrate().await.unwrap();
        let (_, ws, _) = jardinier_store::testing::owner_workspace_source(&store, "b").await;
        let store: Arc<dyn Store> = Arc::new(store);
        let ingestor = Arc::new(Ingestor::new(store.clone(), |_: &str| {
            jardinier_listening::Enrichment::default()
        }));
        let poller = Poller::new(
            store.clone(),
            ingestor,
            PollerConfig {
                politeness: Duration::ZERO,
                ..Default::default()
            },
        );
        let mut ids = Vec::new();
        for path in ["crash", "fine"] {
            let source = store
                .create_source(&jardinier_store::NewSource {
                    workspace_id: ws.id,
                    kind: "feed",
                    name: path,
                    config: &serde_json::json!({"url": format!("{base}/{path}")}).to_string(),
                    secret: None,
                    interval_secs: 300,
                    now: 1,
                })
                .await
                .unwrap();
            ids.push(source.id);
        }
        PANIC_ON.lock().unwrap().push(format!("{base}/crash"));
        let first = poller.poll_once().await;
        assert_eq!(first.len(), 1, "one fetch at a time on a host");
        for task in first {
            task.await.expect("the panic stays inside the fetch");
        }
        let second = poller.poll_once().await;
        assert_eq!(second.len(), 1, "the host is free again after the panic");
        for task in second {
            task.await.unwrap();
        }
        let crash = store.source_by_id(ids[0]).await.unwrap().unwrap();
        let fine = store.source_by_id(ids[1]).await.unwrap().unwrap();
        assert_eq!(
            (crash.status.as_str(), crash.last_error.as_deref()),
            ("error", Some(CRASHED))
        );
        assert_eq!((fine.status.as_str(), fine.item_count), ("ok", 1));
    }
}
