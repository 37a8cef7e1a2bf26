//! `jardinier bench community`: a community of N posts in T topics (one of them 5,000 replies
//! long), then R readers — half anonymous, half signed in — reading topic pages (any page of
//! them: 80 % of requests), category lists (10 %), searches (5 %) and the home page (5 %) over
//! HTTP at a given rate in all (`--rate`, 2,000 pages a second by default; 0: as fast as the
//! server answers), while a few writers reply. Prints one JSON object as its last line.
//!
//! Loading goes through the store as an import would: each topic, then its replies in one
//! transaction (`add_community_posts`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use jardinier_store::{
    CommunitySite, NewAccount, NewCategory, NewCommunityPost, NewUser, NewWorkspace, Store,
};
use jardinier_web::Application;

use crate::bench::Lcg;
use crate::bench_client::Client;

const CATEGORIES: [&str; 5] = [
    "annonces",
    "questions",
    "recettes",
    "presentations",
    "idees",
];
const ACCOUNTS: usize = 1_000;
/// What readers search for: words of the posts and titles (inflected, accents or not), and
/// words nothing has.
const SEARCHES: [&str; 10] = [
    "moulin espresso",
    "recettes",
    "aeropress",
    "cold brew",
    "moutures",
    "reglages secondes",
    "bienvenue",
    "sidamo",
    "belgique",
    "livraison colis",
];
const LONG_TOPIC: usize = 5_000;
const SENTENCES: [&str; 8] = [
    "Bonjour à tous, je cherche un **bon moulin** pour l'espresso.",
    "Merci pour la recette, testée ce matin avec le Sidamo : parfait.",
    "Quelqu'un a essayé la méthode inversée à l'AeroPress ?",
    "The cold brew recipe works with any washed coffee, 16 hours in the fridge.",
    "> une citation\n\nJe ne suis pas d'accord, le moka demande une mouture plus fine.",
    "Voici mes réglages : 18 g, 36 g en sortie, 28 secondes.",
    "Does the shop ship to Belgium? I could not find it on the site.",
    "Bienvenue ! Présente-toi dans la catégorie dédiée.",
];

struct Loaded {
    store: Arc<dyn Store>,
    /// (topic id, slug, posts)
    topics: Vec<(i64, String, i64)>,
    posts: i64,
    /// E-mail addresses of the members who sign in.
    members: Vec<String>,
}

