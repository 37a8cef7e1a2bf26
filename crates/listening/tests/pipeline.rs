//! The ingest pipeline against a real database, on both backends.

use std::sync::Arc;

use jardinier_listening::{Enrichment, IncomingItem, Ingestor};
use jardinier_store::testing::TestDatabase;
use jardinier_store::*;

/// A stand-in analyzer with known answers: "déçu" is negative French, anything with "boom"
/// makes the analysis crash.
fn known(text: &str) -> Enrichment {
    if text.contains("boom") {
        panic!("analyzer crashed");
    }
    let negative = text.contains("déçu");
    Enrichment {
        lang: Some("fr".into()),
        sentiment: Some((
            if negative { "negative" } else { "positive" }.into(),
            if negative { -0.7 } else { 0.6 },
        )),
    }
}

fn incoming(id: &str, text: &str, url: Option<&str>) -> IncomingItem {
    IncomingItem {
        external_id: id.into(),
        text: text.into(),
        url: url.map(str::to_owned),
        author_name: Some("Léa".into()),
        ..Default::default()
    }
}

async fn story(store: Arc<dyn Store>) {
    let (_, ws, source) =
        jardinier_store::testing::owner_workspace_source(store.as_ref(), "b").await;
    let brand = store
        .create_listening_query(&NewListeningQuery {
            workspace_id: ws.id,
            name: "Brand",
            query_text: "brulerie OR #brulerie",
            kind: "brand",
            created_by: None,
            now: 1,
        })
        .await
        .unwrap();
    let unhappy = store
        .create_listening_query(&NewListeningQuery {
            workspace_id: ws.id,
            name: "Unhappy",
            query_text: "brulerie NEAR/4 (déçu OR rate*)",
            kind: "topic",
            created_by: None,
            now: 1,
        })
        .await
        .unwrap();
    let ingestor = Ingestor::new(store.clone(), known);
    ingestor.reload_queries().await.unwrap();

    let report = ingestor
        .ingest(
            &source,
            vec![
                incoming(
                    "1",
                    "Vraiment déçu par la Brûlerie ce matin",
                    Some("https://x.example/p/1?utm_source=tw"),
                ),
                incoming("2", "Un café au #Brulerie, parfait", None),
                incoming("3", "Rien à voir avec la marque", None),
                incoming("1", "Vraiment déçu par la Brûlerie ce matin", None),
                incoming("4", "copie", Some("https://x.example/p/1")),
                incoming("5", "boom", Some("not a url")),
            ],
            100,
        )
        .await
        .unwrap();
    assert_eq!(
        (
            report.inserted,
            report.repeats,
            report.duplicates,
            report.matched
        ),
        (4, 1, 1, 2),
        "{report:?}"
    );

    let items = store
        .items(&ItemFilter {
            workspace_id: ws.id,
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let by_id = |ext: &str| items.iter().find(|i| i.external_id == ext).unwrap();
    let first = by_id("1");
    assert_eq!(
        first.url.as_deref(),
        Some("https://x.example/p/1"),
        "tracking parameters dropped"
    );
    assert_eq!(first.site.as_deref(), Some("x.example"));
    assert_eq!(
        (first.lang.as_deref(), first.sentiment.as_deref()),
        (Some("fr"), Some("negative"))
    );
    let mut queries = first.query_ids.clone();
    queries.sort();
    assert_eq!(queries, vec![brand.id, unhappy.id]);
    assert_eq!(
        by_id("2").query_ids,
        vec![brand.id],
        "the hashtag matches, accents aside"
    );
    assert!(by_id("3").query_ids.is_empty());
    let crashed = by_id("5");
    assert_eq!(crashed.sentiment, None);
    let problem = crashed.enrichment_error.as_deref().unwrap();
    assert!(
        problem.contains("analysis failed") && problem.contains("not an absolute http(s) address"),
        "{problem}"
    );

    // A new query applies to what arrives after the matcher is reloaded.
    store
        .create_listening_query(&NewListeningQuery {
            workspace_id: ws.id,
            name: "Coffee",
            query_text: "cafe",
            kind: "topic",
            created_by: None,
            now: 2,
        })
        .await
        .unwrap();
    ingestor.reload_queries().await.unwrap();
    let report = ingestor
        .ingest(&source, vec![incoming("6", "Quel café !", None)], 200)
        .await
        .unwrap();
    assert_eq!(report.matched, 1);

    // Quotes: named by the sender (resolved within the source, even in the same batch), or
    // found by the long passage they repeat; a plain repost is a near-duplicate, not a quote.
    let review = "Le café de la Brûlerie du Canal est torréfié trop fort cette saison, le goût \
                  de brûlé masque tout le reste et c'est vraiment dommage pour un si beau lieu";
    let named = IncomingItem {
        quoted_ref: Some("q-original".into()),
        ..incoming("q-named", "Exactement ce que je pensais, merci", None)
    };
    let unknown = IncomingItem {
        quoted_ref: Some("not-archived".into()),
        ..incoming("q-unknown", "Intéressant, à voir", None)
    };
    ingestor
        .ingest(
            &source,
            vec![incoming("q-original", review, None), named, unknown],
            300,
        )
        .await
        .unwrap();
    let passage =
        format!("Tellement d'accord avec cet avis : « {review} ». Je change de fournisseur.");
    ingestor
        .ingest(
            &source,
            vec![
                incoming("q-passage", &passage, None),
                IncomingItem {
                    author_name: Some("Sam".into()),
                    ..incoming("q-repost", review, None)
                },
            ],
            301,
        )
        .await
        .unwrap();
    let items = store
        .items(&ItemFilter {
            workspace_id: ws.id,
            include_duplicates: true,
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let by_id = |id: &str| items.iter().find(|i| i.external_id == id).unwrap();
    let original = by_id("q-original").id;
    assert_eq!(by_id("q-named").quote_of, Some(original));
    assert_eq!(
        (
            by_id("q-unknown").quote_of,
            by_id("q-unknown").quoted_ref.as_deref()
        ),
        (None, Some("not-archived")),
        "kept as given when the quoted post is not in the archive"
    );
    assert_eq!(by_id("q-passage").quote_of, Some(original));
    assert_eq!(
        (by_id("q-repost").quote_of, by_id("q-repost").duplicate_of),
        (None, Some(original))
    );

    // After a restart the quote index (in memory) starts empty, unless it is rebuilt from the
    // archive's newest originals before ingesting.
    let quoting = |id: &str, view: &str| incoming(id, &format!("Je cite : {review}. {view}"), None);
    let cold = Ingestor::new(store.clone(), known);
    cold.reload_queries().await.unwrap();
    cold.ingest(
        &source,
        vec![quoting("q-cold", "Et je ne suis pas d'accord du tout.")],
        400,
    )
    .await
    .unwrap();
    let warm = Ingestor::new(store.clone(), known);
    warm.reload_queries().await.unwrap();
    assert!(warm.warm_quotes().await.unwrap() >= 3);
    warm.ingest(
        &source,
        vec![quoting("q-warm", "Moi je l'aime bien, ce café.")],
        401,
    )
    .await
    .unwrap();
    let items = store
        .items(&ItemFilter {
            workspace_id: ws.id,
            include_duplicates: true,
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    let quote_of = |id: &str| items.iter().find(|i| i.external_id == id).unwrap().quote_of;
    assert_eq!(quote_of("q-cold"), None, "not found before the rebuild");
    assert_eq!(
        quote_of("q-warm"),
        Some(original),
        "the original keeps its passages"
    );
}

#[tokio::test]
async fn ingest_on_sqlite() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    story(Arc::new(store)).await;
}

#[tokio::test]
async fn ingest_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    story(Arc::new(store)).await;
}

/// Corrections teach: the ingestor learns from a workspace's stored corrections and then scores
/// that workspace's new mentions with what it learned, and only that workspace's.
struct Remembering(std::sync::Mutex<std::collections::HashMap<i64, Vec<(String, String)>>>);

impl jardinier_listening::SentimentLearning for Remembering {
    fn analyze(&self, workspace_id: i64, text: &str) -> Option<Enrichment> {
        let map = self.0.lock().unwrap();
        let corrections = map.get(&workspace_id)?;
        // A stand-in for the analysis crate's adjustment: a text that shares a word with a
        // corrected one takes its label.
        let label = corrections.iter().find_map(|(corrected, label)| {
            corrected
                .split_whitespace()
                .any(|w| w.len() > 4 && text.to_lowercase().contains(&w.to_lowercase()))
                .then(|| label.clone())
        })?;
        Some(Enrichment {
            lang: Some("fr".into()),
            sentiment: Some((label, 0.0)),
        })
    }
    fn learn(&self, workspace_id: i64, corrections: &[(String, String)]) {
        self.0
            .lock()
            .unwrap()
            .insert(workspace_id, corrections.to_vec());
    }
    fn summary(&self, workspace_id: i64) -> Option<jardinier_listening::LearningSummary> {
        let n = self.0.lock().unwrap().get(&workspace_id)?.len();
        Some(jardinier_listening::LearningSummary {
            corrections: n,
            measured: None,
        })
    }
}

fn of_workspace(workspace_id: i64) -> ItemFilter {
    ItemFilter {
        workspace_id,
        limit: 10,
        ..Default::default()
    }
}

async fn learning_story(store: Arc<dyn Store>) {
    let (_, ws, source) =
        jardinier_store::testing::owner_workspace_source(store.as_ref(), "learn").await;
    let (_, other_ws, other_source) =
        jardinier_store::testing::owner_workspace_source(store.as_ref(), "other").await;
    let ingestor = Ingestor::new(store.clone(), known)
        .with_learning(Arc::new(Remembering(Default::default())));
    ingestor
        .ingest(
            &source,
            vec![incoming("1", "Rupture de stock encore", None)],
            100,
        )
        .await
        .unwrap();
    let first = store.items(&of_workspace(ws.id)).await.unwrap();
    assert_eq!(
        first[0].sentiment.as_deref(),
        Some("positive"),
        "the analyzer's"
    );
    store
        .correct_sentiment(ws.id, first[0].id, "negative")
        .await
        .unwrap();
    assert!(
        ingestor.learning_summary(ws.id).is_none(),
        "nothing learned yet"
    );
    ingestor.relearn_all().await.unwrap();
    assert_eq!(ingestor.learning_summary(ws.id).unwrap().corrections, 1);
    assert!(ingestor.learning_summary(other_ws.id).is_none());

    ingestor
        .ingest(
            &source,
            vec![incoming("2", "Toujours en rupture, bravo", None)],
            200,
        )
        .await
        .unwrap();
    ingestor
        .ingest(
            &other_source,
            vec![incoming("2", "Toujours en rupture, bravo", None)],
            200,
        )
        .await
        .unwrap();
    let learned = store.items(&of_workspace(ws.id)).await.unwrap();
    let newest = learned
        .iter()
        .find(|i| i.body.contains("Toujours"))
        .unwrap();
    assert_eq!(newest.sentiment.as_deref(), Some("negative"), "learned");
    let elsewhere = store.items(&of_workspace(other_ws.id)).await.unwrap();
    assert_eq!(
        elsewhere[0].sentiment.as_deref(),
        Some("positive"),
        "another workspace keeps the analyzer's reading"
    );
}

#[tokio::test]
async fn learning_from_corrections_on_sqlite() {
    let db = TestDatabase::sqlite();
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    learning_story(Arc::new(store)).await;
}

#[tokio::test]
async fn learning_from_corrections_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    let store = connect(&db.url).await.unwrap();
    store.migrate().await.unwrap();
    learning_story(Arc::new(store)).await;
}
