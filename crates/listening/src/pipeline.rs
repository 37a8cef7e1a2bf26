//! The ingest pipeline: enrich, deduplicate, match, store.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, RwLock};

use jardinier_query::{Document, Prepared, QuerySet, parse, tokenize};
use jardinier_store::{InsertOutcome, NewItem, Source, Store, StoreError, StoredItem};

use crate::incoming::IncomingItem;
use crate::normalize::{canonical_url, content_hash_of, simhash_of};
use jardinier_query::archive_terms_of;

/// Whether a source's settings say that everything it brings needs an answer
/// (`"inbox": true`, or a brand account's `"notifications": true`).
fn source_feeds_inbox(config: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(config)
        .ok()
        .map(|v| {
            // A brand account's notifications (mentions, comments, direct messages) too.
            ["inbox", "notifications"]
                .iter()
                .any(|k| v.get(*k).and_then(|b| b.as_bool()) == Some(true))
        })
        .unwrap_or(false)
}

/// What language and sentiment analysis found for a text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Enrichment {
    /// "fr", "en" or "unknown".
    pub lang: Option<String>,
    /// ("positive" | "neutral" | "negative", score in [-1, 1]).
    pub sentiment: Option<(String, f64)>,
}

/// The matcher's view of an item. One definition, so that a query checked in the editor, an
/// alert rule's watched words and ingest-time matching all see the same document.
pub fn item_document(
    title: Option<&str>,
    text: &str,
    author: &str,
    site: Option<&str>,
    lang: Option<&str>,
    source: &str,
) -> Prepared {
    Prepared::new(&document(title, text, author, site, lang, source))
}

/// The fields [`item_document`] matches, with their defaults (ingestion builds its `Prepared`
/// from words it has already cut).
fn document<'a>(
    title: Option<&'a str>,
    text: &'a str,
    author: &'a str,
    site: Option<&'a str>,
    lang: Option<&'a str>,
    source: &'a str,
) -> Document<'a> {
    Document {
        title: title.unwrap_or(""),
        text,
        author,
        site: site.unwrap_or(""),
        lang: lang.unwrap_or("unknown"),
        source,
    }
}

/// An item's author as matched and hashed: the name and the handle.
pub fn author_of(name: Option<&str>, handle: Option<&str>) -> String {
    [name, handle]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Language and sentiment analysis, injected so the pipeline is tested with known answers and
/// the binary wires in the real analysis crate.
pub type Analyzer = fn(&str) -> Enrichment;

/// What one call to [`Ingestor::ingest`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub inserted: usize,
    /// Already received from this source (same sender id): nothing changed.
    pub repeats: usize,
    /// Same URL or same author and text as a stored item: counted on it.
    pub duplicates: usize,
    /// Stored, linked to the item they repeat (reposts, syndication).
    pub near_duplicates: usize,
    /// Stored items that matched at least one saved query.
    pub matched: usize,
    pub inserted_ids: Vec<i64>,
}

/// One item ready to store: see [`Ingestor::prepare`].
pub struct PreparedItem {
    pub item: NewItem,
    /// The saved searches it matches.
    pub query_ids: Vec<i64>,
    /// Its runs of words, to find the earlier mentions it quotes.
    pub runs: Vec<u64>,
}

pub struct Ingestor {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) analyzer: Analyzer,
    /// Per-workspace sentiment learned from corrections (`learning.rs`); none in tests that do
    /// not need it.
    pub(crate) learning: Option<Arc<dyn crate::learning::SentimentLearning>>,
    /// Evaluates alert rules on what was stored; none in tests that do not need it.
    pub alerts: Option<Arc<crate::alerts::AlertEngine>>,
    /// One matcher per workspace, rebuilt when its queries change.
    matchers: RwLock<HashMap<i64, Arc<QuerySet<i64>>>>,
    /// The alert evaluator's queue, started with the first batch that matched a query.
    alert_queue: std::sync::OnceLock<tokio::sync::mpsc::Sender<AlertJob>>,
    /// Passages of recent originals, to find the mentions that quote them.
    quotes: crate::quotes::QuoteIndex,
}

enum AlertJob {
    /// Stored items (id, item, matched queries), the time they were received, and their
    /// batch's entry in the store's alert backlog (its first item id), cleared once evaluated.
    Evaluate(Vec<(i64, NewItem, Vec<i64>)>, i64, Option<i64>),
    /// Answered once everything queued before it is evaluated.
    Settle(tokio::sync::oneshot::Sender<()>),
}