async fn load(url: &str, posts: usize, topics: usize) -> anyhow::Result<Loaded> {
    let store = jardinier_store::connect(url).await?;
    store.migrate().await?;
    let store: Arc<dyn Store> = Arc::new(store);
    let now = jardinier_web::unix_now();
    let hash = tokio::task::spawn_blocking(|| jardinier_web::auth::hash_password("bench-password"))
        .await?;
    // A database loaded by an earlier run (`--database`) is used as it is.
    if let Some(ws) = store.workspace_by_slug("bench").await? {
        let categories: Vec<i64> = store
            .community_categories(ws.id)
            .await?
            .iter()
            .map(|c| c.id)
            .collect();
        let found = store
            .community_topics(ws.id, &categories, false, 0, 1_000_000)
            .await?;
        let posts = found.iter().map(|t| t.posts).sum();
        return Ok(Loaded {
            store,
            topics: found.into_iter().map(|t| (t.id, t.slug, t.posts)).collect(),
            posts,
            members: (0..100)
                .map(|i| format!("member{i}@bench.example"))
                .collect(),
        });
    }
    let started = Instant::now();
    let owner = store
        .create_user(
            &NewUser {
                email: "owner@bench.example",
                display_name: "Bench owner",
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
    store
        .put_community_site(
            &CommunitySite {
                workspace_id: ws.id,
                slug: String::new(),
                name: "Bench community".into(),
                tagline: "A community to measure".into(),
                accent: "#2f6f4f".into(),
                host: None,
                open: true,
                welcome_fr: String::new(),
                welcome_en: String::new(),
                remove_posts_on_delete: false,
            },
            now,
        )
        .await?;
    let mut categories = Vec::new();
    for (i, slug) in CATEGORIES.iter().enumerate() {
        categories.push(
            store
                .create_community_category(
                    ws.id,
                    &NewCategory {
                        slug,
                        name: slug,
                        description: "A category of the benchmark",
                        colour: "#336699",
                        position: i as i64,
                        kind: if *slug == "questions" {
                            "questions"
                        } else {
                            "discussion"
                        },
                        read_access: "everyone",
                        post_access: "members",
                    },
                )
                .await?,
        );
    }
    let mut accounts = Vec::new();
    let mut members = Vec::new();
    for i in 0..ACCOUNTS {
        let email = format!("member{i}@bench.example");
        let account = store
            .create_community_account(
                &NewAccount {
                    workspace_id: ws.id,
                    email: &email,
                    handle: &format!("member{i}"),
                    display_name: &format!("Member {i}"),
                    password_hash: Some(&hash),
                    lang: Some(if i % 3 == 0 { "en" } else { "fr" }),
                    charter_version: None,
                    // Members of a forum this size joined long ago: not new members, whose
                    // links, images and posts per day are limited (moderation).
                    verified_at: Some(now - 365 * 86_400),
                    now: now - 365 * 86_400,
                },
                None,
            )
            .await?;
        accounts.push(account.id);
        if i < 100 {
            members.push(email);
        }
    }
    let mut rng = Lcg(7);
    let html: Vec<String> = SENTENCES
        .iter()
        .map(|s| jardinier_community::markup::render(s, |p| format!("/c/bench{p}")).html)
        .collect();
    let per_topic = (posts / topics.max(1)).max(1);
    let mut loaded_topics = Vec::with_capacity(topics);
    let mut total = 0i64;
    for t in 0..topics {
        // One topic is 5,000 posts long; the others share the rest, some longer than others.
        let length = if t == 0 {
            LONG_TOPIC
        } else {
            (per_topic / 2 + rng.below(per_topic + 1)).max(1)
        };
        let at = now - (topics - t) as i64 * 60;
        let author = accounts[rng.below(accounts.len())];
        let s = rng.below(SENTENCES.len());
        let key = format!("bench-{t}-1");
        let title = format!("Sujet {t} : {}", crate::bench::brand(t));
        let slug = jardinier_community::text::slug(&title);
        let first_terms = jardinier_community::search::post_terms(&title, SENTENCES[s]);
        let topic = store
            .create_community_topic(
                categories[t % categories.len()],
                &title,
                &slug,
                &[],
                &NewCommunityPost {
                    workspace_id: ws.id,
                    author_account: Some(author),
                    author_user: None,
                    body_md: SENTENCES[s],
                    body_html: &html[s],
                    status: "visible",
                    idem_key: &key,
                    terms: Some(&first_terms),
                    screened: None,
                    now: at,
                },
            )
            .await?;
        let keys: Vec<String> = (2..=length).map(|n| format!("bench-{t}-{n}")).collect();
        let sentences: Vec<usize> = keys.iter().map(|_| rng.below(SENTENCES.len())).collect();
        let terms: Vec<Vec<String>> = sentences
            .iter()
            .map(|&s| jardinier_community::search::post_terms(&title, SENTENCES[s]))
            .collect();
        let replies: Vec<NewCommunityPost<'_>> = keys
            .iter()
            .zip(&sentences)
            .zip(&terms)
            .map(|((key, &s), terms)| NewCommunityPost {
                workspace_id: ws.id,
                author_account: Some(accounts[rng.below(accounts.len())]),
                author_user: None,
                body_md: SENTENCES[s],
                body_html: &html[s],
                status: "visible",
                idem_key: key,
                terms: Some(terms),
                screened: None,
                now: at,
            })
            .collect();
        for chunk in replies.chunks(1_000) {
            store.add_community_posts(topic, chunk).await?;
        }
        total += length as i64;
        loaded_topics.push((topic, slug, length as i64));
        if t % 5_000 == 4_999 {
            eprintln!(
                "bench community: {} topics, {total} posts stored in {:.0} s",
                t + 1,
                started.elapsed().as_secs_f64()
            );
        }
    }
    eprintln!(
        "bench community: {topics} topics, {total} posts stored in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    store.refresh_statistics().await?;
    Ok(Loaded {
        store,
        topics: loaded_topics,
        posts: total,
        members,
    })
}

/// (kind, milliseconds) of a reader's requests, and its errors.
/// A reader's latencies by kind, its errors, and when its last page was answered (`None` for a
/// writer: its replies come at their own pace and do not count as pages).
type Timings = (Vec<(&'static str, f64)>, usize, Option<Instant>);

/// Signed-in readers who reply rather than read.
const WRITERS: usize = 4;

fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"_csrf\" value=\"")? + "name=\"_csrf\" value=\"".len();
    Some(html[at..].split('"').next()?.to_owned())
}

/// Signs `member` in (nothing to do for an anonymous reader).
async fn sign_in(client: &mut Client, community: &str, member: Option<&str>) -> anyhow::Result<()> {
    if let Some(email) = member {
        let (_, page) = client.get(&format!("{community}/signin")).await?;
        let token = csrf_in(&String::from_utf8_lossy(&page)).unwrap_or_default();
        let (status, _) = client
            .post_form(
                &format!("{community}/signin"),
                &[
                    ("email", email),
                    ("password", "bench-password"),
                    ("_csrf", token.as_str()),
                ],
            )
            .await?;
        anyhow::ensure!(
            status.is_redirection(),
            "{email} could not sign in: {status}"
        );
    }
    Ok(())
}

/// When a reader reads.
#[derive(Clone)]
struct Schedule {
    /// Time between two requests of a reader (zero: back to back).
    pace: Duration,
    /// When this reader's first request goes, in the first pace: the readers' requests are
    /// spread evenly over it (bunched, they arrived as bursts many times the rate asked).
    offset: Duration,
    /// How long it reads.
    seconds: u64,
    /// Every reader signs in before any reads: the measure starts with them all ready.
    ready: Arc<tokio::sync::Barrier>,
}

/// One reader (signed in when `member` is given) reading for `seconds`; writers reply too.
async fn reader(
    address: String,
    member: Option<String>,
    topics: Arc<Vec<(i64, String, i64)>>,
    seed: u64,
    writes: bool,
    schedule: Schedule,
) -> anyhow::Result<Timings> {
    let Schedule {
        pace,
        offset,
        seconds,
        ready,
    } = schedule;
    let community = "/c/bench";
    let mut client = Client::new(&address);
    let prepared = sign_in(&mut client, community, member.as_deref()).await;
    // Ready or not, this reader goes past the barrier: the others must not wait for it forever.
    ready.wait().await;
    prepared?;
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut rng = Lcg(seed);
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut written = 0u64;
    // Readers start evenly spread over one pace, then keep their rhythm (an open loop: a slow
    // answer does not slow the arrivals down, as with real visitors).
    let mut next = Instant::now() + offset;
    while Instant::now() < until {
        if !pace.is_zero() && !writes {
            let now = Instant::now();
            if next > now {
                tokio::time::sleep(next - now).await;
            }
            // A request due after the measure's end is not asked (it would stretch the
            // measured time by up to a pace).
            if next >= until {
                break;
            }
            next += pace;
        }
        // A member's pace: the flood limit refuses more than ten posts a minute from one member
        // (moderation), so a writer replies every six seconds, within the measured time.
        if writes && written > 0 {
            let due = Instant::now() + Duration::from_secs(6);
            if due >= until {
                break;
            }
            tokio::time::sleep(Duration::from_secs(6)).await;
        }
        let (id, slug, posts) = &topics[rng.skewed(topics.len())];
        // What to ask: the kind of page, its path, and the form posted (replies).
        let (kind, path, form) = if writes {
            let (_, page) = client.get(&format!("{community}/t/{id}/{slug}")).await?;
            let token = csrf_in(&String::from_utf8_lossy(&page)).unwrap_or_default();
            written += 1;
            let key = format!("{:064x}", u128::from(seed) << 32 | u128::from(written));
            (
                "reply",
                format!("{community}/t/{id}/reply"),
                Some([
                    // Each text its own: the same long text twice is held as a repeat.
                    (
                        "body",
                        format!("Une réponse du banc d'essai, la {written}e de {seed}."),
                    ),
                    ("_key", key),
                    ("_csrf", token),
                ]),
            )
        } else {
            let (kind, path) = match rng.below(20) {
                0..=15 => {
                    let pages = jardinier_community::page_count(*posts);
                    let page = 1 + rng.below(pages as usize);
                    ("topic", format!("{community}/t/{id}/{slug}?page={page}"))
                }
                16 | 17 => (
                    "category",
                    format!(
                        "{community}/categories/{}",
                        CATEGORIES[rng.below(CATEGORIES.len())]
                    ),
                ),
                // The words are ASCII: a space is all there is to encode.
                18 => (
                    "search",
                    format!(
                        "{community}/search?q={}",
                        SEARCHES[rng.below(SEARCHES.len())].replace(' ', "+")
                    ),
                ),
                _ => ("home", format!("{community}/")),
            };
            (kind, path, None)
        };
        let started = Instant::now();
        let answered = match &form {
            Some(fields) => {
                let fields = fields.each_ref().map(|(k, v)| (*k, v.as_str()));
                client.post_form(&path, &fields).await
            }
            None => client.get(&path).await,
        };
        match answered {
            Ok((status, _)) => {
                latencies.push((kind, started.elapsed().as_secs_f64() * 1_000.0));
                if !(status.is_success() || status.is_redirection()) {
                    errors += 1;
                }
            }
            Err(_) => errors += 1,
        }
    }
    Ok((latencies, errors, (!writes).then(Instant::now)))
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 * q) as usize).min(sorted.len() - 1)]
}

