//! Connectors that go and fetch mentions. Each turns what it fetches into `IncomingItem`s and
//! hands them to the `Ingestor`; none writes to the database itself. The [`Poller`] runs them on
//! their schedules: every source has its own interval and backoff, fetches run concurrently with
//! a timeout, and one host is never asked twice at once or more than once per politeness gap, so
//! a failing or slow source never holds up the others.

pub mod feed;
pub mod imap;
mod poller;
pub mod social;
pub mod streaming;

pub use poller::{Poller, PollerConfig, next_fetch_after_failure};

/// Why a fetch failed, in words a community manager can act on (shown on the source).
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("the source's settings are invalid: {0}")]
    Config(String),
    #[error("could not reach {host}: {reason}")]
    Unreachable { host: String, reason: String },
    #[error("{host} answered HTTP {status}")]
    Http { host: String, status: u16 },
    #[error("the response is larger than {limit_mb} MB and was not read")]
    TooLarge { limit_mb: usize },
    #[error("{0}")]
    Refused(String),
    #[error("this is not a feed we can read (RSS, Atom or JSON Feed): {0}")]
    NotAFeed(String),
}
