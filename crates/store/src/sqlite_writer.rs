//! The SQLite batch writer: one thread, one connection, group commit.
//!
//! SQLite has one writer at a time, and ingestion is nearly all of the writing. Batches from
//! every ingest call (webhooks, polled sources, imports) queue here; the thread takes everything
//! queued (up to [`MAX_GROUP_ITEMS`]) into one transaction, so that under load a page of an index
//! is written to the log once for many batches instead of once per batch, and answers each
//! batch once the transaction is committed. Alone, a batch is one transaction, as before.
//!
//! It speaks to SQLite directly (rusqlite, prepared statements kept between transactions): a
//! statement per item, no SQL text built per batch, no conversion of values through sqlx's `Any`
//! driver, no hop to a driver thread per statement. Its connection keeps its page cache between
//! transactions, so the indexes the items touch stay in memory.
//!
//! Decisions are those of storing one item at a time, in order: SQLite sees the transaction's
//! own rows, so an item that repeats one earlier in the same group finds it.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::RecvTimeoutError;

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::error::StoreError;
use crate::listening::{AlertBacklog, InsertOutcome, NewItem, simhash_bands};

/// Items per transaction at most, whatever is queued.
const MAX_GROUP_ITEMS: usize = 5_000;
const NEAR_DUPLICATE_BITS: u32 = 3;
/// Near-duplicates (reposts, syndication) are looked for among the last this many stored
/// originals, all workspaces together: copies come within days, and memory stays bounded.
const NEAR_DUPLICATE_WINDOW: usize = 50_000;
/// Candidates looked at per band value, the newest: mentions of everyday traffic rarely share
/// a 16-bit band, but texts written from one template (spam, a campaign's copies) share them by
/// the thousand, and scanning those buckets whole was a fifth of the writer's time. A repost
/// comes soon after its original, so it is among the newest of its buckets.
const MAX_CANDIDATES: usize = 100;

type Batch = Vec<(NewItem, Vec<i64>)>;
type Reply = tokio::sync::oneshot::Sender<Result<Vec<InsertOutcome>, StoreError>>;
/// Another part of the store's write, given the connection (or why it could not be opened).
type Work = Box<dyn FnOnce(Result<&mut rusqlite::Connection, String>) + Send>;

enum Job {
    /// Items to store, whether they await alert evaluation (`AlertBacklog`), and the caller
    /// waiting for their outcomes.
    Items(Batch, bool, Reply),
    /// A small write that must not wait behind, or disturb, the writer: raising an alert,
    /// marking its delivery. In its own transaction, on this connection: another connection's
    /// write would make SQLite drop this connection's page cache, and would wait for the
    /// writer's current group on the write gate while ingestion waits for the alert.
    Work(Work),
}

/// The handle the store keeps: batches go in, outcomes come back once committed. The thread
/// ends when the handle is dropped.
pub(crate) struct BatchWriter {
    jobs: std::sync::mpsc::Sender<Job>,
}

impl BatchWriter {
    /// Starts the thread. The connection is opened with the first batch (the store is migrated
    /// by then), and opened again after an error that may have broken it.
    pub(crate) fn start(path: PathBuf, gate: Arc<tokio::sync::Mutex<()>>) -> BatchWriter {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let (committed, commits) = std::sync::mpsc::sync_channel::<()>(1);
        let uncheckpointed = Arc::new(AtomicUsize::new(0));
        let (checkpointed, counted) = (path.clone(), uncheckpointed.clone());
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || checkpoint(checkpointed, commits, counted))
            .expect("the SQLite checkpoint thread starts");
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || run(path, gate, queue, (committed, uncheckpointed)))
            .expect("the SQLite writer thread starts");
        BatchWriter { jobs }
    }

    pub(crate) async fn write(
        &self,
        items: Batch,
        awaiting_alerts: bool,
    ) -> Result<Vec<InsertOutcome>, StoreError> {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Job::Items(items, awaiting_alerts, reply))
            .map_err(|_| StoreError::WriterStopped)?;
        outcome.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Runs `work` in a transaction of its own on the writer's connection, between two groups
    /// of items, and returns what it returned once committed. For the writes that happen while
    /// items pour in (see [`Job::Work`]); SQL written for sqlx runs through [`execute`] and
    /// [`insert_returning_id`].
    pub(crate) async fn transaction<T: Send + 'static>(
        &self,
        work: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, outcome) = tokio::sync::oneshot::channel();
        let job: Work = Box::new(move |connection| {
            let done = connection.and_then(|conn| {
                let run = || {
                    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                    let value = work(&tx)?;
                    tx.commit()?;
                    Ok(value)
                };
                run().map_err(|e: rusqlite::Error| e.to_string())
            });
            let _ = reply.send(done.map_err(StoreError::Sqlite));
        });
        self.jobs
            .send(Job::Work(job))
            .map_err(|_| StoreError::WriterStopped)?;
        outcome.await.map_err(|_| StoreError::WriterStopped)?
    }
}

