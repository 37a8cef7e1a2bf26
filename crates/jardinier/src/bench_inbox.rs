//! `jardinier bench inbox`: a workspace with N items in conversations, and U simulated
//! teammates working the inbox over HTTP at once (the queue, filters, search, a conversation,
//! closing it). Prints one JSON object as its last line.
//!
//! Loading goes through the store as the product does: items in batches (with their archive
//! terms, for search), then conversations opened from the first item of each thread and the
//! thread's replies joined to them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jardinier_store::{ConversationChange, NewItem, NewSource, NewUser, NewWorkspace, Store};
use jardinier_web::Application;

use crate::bench::Lcg;

/// Items per conversation: a first message and its follow-ups.
const THREAD: usize = 5;
const LABELS: [&str; 6] = ["sav", "livraison", "presse", "facture", "produit", "vip"];
const WORDS: [&str; 16] = [
    "commande",
    "livraison",
    "remboursement",
    "colis",
    "cafe",
    "moka",
    "abonnement",
    "facture",
    "retard",
    "cassé",
    "delivery",
    "refund",
    "order",
    "broken",
    "grinder",
    "subscription",
];
const NAMES: [&str; 12] = [
    "Léa", "Sam", "Noor", "Hugo", "Inès", "Paul", "Zoé", "Malik", "Emma", "Tom", "Chloé", "Yanis",
];

/// A message of thread `thread`: a few common words, a product among thousands (a few are
/// much more talked about), and the order's reference, as customers write them.
fn text(rng: &mut Lcg, thread: usize) -> String {
    let mut words: Vec<String> = (0..6)
        .map(|_| WORDS[rng.below(WORDS.len())].to_owned())
        .collect();
    words.insert(3, crate::bench::brand(thread_product(thread)));
    words.push(format!("cmd{thread}"));
    words.join(" ")
}

fn thread_product(thread: usize) -> usize {
    Lcg(thread as u64).skewed(5_000)
}

fn person_name(person: usize) -> String {
    format!(
        "{} {}",
        NAMES[person % NAMES.len()],
        crate::bench::brand(person + 7_000)
    )
}

struct Loaded {
    store: Arc<dyn Store>,
    slug: String,
    conversations: Vec<i64>,
    users: Vec<String>,
}

