//! Who may open what: the role × route matrix, and isolation between workspaces.

use jardinier_domain::Role;
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(
    every_role_opens_exactly_its_routes,
    nobody_sees_or_changes_another_workspace
);

/// The expected matrix, written out independently of the code under test. Letters: O owner,
/// M manager, E editor, D moderator, A analyst, C client.
const MATRIX: &[(&str, &str, &str)] = &[
    ("GET", "/w/ws", "OMEDAC"),
    ("GET", "/w/ws/inbox", "OMED"),
    ("GET", "/w/ws/listening", "OMEA"),
    ("GET", "/w/ws/publishing", "OMEC"),
    ("GET", "/w/ws/community", "OMD"),
    ("GET", "/w/ws/members", "OMEDA"),
    ("GET", "/w/ws/animation", "OME"),
    ("GET", "/w/ws/reports", "OMEDAC"),
    ("GET", "/w/ws/settings", "OMEDAC"),
    ("GET", "/w/ws/settings/team", "OMEDAC"),
    ("GET", "/w/ws/settings/tokens", "OMEDA"),
    ("GET", "/w/ws/settings/audit", "OM"),
    ("GET", "/w/ws/listening/queries", "OMEA"),
    ("GET", "/w/ws/listening/sources", "OMEA"),
    ("GET", "/w/ws/listening/check?q=cafe", "OMEA"),
    ("GET", "/w/ws/listening/dashboard", "OMEA"),
    ("GET", "/w/ws/listening/export/csv", "OMEA"),
    ("GET", "/w/ws/listening/alerts", "OMEA"),
    ("GET", "/w/ws/settings/oncall", "OMEDAC"),
    ("GET", "/w/ws/inbox?state=done&who=me", "OMED"),
    ("POST", "/w/ws/inbox/bulk", "OMED"),
    ("GET", "/w/ws/inbox/rules", "OMED"),
    ("POST", "/w/ws/inbox/rules", "OME"),
    ("POST", "/w/ws/settings", "OM"),
    ("POST", "/w/ws/listening/queries", "OME"),
    ("POST", "/w/ws/listening/sources", "OME"),
    ("POST", "/w/ws/settings/team/invite", "OM"),
    ("POST", "/w/ws/settings/tokens", "OMEDA"),
    ("POST", "/w/ws/community/site", "OM"),
    ("POST", "/w/ws/community/categories", "OM"),
    ("POST", "/w/ws/community/charter", "OM"),
    ("GET", "/w/ws/community/moderation", "OMD"),
    ("POST", "/w/ws/community/moderation/watched", "OM"),
];

fn letter(role: Role) -> char {
    match role {
        Role::Owner => 'O',
        Role::Manager => 'M',
        Role::Editor => 'E',
        Role::Moderator => 'D',
        Role::Analyst => 'A',
        Role::Client => 'C',
    }
}

