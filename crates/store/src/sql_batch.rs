//! Storing a batch of items on PostgreSQL with a handful of statements, whatever its size.
//! (SQLite has its own writer, `sqlite_writer`, a statement per item on one connection.)
//!
//! Per batch: one lookup (per few hundred values) for repeats, for originals with the same URL,
//! for originals with the same content hash, and for near-duplicate candidates by SimHash band;
//! the decisions are then made in memory, item by item in order, exactly as one item at a time
//! would; and the rows are written with multi-row statements. An item that depends on one
//! earlier in the same batch (a repeat, a duplicate) first flushes the pending rows, so it sees
//! their ids.

use std::collections::{HashMap, HashSet};

use sqlx::Row;

use crate::Result;
use crate::listening::{InsertOutcome, NewItem, simhash_bands};

/// The writer's connection, inside its transaction.
type Tx = sqlx::AnyConnection;

/// Values per IN list, and rows per multi-row INSERT .
const IN_CHUNK: usize = 400;
const ROWS_PER_INSERT: usize = 40;
const NEAR_DUPLICATE_BITS: u32 = 3;
/// Near-duplicates (reposts, syndication) are looked for among the last this many stored
/// mentions, all workspaces together: copies come within days, and the lookup stays bounded.
const NEAR_DUPLICATE_WINDOW: i64 = 50_000;
/// At most this many candidates per band lookup (the newest).
const MAX_CANDIDATES: usize = 300;

enum Value {
    Int(i64),
    OptInt(Option<i64>),
    Text(String),
    OptText(Option<String>),
    OptReal(Option<f64>),
}

/// A statement built from fixed fragments and numbered placeholders; every value is bound.
///
/// Not kept as a prepared statement: its text varies with the batch anyway, and sqlx 0.9's
/// `Any` driver sends a NULL `f64` as a NULL `f32` (`any/arguments.rs` swaps Real and Double),
/// so a statement first prepared with no sentiment score would keep `float4` for that parameter
/// and refuse the next real score on the same PostgreSQL connection.
async fn run(tx: &mut Tx, sql: String, values: Vec<Value>) -> Result<Vec<sqlx::any::AnyRow>> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
    for value in values {
        query = match value {
            Value::Int(v) => query.bind(v),
            Value::OptInt(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
            Value::OptText(v) => query.bind(v),
            Value::OptReal(v) => query.bind(v),
        };
    }
    Ok(query.fetch_all(&mut *tx).await?)
}