async fn load(url: &str, items: usize, users: usize) -> anyhow::Result<Loaded> {
    let store = jardinier_store::connect(url).await?;
    store.migrate().await?;
    let store: Arc<dyn Store> = Arc::new(store);
    // A database loaded by an earlier run (`--database`) is used as it is.
    if let Some(ws) = store.workspace_by_slug("bench").await? {
        let mut emails: Vec<String> = store
            .members(ws.id)
            .await?
            .into_iter()
            .map(|m| m.user.email)
            .take(users)
            .collect();
        // Loaded with fewer teammates than asked now: the missing ones join, as at loading.
        if emails.len() < users {
            let hash = jardinier_web::auth::hash_password("bench-password");
            let now = jardinier_web::unix_now();
            for i in emails.len()..users {
                emails.push(add_teammate(&*store, ws.id, i, &hash, now).await?.0);
            }
        }
        let users = emails;
        let conversations: Vec<i64> = store
            .conversations_since(ws.id, 0)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect();
        eprintln!(
            "bench inbox: reusing the loaded database ({} conversations)",
            conversations.len()
        );
        return Ok(Loaded {
            store,
            slug: "bench".into(),
            conversations,
            users,
        });
    }
    let now = jardinier_web::unix_now();
    let hash = jardinier_web::auth::hash_password("bench-password");
    let owner = store
        .create_user(
            &NewUser {
                email: "bench0@bench.example",
                display_name: "Bench 0",
                password_hash: &hash,
                lang: None,
            },
            now,
        )
        .await?;
    let ws = store
        .create_workspace(
            &NewWorkspace {
                slug: "bench",
                name: "Bench",
                timezone: "Europe/Paris",
            },
            owner.id,
            now,
        )
        .await?;
    let mut emails = vec!["bench0@bench.example".to_owned()];
    let mut teammates = vec![owner.id];
    for i in 1..users {
        let (email, id) = add_teammate(&*store, ws.id, i, &hash, now).await?;
        emails.push(email);
        teammates.push(id);
    }
    let source = store
        .create_source(&NewSource {
            workspace_id: ws.id,
            kind: "webhook",
            name: "bench",
            config: "{}",
            secret: Some("bench"),
            interval_secs: 0,
            now,
        })
        .await?;

    let started = Instant::now();
    let mut rng = Lcg(7);
    let mut roots = Vec::with_capacity(items / THREAD + 1);
    let mut replies = Vec::with_capacity(items);
    let mut batch = Vec::with_capacity(1_000);
    for n in 0..items {
        let thread = n / THREAD;
        let person = thread % 20_000;
        let body = text(&mut rng, thread);
        let published = now - 30 * 86_400 + (n as i64 * 30 * 86_400 / items.max(1) as i64);
        batch.push((
            NewItem {
                workspace_id: ws.id,
                source_id: source.id,
                source_kind: "webhook".into(),
                external_id: format!("m{n}"),
                url: None,
                site: None,
                author_name: Some(person_name(person)),
                author_handle: Some(format!("person{person}@exemple.fr")),
                author_reach: Some(rng.skewed(50_000) as i64),
                title: None,
                terms: jardinier_listening::archive_terms("", &body, Some("fr")),
                body,
                lang: Some("fr".into()),
                sentiment: Some(["negative", "neutral", "positive"][rng.below(3)].into()),
                sentiment_score: None,
                published_at: published,
                received_at: published,
                parent_external_id: (n % THREAD != 0).then(|| format!("m{}", thread * THREAD)),
                content_hash: format!("h{n}"),
                simhash: None,
                enrichment_error: None,
                quoted_ref: None,
                quote_of: None,
            },
            Vec::new(),
        ));
        if batch.len() == 1_000 || n + 1 == items {
            let outcomes = store.insert_items(&batch).await?;
            for ((item, _), outcome) in batch.iter().zip(outcomes) {
                if let jardinier_store::InsertOutcome::Inserted { id, .. } = outcome {
                    if item.parent_external_id.is_none() {
                        roots.push(id);
                    } else {
                        replies.push(id);
                    }
                }
            }
            batch.clear();
        }
    }
    eprintln!(
        "bench inbox: {items} items stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    // Several writers at once, as a team's do: PostgreSQL takes them in parallel (one at a time
    // took an hour for a million items); SQLite's writers still queue on its one write lock.
    const WRITERS: usize = 8;
    let roots = Arc::new(roots);
    let teammates = Arc::new(teammates);
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..WRITERS {
        let (store, roots, teammates) = (store.clone(), roots.clone(), teammates.clone());
        let ws = ws.id;
        writers.spawn(async move {
            let mut opened = Vec::new();
            for (k, root) in roots.iter().enumerate().skip(w).step_by(WRITERS) {
                opened.push(open_one(&*store, ws, k, *root, &teammates, now).await?);
            }
            anyhow::Ok(opened)
        });
    }
    let mut conversations = Vec::with_capacity(roots.len());
    while let Some(opened) = writers.join_next().await {
        conversations.extend(opened??);
    }
    let replies = Arc::new(replies);
    let mut joiners = tokio::task::JoinSet::new();
    for w in 0..WRITERS {
        let (store, replies) = (store.clone(), replies.clone());
        joiners.spawn(async move {
            for chunk in replies.chunks(1_000).skip(w).step_by(WRITERS) {
                store.join_replies(chunk, now - 500).await?;
            }
            anyhow::Ok(())
        });
    }
    while let Some(joined) = joiners.join_next().await {
        joined??;
    }
    eprintln!(
        "bench inbox: {} conversations opened and {} replies joined in {:.1} s",
        conversations.len(),
        replies.len(),
        started.elapsed().as_secs_f64()
    );
    // A database just loaded in bulk has no statistics yet (autovacuum gives them later, and
    // not at all where it is off): measure what a database in service has.
    let started = std::time::Instant::now();
    store.refresh_statistics().await?;
    eprintln!(
        "bench inbox: statistics refreshed in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(Loaded {
        store,
        slug: "bench".into(),
        conversations,
        users: emails,
    })
}