/// Prepares `sql`, written for sqlx with `$1`, `$2`… placeholders, and binds `values` by those
/// numbers. SQLite reads `$1` as a parameter *named* "$1", numbered in order of first
/// appearance, so the names are read back rather than trusting the order.
fn prepare_numbered<'t>(
    tx: &'t rusqlite::Transaction,
    sql: &str,
    values: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<rusqlite::CachedStatement<'t>> {
    let mut statement = tx.prepare_cached(sql)?;
    for index in 1..=statement.parameter_count() {
        let number = statement
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=values.len()).contains(n))
            .ok_or_else(|| {
                rusqlite::Error::InvalidParameterName(format!(
                    "placeholder {index} of a statement with {} values",
                    values.len()
                ))
            })?;
        statement.raw_bind_parameter(index, values[number - 1])?;
    }
    Ok(statement)
}

/// Runs one statement written for sqlx (see [`prepare_numbered`]); the number of rows changed.
pub(crate) fn execute(
    tx: &rusqlite::Transaction,
    sql: &str,
    values: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<usize> {
    prepare_numbered(tx, sql, values)?.raw_execute()
}

/// Runs an `INSERT … RETURNING id` written for sqlx; the new row's id.
pub(crate) fn insert_returning_id(
    tx: &rusqlite::Transaction,
    sql: &str,
    values: &[&dyn rusqlite::ToSql],
) -> rusqlite::Result<i64> {
    let mut statement = prepare_numbered(tx, sql, values)?;
    let mut rows = statement.raw_query();
    match rows.next()? {
        Some(row) => row.get(0),
        None => Err(rusqlite::Error::QueryReturnedNoRows),
    }
}

/// Log size past which the writer checkpoints itself, waiting for it, if the checkpoint thread
/// has not kept the log short (readers holding old snapshots, or a long burst).
const WAL_LIMIT_BYTES: u64 = 512 << 20;

/// Items committed since the last checkpoint past which the log is checkpointed while the
/// writer goes on (a page that many commits changed is copied once); below it, the log is
/// checkpointed once the writer has been quiet for [`CHECKPOINT_QUIET`].
const CHECKPOINT_ITEMS: usize = 5_000;
const CHECKPOINT_QUIET: std::time::Duration = std::time::Duration::from_millis(500);

/// Copies the log's pages into the database file, on its own thread and connection, so that
/// the writer never waits for those writes and their fsync. PASSIVE: it never blocks the writer
/// or readers; the log is restarted from its beginning by the first transaction after a
/// checkpoint that copied everything.
fn checkpoint(
    path: PathBuf,
    commits: std::sync::mpsc::Receiver<()>,
    uncheckpointed: Arc<AtomicUsize>,
) {
    let mut connection: Option<rusqlite::Connection> = None;
    loop {
        match commits.recv_timeout(CHECKPOINT_QUIET) {
            Ok(()) if uncheckpointed.load(Ordering::Relaxed) < CHECKPOINT_ITEMS => continue,
            Ok(()) => {}
            Err(RecvTimeoutError::Timeout) if uncheckpointed.load(Ordering::Relaxed) == 0 => {
                continue;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        uncheckpointed.store(0, Ordering::Relaxed);
        let conn = match connection.take().map(Ok).unwrap_or_else(|| open(&path)) {
            Ok(conn) => connection.insert(conn),
            Err(error) => {
                tracing::warn!(%error, "could not open the database to checkpoint its log");
                continue;
            }
        };
        if let Err(error) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(%error, "checkpointing the database log failed");
            connection = None;
        }
    }
}

/// The writer's and checkpointer's connection: a larger page cache (the items table's indexes
/// and the archive's recent segments).
fn open(path: &PathBuf) -> rusqlite::Result<rusqlite::Connection> {
    open_with(path, "PRAGMA cache_size = -65536;")
}

/// A connection of this process's own outside sqlx (the writer's, the checkpointer's, the
/// readers' of `sqlite_reads`), with `extra` settings run last.
pub(crate) fn open_with(path: &PathBuf, extra: &str) -> rusqlite::Result<rusqlite::Connection> {
    let connection = rusqlite::Connection::open(path)?;
    // The settings of every connection (`sql::SQLITE_SETTINGS`), and the file mapped in
    // memory: whenever another connection writes (an alert raised, a delivery marked), SQLite
    // drops this connection's whole cache, and the next transaction read every page it needed
    // again with a copy per page; mapped, those pages are where the kernel keeps them already.
    for pragma in crate::sql::SQLITE_SETTINGS {
        connection.execute_batch(pragma)?;
    }
    connection.execute_batch("PRAGMA mmap_size = 268435456;")?;
    connection.execute_batch(extra)?;
    connection.set_prepared_statement_cache_capacity(32);
    Ok(connection)
}

fn run(
    path: PathBuf,
    gate: Arc<tokio::sync::Mutex<()>>,
    queue: std::sync::mpsc::Receiver<Job>,
    (committed, uncheckpointed): (std::sync::mpsc::SyncSender<()>, Arc<AtomicUsize>),
) {
    let mut connection: Option<rusqlite::Connection> = None;
    let mut recent = RecentOriginals::default();
    let wal_path = PathBuf::from(format!("{}-wal", path.display()));
    while let Ok(first) = queue.recv() {
        // Everything queued now: the small writes, and items up to a group's limit.
        let (mut group, mut works, mut queued) = (Vec::new(), Vec::new(), 0);
        let mut job = Some(first);
        while let Some(taken) = job.take() {
            match taken {
                Job::Items(batch, awaiting_alerts, reply) => {
                    queued += batch.len();
                    group.push(((batch, awaiting_alerts), reply));
                }
                Job::Work(work) => works.push(work),
            }
            if queued < MAX_GROUP_ITEMS {
                job = queue.try_recv().ok();
            }
        }
        let opened = connection.take().map(Ok).unwrap_or_else(|| {
            // Checkpoints are the checkpoint thread's work (see `checkpoint`).
            open(&path).and_then(|c| {
                c.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
                Ok(c)
            })
        });
        let conn = match opened {
            Ok(conn) => connection.insert(conn),
            Err(error) => {
                let message = error.to_string();
                for (_, reply) in group {
                    let _ = reply.send(Err(StoreError::Sqlite(message.clone())));
                }
                for work in works {
                    work(Err(message.clone()));
                }
                continue;
            }
        };
        // The process's other SQLite writers (sqlx) wait on the same gate.
        let _writing = gate.blocking_lock();
        // The small writes first: an alert waits on them, and they take little time.
        for work in works {
            work(Ok(&mut *conn));
        }
        if group.is_empty() {
            continue;
        }
        let batches: Vec<(&Batch, bool)> = group.iter().map(|((b, a), _)| (b, *a)).collect();
        match write_group(conn, &mut recent, &batches) {
            Ok(outcomes) => {
                for ((_, reply), outcome) in group.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
                uncheckpointed.fetch_add(queued, Ordering::Relaxed);
                let _ = committed.try_send(());
                // The safety valve: a log file that keeps growing is checkpointed here, in full,
                // and truncated.
                let log = std::fs::metadata(&wal_path).map(|m| m.len()).unwrap_or(0);
                if log > WAL_LIMIT_BYTES
                    && let Err(error) =
                        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                {
                    tracing::warn!(%error, "the database log could not be truncated");
                }
            }
            Err(error) => {
                // The transaction rolled back: what the memory of originals learnt goes too.
                recent = RecentOriginals::default();
                if group.len() > 1 {
                    // One batch's failure must not fail the others: each alone, in turn.
                    for ((batch, awaiting_alerts), reply) in group {
                        let outcome = write_group(conn, &mut recent, &[(&batch, awaiting_alerts)])
                            .map(|mut o| o.remove(0))
                            .map_err(|e| StoreError::Sqlite(e.to_string()));
                        if outcome.is_err() {
                            recent = RecentOriginals::default();
                        }
                        let _ = reply.send(outcome);
                    }
                } else {
                    tracing::error!(%error, "storing a batch of mentions failed");
                    for (_, reply) in group {
                        let _ = reply.send(Err(StoreError::Sqlite(error.to_string())));
                    }
                }
                // A fresh connection next time, in case this one is what failed.
                connection = None;
            }
        }
    }
}

/// Stores the batches in one transaction; the outcomes of each, in order.
fn write_group(
    conn: &mut rusqlite::Connection,
    recent: &mut RecentOriginals,
    batches: &[(&Batch, bool)],
) -> rusqlite::Result<Vec<Vec<InsertOutcome>>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !recent.loaded {
        recent.load(&tx)?;
    }
    let mut outcomes = Vec::with_capacity(batches.len());
    let hooked = crate::sql_webhooks::rusqlite_side::subscribed(&tx, "mention.matched")?;
    let mut bumps: HashMap<i64, i64> = HashMap::new();
    // (mentions stored, the latest reception) per source.
    let mut per_source: HashMap<i64, (i64, i64)> = HashMap::new();
    {
        let mut received =
            tx.prepare_cached("SELECT id FROM items WHERE source_id = ?1 AND external_id = ?2")?;
        let mut by_url = tx.prepare_cached(
            "SELECT id FROM items INDEXED BY items_by_url \
             WHERE workspace_id = ?1 AND duplicate_of IS NULL AND url = ?2 ORDER BY id LIMIT 1",
        )?;
        let mut by_hash = tx.prepare_cached(
            "SELECT id FROM items INDEXED BY items_by_hash \
             WHERE workspace_id = ?1 AND duplicate_of IS NULL AND content_hash = ?2 ORDER BY id LIMIT 1",
        )?;
        let mut original =
            tx.prepare_cached("SELECT 1 FROM items WHERE id = ?1 AND duplicate_of IS NULL")?;
        let mut exists = tx.prepare_cached("SELECT 1 FROM items WHERE id = ?1")?;
        let mut insert = tx.prepare_cached(
            "INSERT INTO items (workspace_id, source_id, source_kind, external_id, url, site, \
             author_name, author_handle, author_reach, title, body, lang, sentiment, \
             sentiment_score, published_at, received_at, parent_external_id, content_hash, \
             simhash, band0, band1, band2, band3, duplicate_of, enrichment_error, quote_of, \
             quoted_ref, seen_count) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
             ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, 1) \
             ON CONFLICT (source_id, external_id) DO NOTHING",
        )?;
        let mut matched = tx.prepare_cached(
            "INSERT INTO item_matches (query_id, item_id, workspace_id, published_at) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )?;
        let mut archive =
            tx.prepare_cached("INSERT INTO item_fts (rowid, terms) VALUES (?1, ?2)")?;
        for (batch, awaiting_alerts) in batches {
            let mut batch_outcomes = Vec::with_capacity(batch.len());
            for (item, queries) in batch.iter() {
                let ws = item.workspace_id;
                // A repeat (same source, same sender id) is told apart from a duplicate only
                // when the item finds an original; otherwise the insert's conflict says it.
                let repeat = |received: &mut rusqlite::CachedStatement| {
                    received
                        .query_row(params![item.source_id, item.external_id], |r| r.get(0))
                        .optional()
                };
                let mut same = None;
                if let Some(url) = &item.url {
                    same = by_url
                        .query_row(params![ws, url], |r| r.get::<_, i64>(0))
                        .optional()?;
                }
                if same.is_none() {
                    same = by_hash
                        .query_row(params![ws, item.content_hash], |r| r.get::<_, i64>(0))
                        .optional()?;
                }
                if let Some(of) = same {
                    if let Some(id) = repeat(&mut received)? {
                        batch_outcomes.push(InsertOutcome::AlreadyReceived { id });
                        continue;
                    }
                    *bumps.entry(of).or_default() += 1;
                    batch_outcomes.push(InsertOutcome::ExactDuplicate { of });
                    continue;
                }
                // The oldest original within the distance that is still stored (a person's
                // erasure may have removed one the memory still holds).
                let mut near = None;
                if let Some(hash) = item.simhash {
                    for candidate in recent.near(ws, hash) {
                        if original.exists(params![candidate])? {
                            near = Some(candidate);
                            break;
                        }
                    }
                }
                let mut quote = match &item.quoted_ref {
                    Some(r) => received
                        .query_row(params![item.source_id, r], |row| row.get::<_, i64>(0))
                        .optional()?,
                    None => None,
                };
                if quote.is_none()
                    && let Some(q) = item.quote_of
                    && exists.exists(params![q])?
                {
                    quote = Some(q);
                }
                let simhash = item.simhash.unwrap_or(0);
                let bands = simhash_bands(simhash);
                let inserted = insert.execute(params![
                    ws,
                    item.source_id,
                    item.source_kind,
                    item.external_id,
                    item.url,
                    item.site,
                    item.author_name,
                    item.author_handle,
                    item.author_reach,
                    item.title,
                    item.body,
                    item.lang,
                    item.sentiment,
                    item.sentiment_score,
                    item.published_at,
                    item.received_at,
                    item.parent_external_id,
                    item.content_hash,
                    simhash as i64,
                    bands[0],
                    bands[1],
                    bands[2],
                    bands[3],
                    near,
                    item.enrichment_error,
                    quote,
                    item.quoted_ref,
                ])?;
                if inserted == 0 {
                    let id = repeat(&mut received)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
                    batch_outcomes.push(InsertOutcome::AlreadyReceived { id });
                    continue;
                }
                let id = tx.last_insert_rowid();
                if near.is_none() && simhash != 0 {
                    recent.add(ws, id, simhash);
                }
                for query in queries {
                    matched.execute(params![query, id, ws, item.published_at])?;
                }
                if let Some(subscriptions) = hooked.get(&ws).filter(|_| !queries.is_empty()) {
                    let data = crate::sql_webhooks::mention_data(item, id, queries);
                    crate::sql_webhooks::rusqlite_side::emit_to(
                        &tx,
                        subscriptions,
                        ws,
                        "mention.matched",
                        &data,
                        item.received_at,
                    )?;
                }
                archive.execute(params![id, crate::archive_fts::row(ws, &item.terms)])?;
                let delivered = per_source.entry(item.source_id).or_default();
                delivered.0 += 1;
                delivered.1 = delivered.1.max(item.received_at);
                batch_outcomes.push(InsertOutcome::Inserted {
                    id,
                    near_duplicate_of: near,
                });
            }
            if *awaiting_alerts && let Some(b) = AlertBacklog::of(batch, &batch_outcomes) {
                execute(
                    &tx,
                    AlertBacklog::INSERT,
                    &[
                        &b.first_item_id,
                        &b.last_item_id,
                        &b.workspace_id,
                        &b.received_at,
                    ],
                )?;
            }
            outcomes.push(batch_outcomes);
        }
    }
    for (id, count) in bumps {
        tx.prepare_cached("UPDATE items SET seen_count = seen_count + ?2 WHERE id = ?1")?
            .execute(params![id, count])?;
    }
    // A delivery is activity (see `sql_listening::count_inserted`).
    for (source, (count, latest)) in per_source {
        tx.prepare_cached(
            "UPDATE sources SET item_count = item_count + ?2, \
             status = CASE WHEN status = 'new' THEN 'ok' ELSE status END, \
             last_fetch_at = CASE WHEN last_fetch_at IS NULL OR last_fetch_at < ?3 THEN ?3 ELSE last_fetch_at END \
             WHERE id = ?1",
        )?
        .execute(params![source, count, latest])?;
    }
    tx.commit()?;
    Ok(outcomes)
}

/// The SimHashes of the last [`NEAR_DUPLICATE_WINDOW`] originals, by band: the writer's memory
/// of what a new mention may repeat, so that finding candidates needs no query. Loaded from the
/// database by the first transaction, kept up to date as originals are written, and forgotten
/// when a transaction rolls back (loaded again by the next).
#[derive(Default)]
struct RecentOriginals {
    loaded: bool,
    /// (workspace, band number, band value) → originals with a SimHash sharing that band. Two
    /// hashes within 3 bits share at least one of their four 16-bit bands.
    /// Oldest first, as the window: the one leaving the window is at the front of its buckets.
    buckets: HashMap<(i64, usize, i64), VecDeque<(i64, u64)>>,
    order: VecDeque<(i64, i64, u64)>,
}

impl RecentOriginals {
    fn add(&mut self, workspace: i64, id: i64, hash: u64) {
        for (band, value) in simhash_bands(hash).into_iter().enumerate() {
            self.buckets
                .entry((workspace, band, value))
                .or_default()
                .push_back((id, hash));
        }
        self.order.push_back((workspace, id, hash));
        while self.order.len() > NEAR_DUPLICATE_WINDOW {
            let Some((workspace, old, hash)) = self.order.pop_front() else {
                break;
            };
            for (band, value) in simhash_bands(hash).into_iter().enumerate() {
                if let Some(bucket) = self.buckets.get_mut(&(workspace, band, value)) {
                    if bucket.front().is_some_and(|(id, _)| *id == old) {
                        bucket.pop_front();
                    }
                    if bucket.is_empty() {
                        self.buckets.remove(&(workspace, band, value));
                    }
                }
            }
        }
    }

    /// Originals within the near-duplicate distance of `hash`, oldest first.
    fn near(&self, workspace: i64, hash: u64) -> Vec<i64> {
        let mut found: Vec<i64> = simhash_bands(hash)
            .into_iter()
            .enumerate()
            .filter_map(|(band, value)| self.buckets.get(&(workspace, band, value)))
            .flat_map(|bucket| bucket.iter().rev().take(MAX_CANDIDATES))
            .filter(|(_, s)| (s ^ hash).count_ones() <= NEAR_DUPLICATE_BITS)
            .map(|(id, _)| *id)
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    fn load(&mut self, tx: &rusqlite::Transaction) -> rusqlite::Result<()> {
        *self = RecentOriginals::default();
        let mut statement = tx.prepare(
            "SELECT workspace_id, id, simhash FROM items WHERE duplicate_of IS NULL AND simhash <> 0 \
             AND id > (SELECT COALESCE(MAX(id), 0) FROM items) - ?1 ORDER BY id",
        )?;
        let rows = statement.query_map(params![NEAR_DUPLICATE_WINDOW as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        for row in rows {
            let (workspace, id, hash) = row?;
            self.add(workspace, id, hash as u64);
        }
        self.loaded = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_tx<T>(f: impl FnOnce(&rusqlite::Transaction) -> T) -> T {
        let mut conn = rusqlite::Connection::open_in_memory().expect("an in-memory database");
        let tx = conn.transaction().expect("a transaction");
        f(&tx)
    }

    #[test]
    fn numbered_placeholders_bind_by_their_number_not_their_order() {
        let joined: String = with_tx(|tx| {
            let mut statement =
                prepare_numbered(tx, "SELECT $2 || '-' || $1 || '-' || $2", &[&"a", &"b"])
                    .expect("prepared");
            let mut rows = statement.raw_query();
            rows.next()
                .expect("a row")
                .expect("one row")
                .get(0)
                .expect("text")
        });
        assert_eq!(joined, "b-a-b");
    }

    #[test]
    fn a_placeholder_without_a_value_is_an_error_not_a_null() {
        let outcome = with_tx(|tx| prepare_numbered(tx, "SELECT $1, $3", &[&1, &2]).map(|_| ()));
        let error = outcome.expect_err("$3 has no value").to_string();
        assert!(
            error.contains("placeholder 2 of a statement with 2 values"),
            "{error}"
        );
    }
}
