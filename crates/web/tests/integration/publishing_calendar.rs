//! The editorial calendar over HTTP: posts placed on their day in the workspace's time zone
//! (month, week, list, filters), the post's page with previews, history and comments, the
//! iCalendar feed behind its secret address, and planned posts out and back in as CSV.

use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    the_calendar_shows_exports_and_imports_planned_posts,
    short_links_count_clicks_and_results_add_up,
    queue_slots_and_repeats_place_posts
);

async fn the_calendar_shows_exports_and_imports_planned_posts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    for (kind, name) in [("mastodon", "Mastodon"), ("discord", "Discord")] {
        app.post(
            "/w/brand/publishing/channels",
            &[
                ("kind", kind),
                ("name", name),
                ("address", "https://social.example/x"),
                ("secret", "t"),
            ],
        )
        .await;
    }
    let channels = app.store.channels(ws.id).await.unwrap();
    let mastodon = channels.iter().find(|c| c.kind == "mastodon").unwrap().id;

    // Two posts next month via CSV, with a typo first: nothing is added, the line is named.
    let tz = jiff::tz::TimeZone::get(&ws.timezone).unwrap();
    let next_month = jiff::Timestamp::now()
        .to_zoned(tz.clone())
        .date()
        .first_of_month()
        .checked_add(jiff::Span::new().months(1))
        .unwrap();
    let day = next_month.checked_add(jiff::Span::new().days(9)).unwrap(); // the 10th
    let csv = format!(
        "title,date,time,channel,language,text,campaign,tags\n\
Moka,{day},09:30,Mastodon,fr,Nouveau moka,Arrivages,café\n\
Moka,{day},09:30,Discord,en,New moka,Arrivages,café\n\
Atelier,{day},18:00,Instagram,fr,Atelier,,\n"
    );
    let response = app
        .post("/w/brand/publishing/calendar/import", &[("csv", &csv)])
        .await;
    let page = response.text().await.unwrap();
    assert!(page.contains("calendar-import-errors"), "{page}");
    assert!(page.contains("4") && page.contains("Instagram"), "{page}");
    assert!(app.store.posts(ws.id, 10).await.unwrap().is_empty());
    let csv = csv.replace("Instagram", "discord");
    let response = app
        .post("/w/brand/publishing/calendar/import", &[("csv", &csv)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let posts = app.store.posts(ws.id, 10).await.unwrap();
    assert_eq!(posts.len(), 2);
    let (moka, deliveries) = posts.iter().find(|(p, _)| p.title == "Moka").unwrap();
    assert_eq!(deliveries.len(), 2);
    assert_eq!(moka.campaign, "Arrivages");
    let expected = day
        .at(9, 30, 0, 0)
        .to_zoned(tz.clone())
        .unwrap()
        .timestamp()
        .as_second();
    assert_eq!(
        moka.scheduled_at,
        Some(expected),
        "09:30 in the workspace's zone"
    );
    // A draft too.
    app.post(
        "/w/brand/publishing/posts",
        &[
            ("title", "Idée de jeu"),
            (&format!("text_{mastodon}"), "Un jeu ?"),
            ("intent", "draft"),
        ],
    )
    .await;

    // The month view puts both on the 10th; filters narrow; week and list views agree.
    let month = format!("/w/brand/publishing/calendar?view=month&date={day}");
    let (status, page) = app.text(&month).await;
    assert_eq!(status, StatusCode::OK);
    let cell = page
        .split(&format!("data-date=\"{day}\""))
        .nth(1)
        .unwrap()
        .split("</td>")
        .next()
        .unwrap();
    assert!(
        cell.contains("Moka") && cell.contains("09:30") && cell.contains("Atelier"),
        "{cell}"
    );
    assert!(page.contains("calendar-draft") && page.contains("Idée de jeu"));
    let (_, filtered) = app.text(&format!("{month}&campaign=Arrivages")).await;
    assert!(filtered.contains("Moka") && !filtered.contains(">18:00</time> Atelier"));
    let (_, week) = app
        .text(&format!(
            "/w/brand/publishing/calendar?view=week&date={day}"
        ))
        .await;
    assert_eq!(week.matches("data-testid=\"calendar-entry\"").count(), 2);
    let (_, list) = app
        .text(&format!(
            "/w/brand/publishing/calendar?view=list&date={day}"
        ))
        .await;
    assert!(
        list.find("Moka").unwrap() < list.find("Atelier").unwrap(),
        "in time order"
    );

    // The post's page: a preview per network with its count, history, and a comment.
    let (_, page) = app
        .text(&format!("/w/brand/publishing/posts/{}", moka.id))
        .await;
    assert_eq!(page.matches("data-testid=\"post-preview\"").count(), 2);
    assert!(
        page.contains("12 / 500"),
        "Mastodon's count of the text: {page}"
    );
    app.post(
        &format!("/w/brand/publishing/posts/{}/comments", moka.id),
        &[("text", "On ajoute une photo ?")],
    )
    .await;
    let events = app.store.post_events(ws.id, moka.id).await.unwrap();
    assert_eq!(
        events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(),
        ["created", "comment"]
    );
    let (_, page) = app
        .text(&format!("/w/brand/publishing/posts/{}", moka.id))
        .await;
    assert!(
        page.contains("On ajoute une photo ?") && page.contains("Camille commented"),
        "{page}"
    );

    // CSV out: every text, which reads back.
    let response = app.get("/w/brand/publishing/calendar.csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let exported = response.text().await.unwrap();
    assert!(exported.starts_with("title,date,time,channel,language,text,campaign,tags,state"));
    assert!(
        exported.contains(&format!(
            "Moka,{day},09:30,Mastodon,fr,Nouveau moka,Arrivages,café,scheduled"
        )),
        "{exported}"
    );
    assert!(
        exported.contains("Idée de jeu,,,Mastodon,,Un jeu ?,,,draft"),
        "{exported}"
    );

    // The iCalendar feed: only behind its secret address; a new address retires the old one.
    let page = app
        .post("/w/brand/publishing/calendar/feed", &[])
        .await
        .text()
        .await
        .unwrap();
    let marker = "data-testid=\"calendar-feed-url\">";
    let start = page.find(marker).unwrap() + marker.len();
    let url = page[start..].split('<').next().unwrap().to_owned();
    let anonymous = new_client();
    let response = anonymous.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let feed = response.text().await.unwrap();
    assert!(feed.starts_with("BEGIN:VCALENDAR\r\n"));
    assert_eq!(feed.matches("BEGIN:VEVENT").count(), 2, "{feed}");
    let start = jiff::Timestamp::from_second(expected)
        .unwrap()
        .strftime("%Y%m%dT%H%M%SZ")
        .to_string();
    assert!(feed.contains(&format!("DTSTART:{start}")), "{feed}");
    assert!(
        feed.replace("\r\n ", "")
            .contains("Mastodon (fr) : Nouveau moka")
    );
    app.post("/w/brand/publishing/calendar/feed", &[]).await;
    assert_eq!(
        anonymous.get(&url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
}

async fn short_links_count_clicks_and_results_add_up(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    app.post(
        "/w/brand/publishing/channels",
        &[
            ("kind", "mastodon"),
            ("name", "Mastodon"),
            ("address", "https://piaille.example"),
            ("secret", "t"),
        ],
    )
    .await;
    let channel = app.store.channels(ws.id).await.unwrap()[0].id;
    let response = app
        .post(
            "/w/brand/publishing/posts",
            &[
                ("title", "Moka"),
                (&format!("channel_{channel}"), "1"),
                ("common_fr", "Nouveau moka : https://brand.example/moka !"),
                ("campaign", "Arrivages"),
                ("utm_campaign", "arrivages"),
                ("shorten", "1"),
                ("intent", "draft"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (post, deliveries) = app.store.posts(ws.id, 10).await.unwrap().remove(0);
    let body = &deliveries[0].body;
    let short = body
        .split_whitespace()
        .find(|w| w.contains("/s/"))
        .unwrap_or_else(|| panic!("{body}"))
        .to_owned();
    assert!(
        body.starts_with("Nouveau moka : http") && body.ends_with(" !"),
        "{body}"
    );
    // The short link goes to the tagged address, and counts each click.
    let anonymous = new_client();
    for _ in 0..3 {
        let response = anonymous.get(&short).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FOUND);
        assert_eq!(
            location(&response),
            "https://brand.example/moka?utm_source=mastodon&utm_medium=social&utm_campaign=arrivages"
        );
    }
    let (_, page) = app
        .text(&format!("/w/brand/publishing/posts/{}", post.id))
        .await;
    let row = page.split("data-testid=\"short-link\"").nth(1).unwrap();
    assert!(
        row.split("</tr>").next().unwrap().contains("<td>3</td>"),
        "{row}"
    );

    // Published with counts read back: the results add up per post and campaign.
    let now = jardinier_outbound::unix_now();
    app.store
        .request_approval(&jardinier_store::ApprovalRequest {
            workspace_id: ws.id,
            post_id: post.id,
            scheduled_at: now - 60,
            token_hash: Some("h"),
            client_email: None,
            expires_at: now + 3_600,
            actor: "Camille",
            now,
        })
        .await
        .unwrap();
    app.store.decide_approval("h", true, "", now).await.unwrap();
    let job = app
        .store
        .claim_deliveries(now, now - 300, 10)
        .await
        .unwrap()
        .remove(0);
    app.store
        .finish_delivery(
            job.delivery.id,
            &jardinier_store::DeliveryOutcome::Sent {
                note: None,
                remote_id: "113".into(),
                remote_url: None,
            },
            now,
        )
        .await
        .unwrap();
    app.store
        .record_metrics(job.delivery.id, 12, 3, 2, now)
        .await
        .unwrap();
    let (status, page) = app.text("/w/brand/publishing/results").await;
    assert_eq!(status, StatusCode::OK);
    let likes = page.split("data-testid=\"results-likes\">").nth(1).unwrap();
    assert!(likes.starts_with("12<"), "{page}");
    let clicks = page
        .split("data-testid=\"results-clicks\">")
        .nth(1)
        .unwrap();
    assert!(clicks.starts_with("3<"));
    assert!(page.contains("data-testid=\"results-campaign\"><td>Arrivages</td><td>1</td><td>12</td><td>3</td><td>2</td><td>3</td>"), "{page}");
    assert!(
        page.contains("results-best-none"),
        "one post is not a pattern"
    );
    let (_, page) = app
        .text(&format!("/w/brand/publishing/posts/{}", post.id))
        .await;
    assert!(page.contains("12 likes · 3 shares · 2 replies"));
}

async fn queue_slots_and_repeats_place_posts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    app.post(
        "/w/brand/publishing/channels",
        &[
            ("kind", "discord"),
            ("name", "Discord"),
            ("address", "https://discord.example/h"),
        ],
    )
    .await;
    let channel = app.store.channels(ws.id).await.unwrap()[0].id.to_string();
    let text = format!("text_{channel}");
    // Without slots, "add to the queue" says what to do.
    let response = app
        .post(
            "/w/brand/publishing/posts",
            &[("title", "Moka"), (&text, "Moka"), ("intent", "queue")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .post(
            "/w/brand/publishing/queue",
            &[("channel", &channel), ("time", "09:00")],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "no day chosen"
    );
    let response = app
        .post(
            "/w/brand/publishing/queue",
            &[
                ("channel", &channel),
                ("day", "1"),
                ("day", "3"),
                ("time", "09:30"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.text("/w/brand/publishing/queue").await;
    assert_eq!(page.matches("data-testid=\"queue-slot\"").count(), 2);

    // Two posts to the queue take the next two free slots, in the workspace's zone.
    let tz = jiff::tz::TimeZone::get(&ws.timezone).unwrap();
    let now = jiff::Timestamp::now().to_zoned(tz.clone());
    let mut expected = Vec::new();
    let mut day = now.date();
    while expected.len() < 2 {
        let weekday = day.weekday().to_monday_one_offset();
        let at = day.at(9, 30, 0, 0).to_zoned(tz.clone()).unwrap();
        if (weekday == 1 || weekday == 3) && at.timestamp() > now.timestamp() {
            expected.push(at.timestamp().as_second());
        }
        day = day.tomorrow().unwrap();
    }
    for title in ["Premier", "Second"] {
        let response = app
            .post(
                "/w/brand/publishing/posts",
                &[("title", title), (&text, title), ("intent", "queue")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
    let posts = app.store.posts(ws.id, 10).await.unwrap();
    let at = |title: &str| {
        posts
            .iter()
            .find(|(p, _)| p.title == title)
            .unwrap()
            .0
            .scheduled_at
            .unwrap()
    };
    assert_eq!([at("Premier"), at("Second")], [expected[0], expected[1]]);

    // A weekly post three times: three posts a week apart at the same local time.
    let first = now.date().tomorrow().unwrap().at(10, 0, 0, 0);
    let when = first.strftime("%Y-%m-%dT%H:%M").to_string();
    let response = app
        .post(
            "/w/brand/publishing/posts",
            &[
                ("title", "Conseil"),
                (&text, "Le conseil de la semaine"),
                ("when", &when),
                ("repeat", "week"),
                ("repeat_count", "1"),
                ("intent", "schedule"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.post(
        "/w/brand/publishing/posts",
        &[
            ("title", "Conseil"),
            (&text, "Le conseil de la semaine"),
            ("when", &when),
            ("repeat", "week"),
            ("repeat_count", "3"),
            ("intent", "schedule"),
        ],
    )
    .await;
    let posts = app.store.posts(ws.id, 20).await.unwrap();
    let mut series: Vec<(String, i64)> = posts
        .iter()
        .filter(|(p, _)| p.title.starts_with("Conseil"))
        .map(|(p, _)| (p.title.clone(), p.scheduled_at.unwrap()))
        .collect();
    series.sort_by_key(|(_, at)| *at);
    let local: Vec<String> = series
        .iter()
        .map(|(_, at)| {
            jiff::Timestamp::from_second(*at)
                .unwrap()
                .to_zoned(tz.clone())
                .strftime("%H:%M")
                .to_string()
        })
        .collect();
    assert_eq!(
        series.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(),
        ["Conseil (1/3)", "Conseil (2/3)", "Conseil (3/3)"]
    );
    assert_eq!(local, ["10:00", "10:00", "10:00"]);
    let days = |a: i64, b: i64| {
        let d = |t: i64| {
            jiff::Timestamp::from_second(t)
                .unwrap()
                .to_zoned(tz.clone())
                .date()
        };
        (d(b) - d(a)).get_days()
    };
    assert_eq!(days(series[0].1, series[1].1), 7);
    assert_eq!(days(series[1].1, series[2].1), 7);
}
