//! Images in the community (issue 16, items 3 and 4): members put photos in their posts and
//! choose an avatar; what a photo says about where and with what it was taken is removed before
//! anything is kept; other files are refused with the reason, in the member's language.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};

use crate::both_backends;
use crate::community::{community, key, member, site_csrf, site_post, start_with};
use crate::helpers::*;

both_backends!(
    members_put_photos_in_posts_without_where_they_were_taken,
    other_files_and_strangers_are_refused_and_nothing_is_kept,
    a_member_chooses_an_avatar_shown_beside_their_posts,
);

pub(crate) const JPEG: &[u8] = include_bytes!("../../../community/tests/images/gps.jpg");
const PNG: &[u8] = include_bytes!("../../../community/tests/images/gps.png");
const GIF: &[u8] = include_bytes!("../../../community/tests/images/plain.gif");

pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Sends `bytes` as the upload form would (`field` the file's field); `json` as the composer's
/// script asks.
pub(crate) async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    field: &str,
    name: &str,
    bytes: &[u8],
    json: bool,
) -> reqwest::Response {
    let token = site_csrf(app, client).await;
    let form = Form::new().text("_csrf", token).part(
        field.to_owned(),
        Part::bytes(bytes.to_vec()).file_name(name.to_owned()),
    );
    let mut request = client.post(app.url(path)).multipart(form);
    if json {
        request = request.header("Accept", "application/json");
    }
    request.send().await.unwrap()
}

/// Files in the community's image folder.
fn stored_files(app: &TestApp) -> Vec<String> {
    let Ok(workspaces) = std::fs::read_dir(app.media.0.join("community")) else {
        return Vec::new();
    };
    workspaces
        .flatten()
        .flat_map(|ws| std::fs::read_dir(ws.path()).unwrap().flatten())
        .map(|f| f.file_name().to_string_lossy().into_owned())
        .collect()
}

