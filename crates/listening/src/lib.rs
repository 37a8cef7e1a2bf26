//! Listening: what is said about the brand, from every source to the archive.
//!
//! Connectors (feeds, webhooks, imports, …) turn what they receive into [`IncomingItem`]s.
//! [`Ingestor::ingest`] gives each one the single item shape: canonical URL and site, language
//! and sentiment (through an [`Analyzer`]), a content hash and a SimHash for duplicates, the
//! saved queries it matches; then the store keeps it once. An item whose enrichment fails is
//! stored all the same, with the failure recorded on it.
//!
//! Connectors never write to the database themselves: they hand items to the `Ingestor`.

pub mod alerts;
pub mod crisis;
mod incoming;
mod learning;
mod normalize;
mod pipeline;
pub mod quotes;
pub mod routing;
pub mod sensitivity;

pub use incoming::{
    IncomingItem, ItemError, SignaturePolicy, WebhookError, parse_time, parse_webhook, sign,
    sign_at, verify_signature, verify_timed_signature,
};
pub use jardinier_query::{archive_terms, highlight, search_groups, search_terms};
pub use learning::{LearningSummary, SentimentLearning};
pub use normalize::{canonical_url, content_hash, simhash};
pub use pipeline::{
    Analyzer, Enrichment, IngestReport, Ingestor, PreparedItem, author_of, item_document,
};
