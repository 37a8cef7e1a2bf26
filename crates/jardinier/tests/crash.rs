//! `kill -9` during ingestion: every mention the server acknowledged (answered 2xx) is in the
//! database after a restart, exactly once, and senders that retry everything duplicate nothing.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};

use jardinier_store::testing::TempDir;
use jardinier_store::{ItemFilter, ListeningStore, NewSource, NewUser, NewWorkspace, Store};

fn start(dir: &TempDir, db: &str) -> (Child, String) {
    let mut child = common::jardinier(dir)
        .arg("serve")
        .env("JARDINIER_DATABASE_URL", db)
        .env("JARDINIER_SERVER_BIND", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    for line in stdout.lines() {
        if let Some(url) = line.unwrap().strip_prefix("Jardinier is listening on ") {
            return (child, url.trim().to_owned());
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server did not start");
}

/// Sends mentions `ids` one per request from four concurrent senders; returns the ids the
/// server acknowledged. Stops sending at the first connection error (the server is gone).
/// With `kill`, (n, pid): the sender whose acknowledgement is the n-th kills that process with
/// SIGKILL at once, while the other senders' requests are in flight.
async fn send_all(
    base: &str,
    source: i64,
    secret: &str,
    ids: Vec<usize>,
    kill: Option<(usize, u32)>,
) -> HashSet<usize> {
    let acknowledged = Arc::new(Mutex::new(HashSet::new()));
    let queue = Arc::new(Mutex::new(ids));
    let client = reqwest::Client::new();
    let mut senders = Vec::new();
    for _ in 0..4 {
        let (queue, acknowledged, client, base, secret) = (
            queue.clone(),
            acknowledged.clone(),
            client.clone(),
            base.to_owned(),
            secret.to_owned(),
        );
        senders.push(tokio::spawn(async move {
            loop {
                let Some(id) = queue.lock().unwrap().pop() else { break };
                let body = serde_json::json!({"id": format!("m{id}"), "text": format!("Mention numéro {id} de la Brûlerie, livrée par un webhook"), "author": format!("Sender {}", id % 7)}).to_string();
                let response = client
                    .post(format!("{base}/hooks/{source}"))
                    .header("content-type", "application/json")
                    .header("x-jardinier-signature", jardinier_listening::sign(&secret, body.as_bytes()))
                    .body(body)
                    .send()
                    .await;
                match response {
                    Ok(r) if r.status().is_success() => {
                        let count = {
                            let mut acknowledged = acknowledged.lock().unwrap();
                            acknowledged.insert(id);
                            acknowledged.len()
                        };
                        if let Some((n, pid)) = kill.filter(|(n, _)| *n == count) {
                            std::process::Command::new("kill")
                                .args(["-KILL", &pid.to_string()])
                                .status()
                                .unwrap();
                            eprintln!("killed the server after {n} acknowledgements");
                        }
                    }
                    Ok(r) => panic!("unexpected answer {}", r.status()),
                    Err(_) => break,
                }
            }
        }));
    }
    for sender in senders {
        sender.await.unwrap();
    }
    Arc::try_unwrap(acknowledged).unwrap().into_inner().unwrap()
}

#[tokio::test]
async fn kill_9_loses_no_acknowledged_mention_and_retries_duplicate_nothing() {
    let dir = TempDir::new("crash");
    let db = format!("sqlite://{}/crash.db", dir.0.display());
    let store = jardinier_store::connect(&db).await.unwrap();
    store.migrate().await.unwrap();
    let owner = store
        .create_user(
            &NewUser {
                email: "o@b.example",
                display_name: "O",
                password_hash: "x",
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
    let source = store
        .create_source(&NewSource {
            workspace_id: ws.id,
            kind: "webhook",
            name: "H",
            config: "{}",
            secret: Some("s3cret"),
            interval_secs: 0,
            now: 1,
        })
        .await
        .unwrap();
    drop(store);

    const TOTAL: usize = 1_500;
    let (mut server, base) = start(&dir, &db);
    // Killed with SIGKILL while the senders are in full flow, a third of the way.
    let first = send_all(
        &base,
        source.id,
        "s3cret",
        (0..TOTAL).collect(),
        Some((TOTAL / 3, server.id())),
    )
    .await;
    let _ = server.wait();
    assert!(
        !first.is_empty() && first.len() < TOTAL,
        "the kill must land mid-stream ({} of {TOTAL} acknowledged)",
        first.len()
    );

    // Everything acknowledged before the kill is there, once.
    let store = jardinier_store::connect(&db).await.unwrap();
    let filter = ItemFilter {
        workspace_id: ws.id,
        include_duplicates: true,
        limit: 10_000,
        ..Default::default()
    };
    let after_kill = store.items(&filter).await.unwrap();
    let ids: HashSet<usize> = after_kill
        .iter()
        .map(|i| i.external_id[1..].parse().unwrap())
        .collect();
    assert_eq!(ids.len(), after_kill.len(), "no item is stored twice");
    let lost: Vec<&usize> = first.iter().filter(|id| !ids.contains(id)).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");

    // The senders retry everything, acknowledged or not: nothing is stored twice.
    let (mut server, base) = start(&dir, &db);
    let second = send_all(&base, source.id, "s3cret", (0..TOTAL).collect(), None).await;
    server.kill().unwrap();
    let _ = server.wait();
    assert_eq!(
        second.len(),
        TOTAL,
        "after the restart every delivery is acknowledged"
    );
    let finally = store.items(&filter).await.unwrap();
    assert_eq!(finally.len(), TOTAL, "each mention once");
    assert_eq!(
        store
            .source_by_id(source.id)
            .await
            .unwrap()
            .unwrap()
            .item_count,
        TOTAL as i64,
        "the source counts each once"
    );
    eprintln!(
        "kill -9 test: {} of {TOTAL} acknowledged before the kill, {} stored, 0 lost, 0 duplicated",
        first.len(),
        after_kill.len()
    );
}
