//! Corrections teach: the hook through which a workspace's sentiment follows what its team
//! corrected. The listening crate does not know how sentiment is computed (the analyzer is
//! injected); the binary injects a [`SentimentLearning`] built on the analysis crate's
//! adjustments, and the ingestor asks it first for the workspaces that learned something.

use std::sync::Arc;

use crate::{Enrichment, Ingestor};

/// The most recent corrections a workspace learns from.
const CORRECTIONS_LEARNED_FROM: i64 = 5_000;

/// What a workspace's adjustment learned from, and what it brings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LearningSummary {
    pub corrections: usize,
    /// On corrections held out while learning (from 20 corrections on): how many there were,
    /// the share the model alone got right, the share the adjusted model gets right.
    pub measured: Option<(usize, f64, f64)>,
}

/// Per-workspace sentiment learned from corrections.
pub trait SentimentLearning: Send + Sync {
    /// The enrichment of `text` for a workspace that has learned something; `None` otherwise
    /// (the ingestor then uses its analyzer).
    fn analyze(&self, workspace_id: i64, text: &str) -> Option<Enrichment>;
    /// Learns again from a workspace's corrections, (text, label) newest first.
    fn learn(&self, workspace_id: i64, corrections: &[(String, String)]);
    fn summary(&self, workspace_id: i64) -> Option<LearningSummary>;
}

impl Ingestor {
    /// Adds the per-workspace learning.
    pub fn with_learning(mut self, learning: Arc<dyn SentimentLearning>) -> Ingestor {
        self.learning = Some(learning);
        self
    }

    /// Learns again from `workspace_id`'s corrections (after a correction). Learning runs off
    /// the async threads; a failure to read the corrections keeps what was learned before.
    pub async fn relearn(&self, workspace_id: i64) -> jardinier_store::Result<()> {
        let Some(learning) = self.learning.clone() else {
            return Ok(());
        };
        let corrections = self
            .store
            .sentiment_correction_examples(workspace_id, CORRECTIONS_LEARNED_FROM)
            .await?;
        if let Err(error) =
            tokio::task::spawn_blocking(move || learning.learn(workspace_id, &corrections)).await
        {
            tracing::error!(workspace_id, %error, "learning from sentiment corrections failed; the previous adjustment stays");
        }
        Ok(())
    }

    /// Learns for every workspace that has corrections (at start).
    pub async fn relearn_all(&self) -> jardinier_store::Result<()> {
        if self.learning.is_none() {
            return Ok(());
        }
        for workspace_id in self.store.workspaces_with_corrections().await? {
            self.relearn(workspace_id).await?;
        }
        Ok(())
    }

    /// What `workspace_id`'s sentiment learned from its corrections, if anything.
    pub fn learning_summary(&self, workspace_id: i64) -> Option<LearningSummary> {
        self.learning.as_ref()?.summary(workspace_id)
    }

    /// The enrichment of a text for a workspace: learned, else the analyzer's.
    pub(crate) fn enrich(&self, workspace_id: i64, text: &str) -> Enrichment {
        self.learning
            .as_ref()
            .and_then(|l| l.analyze(workspace_id, text))
            .unwrap_or_else(|| (self.analyzer)(text))
    }
}
