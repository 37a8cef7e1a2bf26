//! Reading a row's columns by name, the same way from sqlx's rows and from rusqlite's.
//!
//! Most reads go through sqlx (both backends). The community's busiest pages read SQLite
//! directly (`sqlite_reads`); their rows are turned into the same structs by the same functions
//! (`sql_community::topic`, `post`, …), written once against [`Cols`].

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, StoreError};

/// A value both drivers can read from a column.
pub(crate) trait Col:
    for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

impl<T> Col for T where
    T: for<'r> sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any> + rusqlite::types::FromSql
{
}

pub(crate) trait Cols {
    fn col<T: Col>(&self, name: &str) -> Result<T>;
}

impl Cols for AnyRow {
    fn col<T: Col>(&self, name: &str) -> Result<T> {
        Ok(self.try_get(name)?)
    }
}

impl Cols for rusqlite::Row<'_> {
    fn col<T: Col>(&self, name: &str) -> Result<T> {
        self.get(name)
            .map_err(|e| StoreError::Sqlite(format!("column {name}: {e}")))
    }
}
