//! Issue 15, item 2: a post is changed until it goes out — a draft keeps the date entered, the
//! edit form shows what is planned and saves new words and a new time with the composer's
//! checks, a post goes back to draft and is deleted; once it has gone, it is history.

use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(a_planned_post_is_changed_unscheduled_and_deleted);

async fn a_planned_post_is_changed_unscheduled_and_deleted(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    app.post(
        "/w/brand/publishing/channels",
        &[
            ("kind", "slack"),
            ("name", "#annonces"),
            ("address", "https://hooks.slack.example/T0/B0/x"),
        ],
    )
    .await;
    let channel = app.store.channels(ws.id).await.unwrap()[0].id;
    let field = format!("text_{channel}");
    let tz = jiff::tz::TimeZone::get(&ws.timezone).unwrap();
    let later = |days: i64| {
        (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * days))
            .to_zoned(tz.clone())
            .strftime("%Y-%m-%dT%H:%M")
            .to_string()
    };

    // Saving a draft keeps the date entered.
    let response = app
        .post(
            "/w/brand/publishing/posts",
            &[
                ("title", "Rentrée"),
                (&field, "La rentrée arrive"),
                ("when", &later(3)),
                ("intent", "draft"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (post, _) = app.store.posts(ws.id, 5).await.unwrap().remove(0);
    assert_eq!(post.state, "draft");
    assert!(post.scheduled_at.is_some(), "the date entered is kept");
    let page = format!("/w/brand/publishing/posts/{}", post.id);
    let (_, html) = app.text(&page).await;
    assert!(
        html.contains("data-testid=\"post-edit\"") && html.contains("data-testid=\"post-delete\""),
        "{html}"
    );

    // The edit form shows the text and the date; too long is refused with what was typed kept.
    let (status, form) = app.text(&format!("{page}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("La rentrée arrive") && form.contains(&later(3)[..10]));
    let too_long = "x".repeat(40_001);
    let response = app
        .post(
            &format!("{page}/edit"),
            &[
                ("title", "Rentrée"),
                (&field, &too_long),
                ("when", &later(4)),
                ("intent", "schedule"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = response.text().await.unwrap();
    assert!(body.contains("data-testid=\"edit-error\""), "{body}");
    let response = app
        .post(
            &format!("{page}/edit"),
            &[
                ("title", "Rentrée des classes"),
                (&field, "La rentrée est là"),
                ("when", &later(4)),
                ("intent", "schedule"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).contains("done=publishing_edited"));
    let (changed, deliveries) = app.store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(
        (changed.state.as_str(), changed.title.as_str()),
        ("scheduled", "Rentrée des classes")
    );
    assert_eq!(deliveries[0].body, "La rentrée est là");
    assert_eq!(deliveries[0].status, "scheduled");
    let (_, html) = app.text(&page).await;
    assert!(
        html.contains("Camille changed the post"),
        "the history says so"
    );

    // Back to draft: it will not go out.
    let response = app.post(&format!("{page}/unschedule"), &[]).await;
    assert!(location(&response).contains("done=publishing_unscheduled"));
    let (back, deliveries) = app.store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(
        (back.state.as_str(), back.scheduled_at),
        ("draft", changed.scheduled_at)
    );
    assert_eq!(deliveries[0].status, "draft");

    // Deleted, with its history; the audit log keeps the title.
    let response = app.post(&format!("{page}/delete"), &[]).await;
    assert!(location(&response).contains("done=publishing_deleted"));
    assert!(app.store.post(ws.id, post.id).await.unwrap().is_none());
    assert_eq!(app.get(&page).await.status(), StatusCode::NOT_FOUND);
    let (_, audit) = app.text("/w/brand/settings/audit").await;
    assert!(audit.contains("Rentrée des classes"), "{audit}");

    // A post that has gone out shows no way to change it, and refuses a change sent anyway.
    app.post(
        "/w/brand/publishing/posts",
        &[
            ("title", "Parti"),
            (&field, "Déjà parti"),
            ("when", &later(0)),
            ("intent", "schedule"),
        ],
    )
    .await;
    let (gone, deliveries) = app.store.posts(ws.id, 5).await.unwrap().remove(0);
    let job = app
        .store
        .claim_deliveries(jardinier_web::unix_now() + 120, 0, 5)
        .await
        .unwrap();
    assert_eq!(job[0].delivery.id, deliveries[0].id);
    let gone_page = format!("/w/brand/publishing/posts/{}", gone.id);
    let (_, html) = app.text(&gone_page).await;
    assert!(!html.contains("data-testid=\"post-edit\""));
    let response = app
        .post(
            &format!("{gone_page}/edit"),
            &[
                ("title", "Parti"),
                (&field, "Trop tard"),
                ("intent", "draft"),
            ],
        )
        .await;
    assert!(location(&response).contains("done=publishing_gone_out"));
    let response = app.post(&format!("{gone_page}/delete"), &[]).await;
    assert!(location(&response).contains("done=publishing_gone_out"));
    assert!(app.store.post(ws.id, gone.id).await.unwrap().is_some());
}
