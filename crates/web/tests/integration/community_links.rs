//! Link previews (issue 16, item 3): a web address alone on its line shows its page's card,
//! and the server reads nothing inside its own network for a member.

use reqwest::StatusCode;

use crate::both_backends;
use crate::community::{assert_inert, community, key, member, site_post, start_with};
use crate::helpers::*;

both_backends!(a_link_alone_on_its_line_shows_its_page_s_card);

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
