//! Shared by the connector tests: a migrated store with one workspace.
#![allow(dead_code)]

use std::sync::Arc;

use jardinier_store::*;

/// A migrated store at `backend_url` and the id of its one workspace.
pub async fn setup(backend_url: &str) -> (Arc<dyn Store>, i64) {
    let store = connect(backend_url).await.unwrap();
    store.migrate().await.unwrap();
    let store: Arc<dyn Store> = Arc::new(store);
    let owner = store
        .create_user(
            &NewUser {
                email: "o@b.example",
                display_name: "O",
                password_hash: "h",
                lang: None,
            },
            1,
        )
        .await
        .unwrap();
    let ws = store
        .create_workspace(
            &NewWorkspace {
                slug: "b",
                name: "B",
                timezone: "UTC",
            },
            owner.id,
            1,
        )
        .await
        .unwrap();
    (store, ws.id)
}
