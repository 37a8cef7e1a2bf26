use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    /// A row that must be unique already exists; `what` names it for the user ("email", "slug").
    #[error("{what} is already taken")]
    Conflict { what: &'static str },
    #[error("{what} was not found")]
    NotFound { what: &'static str },
    /// A rule the store keeps for every caller, like "a workspace keeps at least one owner".
    #[error("{0}")]
    Refused(&'static str),
    /// A value read back that no version of Jardinier writes (hand-edited database?).
    #[error("the database holds an unexpected {0}")]
    Corrupt(String),
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("could not open the database: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// From the SQLite batch writer (its own connection, outside sqlx).
    #[error("database error: {0}")]
    Sqlite(String),
    #[error("the database writer has stopped; restart Jardinier")]
    WriterStopped,
}

impl StoreError {
    /// Maps a unique-key violation to [`StoreError::Conflict`], anything else to `Database`.
    pub(crate) fn on_unique(what: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
        move |error| match &error {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict { what },
            _ => StoreError::Database(error),
        }
    }
}