async fn every_role_opens_exactly_its_routes(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let founder = app.user("founder@brand.example", "Founder").await;
    let ws = app.workspace("ws", &founder).await;
    for (i, role) in Role::ALL.into_iter().enumerate() {
        let email = format!("{role}@brand.example");
        app.member(&ws, &email, role).await;
        let client = new_client();
        assert_eq!(
            app.login_with(&client, &email, PASSWORD).await.status(),
            StatusCode::SEE_OTHER
        );
        for (method, path, allowed) in MATRIX {
            let may = allowed.contains(letter(role));
            let status = match *method {
                "GET" => app.get_with(&client, path).await.status(),
                _ => {
                    let fields: &[(&str, &str)] = match *path {
                        "/w/ws/settings" => {
                            &[("name", "Renamed brand"), ("timezone", "Europe/Paris")]
                        }
                        "/w/ws/settings/team/invite" => &[
                            ("email", &format!("new{i}@brand.example")),
                            ("role", "analyst"),
                        ],
                        "/w/ws/listening/queries" => {
                            &[("name", "Brand"), ("kind", "brand"), ("query", "brulerie")]
                        }
                        "/w/ws/listening/sources" => &[("name", "Hook")],
                        "/w/ws/community/site" => &[("name", "Le forum"), ("accent", "#336699")],
                        "/w/ws/community/categories" => &[
                            ("name", &format!("Questions {i}")),
                            ("colour", "#336699"),
                            ("kind", "questions"),
                            ("read_access", "everyone"),
                            ("post_access", "members"),
                        ],
                        "/w/ws/community/charter" => {
                            &[("body_fr", "Soyez aimables."), ("body_en", "Be kind.")]
                        }
                        "/w/ws/community/moderation/watched" => {
                            &[("words", "concurrent"), ("action", "hold")]
                        }
                        _ => &[("name", "script")],
                    };
                    app.post_with(&client, path, fields).await.status()
                }
            };
            let expected_ok = status == StatusCode::OK || status == StatusCode::SEE_OTHER;
            assert!(
                if may {
                    expected_ok
                } else {
                    status == StatusCode::FORBIDDEN
                },
                "{role} {method} {path}: got {status}, expected {}",
                if may { "success" } else { "403" }
            );
        }
        // The navigation offers exactly the sections the role may open.
        let html = app.get_with(&client, "/w/ws").await.text().await.unwrap();
        for (_, path, allowed) in MATRIX.iter().filter(|(m, p, _)| {
            *m == "GET"
                && p.matches('/').count() == 3
                && !p.ends_with("settings")
                && !p.contains('?')
        }) {
            let link = format!("<li><a href=\"{path}\"");
            assert_eq!(
                html.contains(&link),
                allowed.contains(letter(role)),
                "{role}: nav link {path}"
            );
        }
    }
}