/// Mentions left unevaluated by a stop are evaluated at start-up if received less than this
/// long ago.
pub const BACKLOG_HORIZON_SECS: i64 = 24 * 3600;

/// A stored mention in the shape the alert rules read (what they look at: texts, author, reach,
/// site, language, source), with the searches it matched.
fn arrived_item(workspace_id: i64, s: StoredItem) -> (i64, NewItem, Vec<i64>) {
    let item = NewItem {
        workspace_id,
        source_id: s.source_id,
        source_kind: s.source_kind,
        external_id: s.external_id,
        url: s.url,
        site: s.site,
        author_name: s.author_name,
        author_handle: s.author_handle,
        author_reach: s.author_reach,
        title: s.title,
        body: s.body,
        lang: s.lang,
        sentiment: s.sentiment,
        sentiment_score: s.sentiment_score,
        published_at: s.published_at,
        received_at: s.received_at,
        parent_external_id: s.parent_external_id,
        content_hash: String::new(),
        simhash: None,
        enrichment_error: s.enrichment_error,
        terms: Vec::new(),
        quoted_ref: s.quoted_ref,
        quote_of: s.quote_of,
    };
    (s.id, item, s.query_ids)
}

/// Stored items (id, item, matched queries) as the alert engine reads them.
fn arrived(stored: &[(i64, NewItem, Vec<i64>)]) -> Vec<crate::alerts::Arrived<'_>> {
    stored
        .iter()
        .map(|(id, item, query_ids)| crate::alerts::Arrived {
            id: *id,
            item,
            query_ids,
        })
        .collect()
}

/// Batches waiting for alert evaluation before ingestion waits for them.
const ALERT_QUEUE: usize = 4;

fn spawn_alert_evaluator(
    engine: Arc<crate::alerts::AlertEngine>,
    store: Arc<dyn Store>,
) -> tokio::sync::mpsc::Sender<AlertJob> {
    let (send, mut receive) = tokio::sync::mpsc::channel::<AlertJob>(ALERT_QUEUE);
    tokio::spawn(async move {
        // Backlog entries evaluated and not cleared yet, and the clearing under way: one at a
        // time, off the evaluation's path (each is a write that waits for the writer's group).
        let mut evaluated: Vec<i64> = Vec::new();
        let mut clearing: Option<tokio::task::JoinHandle<()>> = None;
        let clear = |ids: Vec<i64>| {
            let store = store.clone();
            tokio::spawn(async move {
                if let Err(error) = store.alerts_evaluated(&ids).await {
                    tracing::error!(%error, "could not clear the evaluated alert backlog");
                }
            })
        };
        loop {
            // Waiting for the next batch, or for the clearing under way to end, to start the
            // next one with what was evaluated meanwhile.
            let next = match clearing.as_mut() {
                Some(task) => tokio::select! {
                    job = receive.recv() => Some(job),
                    _ = task => None,
                },
                None => Some(receive.recv().await),
            };
            let job = match next {
                Some(Some(job)) => job,
                Some(None) => break,
                None => {
                    clearing =
                        (!evaluated.is_empty()).then(|| clear(std::mem::take(&mut evaluated)));
                    continue;
                }
            };
            // Whatever queued while the last evaluation ran is evaluated together: one pass
            // over the rules for several batches, so a burst of alerts (each a write to wait
            // for) does not make the queue, and ingestion behind it, wait batch after batch.
            let mut jobs = vec![job];
            while let Ok(more) = receive.try_recv() {
                jobs.push(more);
            }
            let mut stored = Vec::new();
            let mut latest = None;
            let mut settled = Vec::new();
            let mut backlog = Vec::new();
            for job in jobs {
                match job {
                    AlertJob::Evaluate(items, now, entry) => {
                        stored.extend(items);
                        latest = latest.max(Some(now));
                        backlog.extend(entry);
                    }
                    AlertJob::Settle(done) => settled.push(done),
                }
            }
            if let Some(now) = latest {
                match engine.evaluate(&arrived(&stored), now).await {
                    Ok(_) => evaluated.extend(backlog),
                    // Left in the backlog: evaluated again at the next start.
                    Err(error) => tracing::error!(%error, "alert evaluation failed"),
                }
            }
            if settled.is_empty() {
                if !evaluated.is_empty() && clearing.as_ref().is_none_or(|t| t.is_finished()) {
                    clearing = Some(clear(std::mem::take(&mut evaluated)));
                }
            } else {
                // Settling waits for the backlog to be cleared too (a clean stop leaves nothing
                // to evaluate again).
                if let Some(task) = clearing.take() {
                    let _ = task.await;
                }
                if !evaluated.is_empty() {
                    let _ = clear(std::mem::take(&mut evaluated)).await;
                }
            }
            for done in settled {
                let _ = done.send(());
            }
        }
    });
    send
}

