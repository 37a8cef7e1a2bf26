//! Connectors that go and fetch mentions. Each turns what it fetches into `IncomingItem`s and
//! hands them to the `Ingestor`; none writes to the database itself. The [`Poller`] runs them on
//! their schedules: every source has its own interval and backoff, fetches run concurrently with
//! a timeout, and one host is never asked twice at once or more than once per politeness gap, so
//! a failing or slow source never holds up the others.

pub mod decode;
pub mod feed;
pub mod imap;
mod poller;
pub mod social;
pub mod streaming;
pub mod tolerate;

pub use poller::{Poller, PollerConfig, next_fetch_after_failure};

/// The HTTP client of the connectors, which says who it is; `timeout` bounds a whole request
/// (none for endless responses such as streams, whose silence the caller watches).
pub(crate) fn http_client(timeout: Option<std::time::Duration>) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(15))
        .user_agent(concat!(
            "Jardinier/",
            env!("CARGO_PKG_VERSION"),
            " (listening; self-hosted)"
        ));
    if let Some(timeout) = timeout {
        builder = builder.timeout(timeout);
    }
    builder.build().expect("an HTTP client")
}

pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

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