pub async fn run(
    posts: usize,
    topics: usize,
    readers: usize,
    seconds: u64,
    rate: u64,
    database: Option<String>,
    anonymous_cache_seconds: u64,
) -> anyhow::Result<()> {
    let dir = jardinier_store::testing::TempDir::new("bench-community");
    let url = database.unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.0.display()));
    let loaded = load(&url, posts, topics.max(1)).await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let base = format!("http://{address}");
    let state = crate::bench::web_state(loaded.store.clone(), &base);
    // The site as the server runs it, its anonymous pages kept as configured.
    let mut site_config = jardinier_site::SiteConfig::new(&base);
    site_config.anonymous_cache = Duration::from_secs(anonymous_cache_seconds);
    let site = jardinier_site::SiteState::new(
        loaded.store.clone(),
        site_config,
        Default::default(),
        Some(state.ingestor.clone()),
    );
    let app = Application::from_listener(listener, state)
        .in_front(|workbench| jardinier_site::in_front_of(workbench, site));
    tokio::spawn(app.serve(std::future::pending()));

    let topics = Arc::new(loaded.topics);
    // The readers sign in (a password check each, a few seconds of CPU for a hundred of them),
    // then all start reading at once: `started` is when the last one is ready.
    let ready = Arc::new(tokio::sync::Barrier::new(readers + 1));
    // The pages per second asked of the server, shared by the readers (0: as fast as it answers).
    let pace = if rate == 0 {
        Duration::ZERO
    } else {
        // Shared by the readers that read (the writers reply at their own pace).
        Duration::from_secs_f64(readers.saturating_sub(WRITERS).max(1) as f64 / rate as f64)
    };
    let mut tasks = Vec::new();
    for i in 0..readers {
        // Half the readers are signed-in members; four of them write.
        let member = (i % 2 == 1).then(|| loaded.members[i % loaded.members.len()].clone());
        let writes = i % 2 == 1 && i < 2 * WRITERS;
        tasks.push(tokio::spawn(reader(
            address.clone(),
            member,
            topics.clone(),
            10_000 + i as u64,
            writes,
            Schedule {
                pace,
                offset: pace.mul_f64(i as f64 / readers as f64),
                seconds,
                ready: ready.clone(),
            },
        )));
    }
    ready.wait().await;
    let started = Instant::now();
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut last = None;
    for task in tasks {
        let (mut l, e, finished) = task.await??;
        latencies.append(&mut l);
        errors += e;
        last = last.max(finished);
    }
    // Pages are counted over the time they were asked and answered in.
    let elapsed = last
        .unwrap_or_else(Instant::now)
        .duration_since(started)
        .as_secs_f64();
    let of = |kind: &str| {
        let mut v: Vec<f64> = latencies
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, l)| *l)
            .collect();
        v.sort_by(f64::total_cmp);
        v
    };
    let round = |x: f64| (x * 10.0).round() / 10.0;
    let mut kinds = serde_json::Map::new();
    for kind in ["topic", "category", "search", "home", "reply"] {
        let v = of(kind);
        eprintln!(
            "bench community: {kind:8} {:7} requests, p50 {:7.1} ms, p99 {:7.1} ms",
            v.len(),
            percentile(&v, 0.5),
            percentile(&v, 0.99)
        );
        kinds.insert(
            kind.to_owned(),
            serde_json::json!({"requests": v.len(), "p50_ms": round(percentile(&v, 0.5)), "p99_ms": round(percentile(&v, 0.99))}),
        );
    }
    let topic = of("topic");
    let pages = latencies.iter().filter(|(k, _)| *k != "reply").count();
    println!(
        "{}",
        serde_json::json!({
            "bench": "community",
            "backend": if url.starts_with("postgres") { "postgres" } else { "sqlite" },
            "posts": loaded.posts,
            "topics": topics.len(),
            "readers": readers,
            "seconds": seconds,
            "rate_asked": rate,
            "requests": latencies.len(),
            "pages_per_s": round(pages as f64 / elapsed),
            "topic_p50_ms": round(percentile(&topic, 0.5)),
            "topic_p99_ms": round(percentile(&topic, 0.99)),
            "search_p99_ms": round(percentile(&of("search"), 0.99)),
            "errors": errors,
            "kinds": kinds,
            "peak_rss_mb": crate::bench::peak_rss_mb(),
        })
    );
    Ok(())
}