async fn members_put_photos_in_posts_without_where_they_were_taken(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;

    // The composer's script sends the photo and gets the line to put in the post.
    let response = upload(
        &app,
        &nina,
        "/c/brand/images",
        "image",
        "IMG_2041-quai.jpg",
        JPEG,
        true,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let answer: serde_json::Value = response.json().await.unwrap();
    let markdown = answer["markdown"].as_str().unwrap().to_owned();
    let url = answer["url"].as_str().unwrap().to_owned();
    assert!(
        markdown.starts_with("![IMG 2041 quai](upload://"),
        "{markdown}"
    );
    assert!(
        url.starts_with("/c/brand/images/") && url.ends_with(".jpg"),
        "{url}"
    );

    // What is served is the photo without its camera, owner, position or comment.
    let response = app.get_with(&new_client(), &url).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert!(
        response.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let served = response.bytes().await.unwrap();
    assert!(contains(JPEG, b"JardinierCam") && contains(JPEG, b"Jemmapes"));
    for secret in [&b"JardinierCam"[..], b"Camille", b"xmpmeta", b"Jemmapes"] {
        assert!(
            !contains(&served, secret),
            "{}",
            String::from_utf8_lossy(secret)
        );
    }
    let size = imagesize::blob_size(&served).expect("still an image");
    assert_eq!((size.width, size.height), (64, 48));
    // The file on disk is the cleaned one.
    let files = stored_files(&app);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(url.ends_with(&files[0]));

    // The same photo in a topic: the page shows it at the community's address.
    let (path, _) = start_with(
        &app,
        &nina,
        "questions",
        "Mon montage V60",
        &format!("Voici mon installation :\n\n{markdown}"),
        1,
    )
    .await;
    let page = app.get_with(&nina, &path).await.text().await.unwrap();
    assert!(
        page.contains(&format!("<img src=\"{url}\" alt=\"IMG 2041 quai\">")),
        "{page}"
    );
    // The composer offers the image link, which works without JavaScript too.
    assert!(page.contains("data-testid=\"add-image\""));

    // Without JavaScript: the upload page gives the line to paste.
    let response = upload(
        &app,
        &nina,
        "/c/brand/images",
        "image",
        "moulin.png",
        PNG,
        false,
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("Paste this line into your post"), "{html}");
    assert!(html.contains("](upload://"), "{html}");
    assert_eq!(stored_files(&app).len(), 2);

    // Their data export lists the images they sent.
    let export: serde_json::Value = app
        .get_with(&nina, "/c/brand/account/export")
        .await
        .json()
        .await
        .unwrap();
    let images = export["images"].as_array().unwrap();
    assert_eq!(images.len(), 2, "{export}");
    assert!(images.iter().any(|i| i["name"] == "IMG_2041-quai.jpg"));
}

async fn other_files_and_strangers_are_refused_and_nothing_is_kept(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;

    // A GIF, an SVG with a script, a PDF named .jpg: each refused with the reason (422).
    for (name, bytes) in [
        ("anim.gif", GIF),
        (
            "logo.svg",
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>"[..],
        ),
        ("facture.jpg", &b"%PDF-1.7\n1 0 obj"[..]),
    ] {
        let response = upload(&app, &nina, "/c/brand/images", "image", name, bytes, true).await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{name}"
        );
        let answer: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            answer["error"], "This file is not a JPEG, PNG or WebP image.",
            "{name}"
        );
    }
    // A photo cut in the middle.
    let response = upload(
        &app,
        &nina,
        "/c/brand/images",
        "image",
        "cut.jpg",
        &JPEG[..400],
        true,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert!(
        answer["error"].as_str().unwrap().contains("damaged"),
        "{answer}"
    );
    // Too heavy: said with the limit, in French for a French reader.
    let french = new_client();
    member(&app, &french, "Léa Roux", "lea@brand.example").await;
    let response = site_post(
        &app,
        &french,
        "/c/brand/lang",
        &[("lang", "fr"), ("next", "/")],
    )
    .await;
    assert!(response.status().is_redirection());
    let mut heavy = JPEG.to_vec();
    heavy.resize(8 * 1024 * 1024 + 10, 0);
    let response = upload(
        &app,
        &french,
        "/c/brand/images",
        "image",
        "big.jpg",
        &heavy,
        false,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Cette image pèse plus de 8 Mo"), "{html}");
    // The form's image field is back, ready for another try.
    assert!(html.contains("type=\"file\""));

    // A visitor may not send images; a form without its token is refused.
    let response = upload(
        &app,
        &new_client(),
        "/c/brand/images",
        "image",
        "a.jpg",
        JPEG,
        true,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert!(
        answer["error"].as_str().unwrap().contains("Sign in"),
        "{answer}"
    );
    let form = Form::new().part("image", Part::bytes(JPEG.to_vec()).file_name("a.jpg"));
    let response = nina
        .post(app.url("/c/brand/images"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Nothing was kept of any of it.
    assert!(stored_files(&app).is_empty(), "{:?}", stored_files(&app));
    // Addresses that are not an upload's answer 404.
    for path in [
        format!("/c/brand/images/{}.jpg", "a".repeat(64)),
        "/c/brand/images/..%2F..%2Fetc%2Fpasswd".to_owned(),
        "/c/brand/images/x.svg".to_owned(),
    ] {
        let response = app.get_with(&new_client(), &path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let _ = key(1);
}

async fn a_member_chooses_an_avatar_shown_beside_their_posts(backend: Backend) {
    let Some(app) = spawn_app(backend).await else {
        return;
    };
    community(&app).await;
    let nina = new_client();
    member(&app, &nina, "Nina Petit", "nina@brand.example").await;
    let (path, _) = start_with(&app, &nina, "questions", "Bonjour", "Je débute.", 1).await;
    // Before: the first letter of their name.
    let page = app.get_with(&nina, &path).await.text().await.unwrap();
    assert!(
        page.contains("<span class=\"avatar\" aria-hidden=\"true\">N</span>"),
        "{page}"
    );

    let response = upload(
        &app,
        &nina,
        "/c/brand/account/avatar",
        "avatar",
        "moi.png",
        PNG,
        false,
    )
    .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/c/brand/account?done=avatar_saved");
    let account = app
        .get_with(&nina, "/c/brand/account?done=avatar_saved")
        .await
        .text()
        .await
        .unwrap();
    assert!(account.contains("Your picture is saved"), "{account}");
    let src = account
        .split("<img src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the avatar on the account page")
        .to_owned();
    assert!(
        src.starts_with("/c/brand/images/") && src.ends_with(".png"),
        "{src}"
    );
    let served = app
        .get_with(&new_client(), &src)
        .await
        .bytes()
        .await
        .unwrap();
    assert!(!contains(&served, b"Location") && !contains(&served, b"JardinierCam"));
    // Beside their posts, for everyone.
    let page = app
        .get_with(&new_client(), &path)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("<img src=\"{src}\"")), "{page}");

    // A file that is not an image leaves the avatar as it was and says why.
    let response = upload(
        &app,
        &nina,
        "/c/brand/account/avatar",
        "avatar",
        "x.gif",
        GIF,
        false,
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(
        html.contains("This file is not a JPEG, PNG or WebP image."),
        "{html}"
    );
    assert!(html.contains(&src));

    // Removed: the letter again.
    let token = site_csrf(&app, &nina).await;
    let form = Form::new().text("_csrf", token).text("remove", "yes");
    let response = nina
        .post(app.url("/c/brand/account/avatar"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(location(&response), "/c/brand/account?done=avatar_removed");
    let page = app
        .get_with(&new_client(), &path)
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&src));
}
