//! Link previews (issue 16, item 3): a web address alone on its line shows its page's card,
//! and the server reads nothing inside its own network for a member. And the pages kept for
//! visitors who are not signed in (`site::anon_cache`), which must show what was just written.

use reqwest::StatusCode;

use crate::both_backends;
use crate::community::{assert_inert, community, key, member, site_post, start_with};
use crate::helpers::*;

both_backends!(
    a_link_alone_on_its_line_shows_its_page_s_card,
    visitors_share_kept_pages_and_read_new_replies_at_once,
);

/// A web site for link previews, on every local address (so 127.0.0.2 reaches it too, though
/// only 127.0.0.1 is allowed): a page with its Open Graph tags, and a redirect to 127.0.0.2.
async fn linked_site() -> u16 {
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let page = r#"<!doctype html><html><head><title>Ignored</title>
<meta property="og:title" content="La moka &lt;script&gt;alert(1)&lt;/script&gt; de Bialetti">
<meta property="og:description" content="Six tasses, fonte d'aluminium.">
<meta property="og:image" content="https://img.example/moka.jpg"></head><body>x</body></html>"#;
    let app = axum::Router::new()
        .route(
            "/moka",
            axum::routing::get(move || async move { axum::response::Html(page) }),
        )
        .route(
            "/redirect",
            axum::routing::get(move || async move {
                axum::response::Redirect::temporary(&format!("http://127.0.0.2:{port}/moka"))
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

async fn a_link_alone_on_its_line_shows_its_page_s_card(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let port = linked_site().await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let allowed = format!("http://127.0.0.1:{port}/moka");
    let (path, id) = start_with(
        &app,
        &nina,
        "questions",
        "Quelle moka ?",
        &format!("Celle-ci :\n\n{allowed}\n\nElle est bien ?"),
        1,
    )
    .await;
    let page = app.get_with(&nina, &path).await.text().await.unwrap();
    assert!(page.contains("<aside class=\"link-card\">"), "{page}");
    assert!(
        page.contains("La moka &lt;script&gt;alert(1)&lt;/script&gt; de Bialetti"),
        "{page}"
    );
    assert!(page.contains("Six tasses"), "{page}");
    assert!(
        page.contains("src=\"https://img.example/moka.jpg\""),
        "{page}"
    );
    assert_inert(&page, "<script>alert(1)</script>");

    // Inside the network: an address not allowed, or a redirect to one, gives a link, no card.
    for (n, inside) in [
        (2, format!("http://127.0.0.2:{port}/moka")),
        (3, format!("http://127.0.0.1:{port}/redirect")),
        (4, "http://169.254.169.254/latest/meta-data/".to_owned()),
    ] {
        let response = site_post(
            &app,
            &nina,
            &format!("/c/brand/t/{id}/reply"),
            &[("body", &format!("Et :\n\n{inside}")), ("_key", &key(n))],
        )
        .await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let page = app.get_with(&nina, &path).await.text().await.unwrap();
        assert!(
            page.contains(&format!("<a href=\"{inside}\"")),
            "{inside}: {page}"
        );
        assert_eq!(
            page.matches("<aside class=\"link-card\">").count(),
            1,
            "{inside}"
        );
    }

    // The preview shows the card before anything is stored.
    let response = site_post(
        &app,
        &nina,
        &format!("/c/brand/t/{id}/reply"),
        &[("body", &allowed), ("_key", &key(9)), ("preview", "1")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<aside class=\"link-card\">")
    );
}

/// The CSRF token of a page's first form.
fn token_in(html: &str) -> String {
    html.split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_owned()
}

async fn visitors_share_kept_pages_and_read_new_replies_at_once(backend: Backend) {
    let Some(app) = spawn_app_configured(
        backend,
        |_| {},
        |site| {
            site.anonymous_cache = std::time::Duration::from_secs(600);
        },
    )
    .await
    else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let (path, id) = start_with(
        &app,
        &nina,
        "questions",
        "Quel filtre ?",
        "Papier ou métal ?",
        1,
    )
    .await;

    // Two visitors read the same page, each with their own form token.
    let (ana, bob) = (new_client(), new_client());
    let hit = |r: &reqwest::Response| r.headers().get("x-cache").is_some();
    let response = app.get_with(&ana, &path).await;
    assert!(!hit(&response), "the first visitor's page is made");
    let first = response.text().await.unwrap();
    let response = app.get_with(&bob, &path).await;
    assert!(hit(&response), "the second visitor's is the kept one");
    let second = response.text().await.unwrap();
    let (a, b) = (token_in(&first), token_in(&second));
    assert_eq!(a.len(), 64);
    assert_eq!(b.len(), 64);
    assert_ne!(a, b, "each visitor's own token");
    assert_eq!(
        first.replace(&a, ""),
        second.replace(&b, ""),
        "the same page"
    );
    // Their token works: the language switch takes it.
    let response = bob
        .post(app.url("/c/brand/lang"))
        .form(&[("lang", "fr"), ("next", "/"), ("_csrf", b.as_str())])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_redirection());

    // A reply shows to visitors at once, on the topic and the lists.
    let response = site_post(
        &app,
        &nina,
        &format!("/c/brand/t/{id}/reply"),
        &[
            ("body", "Plutôt papier, pour la clarté."),
            ("_key", &key(2)),
        ],
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let response = app.get_with(&ana, &path).await;
    assert!(!hit(&response), "the reply dropped the kept page");
    let again = response.text().await.unwrap();
    assert!(again.contains("Plutôt papier"), "{again}");
    // (Bob now reads in French: a page of its own.)
    assert!(hit(&app.get_with(&new_client(), &path).await));
    // A signed-in member never gets a kept page (their name is in it).
    let response = app.get_with(&nina, &path).await;
    assert!(!hit(&response));
    let mine = response.text().await.unwrap();
    assert!(mine.contains("Nina Petit") && mine.contains("data-testid=\"member-name\""));
}
