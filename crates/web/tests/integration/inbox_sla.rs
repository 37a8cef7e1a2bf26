//! Response times over HTTP: the workspace's targets and business hours are checked and saved,
//! the queue and the conversation show each clock (at risk before the breach), and the report
//! counts first responses and resolutions within target per teammate and per channel.

use jardinier_listening::IncomingItem;
use jardinier_store::{ConversationChange, NewReply, NewSource, ReplyOutcome};
use reqwest::StatusCode;

use crate::both_backends;
use crate::helpers::*;

both_backends!(clocks_warn_and_reports_count_business_time);

async fn clocks_warn_and_reports_count_business_time(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;

    // Targets are checked, then saved: always open, one hour to answer. A day whose closing
    // comes before its opening is named, and what was typed comes back.
    let response = app
        .post(
            "/w/brand/inbox/report",
            &[
                ("first_value", "1"),
                ("first_unit", "hours"),
                ("resolution_value", "600"),
                ("resolution_unit", "minutes"),
                ("warn_percent", "75"),
                ("open_mon", "1"),
                ("from_mon", "18:00"),
                ("to_mon", "09:00"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("data-testid=\"sla-error\""), "{html}");
    assert!(
        html.contains("Monday: give an opening time before the closing time."),
        "{html}"
    );
    assert!(html.contains("name=\"from_mon\" type=\"time\" value=\"18:00\""));
    let response = app
        .post(
            "/w/brand/inbox/report",
            &[
                ("first_value", "1"),
                ("first_unit", "hours"),
                ("resolution_value", "10"),
                ("resolution_unit", "hours"),
                ("warn_percent", "75"),
            ],
        )
        .await;
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Tick at least one working day.")
    );
    let mut week: Vec<(String, String)> = vec![
        ("first_value".into(), "1".into()),
        ("first_unit".into(), "hours".into()),
        ("resolution_value".into(), "600".into()),
        ("resolution_unit".into(), "minutes".into()),
        ("warn_percent".into(), "75".into()),
    ];
    for day in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
        week.push((format!("open_{day}"), "1".into()));
        week.push((format!("from_{day}"), "00:00".into()));
        week.push((format!("to_{day}"), "24:00".into()));
    }
    let fields: Vec<(&str, &str)> = week.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let response = app.post("/w/brand/inbox/report", &fields).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let policy = app.store.sla_policy(ws.id).await.unwrap().unwrap();
    assert_eq!(
        (policy.first_response_minutes, policy.hours.as_str()),
        (60, "mon-sun 00:00-24:00")
    );
    let (_, report) = app.text("/w/brand/inbox/report").await;
    assert!(
        report.contains(
            "first response within 1\u{a0}h\u{a0}00, resolution within 10\u{a0}h\u{a0}00"
        ) && report.contains("(Mon–Sun 00:00–24:00, Europe/Paris)"),
        "targets in words: {report}"
    );

    let source = app
        .store
        .create_source(&NewSource {
            workspace_id: ws.id,
            kind: "webhook",
            name: "Form",
            config: "{}",
            secret: Some("s"),
            interval_secs: 300,
            now: 1,
        })
        .await
        .unwrap();
    let now = jardinier_outbound::unix_now();
    let mut conversations = Vec::new();
    for (id, age_minutes) in [("late", 90), ("risk", 50), ("fresh", 5)] {
        let item = app
            .ingestor
            .ingest(
                &source,
                vec![IncomingItem {
                    external_id: id.into(),
                    text: format!("Question {id}"),
                    published_at: Some(now - age_minutes * 60),
                    ..Default::default()
                }],
                1,
            )
            .await
            .unwrap()
            .inserted_ids[0];
        conversations.push(
            app.store
                .send_to_inbox(ws.id, item, None, now - age_minutes * 60)
                .await
                .unwrap(),
        );
    }
    let (_, html) = app.text("/w/brand/inbox").await;
    let states: Vec<&str> = html
        .split("data-sla=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    let mut sorted = states.clone();
    sorted.sort();
    assert_eq!(sorted, vec!["at-risk", "breached", "on-time"], "{html}");
    assert!(html.contains("data-testid=\"count-at-risk\">2<"), "{html}");
    // The team is warned by e-mail before the breach (and about the late one), once each, in
    // the teammate's language (French unless they chose English).
    let warned = jardinier_web::sla_watch::warn_due(app.store.as_ref(), &app.base, now)
        .await
        .unwrap();
    assert_eq!(warned, 2, "the late one and the one at risk");
    assert_eq!(
        jardinier_web::sla_watch::warn_due(app.store.as_ref(), &app.base, now + 30)
            .await
            .unwrap(),
        0,
        "once each"
    );
    let mail = app.store.recent_mail(10).await.unwrap();
    assert!(
        mail.iter()
            .any(|m| m.to == "camille@brand.example" && m.subject.starts_with("À répondre avant")),
        "{mail:#?}"
    );
    assert!(
        mail.iter().any(|m| m.subject.starts_with("En retard")),
        "{mail:#?}"
    );
    let (_, html) = app
        .text(&format!("/w/brand/inbox/{}", conversations[1]))
        .await;
    assert!(
        html.contains("data-sla=\"at-risk\"")
            && (html.contains("answer within 10\u{a0}min of business hours")
                || html.contains("answer within 9\u{a0}min of business hours")),
        "{html}"
    );
    // Beside the business clock, the real time the person has been waiting.
    assert!(html.contains("data-testid=\"sla-waiting\""), "{html}");

    // The fresh one is answered in time (the reply reaches the person), then closed.
    app.store
        .queue_reply(&NewReply {
            workspace_id: ws.id,
            conversation_id: conversations[2],
            author_id: owner.id,
            body: "Bonjour",
            close_after: false,
            needs_approval: false,
            idempotency_key: "k",
            now,
        })
        .await
        .unwrap();
    let job = app
        .store
        .claim_replies(now, now - 300, 10)
        .await
        .unwrap()
        .remove(0);
    app.store
        .finish_reply(
            job.reply.id,
            &ReplyOutcome::Sent {
                remote_id: "r".into(),
                remote_url: None,
            },
            now,
        )
        .await
        .unwrap();
    app.store
        .change_conversation(
            ws.id,
            conversations[2],
            &ConversationChange::State("done".into()),
            Some(owner.id),
            now,
        )
        .await
        .unwrap();

    let (status, html) = app.text("/w/brand/inbox/report?days=7").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("data-testid=\"sla-at-risk\""), "{html}");
    // Everyone: 3 conversations, one answered in 5 min (100 % within), one resolved.
    let everyone = html
        .split("<th scope=\"row\">Everyone</th>")
        .nth(1)
        .unwrap();
    let cells: Vec<&str> = everyone
        .split("<td>")
        .skip(1)
        .take(5)
        .map(|c| c.split('<').next().unwrap())
        .collect();
    assert_eq!(
        cells,
        vec![
            "3",
            "5\u{a0}min (5\u{a0}min in real time)",
            "100 %",
            "5\u{a0}min (5\u{a0}min in real time)",
            "100 %"
        ],
        "{html}"
    );
    assert!(html.contains("<th scope=\"row\">webhook</th>"), "{html}");
}
