//! The person's own account: profile, language, password change ending other sessions.

use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    changing_the_password_signs_out_other_browsers,
    workspaces_are_created_and_switched,
    on_call_rotation_and_quiet_hours_are_set,
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
    let audit = app.store.audit_log(1, None, 10).await.unwrap();
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

async fn on_call_rotation_and_quiet_hours_are_set(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    let sam = app
        .member(&ws, "sam@brand.example", jardinier_domain::Role::Editor)
        .await;
    app.login("camille@brand.example").await;
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Europe/Paris").unwrap())
        .date()
        .to_string();
    let (p_owner, p_sam) = (
        format!("position_{}", owner.id),
        format!("position_{}", sam.id),
    );
    let response = app
        .post(
            "/w/brand/settings/oncall",
            &[
                (p_owner.as_str(), "2"),
                (p_sam.as_str(), "1"),
                ("period_days", "0"),
                ("start", &today),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a turn of 0 days is refused"
    );
    let response = app
        .post(
            "/w/brand/settings/oncall",
            &[
                (p_owner.as_str(), "2"),
                (p_sam.as_str(), "1"),
                ("period_days", "7"),
                ("start", &today),
            ],
        )
        .await;
    assert_eq!(location(&response), "/w/brand/settings/oncall?done=saved");
    let page = app.text("/w/brand/settings/oncall").await.1;
    assert!(
        page.contains("data-testid=\"on-call-now\">editor person<"),
        "Sam takes the first turn: {page}"
    );
    assert!(page.contains("Camille"), "then Camille");
    assert_eq!(
        app.store
            .oncall_rotation(ws.id)
            .await
            .unwrap()
            .unwrap()
            .user_ids,
        vec![sam.id, owner.id]
    );

    let response = app
        .post(
            "/account/quiet",
            &[("quiet_start", "22:00"), ("quiet_end", "07:30")],
        )
        .await;
    assert_eq!(location(&response), "/account?done=quiet_saved");
    assert_eq!(
        app.store.quiet_hours(owner.id).await.unwrap(),
        Some(jardinier_store::QuietHours {
            start: 22 * 60,
            end: 7 * 60 + 30
        })
    );
    assert!(app.text("/account").await.1.contains("value=\"22:00\""));
    assert_eq!(
        location(
            &app.post(
                "/account/quiet",
                &[("quiet_start", "25:00"), ("quiet_end", "07:00")]
            )
            .await
        ),
        "/account?done=quiet_invalid"
    );
    app.post("/account/quiet", &[("quiet_start", ""), ("quiet_end", "")])
        .await;
    assert_eq!(app.store.quiet_hours(owner.id).await.unwrap(), None);
}