/// The `i`-th teammate, an editor of the bench workspace: (e-mail, user id).
async fn add_teammate(
    store: &dyn Store,
    workspace_id: i64,
    i: usize,
    hash: &str,
    now: i64,
) -> anyhow::Result<(String, i64)> {
    let email = format!("bench{i}@bench.example");
    let user = store
        .create_user(
            &NewUser {
                email: &email,
                display_name: &format!("Bench {i}"),
                password_hash: hash,
                lang: None,
            },
            now,
        )
        .await?;
    store
        .add_member(workspace_id, user.id, jardinier_domain::Role::Editor, now)
        .await?;
    Ok((email, user.id))
}

/// Opens the `k`-th conversation: a quarter are taken by someone, a tenth labelled, a third
/// already done.
async fn open_one(
    store: &dyn Store,
    ws: i64,
    k: usize,
    root: i64,
    teammates: &[i64],
    now: i64,
) -> anyhow::Result<i64> {
    let id = store.send_to_inbox(ws, root, None, now - 1_000).await?;
    let mut changes = Vec::new();
    if k.is_multiple_of(4) {
        changes.push((
            ConversationChange::Assign(Some(teammates[k % teammates.len()])),
            now - 900,
        ));
    }
    if k.is_multiple_of(10) {
        changes.push((
            ConversationChange::Label(LABELS[k % LABELS.len()].into(), true),
            now - 900,
        ));
    }
    if k.is_multiple_of(3) {
        changes.push((ConversationChange::State("done".into()), now - 800));
    }
    for (change, at) in changes {
        store.change_conversation(ws, id, &change, None, at).await?;
    }
    Ok(id)
}

fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

/// One simulated teammate: signs in, then works the inbox until `until`.
/// A teammate's requests (kind, milliseconds), their searches by what was searched, and errors.
type Timings = (Vec<(&'static str, f64)>, Vec<(&'static str, f64)>, usize);

