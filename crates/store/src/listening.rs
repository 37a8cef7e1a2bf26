//! Storage for listening: saved queries, sources, items and matches. A trait of its own so the
//! core `Store` stays readable; `SqlStore` implements both and `Store` requires this one.

use async_trait::async_trait;

use crate::Result;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListeningQuery {
    pub id: i64,
    pub workspace_id: i64,
    pub name: String,
    pub query_text: String,
    /// brand, competitor, product, person or topic.
    pub kind: String,
    pub created_at: i64,
    pub updated_at: i64,
}

pub struct NewListeningQuery<'a> {
    pub workspace_id: i64,
    pub name: &'a str,
    pub query_text: &'a str,
    pub kind: &'a str,
    pub created_by: Option<i64>,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub id: i64,
    pub workspace_id: i64,
    /// feed, mastodon, bluesky, reddit, hackernews, imap, webhook, import, demo.
    pub kind: String,
    pub name: String,
    /// Connector settings as JSON (feed URL, search terms, mailbox…).
    pub config: String,
    /// The webhook's HMAC key.
    pub secret: Option<String>,
    pub interval_secs: i64,
    pub enabled: bool,
    /// new, ok, error.
    pub status: String,
    pub last_fetch_at: Option<i64>,
    pub last_success_at: Option<i64>,
    pub last_error: Option<String>,
    pub failures: i64,
    pub next_fetch_at: i64,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub item_count: i64,
    pub created_at: i64,
}

pub struct NewSource<'a> {
    pub workspace_id: i64,
    pub kind: &'a str,
    pub name: &'a str,
    pub config: &'a str,
    pub secret: Option<&'a str>,
    pub interval_secs: i64,
    pub now: i64,
}

/// The outcome of a fetch, for the source's status line.
pub struct FetchOutcome<'a> {
    pub now: i64,
    pub next_fetch_at: i64,
    /// `Ok(new items)` or `Err(message for people)`.
    pub result: std::result::Result<i64, &'a str>,
    /// Validators for the next conditional GET (kept when `None`).
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
    /// With `Ok`: what was wrong but did not stop the fetch (a feed's wrong encoding label, an
    /// entry skipped), kept in `last_error` while the status is `ok`; `None` clears it.
    pub warning: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub workspace_id: i64,
    pub source_id: i64,
    pub source_kind: String,
    /// The sender's id (feed entry id, post id, Message-ID): idempotency per source.
    pub external_id: String,
    pub url: Option<String>,
    pub site: Option<String>,
    pub author_name: Option<String>,
    pub author_handle: Option<String>,
    pub author_reach: Option<i64>,
    pub title: Option<String>,
    pub body: String,
    pub lang: Option<String>,
    pub sentiment: Option<String>,
    pub sentiment_score: Option<f64>,
    pub published_at: i64,
    pub received_at: i64,
    pub parent_external_id: Option<String>,
    /// Hash of the folded text and the author: the same person saying the same thing twice.
    pub content_hash: String,
    /// SimHash of the text's words, for near-duplicates; `None` for texts too short to compare.
    pub simhash: Option<u64>,
    /// Why an enrichment step failed, if one did: the item is kept all the same.
    pub enrichment_error: Option<String>,
    /// Archive search terms (folded, stemmed), indexed with the item.
    pub terms: Vec<String>,
    /// The sender's id of the post this one quotes; resolved to `quote_of` when that post is
    /// in the archive (same source).
    pub quoted_ref: Option<String>,
    /// An archived item whose long passage this one repeats (found by the pipeline); used when
    /// `quoted_ref` resolves to nothing.
    pub quote_of: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InsertOutcome {
    Inserted {
        id: i64,
        near_duplicate_of: Option<i64>,
    },
    /// This source already delivered this id: nothing changed.
    AlreadyReceived { id: i64 },
    /// Same canonical URL or same text as a stored item: counted on it, not stored again.
    ExactDuplicate { of: i64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredItem {
    pub id: i64,
    pub source_id: i64,
    pub source_kind: String,
    pub external_id: String,
    pub url: Option<String>,
    pub site: Option<String>,
    pub author_name: Option<String>,
    pub author_handle: Option<String>,
    pub author_reach: Option<i64>,
    pub title: Option<String>,
    pub body: String,
    pub lang: Option<String>,
    /// The label shown: a person's correction if any, else the computed one.
    pub sentiment: Option<String>,
    pub sentiment_score: Option<f64>,
    pub sentiment_corrected: bool,
    pub published_at: i64,
    pub received_at: i64,
    pub duplicate_of: Option<i64>,
    pub seen_count: i64,
    pub enrichment_error: Option<String>,
    /// The sender's id of the item this one answers (reply chains, e-mail threads).
    pub parent_external_id: Option<String>,
    /// The archived item this one quotes, and the quoted post's id as the sender gave it.
    pub quote_of: Option<i64>,
    pub quoted_ref: Option<String>,
    pub query_ids: Vec<i64>,
}

/// Which items to list: newest first, `before_id` for the next page (keyset pagination stays
/// fast however deep the page).
#[derive(Debug, Clone, Default)]
pub struct ItemFilter {
    pub workspace_id: i64,
    pub query_id: Option<i64>,
    pub source_id: Option<i64>,
    pub lang: Option<String>,
    pub sentiment: Option<String>,
    pub include_duplicates: bool,
    pub before_id: Option<i64>,
    pub limit: i64,
    /// Archive search: every group must match (one of its alternative terms).
    pub terms: Vec<Vec<String>>,
    /// Published from / before (UNIX seconds).
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Author name or handle, case-insensitive substring.
    pub author: Option<String>,
}

/// Figures for the listening dashboard over a period.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DashboardData {
    /// Mentions per time bucket (bucket start, count), reposts included (they are amplification),
    /// oldest first.
    pub volume: Vec<(i64, i64)>,
    /// (label, count): positive, neutral, negative, and unknown for items without sentiment.
    pub sentiment: Vec<(String, i64)>,
    /// (query id, mentions) over the period.
    pub by_query: Vec<(i64, i64)>,
    /// (site, mentions), most first.
    pub sites: Vec<(String, i64)>,
    /// (author, handle, reach, mentions), by reach.
    pub authors: Vec<(String, String, i64, i64)>,
    /// The texts of the most recent original mentions (reposts would repeat their words), for
    /// terms and hashtags.
    pub recent_texts: Vec<String>,
}

/// The bits of a 64-bit SimHash as four 16-bit bands: two hashes within 3 bits of each other
/// share at least one band (pigeonhole), so bands find near-duplicate candidates by index.
pub fn simhash_bands(simhash: u64) -> [i64; 4] {
    [0, 1, 2, 3].map(|i| ((simhash >> (i * 16)) & 0xffff) as i64)
}

/// A batch's items that the alert rules have still to see (see
/// [`ListeningStore::insert_items_for_alerts`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AlertBacklog {
    /// The first and last ids of the batch's stored items that matched a saved search.
    pub first_item_id: i64,
    pub last_item_id: i64,
    pub workspace_id: i64,
    pub received_at: i64,
}