/// Placeholders `$first` to `$(first + n - 1)`.
fn list(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Ref {
    Stored(i64),
    /// Decided in this batch, not written yet: the index of the item.
    Pending(usize),
}

struct State {
    outcomes: Vec<Option<InsertOutcome>>,
    /// (source, sender id) → item.
    received: HashMap<(i64, String), Ref>,
    /// (workspace, url) and (workspace, hash) → original.
    urls: HashMap<(i64, String), Ref>,
    hashes: HashMap<(i64, String), Ref>,
    /// (workspace, band number, band value) → originals with a SimHash sharing that band. Two
    /// hashes within 3 bits share at least one of their four bands, so these buckets hold
    /// every candidate.
    candidates: HashMap<(i64, usize, i64), Vec<(Ref, u64)>>,
    /// Items to write: (index, near-duplicate of, quote of).
    pending: Vec<(usize, Option<i64>, Option<i64>)>,
    /// Ids of the items written so far, by their index in the batch.
    written: HashMap<usize, i64>,
    inserted: Vec<(usize, i64)>,
    bumps: HashMap<i64, i64>,
}

impl State {
    fn resolve(&self, r: Ref) -> Option<i64> {
        match r {
            Ref::Stored(id) => Some(id),
            Ref::Pending(index) => self.written.get(&index).copied(),
        }
    }

    /// Decided in this batch but not written yet.
    fn unwritten(&self, r: Option<&Ref>) -> bool {
        matches!(r, Some(Ref::Pending(index)) if !self.written.contains_key(index))
    }

    /// Originals whose SimHash is within the near-duplicate distance of `hash`.
    fn near(&self, workspace: i64, hash: u64) -> impl Iterator<Item = &Ref> {
        simhash_bands(hash)
            .into_iter()
            .enumerate()
            .filter_map(move |(band, value)| self.candidates.get(&(workspace, band, value)))
            .flatten()
            .filter(move |(_, s)| (s ^ hash).count_ones() <= NEAR_DUPLICATE_BITS)
            .map(|(r, _)| r)
    }

    fn add_candidate(&mut self, workspace: i64, r: Ref, hash: u64) {
        for (band, value) in simhash_bands(hash).into_iter().enumerate() {
            self.candidates
                .entry((workspace, band, value))
                .or_default()
                .push((r, hash));
        }
    }
}

async fn lookup_pairs(
    tx: &mut Tx,
    sql_head: &str,
    scope: i64,
    values: &[String],
) -> Result<Vec<(i64, String)>> {
    let mut found = Vec::new();
    for chunk in values.chunks(IN_CHUNK) {
        let sql = format!("{sql_head} ({}) ORDER BY id", list(2, chunk.len()));
        let mut binds = vec![Value::Int(scope)];
        binds.extend(chunk.iter().cloned().map(Value::Text));
        for row in run(tx, sql, binds).await? {
            found.push((row.try_get("id")?, row.try_get("v")?));
        }
    }
    Ok(found)
}

/// Writes the pending rows; records their ids.
async fn flush(tx: &mut Tx, items: &[(NewItem, Vec<i64>)], state: &mut State) -> Result<()> {
    let pending = std::mem::take(&mut state.pending);
    for chunk in pending.chunks(ROWS_PER_INSERT) {
        let mut rows = Vec::new();
        let mut binds = Vec::new();
        for (index, near, quote) in chunk {
            let item = &items[*index].0;
            let simhash = item.simhash.unwrap_or(0);
            let bands = simhash_bands(simhash);
            let base = binds.len();
            rows.push(format!("({}, 1)", list(base + 1, 27)));
            binds.extend([
                Value::Int(item.workspace_id),
                Value::Int(item.source_id),
                Value::Text(item.source_kind.clone()),
                Value::Text(item.external_id.clone()),
                Value::OptText(item.url.clone()),
                Value::OptText(item.site.clone()),
                Value::OptText(item.author_name.clone()),
                Value::OptText(item.author_handle.clone()),
                Value::OptInt(item.author_reach),
                Value::OptText(item.title.clone()),
                Value::Text(item.body.clone()),
                Value::OptText(item.lang.clone()),
                Value::OptText(item.sentiment.clone()),
                Value::OptReal(item.sentiment_score),
                Value::Int(item.published_at),
                Value::Int(item.received_at),
                Value::OptText(item.parent_external_id.clone()),
                Value::Text(item.content_hash.clone()),
                Value::Int(simhash as i64),
                Value::Int(bands[0]),
                Value::Int(bands[1]),
                Value::Int(bands[2]),
                Value::Int(bands[3]),
                Value::OptInt(*near),
                Value::OptText(item.enrichment_error.clone()),
                Value::OptInt(*quote),
                Value::OptText(item.quoted_ref.clone()),
            ]);
        }
        let sql = format!(
            "INSERT INTO items (workspace_id, source_id, source_kind, external_id, url, site, author_name, author_handle, \
             author_reach, title, body, lang, sentiment, sentiment_score, published_at, received_at, parent_external_id, \
             content_hash, simhash, band0, band1, band2, band3, duplicate_of, enrichment_error, quote_of, quoted_ref, seen_count) VALUES {} \
             ON CONFLICT (source_id, external_id) DO NOTHING RETURNING id, source_id, external_id",
            rows.join(", ")
        );
        let returned = run(tx, sql, binds).await?;
        let mut ids: HashMap<(i64, String), i64> = HashMap::new();
        for row in returned {
            ids.insert(
                (row.try_get("source_id")?, row.try_get("external_id")?),
                row.try_get("id")?,
            );
        }
        for (index, near, _) in chunk {
            let item = &items[*index].0;
            let key = (item.source_id, item.external_id.clone());
            let outcome = match ids.get(&key) {
                Some(&id) => {
                    state.inserted.push((*index, id));
                    InsertOutcome::Inserted {
                        id,
                        near_duplicate_of: *near,
                    }
                }
                // Another writer stored it between our lookup and our insert (PostgreSQL).
                None => {
                    let id: i64 = sqlx::query_scalar(
                        "SELECT id FROM items WHERE source_id = $1 AND external_id = $2",
                    )
                    .bind(item.source_id)
                    .bind(&item.external_id)
                    .fetch_one(&mut *tx)
                    .await?;
                    InsertOutcome::AlreadyReceived { id }
                }
            };
            let id = match outcome {
                InsertOutcome::Inserted { id, .. } | InsertOutcome::AlreadyReceived { id } => id,
                InsertOutcome::ExactDuplicate { of } => of,
            };
            state.outcomes[*index] = Some(outcome);
            state.written.insert(*index, id);
        }
    }
    Ok(())
}

/// What a batch asks about one workspace: its URLs, its content hashes, its SimHash bands.
type BatchKeys = (HashSet<String>, HashSet<String>, [HashSet<i64>; 4]);

/// Stores a batch in the caller's transaction; the outcome of each item, in order.
pub(crate) async fn insert_batch(
    tx: &mut Tx,
    items: &[(NewItem, Vec<i64>)],
) -> Result<Vec<InsertOutcome>> {
    let mut state = State {
        outcomes: vec![None; items.len()],
        received: HashMap::new(),
        urls: HashMap::new(),
        hashes: HashMap::new(),
        candidates: HashMap::new(),
        pending: Vec::new(),
        written: HashMap::new(),
        inserted: Vec::new(),
        bumps: HashMap::new(),
    };

    // What the database already holds, in a few set-based lookups.
    let mut by_source: HashMap<i64, Vec<String>> = HashMap::new();
    let mut by_workspace: HashMap<i64, BatchKeys> = HashMap::new();
    for (item, _) in items {
        let ids = by_source.entry(item.source_id).or_default();
        ids.push(item.external_id.clone());
        // A quoted post is looked for among the same source's items.
        ids.extend(item.quoted_ref.iter().cloned());
        let entry = by_workspace.entry(item.workspace_id).or_default();
        if let Some(url) = &item.url {
            entry.0.insert(url.clone());
        }
        entry.1.insert(item.content_hash.clone());
        if let Some(hash) = item.simhash {
            for (band, value) in simhash_bands(hash).into_iter().enumerate() {
                entry.2[band].insert(value);
            }
        }
    }
    for (source, ids) in &by_source {
        let found = lookup_pairs(
            tx,
            "SELECT id, external_id AS v FROM items WHERE source_id = $1 AND external_id IN",
            *source,
            ids,
        )
        .await?;
        for (id, external_id) in found {
            state
                .received
                .insert((*source, external_id), Ref::Stored(id));
        }
    }
    let newest: i64 = run(
        tx,
        "SELECT COALESCE(MAX(id), 0) AS newest FROM items".to_owned(),
        Vec::new(),
    )
    .await?
    .first()
    .map(|row| row.try_get("newest"))
    .transpose()?
    .unwrap_or(0);
    let window_floor = newest - NEAR_DUPLICATE_WINDOW;
    for (workspace, (urls, hashes, bands)) in &by_workspace {
        let urls: Vec<String> = urls.iter().cloned().collect();
        for (id, url) in lookup_pairs(
            tx,
            "SELECT id, url AS v FROM items WHERE workspace_id = $1 AND duplicate_of IS NULL AND url IN",
            *workspace,
            &urls,
        )
        .await?
        {
            state.urls.entry((*workspace, url)).or_insert(Ref::Stored(id));
        }
        let hashes: Vec<String> = hashes.iter().cloned().collect();
        for (id, hash) in lookup_pairs(
            tx,
            "SELECT id, content_hash AS v FROM items WHERE workspace_id = $1 AND duplicate_of IS NULL AND content_hash IN",
            *workspace,
            &hashes,
        )
        .await?
        {
            state.hashes.entry((*workspace, hash)).or_insert(Ref::Stored(id));
        }
        // Near-duplicate candidates, band by band, among the most recent originals: each band
        // value is a range seek on its partial index (ordered by band, then id) from the
        // window's first id, so the cost does not grow with the archive.
        let mut seen = HashSet::new();
        for (band, values) in bands.iter().enumerate() {
            let values: Vec<i64> = values.iter().copied().collect();
            for chunk in values.chunks(IN_CHUNK) {
                let floor_placeholder = format!("${}", chunk.len() + 2);
                let sql = format!(
                    "SELECT id, simhash FROM items WHERE workspace_id = $1 AND duplicate_of IS NULL AND simhash <> 0 \
                     AND band{band} IN ({}) AND id > {floor_placeholder} ORDER BY id DESC LIMIT {MAX_CANDIDATES}",
                    list(2, chunk.len())
                );
                let mut binds = vec![Value::Int(*workspace)];
                binds.extend(chunk.iter().copied().map(Value::Int));
                binds.push(Value::Int(window_floor));
                for row in run(tx, sql, binds).await? {
                    let id: i64 = row.try_get("id")?;
                    if seen.insert(id) {
                        let hash = row.try_get::<i64, _>("simhash")? as u64;
                        state.add_candidate(*workspace, Ref::Stored(id), hash);
                    }
                }
            }
        }
    }

    // Decisions, in order, as if one item at a time.
    for (index, (item, _)) in items.iter().enumerate() {
        let key = (item.source_id, item.external_id.clone());
        let url_key = item.url.clone().map(|u| (item.workspace_id, u));
        let hash_key = (item.workspace_id, item.content_hash.clone());
        let quote_key = item.quoted_ref.clone().map(|r| (item.source_id, r));
        // Anything this item depends on that is still pending gets written first.
        let depends_on_pending = |state: &State| {
            state.unwritten(state.received.get(&key))
                || url_key
                    .as_ref()
                    .is_some_and(|k| state.unwritten(state.urls.get(k)))
                || state.unwritten(state.hashes.get(&hash_key))
                || quote_key
                    .as_ref()
                    .is_some_and(|k| state.unwritten(state.received.get(k)))
                || item.simhash.is_some_and(|h| {
                    state
                        .near(item.workspace_id, h)
                        .any(|r| state.unwritten(Some(r)))
                })
        };
        if depends_on_pending(&state) {
            flush(tx, items, &mut state).await?;
        }
        if let Some(id) = state.received.get(&key).and_then(|r| state.resolve(*r)) {
            state.outcomes[index] = Some(InsertOutcome::AlreadyReceived { id });
            continue;
        }
        let original = url_key
            .as_ref()
            .and_then(|k| state.urls.get(k))
            .or_else(|| state.hashes.get(&hash_key))
            .and_then(|r| state.resolve(*r));
        if let Some(of) = original {
            *state.bumps.entry(of).or_default() += 1;
            state.outcomes[index] = Some(InsertOutcome::ExactDuplicate { of });
            continue;
        }
        let near = item.simhash.and_then(|h| {
            state
                .near(item.workspace_id, h)
                .filter_map(|r| state.resolve(*r))
                .min()
        });
        let quote = quote_key
            .as_ref()
            .and_then(|k| state.received.get(k))
            .and_then(|r| state.resolve(*r))
            .or(item.quote_of);
        state.pending.push((index, near, quote));
        state.received.insert(key, Ref::Pending(index));
        if near.is_none() {
            if let Some(k) = url_key {
                state.urls.entry(k).or_insert(Ref::Pending(index));
            }
            state.hashes.entry(hash_key).or_insert(Ref::Pending(index));
            if let Some(h) = item.simhash {
                state.add_candidate(item.workspace_id, Ref::Pending(index), h);
            }
        }
    }
    flush(tx, items, &mut state).await?;

    for (id, count) in &state.bumps {
        sqlx::query("UPDATE items SET seen_count = seen_count + $2 WHERE id = $1")
            .bind(*id)
            .bind(*count)
            .execute(&mut *tx)
            .await?;
    }
    // Mentions that matched a saved search, for the workspaces whose webhooks want them.
    let hooked = crate::sql_webhooks::subscribed(tx, "mention.matched").await?;
    if !hooked.is_empty() {
        for (index, id) in &state.inserted {
            let (item, queries) = &items[*index];
            if let Some(subscriptions) = hooked
                .get(&item.workspace_id)
                .filter(|_| !queries.is_empty())
            {
                let data = crate::sql_webhooks::mention_data(item, *id, queries);
                crate::sql_webhooks::emit_to(
                    tx,
                    subscriptions,
                    item.workspace_id,
                    "mention.matched",
                    &data,
                    item.received_at,
                )
                .await?;
            }
        }
    }
    // Matches and archive terms of what was inserted, in multi-row statements.
    let matches: Vec<(i64, i64, i64, i64)> = state
        .inserted
        .iter()
        .flat_map(|(index, id)| {
            let item = &items[*index].0;
            items[*index]
                .1
                .iter()
                .map(move |q| (*q, *id, item.workspace_id, item.published_at))
        })
        .collect();
    for chunk in matches.chunks(200) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|k| format!("({})", list(k * 4 + 1, 4)))
            .collect();
        let sql = format!(
            "INSERT INTO item_matches (query_id, item_id, workspace_id, published_at) VALUES {} ON CONFLICT DO NOTHING",
            rows.join(", ")
        );
        run(
            tx,
            sql,
            chunk
                .iter()
                .flat_map(|(q, i, w, p)| {
                    [
                        Value::Int(*q),
                        Value::Int(*i),
                        Value::Int(*w),
                        Value::Int(*p),
                    ]
                })
                .collect(),
        )
        .await?;
    }
    let terms: Vec<(i64, String, i64)> = state
        .inserted
        .iter()
        .flat_map(|(index, id)| {
            let item = &items[*index].0;
            item.terms
                .iter()
                .map(move |t| (item.workspace_id, t.clone(), *id))
        })
        .collect();
    for chunk in terms.chunks(500) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|k| format!("({})", list(k * 3 + 1, 3)))
            .collect();
        let sql = format!(
            "INSERT INTO item_terms (workspace_id, term, item_id) VALUES {} ON CONFLICT DO NOTHING",
            rows.join(", ")
        );
        run(
            tx,
            sql,
            chunk
                .iter()
                .flat_map(|(w, t, i)| [Value::Int(*w), Value::Text(t.clone()), Value::Int(*i)])
                .collect(),
        )
        .await?;
    }
    let outcomes = state
        .outcomes
        .into_iter()
        .map(|o| o.expect("every item has an outcome"))
        .collect();
    Ok(outcomes)
}