async fn teammate(
    base: String,
    slug: String,
    email: String,
    conversations: Arc<Vec<i64>>,
    seed: u64,
    think: Duration,
    until: Instant,
) -> anyhow::Result<Timings> {
    let threads = conversations.len().max(1);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let login = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let token = csrf_in(&login).unwrap_or_default();
    let signed_in = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", email.as_str()),
            ("password", "bench-password"),
            ("next", "/"),
            ("_csrf", token.as_str()),
        ])
        .send()
        .await?;
    anyhow::ensure!(
        signed_in.status().is_redirection(),
        "{email} could not sign in: {}",
        signed_in.status()
    );
    let page = client
        .get(format!("{base}/w/{slug}/inbox"))
        .send()
        .await?
        .text()
        .await?;
    let token = csrf_in(&page).unwrap_or_default();
    let mut rng = Lcg(seed);
    let mut latencies = Vec::new();
    let mut searches = Vec::new();
    let mut errors = 0;
    // Teammates start at different moments, as people do.
    tokio::time::sleep(Duration::from_millis(seed % 1_000) * think.as_millis().min(1) as u32).await;
    while Instant::now() < until {
        if !think.is_zero() {
            // Between 0.5 and 1.5 times the think time.
            tokio::time::sleep(think / 2 + think.mul_f64(rng.below(1_000) as f64 / 1_000.0)).await;
        }
        let conversation = conversations[rng.below(conversations.len())];
        let mut searched = "";
        let (kind, request) = match rng.below(10) {
            0..=2 => ("queue", client.get(format!("{base}/w/{slug}/inbox"))),
            3 => ("mine", client.get(format!("{base}/w/{slug}/inbox?who=me"))),
            4 => (
                "label",
                client.get(format!(
                    "{base}/w/{slug}/inbox?label={}",
                    LABELS[rng.below(LABELS.len())]
                )),
            ),
            5 => (
                "waiting",
                client.get(format!("{base}/w/{slug}/inbox?state=waiting")),
            ),
            6 => {
                // An order reference, a product, or the person, as a CM searches.
                let thread = rng.below(threads);
                // The corpus's most frequent words (in most messages) and its most talked-about
                // products are searched as often as rare references: the search a CM types
                // during a crisis is the common one.
                let (what, q) = match rng.below(5) {
                    0 => ("reference", format!("cmd{thread}")),
                    1 => ("product", crate::bench::brand(thread_product(thread))),
                    2 => ("common word", WORDS[rng.below(WORDS.len())].to_owned()),
                    3 => ("top product", crate::bench::brand(rng.below(3))),
                    _ => ("person", person_name(thread % 20_000)),
                };
                searched = what;
                (
                    "search",
                    client.get(format!("{base}/w/{slug}/inbox?q={}", q.replace(' ', "+"))),
                )
            }
            7 | 8 => (
                "open",
                client.get(format!("{base}/w/{slug}/inbox/{conversation}")),
            ),
            _ => (
                "close",
                client
                    .post(format!("{base}/w/{slug}/inbox/{conversation}/change"))
                    .form(&[
                        ("action", "state"),
                        ("value", "done"),
                        ("_csrf", token.as_str()),
                    ]),
            ),
        };
        let started = Instant::now();
        match request.send().await {
            Ok(response) => {
                let ok = response.status().is_success() || response.status().is_redirection();
                let _ = response.bytes().await;
                let ms = started.elapsed().as_secs_f64() * 1_000.0;
                latencies.push((kind, ms));
                if kind == "search" {
                    searches.push((searched, ms));
                }
                if !ok {
                    errors += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    Ok((latencies, searches, errors))
}

/// p50 and p99 per label, printed on stderr (`prefix` before each label) and as JSON.
fn per_kind(
    latencies: &[(&'static str, f64)],
    prefix: &str,
) -> serde_json::Map<String, serde_json::Value> {
    let mut names: Vec<&str> = latencies.iter().map(|(k, _)| *k).collect();
    names.sort_unstable();
    names.dedup();
    let mut kinds = serde_json::Map::new();
    for kind in names {
        let mut of: Vec<f64> = latencies
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, l)| *l)
            .collect();
        of.sort_by(f64::total_cmp);
        let (p50, p99) = (
            of[of.len() / 2],
            of[((of.len() as f64 * 0.99) as usize).min(of.len() - 1)],
        );
        eprintln!(
            "bench inbox: {prefix}{kind:8} {:6} requests, p50 {p50:7.1} ms, p99 {p99:7.1} ms",
            of.len()
        );
        kinds.insert(
            kind.to_owned(),
            serde_json::json!({
                "requests": of.len(),
                "p50_ms": (p50 * 10.0).round() / 10.0,
                "p99_ms": (p99 * 10.0).round() / 10.0,
            }),
        );
    }
    kinds
}

pub async fn run(
    items: usize,
    users: usize,
    seconds: u64,
    think_ms: u64,
    database: Option<String>,
) -> anyhow::Result<()> {
    let dir = jardinier_store::testing::TempDir::new("bench-inbox");
    let url = database.unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.0.display()));
    let loaded = load(&url, items, users.max(1)).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = crate::bench::web_state(loaded.store.clone(), &base);
    let app = Application::from_listener(listener, state);
    tokio::spawn(app.serve(std::future::pending()));

    let conversations = Arc::new(loaded.conversations);
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (i, email) in loaded.users.iter().enumerate() {
        tasks.push(tokio::spawn(teammate(
            base.clone(),
            loaded.slug.clone(),
            email.clone(),
            conversations.clone(),
            1_000 + i as u64,
            Duration::from_millis(think_ms),
            until,
        )));
    }
    let mut latencies = Vec::new();
    let mut searches = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (mut l, mut s, e) = task.await??;
        latencies.append(&mut l);
        searches.append(&mut s);
        errors += e;
    }
    // Per kind of request, and searches per what was searched: where the time goes (on
    // stderr, and in the JSON line).
    let kinds = per_kind(&latencies, "");
    let searched = per_kind(&searches, "search: ");
    let mut latencies: Vec<f64> = latencies.into_iter().map(|(_, l)| l).collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0.0)
    };
    let round = |x: f64| (x * 10.0).round() / 10.0;
    println!(
        "{}",
        serde_json::json!({
            "bench": "inbox",
            "backend": loaded.store.backend().name(),
            "items": items,
            "conversations": conversations.len(),
            "users": users,
            "seconds": seconds,
            "think_ms": think_ms,
            "requests_per_s": round(latencies.len() as f64 / seconds.max(1) as f64),
            "requests": latencies.len(),
            "p50_ms": round(at(0.50)),
            "p99_ms": round(at(0.99)),
            "max_ms": round(latencies.last().copied().unwrap_or(0.0)),
            "errors": errors,
            "kinds": kinds,
            "searches": searched,
        })
    );
    Ok(())
}
