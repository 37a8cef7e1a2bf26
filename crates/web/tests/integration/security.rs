//! Regressions from the outside review of issue 14 (security defects): each test names the
//! probe that found the hole.

use reqwest::StatusCode;
use serde_json::json;

use crate::both_backends;
use crate::helpers::*;
use crate::listening::{deliver, signed, webhook_source};

both_backends!(a_next_that_browsers_would_send_elsewhere_falls_back_to_the_home_page,);

/// Signs in through a trusted proxy (127.0.0.1) as the client at `from`; the status and page.
async fn sign_in_from(
    app: &TestApp,
    client: &reqwest::Client,
    from: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String) {
    let token = app.csrf(client).await;
    let mut fields = form.to_vec();
    fields.push(("_csrf", &token));
    let response = client
        .post(app.url(path))
        .header("x-forwarded-for", format!("198.51.100.99, {from}"))
        .form(&fields)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn behind_a_proxy(max_failed_logins: i64) -> Option<TestApp> {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.max_failed_logins = max_failed_logins;
        c.trusted_proxies =
            jardinier_domain::client_address::TrustedProxies::parse(&["127.0.0.1".into()]).unwrap();
    })
    .await?;
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;
    Some(app)
}

fn password_form<'a>(email: &'a str, password: &'a str) -> [(&'a str, &'a str); 3] {
    [("email", email), ("password", password), ("next", "/")]
}

/// Issue 14, defect 3: behind the TLS proxy every request came from the proxy's address, so a
/// few wrong passwords from anyone locked everyone out.
#[tokio::test]
async fn the_address_limit_counts_the_client_behind_a_trusted_proxy() {
    let Some(app) = behind_a_proxy(1).await else {
        return;
    };
    // The address limit is four failures here (four times the per-account one).
    for n in 0..4 {
        let email = format!("nobody{n}@brand.example");
        sign_in_from(
            &app,
            &new_client(),
            "203.0.113.7",
            "/login",
            &password_form(&email, "wrong"),
        )
        .await;
    }
    let owner = password_form("camille@brand.example", PASSWORD);
    assert_ne!(
        sign_in_from(&app, &new_client(), "203.0.113.7", "/login", &owner)
            .await
            .0,
        StatusCode::SEE_OTHER,
        "the guesser's address is held back"
    );
    assert_eq!(
        sign_in_from(&app, &new_client(), "192.0.2.10", "/login", &owner)
            .await
            .0,
        StatusCode::SEE_OTHER,
        "the owner, from another address behind the same proxy, signs in"
    );
}