impl Ingestor {
    pub fn new(store: Arc<dyn Store>, analyzer: Analyzer) -> Ingestor {
        Ingestor {
            store,
            analyzer,
            learning: None,
            alerts: None,
            matchers: RwLock::new(HashMap::new()),
            alert_queue: std::sync::OnceLock::new(),
            quotes: Default::default(),
        }
    }

    /// Rebuilds every workspace's matcher from the saved queries. Queries stored before a
    /// change of the language that no longer parse are skipped with a warning.
    pub async fn reload_queries(&self) -> Result<(), StoreError> {
        let mut by_workspace: HashMap<i64, Vec<(i64, jardinier_query::Query)>> = HashMap::new();
        for (workspace_id, query_id, text) in self.store.all_active_queries().await? {
            match parse(&text) {
                Ok(query) => by_workspace
                    .entry(workspace_id)
                    .or_default()
                    .push((query_id, query)),
                Err(error) => {
                    tracing::warn!(query_id, %error, "saved query no longer parses; skipped")
                }
            }
        }
        let built = by_workspace
            .into_iter()
            .map(|(ws, queries)| (ws, Arc::new(QuerySet::new(queries))))
            .collect();
        *self.matchers.write().expect("matcher lock") = built;
        Ok(())
    }

    /// Waits until every batch ingested so far has had its alerts evaluated (tests, the demo,
    /// and a clean shutdown).
    pub async fn settle_alerts(&self) {
        if let Some(queue) = self.alert_queue.get() {
            let (done, wait) = tokio::sync::oneshot::channel();
            if queue.send(AlertJob::Settle(done)).await.is_ok() {
                let _ = wait.await;
            }
        }
    }

    /// Evaluates the alert rules on what a crash left unevaluated (the store's alert backlog),
    /// all together, so that a burst interrupted by the crash gives one alert. Batches received
    /// more than [`BACKLOG_HORIZON_SECS`] ago are dropped with a warning: an alert about a day-old
    /// mention is noise. Returns how many mentions were evaluated. Call it at start-up, before
    /// ingesting.
    pub async fn evaluate_backlog(&self, now: i64) -> Result<usize, StoreError> {
        let Some(engine) = &self.alerts else {
            return Ok(0);
        };
        let backlog = self.store.alert_backlog().await?;
        let mut stored: Vec<(i64, NewItem, Vec<i64>)> = Vec::new();
        for entry in &backlog {
            if entry.received_at < now - BACKLOG_HORIZON_SECS {
                tracing::warn!(
                    first_item = entry.first_item_id,
                    received_at = entry.received_at,
                    "mentions too old for an alert were left unevaluated; dropped"
                );
                continue;
            }
            for item in self.store.backlog_items(entry).await? {
                stored.push(arrived_item(entry.workspace_id, item));
            }
        }
        if !stored.is_empty() {
            engine.evaluate(&arrived(&stored), now).await?;
            tracing::info!(
                mentions = stored.len(),
                "alerts evaluated on mentions a stop left"
            );
        }
        let firsts: Vec<i64> = backlog.iter().map(|b| b.first_item_id).collect();
        self.store.alerts_evaluated(&firsts).await?;
        Ok(stored.len())
    }

    /// Fills the quote index from the newest stored originals, as it was before the stop (it
    /// lives in memory): enough of them for the index's capacity, oldest first so that the first
    /// item with a passage keeps it. Returns how many items it read. Call it at start-up.
    pub async fn warm_quotes(&self) -> Result<usize, StoreError> {
        // Mentions have tens of runs each; this many covers the capacity with room to spare.
        const ITEMS: i64 = (crate::quotes::CAPACITY / 10) as i64;
        let texts = self.store.recent_original_texts(ITEMS).await?;
        let mut runs: Vec<(i64, i64, Vec<u64>)> = Vec::new();
        let mut held = 0;
        for (workspace_id, id, text) in texts {
            let item_runs = crate::quotes::shingles(&text);
            held += item_runs.len();
            runs.push((workspace_id, id, item_runs));
            if held >= crate::quotes::CAPACITY {
                break;
            }
        }
        for (workspace_id, id, item_runs) in runs.iter().rev() {
            self.quotes.add(*workspace_id, *id, item_runs);
        }
        Ok(runs.len())
    }

