//! Connecting X, LinkedIn and Meta (Facebook Page with its Instagram account) through OAuth, then
//! publishing, against one local server that answers as those networks document and checks
//! what they check: X's token endpoint wants HTTP Basic client auth and the PKCE verifier that
//! matches the challenge sent at the start; LinkedIn wants its version headers; Meta exchanges
//! a short-lived token for a long-lived one and gives page tokens; Instagram fetches the image
//! from Jardinier's public address. An X token about to end is renewed before posting; an
//! ending LinkedIn connection is told to the owners a week ahead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use jardinier_outbound::oauth::{Network, OAuthApp, pkce_challenge};
use reqwest::StatusCode as Status;
use serde_json::{Value, json};

use crate::both_backends;
use crate::helpers::*;

both_backends!(accounts_are_connected_and_posts_go_out);

#[derive(Default)]
struct Net {
    /// The X challenge seen at the authorization step, by state.
    challenge: HashMap<String, String>,
    posts: Vec<(String, Value)>,
    refreshed: usize,
}

type Shared = Arc<Mutex<Net>>;

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers
        .get("authorization")?
        .to_str()
        .ok()?
        .strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

async fn networks(net: Shared, jardinier: String) -> String {
    let (n1, n2, n3, n4, n5, n6) = (
        net.clone(),
        net.clone(),
        net.clone(),
        net.clone(),
        net.clone(),
        net,
    );
    let app = Router::new()
        // X
        .route("/x/authorize", get(move |Query(q): Query<HashMap<String, String>>| {
            n1.lock().unwrap().challenge.insert(q["state"].clone(), q["code_challenge"].clone());
            async move { format!("{}?code=x-code&state={}", q["redirect_uri"], q["state"]) }
        }))
        .route("/x/token", post(move |headers: HeaderMap, Form(f): Form<HashMap<String, String>>| {
            let net = n2.clone();
            async move {
                if basic(&headers) != Some(("x-client".into(), "x-secret".into())) {
                    return (StatusCode::UNAUTHORIZED, Json(json!({"error": "unauthorized_client"})));
                }
                let mut net = net.lock().unwrap();
                match f["grant_type"].as_str() {
                    "authorization_code" => {
                        let verifier = f.get("code_verifier").cloned().unwrap_or_default();
                        let ok = f["code"] == "x-code"
                            && net.challenge.values().any(|c| *c == pkce_challenge(&verifier));
                        if !ok {
                            return (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"})));
                        }
                        // Ends in two minutes: the first post renews it.
                        (StatusCode::OK, Json(json!({"token_type": "bearer", "access_token": "x-access-1",
                            "refresh_token": "x-refresh-1", "expires_in": 120, "scope": "tweet.write"})))
                    }
                    "refresh_token" if f["refresh_token"] == "x-refresh-1" => {
                        net.refreshed += 1;
                        (StatusCode::OK, Json(json!({"token_type": "bearer", "access_token": "x-access-2",
                            "refresh_token": "x-refresh-2", "expires_in": 7200})))
                    }
                    _ => (StatusCode::BAD_REQUEST, Json(json!({"error": "invalid_grant"}))),
                }
            }
        }))
        .route("/x/2/users/me", get(|headers: HeaderMap| async move {
            assert_eq!(headers["authorization"], "Bearer x-access-1");
            Json(json!({"data": {"id": "2244994945", "name": "Brûlerie", "username": "brulerie"}}))
        }))
        .route("/x/2/tweets", post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let net = n3.clone();
            async move {
                if headers["authorization"] != "Bearer x-access-2" {
                    return (StatusCode::UNAUTHORIZED, Json(json!({"title": "Unauthorized"})));
                }
                net.lock().unwrap().posts.push(("x".into(), body.clone()));
                (StatusCode::CREATED, Json(json!({"data": {"id": "1445880548472328192", "text": body["text"]}})))
            }
        }))
        .route("/x/2/media/upload", post(|headers: HeaderMap, mut form: axum::extract::Multipart| async move {
            assert_eq!(headers["authorization"], "Bearer x-access-2");
            let mut category = String::new();
            let mut size = 0;
            while let Some(field) = form.next_field().await.unwrap() {
                match field.name() {
                    Some("media_category") => category = field.text().await.unwrap(),
                    Some("media") => size = field.bytes().await.unwrap().len(),
                    _ => {}
                }
            }
            assert_eq!((category.as_str(), size), ("tweet_image", crate::publishing_media::PNG.len()));
            Json(json!({"data": {"id": "1880028106020515840", "media_key": "3_1880028106020515840"}}))
        }))
        .route("/x/2/media/metadata", post(|Json(body): Json<Value>| async move {
            assert_eq!(body["id"], "1880028106020515840");
            assert_eq!(body["metadata"]["alt_text"]["text"], "Une tasse de moka");
            Json(json!({"data": {"associated_metadata": true}}))
        }))
        .route("/x/2/tweets/{id}", get(|Path(id): Path<String>, Query(q): Query<HashMap<String, String>>, headers: HeaderMap| async move {
            assert_eq!(q["tweet.fields"], "public_metrics");
            assert_eq!(headers["authorization"], "Bearer x-access-2");
            Json(json!({"data": {"id": id, "text": "…", "public_metrics": {"retweet_count": 4, "reply_count": 2, "like_count": 30, "quote_count": 1}}}))
        }))
        .route("/meta/{node}", get(|Path(node): Path<String>, Query(q): Query<HashMap<String, String>>| async move {
            assert_eq!(q["access_token"], "page-token");
            if node == "17920238422030506" {
                assert_eq!(q["fields"], "like_count,comments_count");
                return Json(json!({"id": node, "like_count": 57, "comments_count": 4}));
            }
            assert!(q["fields"].contains("reactions.summary(total_count)"));
            Json(json!({"id": "1029384756_555", "shares": {"count": 3},
                "reactions": {"data": [], "summary": {"total_count": 41}},
                "comments": {"data": [], "summary": {"total_count": 6}}}))
        }))
        // LinkedIn
        .route("/li/token", post(|Form(f): Form<HashMap<String, String>>| async move {
            if f["client_secret"] != "li-secret" || f["code"] != "li-code" {
                return (StatusCode::UNAUTHORIZED, Json(json!({"error": "invalid_client"})));
            }
            // Five days left and no refresh token: the owners are warned.
            (StatusCode::OK, Json(json!({"access_token": "li-access", "expires_in": 5 * 86_400})))
        }))
        .route("/li/rest/images", post(|headers: HeaderMap, Query(q): Query<HashMap<String, String>>, Json(body): Json<Value>| async move {
            assert_eq!(q["action"], "initializeUpload");
            assert_eq!(body["initializeUploadRequest"]["owner"], "urn:li:person:782bbtaQ");
            let host = headers["host"].to_str().unwrap().to_owned();
            Json(json!({"value": {"uploadUrl": format!("http://{host}/li/upload/C4E"), "image": "urn:li:image:C4E"}}))
        }))
        .route("/li/upload/{id}", axum::routing::put(|body: axum::body::Bytes| async move {
            assert_eq!(body.as_ref(), &crate::publishing_media::PNG[..]);
            StatusCode::CREATED
        }))
        .route("/li/rest/organizationAcls", get(|Query(q): Query<HashMap<String, String>>| async move {
            assert_eq!((q["q"].as_str(), q["role"].as_str()), ("roleAssignee", "ADMINISTRATOR"));
            Json(json!({"elements": [{"organization": "urn:li:organization:2414183", "role": "ADMINISTRATOR", "state": "APPROVED"}]}))
        }))
        .route("/li/rest/organizations/{id}", get(|Path(id): Path<String>| async move {
            assert_eq!(id, "2414183");
            Json(json!({"id": 2414183, "localizedName": "Brûlerie du Canal SAS"}))
        }))
        .route("/li/rest/socialActions/{urn}", get(|Path(urn): Path<String>| async move {
            assert_eq!(urn, "urn:li:share:6844785523593134080");
            Json(json!({"likesSummary": {"totalLikes": 18}, "commentsSummary": {"aggregatedTotalComments": 3}}))
        }))
        .route("/li/v2/userinfo", get(|| async { Json(json!({"sub": "782bbtaQ", "name": "Camille Martin"})) }))
        .route("/li/rest/posts", post(move |headers: HeaderMap, Json(body): Json<Value>| {
            let net = n4.clone();
            async move {
                if headers.get("linkedin-version").is_none() || headers["x-restli-protocol-version"] != "2.0.0" {
                    return (StatusCode::BAD_REQUEST, [("x-restli-id", "")], Json(json!({"message": "missing version"}))).into_response();
                }
                net.lock().unwrap().posts.push(("linkedin".into(), body));
                (StatusCode::CREATED, [("x-restli-id", "urn:li:share:6844785523593134080")], Json(json!({}))).into_response()
            }
        }))
        .route("/li/rest/socialActions/{urn}/comments", post(move |Path(urn): Path<String>, headers: HeaderMap, Json(body): Json<Value>| {
            let net = n6.clone();
            async move {
                assert_eq!(headers["x-restli-protocol-version"], "2.0.0");
                assert_eq!(urn, "urn:li:share:6844785523593134080");
                assert_eq!(body["object"], urn);
                net.lock().unwrap().posts.push(("linkedin-comment".into(), body));
                (StatusCode::CREATED, Json(json!({})))
            }
        }))
        // Meta
        .route("/meta/oauth/access_token", get(|Query(q): Query<HashMap<String, String>>| async move {
            if q["client_secret"] != "meta-secret" {
                return (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": "bad secret"}})));
            }
            if q.get("grant_type").map(String::as_str) == Some("fb_exchange_token") {
                assert_eq!(q["fb_exchange_token"], "meta-short");
                return (StatusCode::OK, Json(json!({"access_token": "meta-long", "expires_in": 5_183_944})));
            }
            assert_eq!(q["code"], "meta-code");
            (StatusCode::OK, Json(json!({"access_token": "meta-short", "expires_in": 3_600})))
        }))
        .route("/meta/me/accounts", get(|Query(q): Query<HashMap<String, String>>| async move {
            assert_eq!(q["access_token"], "meta-long");
            Json(json!({"data": [{"id": "1029384756", "name": "Brûlerie du Canal", "access_token": "page-token",
                "instagram_business_account": {"id": "17841400008460056", "username": "brulerie"}}]}))
        }))
        .route("/meta/{node}/{edge}", post(move |Path((node, edge)): Path<(String, String)>, Form(f): Form<HashMap<String, String>>| {
            let net = n5.clone();
            let jardinier = jardinier.clone();
            async move {
                assert_eq!(f["access_token"], "page-token");
                match edge.as_str() {
                    "photos" => {
                        assert_eq!(f["published"], "false");
                        assert!(f["url"].starts_with(&jardinier), "{}", f["url"]);
                        (StatusCode::OK, Json(json!({"id": "photo-1"})))
                    }
                    "feed" => {
                        net.lock().unwrap().posts.push(("facebook".into(), json!({"page": node, "message": f["message"],
                            "attached": f.get("attached_media[0]")})));
                        (StatusCode::OK, Json(json!({"id": "1029384756_555"})))
                    }
                    "media" => {
                        // Meta fetches the image from Jardinier's public address.
                        let url = f["image_url"].clone();
                        assert!(url.starts_with(&jardinier), "{url}");
                        let image = reqwest::get(&url).await.unwrap();
                        assert_eq!(image.status(), Status::OK);
                        assert_eq!(image.headers()["content-type"], "image/png");
                        net.lock().unwrap().posts.push(("instagram-container".into(), json!({"caption": f["caption"]})));
                        (StatusCode::OK, Json(json!({"id": "container-1"})))
                    }
                    "comments" if node == "17920238422030506" => {
                        // Comments are turned off on this Instagram post.
                        (StatusCode::BAD_REQUEST, Json(json!({"error": {"message": "comments disabled", "code": 100}})))
                    }
                    "comments" => {
                        net.lock().unwrap().posts.push(("comment".into(), json!({"on": node, "message": f["message"]})));
                        (StatusCode::OK, Json(json!({"id": "comment-1"})))
                    }
                    "media_publish" => {
                        assert_eq!(f["creation_id"], "container-1");
                        net.lock().unwrap().posts.push(("instagram".into(), json!({"user": node})));
                        (StatusCode::OK, Json(json!({"id": "17920238422030506"})))
                    }
                    _ => (StatusCode::NOT_FOUND, Json(json!({}))),
                }
            }
        }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    base
}

/// Follows a "Connect" click: Jardinier → the network's authorization page → back.
async fn connect(
    app: &TestApp,
    network: &str,
    code_for: impl Fn(&str) -> String,
) -> reqwest::Response {
    let response = app
        .get(&format!("/w/brand/publishing/connect/{network}"))
        .await;
    assert_eq!(response.status(), Status::SEE_OTHER);
    let authorize = location(&response);
    let url = url::Url::parse(&authorize).unwrap();
    let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
    assert_eq!(q["redirect_uri"], app.url("/oauth/callback"));
    // The person allows Jardinier; the network sends them back with a code.
    let back = if network == "x" {
        reqwest::get(&authorize)
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    } else {
        format!(
            "{}?code={}&state={}",
            q["redirect_uri"],
            code_for(network),
            q["state"]
        )
    };
    app.client.get(&back).send().await.unwrap()
}

async fn accounts_are_connected_and_posts_go_out(backend: Backend) {
    let net: Shared = Arc::default();
    // Jardinier's address is known only once it runs; Meta's check that the image comes from
    // it only needs its loopback prefix.
    let server = networks(net.clone(), "http://127.0.0.1".into()).await;
    let apps = vec![
        OAuthApp {
            network: Network::X,
            client_id: "x-client".into(),
            client_secret: "x-secret".into(),
            auth_url: format!("{server}/x/authorize"),
            token_url: format!("{server}/x/token"),
            api_url: format!("{server}/x"),
        },
        OAuthApp {
            network: Network::LinkedIn,
            client_id: "li-client".into(),
            client_secret: "li-secret".into(),
            auth_url: format!("{server}/li/authorize"),
            token_url: format!("{server}/li/token"),
            api_url: format!("{server}/li"),
        },
        OAuthApp {
            network: Network::Meta,
            client_id: "meta-client".into(),
            client_secret: "meta-secret".into(),
            auth_url: format!("{server}/meta/dialog"),
            token_url: format!("{server}/meta/oauth/access_token"),
            api_url: format!("{server}/meta"),
        },
    ];
    let Some(app) = spawn_app_with(backend, |c| c.oauth = apps.clone()).await else {
        return;
    };
    let owner = app.user("camille@brand.example", "Camille").await;
    let ws = app.workspace("brand", &owner).await;
    app.login("camille@brand.example").await;
    let (_, page) = app.text("/w/brand/publishing").await;
    assert!(
        page.contains("connect-x")
            && page.contains("connect-linkedin")
            && page.contains("connect-meta")
    );

    // A state that was never sent is refused.
    let response = app.get("/oauth/callback?code=x&state=forged").await;
    assert_eq!(response.status(), Status::GONE);

    for network in ["x", "linkedin", "meta"] {
        let response = connect(&app, network, |n| {
            format!("{}-code", if n == "linkedin" { "li" } else { n })
        })
        .await;
        assert_eq!(
            response.status(),
            Status::SEE_OTHER,
            "{network}: {}",
            response.text().await.unwrap()
        );
        assert!(location(&response).contains("done=channels_connected"));
    }
    let channels = app.store.channels(ws.id).await.unwrap();
    let kinds: Vec<(&str, &str)> = channels
        .iter()
        .map(|c| (c.kind.as_str(), c.name.as_str()))
        .collect();
    for expected in [
        ("x", "@brulerie"),
        ("linkedin", "Camille Martin"),
        ("linkedin", "Brûlerie du Canal SAS"),
        ("facebook", "Brûlerie du Canal"),
        ("instagram", "@brulerie"),
    ] {
        assert!(kinds.contains(&expected), "{kinds:?}");
    }
    // The member's own LinkedIn channel (the company page is the other one).
    let id = |kind: &str| {
        channels
            .iter()
            .find(|c| c.kind == kind && c.name != "Brûlerie du Canal SAS")
            .unwrap()
            .id
    };

    // An image for Instagram, which needs one.
    let csrf = app.csrf(&app.client).await;
    let png = crate::publishing_media::PNG.to_vec();
    app.client
        .post(app.url(&format!("/w/brand/publishing/media?_csrf={csrf}")))
        .multipart(
            reqwest::multipart::Form::new()
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(png).file_name("moka.png"),
                )
                .text("alt", "Une tasse de moka"),
        )
        .send()
        .await
        .unwrap();
    let image = app.store.media_library(ws.id, 1).await.unwrap()[0].id;
    let now = jardinier_web::unix_now();
    let variants: Vec<jardinier_store::NewVariant> = ["x", "linkedin", "facebook", "instagram"]
        .iter()
        .map(|k| jardinier_store::NewVariant::plain(id(k), "Nouveau moka ☕"))
        .collect();
    let post = app
        .store
        .create_post(&jardinier_store::NewPost {
            workspace_id: ws.id,
            author_id: Some(owner.id),
            title: "Moka",
            variants: &variants,
            campaign: "",
            tags: &[],
            short_links: &[],
            media: &[image],
            first_comment: Some("Tous les détails en boutique"),
            poll: None,
            scheduled_at: Some(now),
            draft: false,
            now,
        })
        .await
        .unwrap();
    let publisher = jardinier_outbound::publish::Publisher::new(app.store.clone())
        .with_media_dir(&app.media.0)
        .with_oauth(apps.clone())
        .with_public_base(app.base.clone());
    assert_eq!(publisher.publish_due(now, 4).await.unwrap(), 4);
    let (published, deliveries) = app.store.post(ws.id, post.id).await.unwrap().unwrap();
    assert_eq!(published.state, "published", "{deliveries:?}");
    let url_of = |kind: &str| {
        deliveries
            .iter()
            .find(|d| d.channel_id == id(kind))
            .unwrap()
            .remote_url
            .clone()
    };
    assert_eq!(
        url_of("x").as_deref(),
        Some("https://x.com/brulerie/status/1445880548472328192")
    );
    assert_eq!(
        url_of("linkedin").as_deref(),
        Some("https://www.linkedin.com/feed/update/urn:li:share:6844785523593134080/")
    );
    assert_eq!(
        url_of("facebook").as_deref(),
        Some("https://www.facebook.com/1029384756_555")
    );
    {
        let net = net.lock().unwrap();
        assert_eq!(net.refreshed, 1, "the X token was renewed before posting");
        let posted = |k: &str| net.posts.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(posted("x")["text"], "Nouveau moka ☕");
        assert_eq!(posted("linkedin")["author"], "urn:li:person:782bbtaQ");
        assert_eq!(posted("linkedin")["commentary"], "Nouveau moka ☕");
        assert_eq!(
            posted("linkedin")["content"]["media"],
            json!({"id": "urn:li:image:C4E", "altText": "Une tasse de moka"})
        );
        assert_eq!(
            posted("x")["media"]["media_ids"],
            json!(["1880028106020515840"])
        );
        assert_eq!(posted("facebook")["page"], "1029384756");
        assert_eq!(
            posted("facebook")["attached"],
            "{\"media_fbid\":\"photo-1\"}"
        );
        assert_eq!(posted("instagram-container")["caption"], "Nouveau moka ☕");
        assert_eq!(posted("instagram")["user"], "17841400008460056");
        assert_eq!(posted("comment")["on"], "1029384756_555");
        assert_eq!(posted("comment")["message"], "Tous les détails en boutique");
        assert_eq!(
            posted("linkedin-comment")["message"]["text"],
            "Tous les détails en boutique"
        );
    }
    // Instagram refused the comment: the post stays published, and the delivery says so.
    let instagram = deliveries
        .iter()
        .find(|d| d.channel_id == id("instagram"))
        .unwrap();
    assert_eq!(instagram.status, "sent");
    assert!(
        instagram
            .last_error
            .as_deref()
            .unwrap()
            .contains("first comment")
    );
    // The renewed X tokens are kept.
    let x = app
        .store
        .channels(ws.id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kind == "x")
        .unwrap();
    assert!(x.secret.unwrap().contains("x-access-2"));

    // Counts come back from X, Facebook, Instagram and LinkedIn.
    let fetcher = jardinier_outbound::results::ResultsFetcher::new(app.store.clone())
        .with_oauth(apps.clone());
    assert_eq!(
        fetcher
            .refresh(jardinier_web::unix_now() + 10)
            .await
            .unwrap(),
        4
    );
    let (_, deliveries) = app.store.post(ws.id, post.id).await.unwrap().unwrap();
    let counts = |kind: &str| {
        let d = deliveries
            .iter()
            .find(|d| d.channel_id == id(kind))
            .unwrap();
        (d.likes, d.shares, d.replies)
    };
    assert_eq!(counts("x"), (Some(30), Some(5), Some(2)));
    assert_eq!(counts("facebook"), (Some(41), Some(3), Some(6)));
    assert_eq!(counts("instagram"), (Some(57), Some(0), Some(4)));
    assert_eq!(counts("linkedin"), (Some(18), Some(0), Some(3)));

    // LinkedIn's connection (the member's and the page's channels) ends in five days and cannot
    // renew itself: the owner is told once for each.
    let base = app.url("");
    assert_eq!(
        jardinier_web::publish_watch::warn_expiring(app.store.as_ref(), &base, now)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        jardinier_web::publish_watch::warn_expiring(app.store.as_ref(), &base, now)
            .await
            .unwrap(),
        0
    );
    let mail = app.store.recent_mail(20).await.unwrap();
    let warned: Vec<_> = mail
        .iter()
        .filter(|m| m.idempotency_key.starts_with("channel-expiring:"))
        .collect();
    assert!(warned.iter().all(|m| m.to == "camille@brand.example"));
    assert!(warned.iter().any(|m| m.subject.contains("Camille Martin")));
    assert!(
        warned
            .iter()
            .any(|m| m.subject.contains("Brûlerie du Canal SAS"))
    );
}