impl AlertBacklog {
    /// Records an entry; for both backends (`$n` placeholders, see `sqlite_writer::execute`).
    pub(crate) const INSERT: &'static str = "INSERT INTO alert_backlog \
         (first_item_id, last_item_id, workspace_id, received_at) VALUES ($1, $2, $3, $4)";

    /// The part of a stored batch the alert rules must see: its new items that matched a saved
    /// search, if any.
    pub fn of(items: &[(NewItem, Vec<i64>)], outcomes: &[InsertOutcome]) -> Option<AlertBacklog> {
        let mut backlog: Option<AlertBacklog> = None;
        for ((item, queries), outcome) in items.iter().zip(outcomes) {
            let InsertOutcome::Inserted { id, .. } = outcome else {
                continue;
            };
            if queries.is_empty() {
                continue;
            }
            let b = backlog.get_or_insert(AlertBacklog {
                first_item_id: *id,
                last_item_id: *id,
                workspace_id: item.workspace_id,
                received_at: item.received_at,
            });
            b.first_item_id = b.first_item_id.min(*id);
            b.last_item_id = b.last_item_id.max(*id);
        }
        backlog
    }
}

#[async_trait]
pub trait ListeningStore: Send + Sync {
    async fn create_listening_query(&self, new: &NewListeningQuery<'_>) -> Result<ListeningQuery>;
    async fn listening_queries(&self, workspace_id: i64) -> Result<Vec<ListeningQuery>>;
    /// One saved search of the workspace, archived or not.
    async fn listening_query(&self, workspace_id: i64, id: i64) -> Result<Option<ListeningQuery>>;
    async fn update_listening_query(
        &self,
        workspace_id: i64,
        id: i64,
        name: &str,
        query_text: &str,
        kind: &str,
        now: i64,
    ) -> Result<()>;
    async fn archive_listening_query(&self, workspace_id: i64, id: i64, now: i64) -> Result<()>;
    /// Every active query of every workspace: (workspace id, query id, text), for the matcher.
    async fn all_active_queries(&self) -> Result<Vec<(i64, i64, String)>>;

    async fn create_source(&self, new: &NewSource<'_>) -> Result<Source>;
    async fn sources(&self, workspace_id: i64) -> Result<Vec<Source>>;
    /// By id alone: for webhooks, which authenticate with the source's own key.
    async fn source_by_id(&self, id: i64) -> Result<Option<Source>>;
    async fn due_sources(&self, now: i64, limit: i64) -> Result<Vec<Source>>;
    /// Every enabled source of a kind, across workspaces (for connectors that hold streams).
    async fn enabled_sources_of_kind(&self, kind: &str) -> Result<Vec<Source>>;
    /// A stream's state on its source: connected (`Ok`) or why not, leaving the polling
    /// schedule as it is.
    async fn record_stream_state(
        &self,
        source_id: i64,
        now: i64,
        state: std::result::Result<(), &str>,
    ) -> Result<()>;
    async fn record_fetch(&self, source_id: i64, outcome: &FetchOutcome<'_>) -> Result<()>;
    async fn set_source_enabled(
        &self,
        workspace_id: i64,
        source_id: i64,
        enabled: bool,
    ) -> Result<()>;

    /// Stores an item and the queries it matched, unless it is a repeat or an exact duplicate.
    async fn insert_item(&self, item: &NewItem, query_ids: &[i64]) -> Result<InsertOutcome> {
        let outcomes = self
            .insert_items(&[(item.clone(), query_ids.to_vec())])
            .await?;
        Ok(outcomes[0])
    }
    /// The same for a batch, in one transaction: all of it is stored, or none.
    async fn insert_items(&self, items: &[(NewItem, Vec<i64>)]) -> Result<Vec<InsertOutcome>>;
    /// The same, and in the same transaction remembers the batch's new matched items as
    /// awaiting alert evaluation ([`AlertBacklog::of`]) until [`Self::alerts_evaluated`]: a crash
    /// between the commit and the evaluation leaves them in [`Self::alert_backlog`].
    async fn insert_items_for_alerts(
        &self,
        items: &[(NewItem, Vec<i64>)],
    ) -> Result<Vec<InsertOutcome>>;
    /// Batches stored for alert evaluation and not evaluated yet, oldest first.
    async fn alert_backlog(&self) -> Result<Vec<AlertBacklog>>;
    /// The batches (by first item id) the alert rules have seen.
    async fn alerts_evaluated(&self, first_item_ids: &[i64]) -> Result<()>;
    /// The items of a backlog entry that matched a saved search, with the searches they matched.
    async fn backlog_items(&self, backlog: &AlertBacklog) -> Result<Vec<StoredItem>>;
    /// The texts of the newest original items (not duplicates), newest first:
    /// (workspace id, item id, text). The quote index is rebuilt from them at start-up.
    async fn recent_original_texts(&self, limit: i64) -> Result<Vec<(i64, i64, String)>>;
    async fn items(&self, filter: &ItemFilter) -> Result<Vec<StoredItem>>;
    /// How many mentions `filter` finds (its `before_id` and `limit` aside: pass them unset),
    /// counted up to `cap`, and whether there are more.
    async fn count_items(&self, filter: &ItemFilter, cap: i64) -> Result<(i64, bool)>;
    /// Mentions per bucket of `bucket_secs` from `since` and per tone (positive, neutral,
    /// negative, unknown; a correction wins): (bucket start, tone, count).
    async fn tone_over_time(
        &self,
        workspace_id: i64,
        since: i64,
        bucket_secs: i64,
    ) -> Result<Vec<(i64, String, i64)>>;
    /// Mentions published in `[from, to)` per tone: (tone, count).
    async fn tones_between(
        &self,
        workspace_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(String, i64)>>;
    /// Dashboard figures since `since`, in buckets of `bucket_secs`.
    async fn dashboard(
        &self,
        workspace_id: i64,
        since: i64,
        bucket_secs: i64,
    ) -> Result<DashboardData>;
    async fn correct_sentiment(&self, workspace_id: i64, item_id: i64, label: &str) -> Result<()>;
    /// Items whose sentiment people corrected, in this workspace.
    async fn sentiment_corrections(&self, workspace_id: i64) -> Result<i64>;
    /// The texts people corrected (title and text, as analysed) with the label they chose,
    /// newest first, at most `limit`: what the workspace's sentiment adjustment learns from.
    async fn sentiment_correction_examples(
        &self,
        workspace_id: i64,
        limit: i64,
    ) -> Result<Vec<(String, String)>>;
    /// Workspaces that have corrections.
    async fn workspaces_with_corrections(&self) -> Result<Vec<i64>>;
}