    fn matcher(&self, workspace_id: i64) -> Option<Arc<QuerySet<i64>>> {
        self.matchers
            .read()
            .expect("matcher lock")
            .get(&workspace_id)
            .cloned()
    }

    /// Prepares one item: the single item shape, with enrichment failures recorded on it, the
    /// saved searches it matches, and its runs of words (for quotes). Title and text are cut
    /// into words once, for matching, hashing, the archive's terms and the runs.
    pub fn prepare(&self, source: &Source, incoming: IncomingItem, now: i64) -> PreparedItem {
        let mut problems = Vec::new();
        let (url, site) = match incoming.url.as_deref().map(|u| (u, canonical_url(u))) {
            Some((_, Some((url, site)))) => (Some(url), Some(site)),
            Some((raw, None)) => {
                problems.push(format!(
                    "the URL {raw:?} is not an absolute http(s) address; kept without it"
                ));
                (None, None)
            }
            None => (None, None),
        };
        let analysed_text = match &incoming.title {
            Some(title) => format!("{title}. {}", incoming.text),
            None => incoming.text.clone(),
        };
        let enrichment = match std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.enrich(source.workspace_id, &analysed_text)
        })) {
            Ok(enrichment) => enrichment,
            Err(_) => {
                problems.push("language and sentiment analysis failed on this text".to_owned());
                Enrichment::default()
            }
        };
        let author = author_of(
            incoming.author_name.as_deref(),
            incoming.author_handle.as_deref(),
        );
        let title_tokens = tokenize(incoming.title.as_deref().unwrap_or(""), 0);
        let text_tokens = tokenize(&incoming.text, 0);
        let query_ids = match self.matcher(source.workspace_id) {
            Some(matcher) => matcher.matches(&Prepared::from_tokens(
                &document(
                    incoming.title.as_deref(),
                    &incoming.text,
                    &author,
                    site.as_deref(),
                    enrichment.lang.as_deref(),
                    &source.kind,
                ),
                &title_tokens,
                &text_tokens,
            )),
            None => Vec::new(),
        };
        let terms = archive_terms_of(&title_tokens, &text_tokens, enrichment.lang.as_deref());
        let runs = crate::quotes::shingles_of(&text_tokens);
        let item = NewItem {
            terms,
            workspace_id: source.workspace_id,
            source_id: source.id,
            source_kind: source.kind.clone(),
            // The same words as the title and text joined ("{title}. {text}").
            content_hash: content_hash_of(&author, title_tokens.iter().chain(&text_tokens)),
            simhash: simhash_of(&text_tokens),
            external_id: incoming.external_id,
            url,
            site,
            author_name: incoming.author_name,
            author_handle: incoming.author_handle,
            author_reach: incoming.author_reach,
            title: incoming.title,
            body: incoming.text,
            lang: enrichment.lang,
            sentiment_score: enrichment.sentiment.as_ref().map(|(_, score)| *score),
            sentiment: enrichment.sentiment.map(|(label, _)| label),
            published_at: incoming.published_at.unwrap_or(now),
            received_at: now,
            parent_external_id: incoming.parent_external_id,
            quoted_ref: incoming.quoted_ref,
            quote_of: None,
            enrichment_error: (!problems.is_empty()).then(|| problems.join("; ")),
        };
        PreparedItem {
            item,
            query_ids,
            runs,
        }
    }

    /// Enriches, matches and stores items of one source. Returns once every item is committed:
    /// a caller may acknowledge the delivery (answer 2xx, advance a cursor) only after this.
    pub async fn ingest(
        &self,
        source: &Source,
        items: Vec<IncomingItem>,
        now: i64,
    ) -> Result<IngestReport, StoreError> {
        let mut report = IngestReport::default();
        let mut prepared: Vec<(NewItem, Vec<i64>)> = Vec::with_capacity(items.len());
        let mut runs: Vec<Vec<u64>> = Vec::with_capacity(items.len());
        for incoming in items {
            let PreparedItem {
                mut item,
                query_ids,
                runs: item_runs,
            } = self.prepare(source, incoming, now);
            // Quotes found by the passages they repeat (the sender's own reference wins).
            item.quote_of = self.quotes.quoted(item.workspace_id, &item_runs);
            prepared.push((item, query_ids));
            runs.push(item_runs);
        }
        // One transaction for the delivery: acknowledged together, or not at all.
        // With alerts, the batch's matched items are recorded as awaiting evaluation in its own
        // transaction, so that a crash before the evaluation delays their alert, not loses it.
        let outcomes = match self.alerts {
            Some(_) => self.store.insert_items_for_alerts(&prepared).await?,
            None => self.store.insert_items(&prepared).await?,
        };
        let mut stored: Vec<(i64, NewItem, Vec<i64>)> = Vec::new();
        let mut replies: Vec<i64> = Vec::new();
        // New originals that start a thread: candidates for the routing rules, if the
        // workspace has any (one small query per batch, read once).
        let mut starters: Vec<(i64, NewItem, Vec<i64>)> = Vec::new();
        let rules: Vec<crate::routing::LoadedRule> =
            match self.store.all_enabled_routing_rules().await {
                Ok(rules) => rules
                    .into_iter()
                    .filter(|r| r.workspace_id == source.workspace_id)
                    .filter_map(crate::routing::load)
                    .collect(),
                Err(error) => {
                    tracing::error!(%error, "could not read the routing rules");
                    Vec::new()
                }
            };
        let routed_workspace = !rules.is_empty();
        for (((item, query_ids), outcome), runs) in prepared.into_iter().zip(outcomes).zip(runs) {
            match outcome {
                InsertOutcome::Inserted {
                    id,
                    near_duplicate_of,
                } => {
                    if near_duplicate_of.is_none() {
                        self.quotes.add(item.workspace_id, id, &runs);
                    }
                    if item.parent_external_id.is_some() {
                        replies.push(id);
                    } else if near_duplicate_of.is_none() && routed_workspace {
                        starters.push((id, item.clone(), query_ids.clone()));
                    }
                    report.inserted += 1;
                    report.inserted_ids.push(id);
                    report.near_duplicates += usize::from(near_duplicate_of.is_some());
                    report.matched += usize::from(!query_ids.is_empty());
                    if !query_ids.is_empty() {
                        stored.push((id, item, query_ids));
                    }
                }
                InsertOutcome::AlreadyReceived { .. } => report.repeats += 1,
                InsertOutcome::ExactDuplicate { .. } => report.duplicates += 1,
            }
        }
        // A reply to a conversation of the inbox joins it (and reopens it); a new mention that
        // meets a routing rule opens one. The items are committed already: a failure here is
        // logged, not returned.
        if !replies.is_empty()
            && let Err(error) = self.store.join_replies(&replies, now).await
        {
            tracing::error!(%error, "could not add replies to their inbox conversations");
        }
        if !starters.is_empty()
            && let Err(error) =
                crate::routing::route(self.store.as_ref(), &rules, &starters, now).await
        {
            tracing::error!(%error, "could not apply the routing rules");
        }
        // Sources whose every message needs an answer (a contact mailbox, a contact form) put
        // what they bring in the inbox: a new thread opens a conversation, a reply joins its own.
        if source_feeds_inbox(&source.config) {
            for id in &report.inserted_ids {
                if let Err(error) = self
                    .store
                    .send_to_inbox(source.workspace_id, *id, None, now)
                    .await
                {
                    tracing::error!(%error, item = id, "could not put a message in the inbox");
                }
            }
        }
        // Alerts look at what is committed, on their own task: the caller is answered as soon as
        // the items are stored, and a slow evaluation never holds up ingestion. The queue is
        // bounded, so alerts that cannot keep up slow ingestion down rather than fall behind
        // without limit. Failing to evaluate does not undo the acknowledgement of stored items:
        // it is logged, and the next batch evaluates again.
        if let (Some(engine), false) = (&self.alerts, stored.is_empty()) {
            let queue = self
                .alert_queue
                .get_or_init(|| spawn_alert_evaluator(engine.clone(), self.store.clone()));
            // The batch's backlog entry is named by its first stored item that matched (see
            // `AlertBacklog::of`): the first of `stored`.
            let backlog = stored.iter().map(|(id, _, _)| *id).min();
            if queue
                .send(AlertJob::Evaluate(stored, now, backlog))
                .await
                .is_err()
            {
                tracing::error!("the alert evaluator stopped; alerts of this batch are lost");
            }
        }
        Ok(report)
    }
}
