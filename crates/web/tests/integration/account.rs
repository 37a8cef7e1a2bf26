//! The person's own account: profile, language, password change ending other sessions.

use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    changing_the_password_signs_out_other_browsers,
    workspaces_are_created_and_switched
);

async fn changing_the_password_signs_out_other_browsers(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let other = new_client();
    app.login_with(&other, "camille@brand.example", PASSWORD)
        .await;
    assert_eq!(
        app.get_with(&other, "/w/brand").await.status(),
        StatusCode::OK
    );

    let response = app
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "a new long password"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/account?done=password_changed");
    assert_eq!(
        app.get("/w/brand").await.status(),
        StatusCode::OK,
        "this browser stays signed in"
    );
    assert_eq!(
        app.get_with(&other, "/w/brand").await.status(),
        StatusCode::SEE_OTHER,
        "the other one is signed out"
    );
    let audit = app.store.audit_log(1, 10).await.unwrap();
    assert!(audit.is_empty(), "account events are not workspace events");
}

async fn workspaces_are_created_and_switched(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    app.user("sam@agency.example", "Sam").await;
    app.login("sam@agency.example").await;
    assert_eq!(
        location(&app.get("/").await),
        "/workspaces",
        "no workspace yet"
    );
    let response = app
        .post(
            "/workspaces",
            &[("name", "Brûlerie du Canal"), ("slug", "")],
        )
        .await;
    assert_eq!(
        location(&response),
        "/w/brulerie-du-canal?done=workspace_created"
    );
    let response = app
        .post(
            "/workspaces",
            &[("name", "Vélos Lumière"), ("slug", "velos")],
        )
        .await;
    assert_eq!(location(&response), "/w/velos?done=workspace_created");
    let html = app.text("/w/velos").await.1;
    assert!(
        html.contains("<option value=\"brulerie-du-canal\">Brûlerie du Canal</option>"),
        "the switcher lists both"
    );
    assert_eq!(
        location(&app.get("/switch?to=brulerie-du-canal").await),
        "/w/brulerie-du-canal"
    );
    assert_eq!(
        location(&app.get("/switch?to=../../etc").await),
        "/workspaces"
    );
}
