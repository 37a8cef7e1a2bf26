//! Media sent with posts: read from the media folder, then uploaded as each network documents.
//!
//! - Mastodon: `POST /api/v2/media` (multipart `file` and `description`), then the status with
//!   `media_ids`. An upload repeated after a stop leaves an unused attachment on the instance,
//!   never a second post (the status keeps its idempotency key).
//! - Bluesky: `com.atproto.repo.uploadBlob` (the raw bytes), then the post with an
//!   `app.bsky.embed.images` embed (alt text and aspect ratio).
//! - Discord: the webhook's multipart form (`payload_json` with the attachments' descriptions,
//!   then `files[n]`).

use std::path::Path;

use jardinier_store::Media;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::{SendError, endpoint, host_of, json_answer};

/// A medium with its bytes.
pub struct Loaded {
    pub media: Media,
    pub bytes: Vec<u8>,
}

/// Reads the post's media from the media folder.
pub(crate) async fn load(dir: &Path, media: &[Media]) -> Result<Vec<Loaded>, SendError> {
    let mut out = Vec::with_capacity(media.len());
    for m in media {
        let bytes = tokio::fs::read(dir.join(m.relative_path())).await.map_err(|e| {
            SendError::Permanent(format!(
                "the file of \"{}\" is missing from the media folder ({e}); add it to the library again",
                m.filename
            ))
        })?;
        out.push(Loaded {
            media: m.clone(),
            bytes,
        });
    }
    Ok(out)
}

/// A file as a multipart part (its name and type).
pub(crate) fn part(loaded: &Loaded) -> Result<Part, SendError> {
    Part::bytes(loaded.bytes.clone())
        .file_name(loaded.media.filename.clone())
        .mime_str(&loaded.media.content_type)
        .map_err(|e| SendError::Permanent(format!("bad media type: {e}")))
}

/// Uploads to Mastodon; returns the attachments' ids in order.
pub(crate) async fn mastodon_upload(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    media: &[Loaded],
) -> Result<Vec<String>, SendError> {
    let mut ids = Vec::with_capacity(media.len());
    for loaded in media {
        let form = Form::new()
            .part("file", part(loaded)?)
            .text("description", loaded.media.alt.clone());
        let answer = json_answer(
            &host_of(base),
            "uploading an image",
            client
                .post(endpoint(base, "/api/v2/media"))
                .bearer_auth(token)
                .multipart(form)
                .send()
                .await,
        )
        .await?;
        let id = answer["id"].as_str().ok_or_else(|| {
            SendError::Retry(format!(
                "{} answered without the attachment's id",
                host_of(base)
            ))
        })?;
        ids.push(id.to_owned());
    }
    Ok(ids)
}

/// Uploads blobs to a Bluesky PDS; returns the post's images embed.
pub(crate) async fn bluesky_embed(
    client: &reqwest::Client,
    pds: &str,
    jwt: &str,
    media: &[Loaded],
) -> Result<Value, SendError> {
    let mut images = Vec::with_capacity(media.len());
    for loaded in media {
        let answer = json_answer(
            &host_of(pds),
            "uploading an image",
            client
                .post(endpoint(pds, "/xrpc/com.atproto.repo.uploadBlob"))
                .bearer_auth(jwt)
                .header("Content-Type", &loaded.media.content_type)
                .body(loaded.bytes.clone())
                .send()
                .await,
        )
        .await?;
        let blob = answer.get("blob").cloned().ok_or_else(|| {
            SendError::Retry(format!("{} answered without the blob", host_of(pds)))
        })?;
        let mut image = json!({"alt": loaded.media.alt, "image": blob});
        if let (Some(width), Some(height)) = (loaded.media.width, loaded.media.height) {
            image["aspectRatio"] = json!({"width": width, "height": height});
        }
        images.push(image);
    }
    Ok(json!({"$type": "app.bsky.embed.images", "images": images}))
}

/// Bluesky's video service (tests give a local one).
pub const BLUESKY_VIDEO_SERVICE: &str = "https://video.bsky.app";

