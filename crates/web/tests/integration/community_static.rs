//! The community as a static HTML archive (issue 16, item 11): a zip of pages that opens from
//! the disk, its search working offline.

use reqwest::StatusCode;

use crate::both_backends;
use crate::community::{assert_inert, community, key, member, site_post, start_with};
use crate::community_images::{JPEG, contains, upload};
use crate::helpers::*;

both_backends!(the_static_archive_opens_and_searches_without_a_server);

/// The files of a zip, by path.
fn unzip(bytes: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a whole zip");
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().unwrap().into_owned(), content)
        })
        .collect()
}

async fn the_static_archive_opens_and_searches_without_a_server(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let answer: serde_json::Value = upload(
        &app,
        &nina,
        "/c/brand/images",
        "image",
        "v60.jpg",
        JPEG,
        true,
    )
    .await
    .json()
    .await
    .unwrap();
    let markdown = answer["markdown"].as_str().unwrap();
    let (_, id) = start_with(
        &app,
        &nina,
        "questions",
        "Mouture pour la cafetière italienne",
        &format!("Quelle finesse pour une **moka** ? <script>alert(1)</script>\n\n{markdown}"),
        1,
    )
    .await;
    site_post(
        &app,
        &nina,
        "/c/brand/new",
        &[
            ("category", "le-salon"),
            ("title", "Entre nous"),
            ("body", "Réservé aux membres."),
            ("_key", &key(3)),
        ],
    )
    .await;

    // The public archive: what everyone may read, the pages linked to each other.
    let response = app.get("/w/brand/community/archive.zip").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"brand-community-")
    );
    let files = unzip(&response.bytes().await.unwrap());
    let text = |path: &str| String::from_utf8(files[path].clone()).unwrap();
    for path in [
        "index.html",
        "search.html",
        "search.js",
        "style.css",
        "c/questions.html",
    ] {
        assert!(files.contains_key(path), "{path} in {:?}", files.keys());
    }
    assert!(
        !files.contains_key("c/le-salon.html"),
        "members-only stays out"
    );
    let index = text("index.html");
    assert!(index.contains("href=\"c/questions.html\"") && index.contains("Les Jardins"));
    assert!(text("c/questions.html").contains(&format!("href=\"../t/{id}.html\"")));
    let topic = text(&format!("t/{id}.html"));
    assert!(
        topic.contains("<strong>moka</strong>") && topic.contains("Nina Petit"),
        "{topic}"
    );
    assert!(topic.contains("href=\"../style.css\""));
    assert_inert(&topic, "<script>alert(1)</script>");
    // The photo is in the zip, and the post points at that copy.
    let image = files
        .keys()
        .find(|k| k.starts_with("images/"))
        .expect("the photo")
        .clone();
    assert!(topic.contains(&format!("src=\"../{image}\"")), "{topic}");
    assert!(!contains(&files[&image], b"JardinierCam"));
    // The search: its index scripts are loaded by the page, and hold the topic's words.
    let search = text("search.html");
    assert!(
        search.contains("<script src=\"search/index-1.js\"></script>"),
        "{search}"
    );
    let chunk = text("search/index-1.js");
    assert!(chunk.contains("Mouture pour la cafetière italienne") && chunk.contains("finesse"));
    assert!(!chunk.contains("Réservé aux membres"));
    assert!(text("search.js").contains("JARDINIER_ARCHIVE"));

    // The team's copy holds every category.
    let files = unzip(
        &app.get("/w/brand/community/archive.zip?scope=all")
            .await
            .bytes()
            .await
            .unwrap(),
    );
    assert!(files.contains_key("c/le-salon.html"));
    assert!(
        String::from_utf8(files["search/index-1.js"].clone())
            .unwrap()
            .contains("Réservé aux membres")
    );
    // Only who manages the community downloads it.
    let analyst = new_client();
    app.login_with(&analyst, "ana@brand.example", PASSWORD)
        .await;
    let response = app
        .get_with(&analyst, "/w/brand/community/archive.zip")
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
