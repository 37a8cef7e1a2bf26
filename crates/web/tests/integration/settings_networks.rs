//! Settings → Social networks: an owner enters an application's keys in the page (no
//! configuration file to edit), the composer then offers to connect that network, and the
//! secret is never shown again.

use jardinier_domain::Role;
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(an_owner_sets_up_a_network_in_the_page);

async fn an_owner_sets_up_a_network_in_the_page(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.member(&ws, "max@brand.example", Role::Manager).await;
    app.login("camille@brand.example").await;

    let (_, publishing) = app.text("/w/brand/publishing").await;
    assert!(
        publishing.contains("/w/brand/settings/networks#x") && !publishing.contains("[oauth."),
        "the composer points to the page, not to a file: {publishing}"
    );
    let (status, page) = app.text("/w/brand/settings/networks").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&app.url("/oauth/callback")));
    assert!(page.contains("Open developer.x.com"), "a guide per network");

    // Keys with a space are refused by the network's form, what was typed stays.
    let response = app
        .post(
            "/w/brand/settings/networks/x",
            &[("client_id", "abc def"), ("client_secret", "s3cret")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("Paste the application&#39;s ID, without spaces.")
            && html.contains("value=\"abc def\"")
    );
    assert!(app.store.oauth_keys("x").await.unwrap().is_none());

    let response = app
        .post(
            "/w/brand/settings/networks/x",
            &[
                ("client_id", "x-client-42"),
                ("client_secret", "very-secret-value"),
            ],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/settings/networks?done=oauth_keys_saved#x"
    );
    let (_, page) = app.text("/w/brand/settings/networks").await;
    assert!(page.contains("Keys entered by Camille") && !page.contains("very-secret-value"));
    // Saved again with the secret left empty: the stored one is kept.
    app.post(
        "/w/brand/settings/networks/x",
        &[("client_id", "x-client-43"), ("client_secret", "")],
    )
    .await;
    let keys = app.store.oauth_keys("x").await.unwrap().unwrap();
    assert_eq!(
        (keys.client_id.as_str(), keys.client_secret.as_str()),
        ("x-client-43", "very-secret-value")
    );

    // The composer now connects X with those keys, at X's own address.
    let (_, publishing) = app.text("/w/brand/publishing").await;
    assert!(publishing.contains("data-testid=\"connect-x\""));
    let response = app.get("/w/brand/publishing/connect/x").await;
    let authorize = location(&response);
    assert!(
        authorize.starts_with("https://x.com/i/oauth2/authorize?")
            && authorize.contains("client_id=x-client-43"),
        "{authorize}"
    );

    // A manager may not: the keys serve every workspace of the server.
    let manager = new_client();
    app.login_with(&manager, "max@brand.example", PASSWORD)
        .await;
    let response = app
        .post_with(
            &manager,
            "/w/brand/settings/networks/x",
            &[("action", "remove")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .post("/w/brand/settings/networks/x", &[("action", "remove")])
        .await;
    assert_eq!(
        location(&response),
        "/w/brand/settings/networks?done=oauth_keys_removed#x"
    );
    assert!(app.store.oauth_keys("x").await.unwrap().is_none());
}