/// A video to Bluesky: a service token from the PDS for the video service, the upload, its
/// processing waited for (up to about two minutes); returns the post's video embed.
pub(crate) async fn bluesky_video_embed(
    client: &reqwest::Client,
    pds: &str,
    video_service: &str,
    jwt: &str,
    did: &str,
    video: &Loaded,
) -> Result<Value, SendError> {
    let pds_host = host_of(pds);
    let service_auth = json_answer(
        &pds_host,
        "asking for the video service's token",
        client
            .get(format!(
                "{}?{}",
                endpoint(pds, "/xrpc/com.atproto.server.getServiceAuth"),
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("aud", &format!("did:web:{pds_host}"))
                    .append_pair("lxm", "com.atproto.repo.uploadBlob")
                    .finish()
            ))
            .bearer_auth(jwt)
            .send()
            .await,
    )
    .await?;
    let token = service_auth["token"]
        .as_str()
        .ok_or_else(|| SendError::Retry(format!("{pds_host} gave no service token")))?;
    let service_host = host_of(video_service);
    let mut job = json_answer(
        &service_host,
        "uploading the video",
        client
            .post(format!(
                "{}?{}",
                endpoint(video_service, "/xrpc/app.bsky.video.uploadVideo"),
                url::form_urlencoded::Serializer::new(String::new())
                    .append_pair("did", did)
                    .append_pair("name", &video.media.filename)
                    .finish()
            ))
            .bearer_auth(token)
            .header("Content-Type", &video.media.content_type)
            .body(video.bytes.clone())
            .send()
            .await,
    )
    .await?;
    for _ in 0..60 {
        let status = if job.get("jobStatus").is_some() {
            job["jobStatus"].clone()
        } else {
            job.clone()
        };
        match status["state"].as_str() {
            Some("JOB_STATE_COMPLETED") => {
                let blob = status.get("blob").cloned().ok_or_else(|| {
                    SendError::Retry("the video service answered without the video".into())
                })?;
                let mut embed = json!({"$type": "app.bsky.embed.video", "video": blob});
                if !video.media.alt.is_empty() {
                    embed["alt"] = json!(video.media.alt);
                }
                if let (Some(width), Some(height)) = (video.media.width, video.media.height) {
                    embed["aspectRatio"] = json!({"width": width, "height": height});
                }
                return Ok(embed);
            }
            Some("JOB_STATE_FAILED") => {
                return Err(SendError::Permanent(format!(
                    "Bluesky could not process the video: {}",
                    status["error"].as_str().unwrap_or("no reason given")
                )));
            }
            _ => {
                let id = status["jobId"].as_str().unwrap_or_default().to_owned();
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
                job = json_answer(
                    &service_host,
                    "waiting for the video",
                    client
                        .get(format!(
                            "{}?jobId={id}",
                            endpoint(video_service, "/xrpc/app.bsky.video.getJobStatus")
                        ))
                        .bearer_auth(token)
                        .send()
                        .await,
                )
                .await?;
            }
        }
    }
    Err(SendError::Retry(
        "Bluesky is still processing the video".into(),
    ))
}

/// Discord's webhook form with the files attached.
pub(crate) fn discord_form(content: &str, media: &[Loaded]) -> Result<Form, SendError> {
    let attachments: Vec<Value> = media
        .iter()
        .enumerate()
        .map(|(i, l)| json!({"id": i, "filename": l.media.filename, "description": l.media.alt}))
        .collect();
    let mut form = Form::new().text(
        "payload_json",
        json!({"content": content, "attachments": attachments}).to_string(),
    );
    for (i, loaded) in media.iter().enumerate() {
        form = form.part(format!("files[{i}]"), part(loaded)?);
    }
    Ok(form)
}

/// The largest page or image read for a link card.
const CARD_BYTES: usize = 1_000_000;

async fn read_limited(response: reqwest::Response) -> Option<Vec<u8>> {
    if response
        .content_length()
        .is_some_and(|n| n as usize > CARD_BYTES)
    {
        return None;
    }
    let bytes = response.bytes().await.ok()?;
    (bytes.len() <= CARD_BYTES).then(|| bytes.to_vec())
}

/// The card of a linked page (read up to 1 MB, 5 s); `None` when it gives no title.
pub async fn fetch_card(
    client: &reqwest::Client,
    url: &str,
) -> Option<jardinier_compose::card::LinkCard> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let page = client
        .get(url)
        .timeout(std::time::Duration::from_secs(5))
        .send()
        .await
        .ok()
        .filter(|r| r.status().is_success())?;
    let html = String::from_utf8_lossy(&read_limited(page).await?).into_owned();
    jardinier_compose::card::from_html(&html, url)
}

/// Bluesky's card for the first link of a post (`app.bsky.embed.external`), its image uploaded
/// as the thumbnail. `None` when there is no link or the page gives no title: the post goes
/// out without a card rather than not at all.
pub(crate) async fn bluesky_card(
    client: &reqwest::Client,
    pds: &str,
    jwt: &str,
    text: &str,
) -> Option<Value> {
    let url = jardinier_compose::rules::bluesky_facets(text)
        .into_iter()
        .find_map(|f| match f {
            jardinier_compose::rules::Facet::Link { uri, .. } => Some(uri),
            _ => None,
        })?;
    let card = fetch_card(client, &url).await?;
    let mut external = json!({"uri": url, "title": card.title, "description": card.description});
    if let Some(image) = &card.image
        && let Some(response) = client
            .get(image)
            .timeout(std::time::Duration::from_secs(5))
            .send()
            .await
            .ok()
            .filter(|r| r.status().is_success())
    {
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        if kind.starts_with("image/")
            && let Some(bytes) = read_limited(response).await
            && let Ok(answer) = json_answer(
                &host_of(pds),
                "uploading the link's image",
                client
                    .post(endpoint(pds, "/xrpc/com.atproto.repo.uploadBlob"))
                    .bearer_auth(jwt)
                    .header("Content-Type", kind)
                    .body(bytes)
                    .send()
                    .await,
            )
            .await
            && let Some(blob) = answer.get("blob")
        {
            external["thumb"] = blob.clone();
        }
    }
    Some(json!({"$type": "app.bsky.embed.external", "external": external}))
}
