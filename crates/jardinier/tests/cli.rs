//! The `jardinier` binary as an admin uses it: migrate, user add, configuration errors, and the
//! demo server started, used over HTTP and stopped with SIGTERM.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::{jardinier, start_demo_with};
use jardinier_store::testing::{TempDir, TestDatabase};

fn run(command: &mut Command, stdin: &str) -> (i32, String, String) {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn migrate_brings_both_backends_up_to_date() {
    let dir = TempDir::new("cli");
    let sqlite = TestDatabase::sqlite();
    let (code, out, err) = run(
        jardinier(&dir)
            .arg("migrate")
            .env("JARDINIER_DATABASE_URL", &sqlite.url),
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("The sqlite database is up to date."), "{out}");
    if let Some(pg) = TestDatabase::postgres().await {
        let (code, out, err) = run(
            jardinier(&dir)
                .arg("migrate")
                .env("JARDINIER_DATABASE_URL", &pg.url),
            "",
        );
        assert_eq!(code, 0, "{err}");
        assert!(
            out.contains("The postgres database is up to date."),
            "{out}"
        );
    }
}

#[test]
fn user_add_creates_accounts_and_explains_mistakes() {
    let dir = TempDir::new("cli");
    let add =
        |args: &[&str], stdin: &str| run(jardinier(&dir).args(["user", "add"]).args(args), stdin);

    let (code, out, err) = add(
        &[
            "--email",
            "Margaux@Pollen.example",
            "--name",
            "Margaux",
            "--password-stdin",
            "--new-workspace",
            "Brûlerie du Canal",
        ],
        "a long password\n",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Created the account margaux@pollen.example"),
        "{out}"
    );
    assert!(out.contains("(/w/brulerie-du-canal)"), "{out}");

    let (code, out, _) = add(
        &[
            "--email",
            "camille@pollen.example",
            "--name",
            "Camille",
            "--workspace",
            "brulerie-du-canal",
            "--role",
            "manager",
        ],
        "",
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("Generated password (shown once): ") && out.contains("as manager"),
        "{out}"
    );

    let (code, _, err) = add(
        &[
            "--email",
            "margaux@pollen.example",
            "--name",
            "Again",
            "--password-stdin",
        ],
        "another long password\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("already exists"), "{err}");

    let (code, _, err) = add(
        &["--email", "not-an-email", "--name", "", "--password-stdin"],
        "short\n",
    );
    assert_eq!(code, 1);
    for expected in [
        "--email: This is not a valid e-mail address",
        "--display-name: This field is required.",
        "--password: The password needs at least 10 characters.",
    ] {
        assert!(err.contains(expected), "{err}");
    }

    // A wrong workspace is found before anything is created.
    let (code, _, err) = add(
        &[
            "--email",
            "lou@pollen.example",
            "--name",
            "Lou",
            "--workspace",
            "nope",
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("no workspace named \"nope\""), "{err}");
    let (code, _, err) = add(
        &[
            "--email",
            "lou@pollen.example",
            "--name",
            "Lou",
            "--workspace",
            "brulerie-du-canal",
            "--role",
            "pilot",
        ],
        "",
    );
    assert_eq!(code, 1);
    assert!(err.contains("--role \"pilot\" is not a role"), "{err}");
    let (code, _, err) = add(
        &[
            "--email",
            "lou@pollen.example",
            "--name",
            "Lou",
            "--workspace",
            "brulerie-du-canal",
        ],
        "",
    );
    assert_eq!(
        code, 0,
        "lou was not half-created by the failed attempts: {err}"
    );
}

#[test]
fn configuration_errors_stop_with_a_clear_message() {
    let dir = TempDir::new("cli");
    let (code, _, err) = run(
        jardinier(&dir)
            .arg("migrate")
            .env("JARDINIER_DATABASE_URL", "mysql://localhost/x"),
        "",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("database.url \"mysql://localhost/x\" is not supported"),
        "{err}"
    );
    std::fs::write(
        dir.0.join("jardinier.toml"),
        "[mail]\ntransport = \"pigeon://loft\"\n",
    )
    .unwrap();
    let (code, _, err) = run(jardinier(&dir).arg("migrate"), "");
    assert_eq!(code, 2);
    assert!(
        err.contains("mail.transport") && err.contains("SMTP URL"),
        "{err}"
    );
    let (code, _, err) = run(
        jardinier(&dir).args(["--config", "missing.toml", "migrate"]),
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("missing.toml does not exist"), "{err}");
}

#[tokio::test]
async fn the_demo_serves_signs_in_and_stops_cleanly_on_sigterm() {
    let dir = TempDir::new("demo");
    // Metrics on an address of their own (issue 14, defect 4): a free port, taken back at once.
    let metrics_address = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let (mut child, base) = start_demo_with(
        &dir,
        &[("JARDINIER_METRICS_BIND", metrics_address.as_str())],
    );
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let main_metrics = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert_eq!(main_metrics.status(), 404, "not on the public address");
    let own = client
        .get(format!("http://{metrics_address}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 200);
    assert!(own.text().await.unwrap().contains("jardinier_build_info"));
    let login = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let start = login.find(marker).unwrap() + marker.len();
    let csrf = &login[start..start + 64];
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", "camille@pollen-agence.example"),
            ("password", "jardinier-demo"),
            ("next", "/"),
            ("_csrf", csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.url().path(), "/w/brulerie-du-canal");
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Brûlerie du Canal") && html.contains("Vélos Lumière"),
        "both demo brands"
    );
    let mail_log = client
        .get(format!("{base}/dev/mail"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        mail_log.contains("nadia@pollen-agence.example"),
        "the demo invitation e-mail is in the log"
    );
    assert!(dir.0.join("jardinier-data/demo.db").exists());
    // A live inbox page is open while the server stops: its stream must not hold the stop.
    let live = client
        .get(format!("{base}/w/brulerie-du-canal/inbox/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "SIGTERM is a clean stop: {exit:?}");
    drop(live);
    // The demo has exited: the threads copying its output reach the end of the pipes soon.
    let mut log = common::demo_log(&dir);
    for _ in 0..50 {
        if log.contains("stopped cleanly") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        log = common::demo_log(&dir);
    }
    assert!(log.contains("stopped cleanly"), "{log}");
}

#[test]
fn analyze_scores_each_line_as_json() {
    let dir = TempDir::new("cli");
    let input = "Franchement déçu, le colis est arrivé cassé et le SAV ne répond pas.\nBest coffee in Paris, the staff is lovely 😍\nLa boutique ouvre à 9h.\n";
    let (code, out, err) = run(jardinier(&dir).arg("analyze"), input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary: Vec<(&str, &str)> = lines
        .iter()
        .map(|v| {
            (
                v["lang"].as_str().unwrap(),
                v["sentiment"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![("fr", "negative"), ("en", "positive"), ("fr", "neutral")]
    );
    assert!(lines[0]["score"].as_f64().unwrap() < 0.0);
    assert!(lines[1]["score"].as_f64().unwrap() > 0.0);
}

#[test]
fn analyze_eval_measures_a_labelled_file_and_names_a_bad_line() {
    let dir = TempDir::new("cli");
    let file = dir.0.join("labelled.tsv");
    std::fs::write(
        &file,
        "negative\tFranchement déçu, le colis est arrivé cassé.\n\
         positive\tBest coffee in Paris, the staff is lovely\n\
         neutral\tLa boutique ouvre à 9h.\n",
    )
    .unwrap();
    let (code, out, err) = run(jardinier(&dir).arg("analyze").arg("--eval").arg(&file), "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("binary accuracy 1.000") && out.contains("2 of 2 positive/negative texts"),
        "{out}"
    );
    assert!(
        out.contains("3-class accuracy") && out.contains("95 % CI"),
        "{out}"
    );
    assert!(out.contains("gold \\ predicted"), "{out}");

    std::fs::write(&file, "positive\tfine\nbof\tnot a label\n").unwrap();
    let (code, _, err) = run(jardinier(&dir).arg("analyze").arg("--eval").arg(&file), "");
    assert_ne!(code, 0);
    assert!(
        err.contains("line 2") && err.contains("unknown label \"bof\""),
        "{err}"
    );

    let (code, _, err) = run(
        jardinier(&dir).arg("analyze").arg("--bench"),
        "Super café, je recommande !\nThe delivery was late.\n",
    );
    assert_eq!(code, 0, "{err}");
    let figures: serde_json::Value = serde_json::from_str(err.trim()).unwrap();
    assert!(figures["texts_per_s"].as_f64().unwrap() > 0.0, "{err}");
}

#[tokio::test]
async fn import_reads_ndjson_and_csv_and_reports_bad_lines() {
    let dir = TempDir::new("cli");
    let db = format!("sqlite://{}/import.db", dir.0.display());
    let (code, _, err) = run(
        jardinier(&dir)
            .args([
                "user",
                "add",
                "--email",
                "o@b.example",
                "--name",
                "O",
                "--new-workspace",
                "Brand",
            ])
            .env("JARDINIER_DATABASE_URL", &db),
        "",
    );
    assert_eq!(code, 0, "{err}");
    std::fs::write(
        dir.0.join("history.ndjson"),
        concat!(
            "{\"id\": \"h1\", \"text\": \"Super café à la Brûlerie\", \"author\": \"Léa\", \"published_at\": \"2025-03-01T10:00:00Z\"}\n",
            "{\"id\": \"h2\", \"text\": \"Livraison en retard, déçu\"}\n",
            "not json\n",
            "\n",
            "{\"items\": [{\"id\": \"h3\", \"text\": \"Encore un\"}, {\"id\": \"h4\"}]}\n",
        ),
    )
    .unwrap();
    let import = |file: &str| {
        run(
            jardinier(&dir)
                .args(["import", "--workspace", "brand", file])
                .env("JARDINIER_DATABASE_URL", &db),
            "",
        )
    };
    let (code, out, err) = import("history.ndjson");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Imported 3 of 4 records into Brand"), "{out}");
    assert!(
        err.contains("line 3: the body is not JSON")
            && err.contains("line 5: items[1].text: missing or empty"),
        "{err}"
    );
    let (_, out, _) = import("history.ndjson");
    assert!(
        out.contains("Imported 0 of 4") && out.contains("3 were already there"),
        "running it again stores nothing twice: {out}"
    );

    std::fs::write(
        dir.0.join("export.csv"),
        "id,date,author,text,url,reach\nc1,2025-04-02T08:00:00Z,Sam,\"Très bon accueil, merci\",https://x.example/1,120\nc2,yesterday,Tom,Bof,,\nc3,,Zoé,\"Avec une virgule, et des \"\"guillemets\"\"\",,abc\n",
    )
    .unwrap();
    let (code, out, err) = import("export.csv");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Imported 1 of 3"), "{out}");
    assert!(
        err.contains("line 3: published_at \"yesterday\" is not an RFC 3339 date")
            && err.contains("line 4: reach \"abc\" is not a whole number"),
        "{err}"
    );
    std::fs::write(dir.0.join("bad.csv"), "name,comment\nx,y\n").unwrap();
    let (code, _, err) = import("bad.csv");
    assert_eq!(code, 1);
    assert!(
        err.contains("must name at least an id and a text column"),
        "{err}"
    );
    let (code, _, err) = import("notes.txt");
    assert_eq!(code, 1);
    assert!(err.contains("add --format ndjson or --format csv"), "{err}");
}

#[test]
fn community_import_reads_an_archive_and_names_what_is_wrong() {
    let dir = TempDir::new("cli");
    let (code, _, err) = run(
        jardinier(&dir).args([
            "user",
            "add",
            "--email",
            "margaux@pollen.example",
            "--name",
            "Margaux",
            "--password-stdin",
            "--new-workspace",
            "Brûlerie",
        ]),
        "a long password\n",
    );
    assert_eq!(code, 0, "{err}");
    let import = |file: &str| {
        run(
            jardinier(&dir).args(["community-import", "--workspace", "brulerie", file]),
            "",
        )
    };
    std::fs::write(dir.0.join("wrong.json"), r#"{"hello": "world"}"#).unwrap();
    let (code, _, err) = import("wrong.json");
    assert_ne!(code, 0);
    assert!(
        err.contains("wrong.json is not a community archive"),
        "{err}"
    );
    let archive = r##"{"format":"jardinier-community","version":1,"exported_at":"2026-12-06T03:30:00Z",
      "workspace":"old","site":null,
      "categories":[{"slug":"questions","name":"Questions","description":"","colour":"#aa5500",
        "position":1,"kind":"questions","read":"everyone","post":"members"}],
      "charter":null,
      "members":[{"handle":"lea","name":"Léa","email":"lea@example.org","bio":"","language":"fr",
        "joined_at":"2026-12-01T10:00:00Z","verified":true}],
      "topics":[{"id":7,"category":"ideas","title":"Quel terreau ?","slug":"quel-terreau",
        "author":{"member":"lea"},"created_at":"2026-12-01T10:00:00Z","pinned":false,
        "closed":false,"archived":false,"accepted_answer":null,"idea_status":null,"votes":0,
        "tags":[],"posts":[{"number":1,"author":{"member":"lea"},"markdown":"Bonjour",
        "status":"visible","created_at":"2026-12-01T10:00:00Z","edited_at":null}]}]}"##;
    // A topic in a category the archive does not list: named, and nothing written.
    std::fs::write(dir.0.join("archive.json"), archive).unwrap();
    let (code, _, err) = import("archive.json");
    assert_ne!(code, 0);
    assert!(
        err.contains("topic 7 (\"Quel terreau ?\") is in category \"ideas\""),
        "{err}"
    );
    std::fs::write(
        dir.0.join("archive.json"),
        archive.replace("\"category\":\"ideas\"", "\"category\":\"questions\""),
    )
    .unwrap();
    let (code, out, err) = import("archive.json");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("imported into brulerie: 1 category, 1 member, 1 topic, 1 post"),
        "{out}"
    );
    let (code, _, err) = import("archive.json");
    assert_ne!(code, 0);
    assert!(err.contains("already has topics"), "{err}");
}

/// A local server answering as a Discourse forum with responses recorded from
/// meta.discourse.org (`crates/discourse/tests/fixtures`, see its README): `/site.json`,
/// `/latest.json` and five topics; every other address answers 404, as Discourse does for a
/// topic it does not have. Returns its address.
fn replay_discourse() -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../discourse/tests/fixtures");
            let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
                let fixtures = fixtures.clone();
                async move {
                    let file = match uri.path() {
                        "/site.json" => "site.json".to_owned(),
                        "/categories.json" => "categories.json".to_owned(),
                        // Only the first page was recorded.
                        "/latest.json" if uri.query().is_none() => "latest_full.json".to_owned(),
                        path => match path
                            .strip_prefix("/t/")
                            .and_then(|rest| rest.strip_suffix(".json"))
                            .and_then(|id| id.parse::<i64>().ok())
                        {
                            Some(id) => format!("t_{id}.json"),
                            None => String::new(),
                        },
                    };
                    match std::fs::read(fixtures.join(&file)) {
                        Ok(bytes) if !file.is_empty() => (
                            axum::http::StatusCode::OK,
                            [("content-type", "application/json")],
                            bytes,
                        ),
                        _ => (
                            axum::http::StatusCode::NOT_FOUND,
                            [("content-type", "application/json")],
                            br#"{"errors":["The requested URL or resource could not be found."],"error_type":"not_found"}"#.to_vec(),
                        ),
                    }
                }
            });
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

#[test]
fn discourse_import_brings_a_forum_s_categories_topics_and_members() {
    let dir = TempDir::new("cli");
    let forum = replay_discourse();
    for workspace in ["Forum", "Essai"] {
        let (code, _, err) = run(
            jardinier(&dir).args([
                "user",
                "add",
                "--email",
                &format!("margaux@{}.example", workspace.to_lowercase()),
                "--name",
                "Margaux",
                "--password-stdin",
                "--new-workspace",
                workspace,
            ]),
            "a long password\n",
        );
        assert_eq!(code, 0, "{err}");
    }
    // Every topic of the latest list: none of those pages was recorded, so each is named as
    // left out with the forum's answer; the categories come.
    let (code, out, err) = run(
        jardinier(&dir).args([
            "discourse-import",
            "--workspace",
            "essai",
            "--pause-ms",
            "0",
            &forum,
        ]),
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("topic 11557 left out:") && err.contains("answered 404"),
        "{err}"
    );
    assert!(
        out.contains("26 categories, 0 members, 0 topics, 0 posts"),
        "{out}"
    );

    // The recorded topics, asked by id (one a private message, which stays out).
    let mut args = vec![
        "discourse-import",
        "--workspace",
        "forum",
        "--pause-ms",
        "0",
    ];
    for id in ["280", "28830", "9", "299", "2480"] {
        args.extend(["--topic", id]);
    }
    args.push(&forum);
    let (code, out, err) = run(jardinier(&dir).args(&args), "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("26 categories") && out.contains("5 topics"),
        "{out}\n{err}"
    );

    // What the community now holds: the topics with their Markdown, authors as members.
    let url = format!(
        "sqlite://{}",
        dir.0.join("jardinier-data/jardinier.db").display()
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use jardinier_store::{CommunityStore, Store};
        let store = jardinier_store::connect(&url).await.unwrap();
        let forum = store.workspace_by_slug("forum").await.unwrap().unwrap();
        let topics = store.community_topics_after(forum.id, 0, 10).await.unwrap();
        assert_eq!(topics.len(), 5);
        let rate = topics
            .iter()
            .find(|t| t.title == "1.3.0beta9: No rate-limit popups")
            .expect("the topic");
        let posts = store.community_posts(rate.id, 1, 100).await.unwrap();
        assert!(
            posts[0]
                .body_md
                .starts_with("Normally, actions such as Liking"),
            "{}",
            posts[0].body_md
        );
        assert!(
            posts[0].body_html.contains("<p>Normally"),
            "{}",
            posts[0].body_html
        );
        assert_eq!(posts[0].author.handle.as_deref(), Some("raceprouk"));
        assert!(posts.iter().all(|p| p.author.account_id.is_some()));
    });
}

#[test]
fn bench_community_reads_replies_and_prints_its_figures() {
    let dir = TempDir::new("cli");
    let (code, out, err) = run(
        jardinier(&dir).args([
            "bench",
            "community",
            "--posts",
            "6000",
            "--topics",
            "40",
            "--readers",
            "12",
            "--seconds",
            "2",
            "--rate",
            "100",
        ]),
        "",
    );
    assert_eq!(code, 0, "{err}");
    let figures: serde_json::Value = serde_json::from_str(out.lines().last().unwrap()).unwrap();
    assert_eq!(figures["errors"], 0, "{out}");
    assert_eq!(figures["topics"], 40);
    assert!(figures["posts"].as_i64().unwrap() >= 6_000, "{out}");
    // Signed-in readers and anonymous ones read every kind of page; four of them reply.
    for kind in ["topic", "category", "home", "reply"] {
        assert!(
            figures["kinds"][kind]["requests"].as_i64().unwrap() > 0,
            "no {kind} asked: {out}"
        );
    }
    // 100 pages a second asked: the readers keep to it (an open loop never asks more).
    let pages = figures["pages_per_s"].as_f64().unwrap();
    assert!(pages > 0.0 && pages <= 105.0, "{pages} pages a second");
    assert!(figures["topic_p99_ms"].as_f64().unwrap() > 0.0);
}

#[test]
fn screen_prints_scores_a_verdict_and_its_reasons_for_each_line() {
    let dir = TempDir::new("cli");
    let input = "Merci pour l'atelier de samedi, on a adoré !\n\
                 t'es vraiment qu'un c0nn@rd\n\
                 WINNER!! You have won a FREE cash prize, txt CLAIM to 80082 now\n\
                 Écrivez-moi à jean.dupont@example.org pour le lot\n\
                 Third time the damn app crashes, this is shit service\n";
    let (code, out, err) = run(jardinier(&dir).arg("screen"), input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let verdicts: Vec<&str> = lines
        .iter()
        .map(|v| v["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        ["allow", "hold", "block", "hold", "allow"],
        "{out}"
    );
    let insult = &lines[1]["reasons"][0];
    assert_eq!(insult["code"], "insult");
    assert_eq!(insult["words"][0]["text"], "c0nn@rd");
    assert!(lines[2]["spam"].as_f64().unwrap() >= 0.5, "{out}");
    assert!(lines[0]["spam"].as_f64().unwrap() < 0.5 && lines[0]["toxic"] == 0.0);
    assert_eq!(lines[3]["reasons"][0]["code"], "email");
    // Swearing at a product is not an insult: the complaint stays up.
    assert!(lines[4]["toxic"].as_f64().unwrap() < 0.5);
}

#[test]
fn screen_eval_measures_a_labelled_file_and_names_a_bad_line() {
    let dir = TempDir::new("cli");
    let file = dir.0.join("labelled.tsv");
    std::fs::write(
        &file,
        "spam\tWINNER!! You have won a FREE cash prize, txt CLAIM to 80082 now\n\
         ham\tSee you at the shop on Saturday\n",
    )
    .unwrap();
    let (code, out, err) = run(jardinier(&dir).arg("screen").arg("--eval").arg(&file), "");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("accuracy 1.000") && out.contains("95 % interval"),
        "{out}"
    );
    std::fs::write(&file, "spam\tok\nmaybe\tsomething\n").unwrap();
    let (code, _, err) = run(jardinier(&dir).arg("screen").arg("--eval").arg(&file), "");
    assert_ne!(code, 0);
    assert!(err.contains("line 2") && err.contains("\"maybe\""), "{err}");
}
