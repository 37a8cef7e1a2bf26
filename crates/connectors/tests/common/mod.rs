//! Shared by the connector tests: a migrated store with one workspace.
#![allow(dead_code)]

use std::sync::Arc;

use jardinier_store::*;

/// A migrated store at `backend_url` and the id of its one workspace.
pub async fn setup(backend_url: &str) -> (Arc<dyn Store>, i64) {
    let store = connect(backend_url).await.unwrap();
    store.migrate().await.unwrap();
    let (_, workspace, _) = testing::owner_workspace_source(&store, "b").await;
    (Arc::new(store), workspace.id)
}
