//! Wires the analysis crate into the listening pipeline.

use jardinier_listening::Enrichment;

/// Language and sentiment for the ingest pipeline.
pub fn enrich(_text: &str) -> Enrichment {
    // Replaced by jardinier_analysis::analyze as soon as that crate lands (see CHANGELOG).
    Enrichment::default()
}
