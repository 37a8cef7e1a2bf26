//! What every community page reads first, kept a moment in this process.
//!
//! Each page of a community site needs the community's context (its site, the workspace's time
//! zone, the charter in force) and its categories. They change a few times a day, and reading
//! them was two of the queries of every page. Both are kept here for [`FRESH`]:
//!
//! - this process's own writes drop them at once: every `SqlStore` method that writes a site, a
//!   charter, a workspace's name or zone or a category calls [`CommunityCache::forget`], and
//!   those that move the categories' counters (posts, topics, their removal) call
//!   [`CommunityCache::forget_counters`];
//! - another process's writes (a second server over PostgreSQL, the `discourse-import` command)
//!   show within [`FRESH`]. The categories' counters (topics, last post) may be that late there,
//!   as Discourse's are for longer.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::community::{Charter, CommunityCategory, CommunitySite};

/// How long a kept context or category list is used without reading it again.
pub(crate) const FRESH: Duration = Duration::from_secs(1);

/// A community's context: its site, its workspace's time zone, its charter in force.
pub(crate) type Context = (CommunitySite, String, Option<Charter>);

#[derive(Default)]
pub(crate) struct CommunityCache {
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    /// By workspace slug; `None` is kept too (an unknown community is asked for again and again
    /// by crawlers).
    contexts: HashMap<String, (Instant, Option<Context>)>,
    /// By workspace id.
    categories: HashMap<i64, (Instant, Vec<CommunityCategory>)>,
    /// Bumped by every `forget`: a read that started before a write does not keep its result.
    generation: u64,
}

impl CommunityCache {
    /// The generation to give back to `keep_*` with what was read.
    pub(crate) fn generation(&self) -> u64 {
        self.lock().generation
    }

    pub(crate) fn context(&self, slug: &str) -> Option<Option<Context>> {
        let kept = self.lock();
        let (at, context) = kept.contexts.get(slug)?;
        (at.elapsed() < FRESH).then(|| context.clone())
    }

    pub(crate) fn keep_context(&self, slug: &str, context: Option<Context>, generation: u64) {
        let mut kept = self.lock();
        if kept.generation == generation {
            // Bounded: slugs that name no community (made up by whoever asks) do not pile up.
            if kept.contexts.len() >= 1_024 {
                kept.contexts.clear();
            }
            kept.contexts
                .insert(slug.to_owned(), (Instant::now(), context));
        }
    }

    pub(crate) fn categories(&self, workspace_id: i64) -> Option<Vec<CommunityCategory>> {
        let kept = self.lock();
        let (at, categories) = kept.categories.get(&workspace_id)?;
        (at.elapsed() < FRESH).then(|| categories.clone())
    }

    pub(crate) fn keep_categories(
        &self,
        workspace_id: i64,
        categories: Vec<CommunityCategory>,
        generation: u64,
    ) {
        let mut kept = self.lock();
        if kept.generation == generation {
            kept.categories
                .insert(workspace_id, (Instant::now(), categories));
        }
    }

    /// A post or a topic was written or removed: the categories' counters moved. The
    /// contexts stay (every reply would otherwise send every page back to the database for
    /// them).
    pub(crate) fn forget_counters(&self) {
        let mut kept = self.lock();
        kept.categories.clear();
        kept.generation += 1;
    }

    /// A site, a charter, a workspace or a category was written: read everything again.
    pub(crate) fn forget(&self) {
        let mut kept = self.lock();
        kept.contexts.clear();
        kept.categories.clear();
        kept.generation += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while holding the lock leaves nothing half-written worth refusing.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn category(id: i64) -> CommunityCategory {
        CommunityCategory {
            id,
            slug: format!("c{id}"),
            name: "Questions".into(),
            description: String::new(),
            colour: "#123456".into(),
            position: 0,
            kind: "discussion".into(),
            read_access: "everyone".into(),
            post_access: "members".into(),
            topics: 0,
            last_posted_at: None,
        }
    }

    #[test]
    fn kept_lists_are_read_back_until_a_write_forgets_them() {
        let cache = CommunityCache::default();
        assert!(cache.categories(1).is_none());
        cache.keep_categories(1, vec![category(7)], cache.generation());
        assert_eq!(cache.categories(1).unwrap()[0].id, 7);
        assert!(cache.categories(2).is_none());
        cache.forget();
        assert!(cache.categories(1).is_none());
    }

    #[test]
    fn a_post_drops_the_categories_not_the_contexts() {
        let cache = CommunityCache::default();
        cache.keep_context("pollen", None, cache.generation());
        cache.keep_categories(1, vec![category(7)], cache.generation());
        cache.forget_counters();
        assert!(cache.categories(1).is_none());
        assert_eq!(cache.context("pollen"), Some(None));
    }

    #[test]
    fn a_read_that_started_before_a_write_is_not_kept() {
        let cache = CommunityCache::default();
        let before = cache.generation();
        cache.forget();
        cache.keep_categories(1, vec![category(7)], before);
        assert!(cache.categories(1).is_none());
        cache.keep_context("pollen", None, before);
        assert!(cache.context("pollen").is_none());
        cache.keep_context("pollen", None, cache.generation());
        assert_eq!(cache.context("pollen"), Some(None));
    }
}