async fn nobody_sees_or_changes_another_workspace(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let alice = app.user("alice@a.example", "Alice").await;
    let bob = app.user("bob@b.example", "Bob").await;
    app.workspace("a", &alice).await;
    let b = app.workspace("b", &bob).await;
    let bob_client = new_client();
    app.login_with(&bob_client, "bob@b.example", PASSWORD).await;
    app.post_with(
        &bob_client,
        "/w/b/settings/team/invite",
        &[("email", "carol@b.example"), ("role", "editor")],
    )
    .await;
    app.api_token(&bob_client, "b").await;
    let b_invitation = app
        .store
        .pending_invitations(b.id, 0)
        .await
        .unwrap()
        .remove(0);
    let b_token = app.store.api_tokens(b.id, bob.id).await.unwrap().remove(0);
    app.post_with(
        &bob_client,
        "/w/b/listening/queries",
        &[("name", "Bob brand"), ("kind", "brand"), ("query", "bob")],
    )
    .await;
    app.post_with(
        &bob_client,
        "/w/b/listening/sources",
        &[("name", "Bob hook")],
    )
    .await;
    let b_query = app.store.listening_queries(b.id).await.unwrap().remove(0);
    let b_source = app.store.sources(b.id).await.unwrap().remove(0);
    let b_item = jardinier_listening::Ingestor::new(app.store.clone(), |_| Default::default())
        .ingest(
            &b_source,
            vec![jardinier_listening::IncomingItem {
                external_id: "x".into(),
                text: "bob".into(),
                ..Default::default()
            }],
            1,
        )
        .await
        .unwrap()
        .inserted_ids[0];
    let b_query_id = b_query.id.to_string();

    app.login("alice@a.example").await;
    for path in [
        "/w/b",
        "/w/b/inbox",
        "/w/b/listening",
        "/w/b/publishing",
        "/w/b/community",
        "/w/b/members",
        "/w/b/animation",
        "/w/b/reports",
        "/w/b/settings",
        "/w/b/settings/team",
        "/w/b/settings/tokens",
        "/w/b/settings/audit",
        "/w/b/listening",
        "/w/b/listening/queries",
        "/w/b/listening/sources",
        "/w/b/listening/check?q=x",
        "/w/b/listening/dashboard",
        "/w/b/listening/export/csv",
        "/w/b/listening/alerts",
        "/w/b/settings/oncall",
        "/w/b/inbox?state=done",
    ] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            !response.text().await.unwrap().contains("Brand b"),
            "{path} leaks the workspace name"
        );
    }
    let attempts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/w/b/settings".into(),
            vec![("name", "Pwned"), ("timezone", "UTC")],
        ),
        (
            "/w/b/settings/team/invite".into(),
            vec![("email", "mallory@a.example"), ("role", "owner")],
        ),
        (
            format!("/w/b/settings/team/{}/role", bob.id),
            vec![("role", "client")],
        ),
        (format!("/w/b/settings/team/{}/remove", bob.id), vec![]),
        (
            format!("/w/b/settings/invitations/{}/revoke", b_invitation.id),
            vec![],
        ),
        (
            format!("/w/b/settings/tokens/{}/revoke", b_token.id),
            vec![],
        ),
        // Ids of workspace b through workspace a's own routes:
        (
            format!("/w/a/settings/team/{}/role", bob.id),
            vec![("role", "client")],
        ),
        (format!("/w/a/settings/team/{}/remove", bob.id), vec![]),
        (
            format!("/w/a/settings/invitations/{}/revoke", b_invitation.id),
            vec![],
        ),
        (
            format!("/w/a/settings/tokens/{}/revoke", b_token.id),
            vec![],
        ),
        (
            format!("/w/a/listening/items/{b_item}/sentiment"),
            vec![("sentiment", "positive"), ("next", "/")],
        ),
        (
            format!("/w/a/listening/queries/{}/archive", b_query.id),
            vec![],
        ),
        (
            format!("/w/a/listening/sources/{}/enabled", b_source.id),
            vec![("enabled", "false")],
        ),
        ("/w/b/inbox/bulk".into(), vec![("action", "done")]),
        (
            "/w/a/listening/queries".into(),
            vec![
                ("id", b_query_id.as_str()),
                ("name", "Pwned"),
                ("kind", "brand"),
                ("query", "x"),
            ],
        ),
    ];
    for (path, fields) in &attempts {
        assert_eq!(
            app.post(path, fields).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // The API: a token of workspace a sees and touches only workspace a.
    let token = app.api_token(&app.client, "a").await;
    let team: serde_json::Value = app
        .client
        .get(app.url("/api/v1/workspace/team"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let emails: Vec<&str> = team["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["email"].as_str().unwrap())
        .collect();
    assert_eq!(emails, vec!["alice@a.example"]);
    let response = app
        .client
        .delete(app.url(&format!(
            "/api/v1/workspace/invitations/{}",
            b_invitation.id
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Workspace b is exactly as Bob left it.
    let b_now = app.store.workspace_by_slug("b").await.unwrap().unwrap();
    assert_eq!(
        (b_now.name.as_str(), b_now.timezone.as_str()),
        ("Brand b", "Europe/Paris")
    );
    assert_eq!(
        app.store.pending_invitations(b.id, 0).await.unwrap(),
        vec![b_invitation]
    );
    assert_eq!(
        app.store.membership(bob.id, "b").await.unwrap().unwrap().1,
        Role::Owner
    );
    assert!(app.store.membership(alice.id, "b").await.unwrap().is_none());
    assert_eq!(
        app.store.api_tokens(b.id, bob.id).await.unwrap()[0].revoked_at,
        None
    );
    assert_eq!(
        app.store.listening_queries(b.id).await.unwrap(),
        vec![b_query]
    );
    assert!(app.store.sources(b.id).await.unwrap()[0].enabled);
    assert_eq!(app.store.sentiment_corrections(b.id).await.unwrap(), 0);
    assert_eq!(
        app.store.audit_log(b.id, None, 50).await.unwrap().len(),
        4,
        "only Bob's own four actions"
    );
}
