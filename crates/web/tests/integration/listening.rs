//! Listening from the web: the signed webhook, saved searches, the mentions stream.

use jardinier_domain::Role;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    webhook_deliveries_are_signed_idempotent_and_explained,
    saved_searches_are_checked_and_match_new_mentions,
    alerts_are_set_up_shown_and_acknowledged,
);

pub(crate) fn signed(secret: &str, body: &str) -> String {
    jardinier_listening::sign(secret, body.as_bytes())
}

pub(crate) async fn deliver(
    app: &TestApp,
    source_id: i64,
    body: &str,
    signature: Option<String>,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .post(app.url(&format!("/hooks/{source_id}")))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(signature) = signature {
        request = request.header("x-jardinier-signature", signature);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn webhook_source(app: &TestApp, slug: &str) -> (i64, String) {
    let response = app
        .post(
            &format!("/w/{slug}/listening/sources"),
            &[("name", "Zapier")],
        )
        .await;
    assert_eq!(
        location(&response),
        format!("/w/{slug}/listening/sources?done=source_created")
    );
    let ws = app.store.workspace_by_slug(slug).await.unwrap().unwrap();
    let source = app.store.sources(ws.id).await.unwrap().remove(0);
    (source.id, source.secret.unwrap())
}

async fn webhook_deliveries_are_signed_idempotent_and_explained(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let (source, secret) = webhook_source(&app, "brand").await;
    let page = app.text("/w/brand/listening/sources").await.1;
    assert!(
        page.contains(&format!("/hooks/{source}")) && page.contains(&secret),
        "the page shows how to connect"
    );

    let body = json!({"items": [
        {"id": "m1", "text": "Vraiment déçu par la Brûlerie", "author": {"name": "Léa", "handle": "@lea", "reach": 1200}, "url": "https://forum.example/t/9?utm_medium=social"},
        {"id": "m2", "text": "Un café parfait ce matin à la Brûlerie", "published_at": "2026-11-21T09:30:00Z"},
        {"id": "m3"},
    ]})
    .to_string();
    let (status, answer) = deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(
        (
            answer["accepted"].as_i64(),
            answer["rejected"][0]["path"].as_str()
        ),
        (Some(2), Some("items[2].text"))
    );
    let (status, answer) = deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    assert_eq!(
        (
            status,
            answer["accepted"].as_i64(),
            answer["repeats"].as_i64()
        ),
        (StatusCode::ACCEPTED, Some(0), Some(2)),
        "idempotent on ids"
    );

    let (status, answer) = deliver(&app, source, &body, Some(signed("wrong secret", &body))).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("bad_signature"))
    );
    let (status, answer) = deliver(&app, source, &body, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-Jardinier-Signature")
    );
    let broken = "{\"items\": [";
    let (status, answer) = deliver(&app, source, broken, Some(signed(&secret, broken))).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_body"))
    );
    let empty = "{\"items\": [{\"id\": \"x\"}]}";
    let (status, answer) = deliver(&app, source, empty, Some(signed(&secret, empty))).await;
    assert_eq!(
        (status, answer["rejected"][0]["message"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("missing or empty"))
    );
    let (status, _) = deliver(&app, 9_999, &body, Some(signed(&secret, &body))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    app.post(
        &format!("/w/brand/listening/sources/{source}/enabled"),
        &[("enabled", "false")],
    )
    .await;
    let (status, answer) = deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    assert_eq!(
        (status, answer["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("source_paused"))
    );
    assert!(
        app.text("/w/brand/listening/sources")
            .await
            .1
            .contains("paused")
    );

    // Feeds are added with their address and rhythm, checked first.
    let response = app
        .post(
            "/w/brand/listening/sources/feeds",
            &[
                ("name", "Blog"),
                ("url", "blog.example.com/feed"),
                ("minutes", "2"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"f-feed_url-error\">Enter a full http(s) address")
            && html.contains("id=\"f-feed_minutes-error\">Enter a number"),
        "{html}"
    );
    let response = app
        .post(
            "/w/brand/listening/sources/feeds",
            &[
                ("name", "Blog"),
                ("url", "https://blog.example.com/feed"),
                ("minutes", "30"),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/listening/sources?done=feed_created"
    );
    let feed = app
        .store
        .sources(ws.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.kind == "feed")
        .unwrap();
    assert_eq!(
        (feed.interval_secs, feed.config.as_str()),
        (1_800, "{\"url\":\"https://blog.example.com/feed\"}")
    );

    // Social sources: Bluesky's public API is the default address; Mastodon needs its instance.
    let response = app
        .post(
            "/w/brand/listening/sources/social",
            &[
                ("kind", "mastodon"),
                ("name", "Masto"),
                ("search", "#brulerie"),
                ("base", ""),
                ("minutes", "15"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post(
            "/w/brand/listening/sources/social",
            &[
                ("kind", "bluesky"),
                ("name", "Bsky"),
                ("search", "brulerie du canal"),
                ("base", ""),
                ("minutes", "15"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let bsky = app
        .store
        .sources(ws.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.kind == "bluesky")
        .unwrap();
    assert_eq!(
        bsky.config,
        "{\"base\":\"https://public.api.bsky.app\",\"search\":\"brulerie du canal\"}"
    );

    let response = app
        .post(
            "/w/brand/listening/sources/social",
            &[
                ("kind", "mastodon"),
                ("name", "Masto live"),
                ("search", "#brulerie"),
                ("base", "https://mastodon.example"),
                ("minutes", "15"),
                ("stream", "on"),
                ("token", "tok-secret"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let live = app
        .store
        .sources(ws.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "Masto live")
        .unwrap();
    assert_eq!(
        (live.config.as_str(), live.secret.as_deref()),
        (
            "{\"base\":\"https://mastodon.example\",\"search\":\"#brulerie\",\"stream\":true}",
            Some("tok-secret")
        )
    );

    // An IMAP mailbox: the password is kept as the secret and shown nowhere.
    let imap_form = |host: &'static str, password: &'static str| {
        [
            ("name", "Contact"),
            ("host", host),
            ("port", "993"),
            ("security", "tls"),
            ("username", "contact@brand.example"),
            ("password", password),
            ("mailbox", ""),
            ("minutes", "5"),
        ]
    };
    let response = app
        .post(
            "/w/brand/listening/sources/imap",
            &imap_form("imaps://mail.brand.example", ""),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = response.text().await.unwrap();
    assert!(
        page.contains("Enter a server name only") && page.contains("This field is required."),
        "{page}"
    );
    let response = app
        .post(
            "/w/brand/listening/sources/imap",
            &imap_form("mail.brand.example", "p4ss-du-contact"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let imap = app
        .store
        .sources(ws.id)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.kind == "imap")
        .unwrap();
    assert_eq!(
        (imap.config.as_str(), imap.secret.as_deref()),
        (
            "{\"host\":\"mail.brand.example\",\"mailbox\":\"INBOX\",\"port\":993,\"security\":\"tls\",\"username\":\"contact@brand.example\"}",
            Some("p4ss-du-contact")
        )
    );
    let sources_page = app.text("/w/brand/listening/sources").await.1;
    assert!(sources_page.contains("Contact") && !sources_page.contains("p4ss-du-contact"));

    // The stream shows what arrived, with its analysis; filters narrow it.
    let stream = app.text("/w/brand/listening").await.1;
    assert_eq!(stream.matches("data-testid=\"mention\"").count(), 2);
    assert!(
        stream.contains("Léa (@lea)")
            && stream.contains("1,200 followers")
            && stream.contains("forum.example")
    );
    let negative = app.text("/w/brand/listening?sentiment=negative").await.1;
    assert_eq!(negative.matches("data-testid=\"mention\"").count(), 1);
    assert!(negative.contains("Vraiment déçu"));

    // Correcting a sentiment is kept and counted.
    let item = app
        .store
        .items(&jardinier_store::ItemFilter {
            workspace_id: ws.id,
            sentiment: Some("negative".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap()
        .remove(0);
    let response = app
        .post(
            &format!("/w/brand/listening/items/{}/sentiment", item.id),
            &[("sentiment", "neutral"), ("next", "/w/brand/listening")],
        )
        .await;
    assert_eq!(location(&response), "/w/brand/listening");
    assert!(
        app.text("/w/brand/listening?sentiment=negative")
            .await
            .1
            .contains("No mention matches these filters")
    );
    assert!(
        app.text("/w/brand/listening")
            .await
            .1
            .contains("1 sentiment correction made by the team")
    );
    assert_eq!(app.store.sentiment_corrections(ws.id).await.unwrap(), 1);
}

async fn saved_searches_are_checked_and_match_new_mentions(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "tom@brand.example", Role::Analyst).await;
    app.login("camille@brand.example").await;
    app.post("/lang", &[("lang", "fr"), ("next", "/")]).await;
    let (source, secret) = webhook_source(&app, "brand").await;
    let body = json!({"items": [{"id": "old-1", "text": "La Brûlerie du Canal, déçu"}, {"id": "old-2", "text": "Rien à voir"}]}).to_string();
    deliver(&app, source, &body, Some(signed(&secret, &body))).await;

    // The live check: a translated error with its column, or the matches among recent mentions.
    let check: Value = app
        .get("/w/brand/listening/check?q=brulerie%20AND")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(check["valid"], false);
    assert_eq!(
        check["message"],
        "Colonne 13 : un mot, une \"phrase\" ou un ( groupe ) est attendu après AND"
    );
    let check: Value = app
        .get("/w/brand/listening/check?q=brulerie")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            check["valid"].as_bool(),
            check["matches"].as_i64(),
            check["scanned"].as_i64()
        ),
        (Some(true), Some(1), Some(2))
    );
    assert!(
        check["preview"][0]["text"]
            .as_str()
            .unwrap()
            .contains("Brûlerie")
    );

    // Saving an invalid query keeps what was typed and explains, in French, where.
    let response = app
        .post(
            "/w/brand/listening/queries",
            &[
                ("name", "Marque"),
                ("kind", "brand"),
                ("query", "(brulerie OR canal"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Colonne 1 : la parenthèse ouverte colonne 1 n&#39;est jamais fermée"),
        "{html}"
    );
    assert!(html.contains("(brulerie OR canal</textarea>"));
    assert!(app.store.listening_queries(ws.id).await.unwrap().is_empty());

    let response = app
        .post(
            "/w/brand/listening/queries",
            &[
                ("name", "Marque"),
                ("kind", "brand"),
                ("query", "brulerie OR #brulerie"),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/listening/queries?done=query_saved"
    );
    let query = app.store.listening_queries(ws.id).await.unwrap().remove(0);
    // Mentions that arrive afterwards are matched at once: the matcher was reloaded.
    let body = json!({"id": "new-1", "text": "Encore un #Brulerie ce matin"}).to_string();
    let (_, answer) = deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    assert_eq!(answer["matched"].as_i64(), Some(1));
    let filtered = app
        .text(&format!("/w/brand/listening?query={}", query.id))
        .await
        .1;
    assert_eq!(filtered.matches("data-testid=\"mention\"").count(), 1);
    assert!(
        filtered.contains("Encore un #Brulerie")
            && filtered.contains("<span class=\"chip\">Marque</span>")
    );

    // Editing and archiving.
    let response = app
        .post(
            "/w/brand/listening/queries",
            &[
                ("id", &query.id.to_string()),
                ("name", "Marque FR"),
                ("kind", "brand"),
                ("query", "brulerie lang:fr"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.store.listening_queries(ws.id).await.unwrap()[0].query_text,
        "brulerie lang:fr"
    );
    app.post(
        &format!("/w/brand/listening/queries/{}/archive", query.id),
        &[],
    )
    .await;
    assert!(app.store.listening_queries(ws.id).await.unwrap().is_empty());

    // An analyst reads listening but does not change it.
    let tom = new_client();
    app.login_with(&tom, "tom@brand.example", PASSWORD).await;
    assert_eq!(
        app.get_with(&tom, "/w/brand/listening/queries")
            .await
            .status(),
        StatusCode::OK
    );
    let response = app
        .post_with(
            &tom,
            "/w/brand/listening/queries",
            &[("name", "x"), ("kind", "brand"), ("query", "x")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .post_with(
            &tom,
            &format!("/w/brand/listening/sources/{source}/enabled"),
            &[("enabled", "false")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

async fn alerts_are_set_up_shown_and_acknowledged(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    app.post(
        "/w/brand/listening/queries",
        &[("name", "Marque"), ("kind", "brand"), ("query", "brulerie")],
    )
    .await;
    let query = app.store.listening_queries(ws.id).await.unwrap().remove(0);
    let (source, secret) = webhook_source(&app, "brand").await;

    // Bad rule input is explained next to each field, nothing is stored.
    let q = query.id.to_string();
    let response = app
        .post(
            "/w/brand/listening/alerts/rules",
            &[
                ("query_id", &q),
                ("kind", "volume_spike"),
                ("window_minutes", "0"),
                ("sensitivity", "normal"),
                ("min_volume", "2"),
                ("ch_email", "oncall-brand.example"),
                ("ch_slack", "hooks.slack.com/x"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("id=\"f-window_minutes-error\">Enter a number in the allowed range.")
            && html.contains("id=\"f-ch_email-error\">This is not an e-mail address")
            && html.contains("id=\"f-ch_slack-error\">Paste the webhook")
            && html.contains("value=\"oncall-brand.example\""),
        "each wrong channel is named by its field, and what was typed stays: {html}"
    );
    let response = app
        .post(
            "/w/brand/listening/alerts/rules",
            &[
                ("query_id", &q),
                ("kind", "high_reach"),
                ("min_reach", "5000"),
            ],
        )
        .await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Choose at least one place to send the alert.")
    );
    assert!(app.store.alert_rules(ws.id).await.unwrap().is_empty());
    let response = app
        .post(
            "/w/brand/listening/alerts/rules",
            &[
                ("query_id", &q),
                ("kind", "keyword"),
                ("keywords", "(intox"),
                ("ch_email", "oncall@brand.example"),
            ],
        )
        .await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Column 1: the parenthesis opened at column 1 is never closed")
    );

    // A keyword rule with e-mail and a webhook to the local stand-in.
    let hook = app.url("/dev/hooks/slack");
    let response = app
        .post(
            "/w/brand/listening/alerts/rules",
            &[
                ("query_id", &q),
                ("kind", "keyword"),
                ("keywords", "intox* OR malade*"),
                ("ch_email", "oncall@brand.example"),
                ("ch_slack", &hook),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/listening/alerts?done=alert_rule_created"
    );
    let (_, page) = app.text("/w/brand/listening/alerts").await;
    assert!(page.contains("data-testid=\"no-open-alert\""));
    assert!(
        page.contains("words: intox* OR malade*")
            && page.contains(&format!(
                "E-mail oncall@brand.example, Slack (incoming webhook) {hook}"
            )),
        "the rule in words: {page}"
    );
    assert!(page.contains("data-testid=\"sensitivity-preview\""));

    let body = json!({"items": [{"id": "a", "text": "Clients malades après la brulerie ?!", "author": "Léa"}, {"id": "b", "text": "Encore des malades, brulerie", "author": "Sam"}]}).to_string();
    deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    app.ingestor.settle_alerts().await;
    let page = app.text("/w/brand/listening/alerts").await.1;
    assert_eq!(
        page.matches("data-testid=\"open-alert\"").count(),
        1,
        "two mentions of one burst, one alert"
    );
    assert!(
        page.contains("Watched words in «Marque»: Léa") && page.contains("2 mentions"),
        "{page}"
    );

    // The alert sender posts it to the local webhook stand-in, in Slack's format.
    let mut received = String::new();
    for _ in 0..50 {
        received = app.text("/dev/hooks").await.1;
        if received.contains("Watched words") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        received.contains("/dev/hooks/slack")
            && received.contains("{&#34;text&#34;:&#34;🚨 Watched words in «Marque»"),
        "{received}"
    );

    // The e-mail is in the mail outbox; its link shows the alert but only the button takes it.
    let mail = app
        .store
        .recent_mail(5)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.to == "oncall@brand.example")
        .unwrap();
    let link = mail
        .body_text
        .lines()
        .find(|l| l.contains("/alerts/ack/"))
        .unwrap()
        .trim()
        .to_owned();
    let path = link.strip_prefix(&app.base).unwrap().to_owned();
    let stranger = new_client();
    let shown = app.get_with(&stranger, &path).await.text().await.unwrap();
    assert!(shown.contains("Watched words in «Marque»"));
    assert_eq!(
        app.store.alerts(ws.id, 5).await.unwrap()[0].acknowledged_at,
        None,
        "opening the link acknowledges nothing"
    );
    let done = app
        .post_with(&stranger, &path, &[("name", "Inès (on call)")])
        .await
        .text()
        .await
        .unwrap();
    assert!(done.contains("Thank you, Inès (on call)"), "{done}");
    let again = app.get_with(&stranger, &path).await.text().await.unwrap();
    assert!(again.contains("Inès (on call) already took charge"));
    let page = app.text("/w/brand/listening/alerts").await.1;
    assert!(
        page.contains("Handled by Inès (on call)")
            && page.contains("data-testid=\"no-open-alert\"")
    );
    assert_eq!(
        app.get("/alerts/ack/not-a-token").await.status(),
        StatusCode::GONE
    );
}

#[tokio::test]
async fn the_dashboard_shows_volume_sentiment_share_of_voice_and_sites() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    app.post(
        "/w/brand/listening/queries",
        &[
            ("name", "Brûlerie"),
            ("kind", "brand"),
            ("query", "brulerie"),
        ],
    )
    .await;
    app.post(
        "/w/brand/listening/queries",
        &[("name", "Lomi"), ("kind", "competitor"), ("query", "lomi")],
    )
    .await;
    let (source, secret) = webhook_source(&app, "brand").await;
    let body = json!({"items": [
        {"id": "1", "text": "La brulerie est super #cafe", "url": "https://forum.example/1", "author": {"name": "Léa", "handle": "@lea", "reach": 90000}},
        {"id": "2", "text": "Vraiment déçu par la brulerie", "url": "https://forum.example/2", "author": "Sam"},
        {"id": "3", "text": "Lomi toujours top #cafe", "url": "https://blog.example/3", "author": "Tom"},
    ]})
    .to_string();
    deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    let (status, html) = app.text("/w/brand/listening/dashboard?days=1").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("data-testid=\"dashboard-total\">3<"),
        "{html}"
    );
    assert!(
        html.contains("<svg class=\"chart\"")
            && html.contains("<title>Brûlerie: 2</title>")
            && html.contains("<title>Lomi: 1</title>")
    );
    assert!(
        html.contains("2 (67 %)") && html.contains("forum.example"),
        "share of voice and sites"
    );
    assert!(
        html.contains("Léa (@lea)") && html.contains("90,000"),
        "authors by reach, the number grouped"
    );
    // Everything opens the matching mentions; terms keep their accents.
    assert!(
        html.contains("href=\"/w/brand/listening?author=%40lea\""),
        "{html}"
    );
    assert!(html.contains("href=\"/w/brand/listening?sentiment=negative\""));
    assert!(
        html.contains("/w/brand/listening?from="),
        "the bars open their day"
    );
    assert!(html.contains("déçu · 1"), "{html}");
    assert!(html.contains("Tone over time") && html.contains("Nothing in the previous period"));
    // A filter that finds nothing says so, with a way back (not "connect a source").
    let (_, none) = app.text("/w/brand/listening?q=zzzzqx").await;
    assert!(
        none.contains("data-testid=\"no-match\"") && !none.contains("connect a source"),
        "{none}"
    );
    assert!(html.contains("#cafe · 2"), "hashtags");
    assert!(
        html.contains(">33</span>"),
        "net sentiment: (2 positive − 1 negative) / 3 = 33"
    );
    // The same figures through the API.
    let token = app.api_token(&app.client, "brand").await;
    let (status, figures) = app
        .api_call(
            &token,
            reqwest::Method::GET,
            "dashboards/listening?days=1",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{figures}");
    assert_eq!(figures["mentions"], 3);
    assert_eq!(figures["sentiment"]["net"], 33);
    assert_eq!(
        figures["volume"].as_array().unwrap().len(),
        24,
        "hours of a day"
    );
    assert_eq!(
        figures["share_of_voice"][0]["name"], "Brûlerie",
        "{figures}"
    );
    assert_eq!(figures["share_of_voice"][0]["count"], 2);
    assert_eq!(
        figures["hashtags"][0],
        json!({"label": "#cafe", "count": 2})
    );
    assert_eq!(figures["authors"][0]["handle"], "@lea");
    // Over a week, today's mentions are in today's bar: days start at the workspace's midnight.
    let (_, week) = app
        .api_call(
            &token,
            reqwest::Method::GET,
            "dashboards/listening?days=7",
            None,
        )
        .await;
    let bars = week["volume"].as_array().unwrap();
    assert_eq!(bars.len(), 7);
    let paris = jiff::tz::TimeZone::get("Europe/Paris").unwrap();
    let today = jiff::Timestamp::now()
        .to_zoned(paris.clone())
        .date()
        .to_zoned(paris)
        .unwrap()
        .timestamp()
        .as_second();
    assert_eq!(bars[6], json!({"start": today, "count": 3}), "{week}");
    assert_eq!(
        week["tone"][6],
        json!({"start": today, "positive": 2, "neutral": 0, "negative": 1}),
        "{week}"
    );
    assert_eq!(week["previous"], json!({"mentions": 0, "net": null}));
    let (status, _) = app
        .api_call(
            &token,
            reqwest::Method::GET,
            "dashboards/listening?days=2",
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_archive_searches_with_inflections_dates_and_authors_and_exports() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let (source, secret) = webhook_source(&app, "brand").await;
    let body = json!({"items": [
        {"id": "1", "text": "Enfin remboursé après trois semaines", "author": "Léa", "published_at": "2026-11-10T10:00:00Z"},
        {"id": "2", "text": "Le remboursement n'arrive jamais #SAV", "author": {"name": "Sam", "handle": "@sam"}, "published_at": "2026-11-20T10:00:00Z"},
        {"id": "3", "text": "Rien à voir, un bon café", "author": "Tom", "published_at": "2026-11-20T11:00:00Z"},
    ]})
    .to_string();
    deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    let count = |html: &str| html.matches("data-testid=\"mention\"").count();
    assert_eq!(
        count(&app.text("/w/brand/listening?q=remboursements").await.1),
        2,
        "inflections are found"
    );
    assert_eq!(
        count(&app.text("/w/brand/listening?q=REMBOURSE+jamais").await.1),
        1,
        "every word must match"
    );
    assert_eq!(
        count(&app.text("/w/brand/listening?q=%23sav").await.1),
        1,
        "hashtags"
    );
    assert_eq!(
        count(
            &app.text("/w/brand/listening?q=rembourse&from=2026-11-15&to=2026-11-30")
                .await
                .1
        ),
        1,
        "dates"
    );
    assert_eq!(
        count(&app.text("/w/brand/listening?author=%40SAM").await.1),
        1,
        "authors by handle, any case"
    );

    let response = app
        .get("/w/brand/listening/export/csv?q=remboursement")
        .await;
    assert_eq!(
        response.headers()["content-disposition"],
        "attachment; filename=\"brand-mentions.csv\""
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(lines[0].starts_with("id,published_at,source,site,url,author"));
    assert!(
        csv.contains("Le remboursement n'arrive jamais #SAV")
            && csv.contains("2026-11-20T10:00:00Z")
    );
    let json: Vec<serde_json::Value> = app
        .get("/w/brand/listening/export/json?author=tom")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (json.len(), json[0]["text"].as_str()),
        (1, Some("Rien à voir, un bon café"))
    );
    assert_eq!(
        app.get("/w/brand/listening/export/xml").await.status(),
        StatusCode::NOT_FOUND
    );
}
