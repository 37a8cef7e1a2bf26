//! SQLite reads in one step: the busiest community pages' queries, run together on a
//! connection of this store's own, on one blocking thread.
//!
//! Through sqlx, each query is handed to the thread of its connection and its rows are handed
//! back one by one: on the benchmark's topic pages (several queries each), waking those threads
//! was a fifth of the machine's time and sqlx's worker threads nearly half of it. Here a page's
//! queries run one after the other on a connection taken from a small pool, inside one
//! `spawn_blocking`, with prepared statements kept between pages. The SQL is the one the sqlx
//! path runs, and the rows become the same structs (`cols::Cols`).
//!
//! Only reads: the connections are `query_only`, so a mistake here cannot write.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rusqlite::types::ToSql;

use crate::{Result, StoreError};

/// Connections, and reads at once: a read waits (without holding a thread) while this many
/// run. Two cores gain nothing from more, and each would be a thread and an open connection.
const KEPT: usize = 8;

#[derive(Clone)]
pub(crate) struct SqliteReads {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
    turns: Arc<tokio::sync::Semaphore>,
}

impl SqliteReads {
    pub(crate) fn new(path: PathBuf) -> SqliteReads {
        SqliteReads {
            inner: Arc::new(Inner {
                path,
                idle: Mutex::new(Vec::new()),
                turns: Arc::new(tokio::sync::Semaphore::new(KEPT)),
            }),
        }
    }

    /// Runs `read` on a connection of the pool, on a blocking thread.
    pub(crate) async fn read<T, F>(&self, read: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        let turn = inner
            .turns
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| StoreError::Sqlite(format!("waiting to read: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let taken = inner.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
            let connection = match taken {
                Some(connection) => connection,
                None => open(&inner.path)
                    .map_err(|e| StoreError::Sqlite(format!("opening a reader: {e}")))?,
            };
            let result = read(&connection);
            let mut idle = inner.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < KEPT {
                idle.push(connection);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Sqlite(format!("a read stopped: {e}")))?
    }
}

fn open(path: &PathBuf) -> rusqlite::Result<rusqlite::Connection> {
    // Mapped, as the batch writer's: when another connection writes, SQLite drops this
    // connection's page cache, and the pages read again are where the kernel keeps them already.
    crate::sqlite_writer::open_with(path, "PRAGMA query_only = ON;")
}

/// Runs `sql` (written with the `$1`, `$2`… parameters of the sqlx path) with `params`, and
/// turns each row into a `T`. The statement is kept prepared for the next read.
pub(crate) fn rows<T>(
    connection: &rusqlite::Connection,
    sql: &str,
    params: &[&dyn ToSql],
    each: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut statement = connection.prepare_cached(sql).map_err(sqlite)?;
    run(&mut statement, params, each)
}

/// As [`rows`], for a statement made for this read only (ids written in it): not kept, so that
/// it does not push out the statements every page uses.
pub(crate) fn rows_once<T>(
    connection: &rusqlite::Connection,
    sql: &str,
    params: &[&dyn ToSql],
    each: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let mut statement = connection.prepare(sql).map_err(sqlite)?;
    run(&mut statement, params, each)
}

fn sqlite(e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite(e.to_string())
}

fn run<T>(
    statement: &mut rusqlite::Statement<'_>,
    params: &[&dyn ToSql],
    mut each: impl FnMut(&rusqlite::Row<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    // By name: `$2` may come before `$1` in a statement.
    for (i, value) in params.iter().enumerate() {
        if let Some(index) = statement
            .parameter_index(&format!("${}", i + 1))
            .map_err(sqlite)?
        {
            statement.raw_bind_parameter(index, value).map_err(sqlite)?;
        }
    }
    let mut found = statement.raw_query();
    let mut out = Vec::new();
    while let Some(row) = found.next().map_err(sqlite)? {
        out.push(each(row)?);
    }
    Ok(out)
}