/// Issue 14, defect 3: five wrong passwords by anyone kept the owner out for 15 minutes, again
/// and again. Now the guesser's address waits longer with each try for that account, the owner
/// elsewhere is not held back, and when guesses come from many addresses the password pauses
/// for the account but a sign-in link by e-mail still works, once.
#[tokio::test]
async fn a_guesser_is_slowed_without_locking_the_owner_out() {
    let Some(app) = behind_a_proxy(2).await else {
        return;
    };
    let wrong = password_form("camille@brand.example", "guess");
    let right = password_form("camille@brand.example", PASSWORD);
    let guesser = "203.0.113.7";
    assert_eq!(
        sign_in_from(&app, &new_client(), guesser, "/login", &wrong)
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, html) = sign_in_from(&app, &new_client(), guesser, "/login", &wrong).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(html.contains("Try again in 30 s"), "{html}");
    // While held back, tries from there are not even checked.
    assert_eq!(
        sign_in_from(&app, &new_client(), guesser, "/login", &right)
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_from(&app, &new_client(), "192.0.2.10", "/login", &right)
            .await
            .0,
        StatusCode::SEE_OTHER,
        "the owner, from their own address, signs in"
    );

    // Guesses spread over many addresses: 40 failures (twenty times the pair's threshold).
    for n in 0..40 {
        let from = format!("203.0.113.{}", 100 + n);
        sign_in_from(&app, &new_client(), &from, "/login", &wrong).await;
    }
    let (status, html) = sign_in_from(&app, &new_client(), "192.0.2.10", "/login", &right).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "the password pauses for the account"
    );
    assert!(
        html.contains("password sign-in is paused for 15 min"),
        "{html}"
    );
    assert!(html.contains("data-testid=\"send-sign-in-link\""), "{html}");

    // The sign-in link by e-mail: asked from the held-back page, it signs the owner in once.
    let owner = new_client();
    let (status, html) = sign_in_from(
        &app,
        &owner,
        "192.0.2.10",
        "/login/link",
        &[("email", "camille@brand.example"), ("next", "/w/brand")],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("sign-in link is on its way"), "{html}");
    // Asking for an unknown account answers the same and sends nothing.
    let (_, unknown) = sign_in_from(
        &app,
        &new_client(),
        "192.0.2.10",
        "/login/link",
        &[("email", "nobody@brand.example")],
    )
    .await;
    assert!(unknown.contains("sign-in link is on its way"));
    let mails = app.store.recent_mail(5).await.unwrap();
    let links: Vec<_> = mails
        .iter()
        .filter(|m| m.body_text.contains("/login/link/"))
        .collect();
    assert_eq!(links.len(), 1, "one link, to the account that exists");
    assert_eq!(links[0].to, "camille@brand.example");
    let link = links[0]
        .body_text
        .lines()
        .find(|l| l.contains("/login/link/"))
        .unwrap()
        .trim();
    let path = link.strip_prefix(&app.base).unwrap().to_owned();
    assert!(path.ends_with("?next=%2Fw%2Fbrand"), "{path}");
    // Opening it (as a mail scanner would) does not use it up.
    let page = owner.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = owner.get(app.url(&path)).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("data-testid=\"use-sign-in-link\""), "{html}");
    let token_path = path.split('?').next().unwrap();
    let (status, _) = sign_in_from(
        &app,
        &owner,
        "192.0.2.10",
        token_path,
        &[("next", "/w/brand")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let home = owner.get(app.url("/w/brand")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK, "signed in by the link");
    // The link works once; a password-reset page does not accept it either.
    let (status, _) = sign_in_from(&app, &new_client(), "192.0.2.10", token_path, &[]).await;
    assert_eq!(status, StatusCode::GONE);
    let token = token_path.rsplit('/').next().unwrap();
    let reset = new_client()
        .get(app.url(&format!("/password/reset/{token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), StatusCode::GONE);
    // Using it lifted the account's pause: the password works again from there.
    assert_eq!(
        sign_in_from(&app, &new_client(), "192.0.2.10", "/login", &right)
            .await
            .0,
        StatusCode::SEE_OTHER
    );
}

/// Issue 14, defect 5: a captured signed delivery could be replayed forever.
#[tokio::test]
async fn a_webhook_signed_an_hour_ago_is_refused_and_the_old_form_only_in_transition() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.webhook_accept_legacy_signatures = false;
    })
    .await
    else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let (source, secret) = webhook_source(&app, "brand").await;
    let body = json!({"id": "1", "text": "Super café"}).to_string();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let old = jardinier_listening::sign_at(&secret, body.as_bytes(), now - 3600);
    let (status, answer) = deliver(&app, source, &body, Some(old)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("more than 300 seconds"),
        "{answer}"
    );
    let (status, answer) = deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{answer}");
    let fresh = jardinier_listening::sign_at(&secret, body.as_bytes(), now);
    let (status, answer) = deliver(&app, source, &body, Some(fresh)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");
    assert_eq!(answer["accepted"], 1);
}

/// Issue 14, defect 4: `/metrics` told anyone the version, the counts of users, workspaces,
/// sessions and the mail queue.
#[tokio::test]
async fn metrics_need_the_configured_token_and_are_off_without_one() {
    let Some(app) = spawn_app_with(Backend::Sqlite, |_| {}).await else {
        return;
    };
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);

    let Some(app) = spawn_app_with(Backend::Sqlite, |c| {
        c.metrics_token = Some("s3cret-scraper-token".into());
    })
    .await
    else {
        return;
    };
    let scrape = |token: Option<&str>| {
        let mut request = app.client.get(app.url("/metrics"));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };
    let refused = scrape(None).await.unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(refused.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        scrape(Some("s3cret-scraper-tokeN")).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    let answer = scrape(Some("s3cret-scraper-token")).await.unwrap();
    assert_eq!(answer.status(), StatusCode::OK);
    assert!(
        answer
            .text()
            .await
            .unwrap()
            .contains("jardinier_build_info")
    );
}

/// Issue 14, defect 1: `next=/%09/evil.example/` was kept and browsers drop the tab, going to
/// `//evil.example/`; a newline gave a plain-text 500 after signing in anyway.
async fn a_next_that_browsers_would_send_elsewhere_falls_back_to_the_home_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;
    // Signs in from a fresh browser with this `next`.
    let sign_in = |next: &'static str| {
        let app = &app;
        async move {
            app.post_with(
                &new_client(),
                "/login",
                &[
                    ("email", "camille@brand.example"),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await
        }
    };
    for next in [
        "/\t/evil.example/",
        "/\r\n/evil.example/",
        "/\\evil.example/",
        "\\\\evil.example/",
        "/\t\\evil.example/",
        "https://evil.example/",
        "javascript:alert(1)",
        "/a\nb",
        "/a\rb",
    ] {
        let response = sign_in(next).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "next {next:?}");
        assert_eq!(location(&response), "/", "next {next:?}");
    }
    // A path on this site still works, including one with letters outside ASCII.
    let response = sign_in("/w/brand/listening?q=café").await;
    assert_eq!(location(&response), "/w/brand/listening?q=caf%C3%A9");
}

/// Issue 14, defect 2: a mention whose text starts with `=` went into the CSV export as is, a
/// formula in the spreadsheet the community manager opens.
#[tokio::test]
async fn cells_that_a_spreadsheet_would_run_are_neutralised_in_the_mentions_export() {
    let Some(app) = spawn_app(Backend::Sqlite).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let (source, secret) = webhook_source(&app, "brand").await;
    let body = json!({"items": [
        {"id": "1", "text": "=HYPERLINK(\"http://evil.example\",\"café\")", "author": {"name": "@evil", "handle": "+33"}, "title": "-2+3", "published_at": "2026-11-10T10:00:00Z"},
    ]})
    .to_string();
    deliver(&app, source, &body, Some(signed(&secret, &body))).await;
    let response = app.get("/w/brand/listening/export/csv").await;
    assert_eq!(response.status(), StatusCode::OK);
    let csv = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let row = reader.records().next().unwrap().unwrap();
    let cell = |name: &str| row[headers.iter().position(|h| h == name).unwrap()].to_owned();
    assert_eq!(
        cell("text"),
        "'=HYPERLINK(\"http://evil.example\",\"café\")"
    );
    assert_eq!(cell("author"), "'@evil");
    assert_eq!(cell("handle"), "'+33");
    assert_eq!(cell("title"), "'-2+3");
    assert_eq!(
        cell("id"),
        row[0].to_owned(),
        "our own numbers stay numbers"
    );
    assert!(!cell("id").starts_with('\''));
}
