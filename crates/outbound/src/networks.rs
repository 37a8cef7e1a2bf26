//! Posting to the networks connected through OAuth, as their APIs document:
//!
//! - X: `POST /2/tweets` (`{"text"}`), the receipt at `https://x.com/{user}/status/{id}`.
//! - LinkedIn: `POST /rest/posts` with `LinkedIn-Version` and `X-Restli-Protocol-Version`;
//!   the post's URN comes back in the `x-restli-id` header.
//! - Facebook Page: `POST /{page-id}/feed` (`message`) with the page's token.
//! - Instagram: `POST /{ig-user-id}/media` (`image_url`, `caption`) makes a container, then
//!   `POST /{ig-user-id}/media_publish` (`creation_id`) publishes it. Meta fetches the image
//!   from its public address, so Jardinier must be reachable from the internet.
//!
//! None of them takes an idempotency key or can be searched by one: a delivery cut off mid-send
//! goes to a person (the publisher's rule), never out twice. A first comment is tried once
//! after the post (`/{id}/comments` on Meta, `socialActions/{urn}/comments` on LinkedIn): if
//! it fails, the post stays published and the delivery says what happened, rather than the
//! post being sent again.

use serde_json::{Value, json};

use crate::{Delivered, SendError, endpoint, host_of, json_answer};

/// The LinkedIn API version Jardinier is written against (YYYYMM).
pub const LINKEDIN_VERSION: &str = "202405";

pub(crate) async fn x_post(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    username: &str,
    text: &str,
    poll: Option<&jardinier_store::PostPoll>,
    images: &[crate::media::Loaded],
) -> Result<Delivered, SendError> {
    let mut body = json!({"text": text});
    if let Some(poll) = poll {
        body["poll"] = json!({"options": poll.options, "duration_minutes": poll.minutes});
    }
    if let Some(video) = images.iter().find(|m| m.media.is_video()) {
        let id = x_video_upload(client, api, token, video).await?;
        body["media"] = json!({"media_ids": [id]});
    } else if !images.is_empty() {
        let mut ids = Vec::with_capacity(images.len());
        for image in images {
            let part = reqwest::multipart::Part::bytes(image.bytes.clone())
                .file_name(image.media.filename.clone())
                .mime_str(&image.media.content_type)
                .map_err(|e| SendError::Permanent(format!("bad media type: {e}")))?;
            let form = reqwest::multipart::Form::new()
                .part("media", part)
                .text("media_category", "tweet_image");
            let uploaded = json_answer(
                &host_of(api),
                "uploading an image",
                client
                    .post(endpoint(api, "/2/media/upload"))
                    .bearer_auth(token)
                    .multipart(form)
                    .send()
                    .await,
            )
            .await?;
            let id = uploaded["data"]["id"]
                .as_str()
                .ok_or_else(|| SendError::Retry("X answered without the image's id".into()))?
                .to_owned();
            if !image.media.alt.is_empty() {
                json_answer(
                    &host_of(api),
                    "describing an image",
                    client
                        .post(endpoint(api, "/2/media/metadata"))
                        .bearer_auth(token)
                        .json(
                            &json!({"id": id, "metadata": {"alt_text": {"text": image.media.alt}}}),
                        )
                        .send()
                        .await,
                )
                .await?;
            }
            ids.push(id);
        }
        body["media"] = json!({"media_ids": ids});
    }
    let answer = json_answer(
        &host_of(api),
        "publishing the post",
        client
            .post(endpoint(api, "/2/tweets"))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await,
    )
    .await?;
    let id = answer["data"]["id"]
        .as_str()
        .ok_or_else(|| SendError::Retry("X answered without the post's id".into()))?;
    Ok(Delivered {
        note: None,
        remote_id: id.to_owned(),
        remote_url: Some(format!("https://x.com/{username}/status/{id}")),
    })
}

pub(crate) async fn linkedin_post(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    author: &str,
    text: &str,
    images: &[crate::media::Loaded],
) -> Result<Delivered, SendError> {
    // A video: registered, sent in the parts LinkedIn names, then finalised.
    let video = match images.iter().find(|m| m.media.is_video()) {
        Some(video) => Some(linkedin_video(client, api, token, author, video).await?),
        None => None,
    };
    // Images first: each registered (initializeUpload), then its bytes put at the address given.
    let mut uploaded = Vec::with_capacity(images.len());
    for image in images.iter().filter(|m| !m.media.is_video()) {
        let init = json_answer(
            &host_of(api),
            "preparing an image",
            client
                .post(format!(
                    "{}?action=initializeUpload",
                    endpoint(api, "/rest/images")
                ))
                .bearer_auth(token)
                .header("LinkedIn-Version", LINKEDIN_VERSION)
                .header("X-Restli-Protocol-Version", "2.0.0")
                .json(&json!({"initializeUploadRequest": {"owner": author}}))
                .send()
                .await,
        )
        .await?;
        let (Some(upload_url), Some(urn)) = (
            init["value"]["uploadUrl"].as_str(),
            init["value"]["image"].as_str(),
        ) else {
            return Err(SendError::Retry(
                "LinkedIn answered without the image's upload address".into(),
            ));
        };
        let response = client
            .put(upload_url)
            .bearer_auth(token)
            .body(image.bytes.clone())
            .send()
            .await
            .map_err(|e| SendError::Retry(format!("could not upload to LinkedIn: {e}")))?;
        if !response.status().is_success() {
            return Err(SendError::Retry(format!(
                "LinkedIn answered HTTP {} to the image's upload",
                response.status().as_u16()
            )));
        }
        uploaded.push(json!({"id": urn, "altText": image.media.alt}));
    }
    let mut body = json!({
        "author": author,
        "commentary": text,
        "visibility": "PUBLIC",
        "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
        "lifecycleState": "PUBLISHED",
        "isReshareDisabledByAuthor": false
    });
    match (video, uploaded.len()) {
        (Some(urn), _) => body["content"] = json!({"media": {"id": urn}}),
        (None, 0) => {}
        (None, 1) => body["content"] = json!({"media": uploaded[0]}),
        (None, _) => body["content"] = json!({"multiImage": {"images": uploaded}}),
    }
    let response = client
        .post(endpoint(api, "/rest/posts"))
        .bearer_auth(token)
        .header("LinkedIn-Version", LINKEDIN_VERSION)
        .header("X-Restli-Protocol-Version", "2.0.0")
        .json(&body)
        .send()
        .await;
    let urn = match &response {
        Ok(r) => r
            .headers()
            .get("x-restli-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        Err(_) => None,
    };
    json_answer(&host_of(api), "publishing the post", response).await?;
    let urn =
        urn.ok_or_else(|| SendError::Retry("LinkedIn answered without the post's URN".into()))?;
    Ok(Delivered {
        note: None,
        remote_url: Some(format!("https://www.linkedin.com/feed/update/{urn}/")),
        remote_id: urn,
    })
}

pub(crate) async fn facebook_post(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    page_id: &str,
    text: &str,
) -> Result<Delivered, SendError> {
    let answer = json_answer(
        &host_of(api),
        "publishing the post",
        client
            .post(endpoint(api, &format!("/{page_id}/feed")))
            .form(&[("message", text), ("access_token", token)])
            .send()
            .await,
    )
    .await?;
    let id = answer["id"]
        .as_str()
        .ok_or_else(|| SendError::Retry("Facebook answered without the post's id".into()))?;
    Ok(Delivered {
        note: None,
        remote_id: id.to_owned(),
        remote_url: Some(format!("https://www.facebook.com/{id}")),
    })
}

pub(crate) async fn instagram_post(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    ig_user: &str,
    image_urls: &[String],
    caption: &str,
) -> Result<Delivered, SendError> {
    let host = host_of(api);
    let container: Value = if image_urls.len() == 1 {
        json_answer(
            &host,
            "preparing the image",
            client
                .post(endpoint(api, &format!("/{ig_user}/media")))
                .form(&[
                    ("image_url", image_urls[0].as_str()),
                    ("caption", caption),
                    ("access_token", token),
                ])
                .send()
                .await,
        )
        .await?
    } else {
        // A carousel: one item container per image, then the carousel's container.
        let mut children = Vec::with_capacity(image_urls.len());
        for url in image_urls {
            let item = json_answer(
                &host,
                "preparing an image",
                client
                    .post(endpoint(api, &format!("/{ig_user}/media")))
                    .form(&[
                        ("image_url", url.as_str()),
                        ("is_carousel_item", "true"),
                        ("access_token", token),
                    ])
                    .send()
                    .await,
            )
            .await?;
            children.push(item["id"].as_str().unwrap_or_default().to_owned());
        }
        json_answer(
            &host,
            "preparing the carousel",
            client
                .post(endpoint(api, &format!("/{ig_user}/media")))
                .form(&[
                    ("media_type", "CAROUSEL"),
                    ("children", children.join(",").as_str()),
                    ("caption", caption),
                    ("access_token", token),
                ])
                .send()
                .await,
        )
        .await?
    };
    let creation = container["id"]
        .as_str()
        .ok_or_else(|| SendError::Retry("Instagram answered without the container's id".into()))?;
    let published = json_answer(
        &host,
        "publishing the post",
        client
            .post(endpoint(api, &format!("/{ig_user}/media_publish")))
            .form(&[("creation_id", creation), ("access_token", token)])
            .send()
            .await,
    )
    .await?;
    let id = published["id"]
        .as_str()
        .ok_or_else(|| SendError::Retry("Instagram answered without the post's id".into()))?;
    Ok(Delivered {
        note: None,
        remote_id: id.to_owned(),
        remote_url: None,
    })
}

/// A comment on a Facebook Page post or an Instagram media; the failure in words.
pub(crate) async fn meta_comment(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    object: &str,
    text: &str,
) -> Result<(), String> {
    json_answer(
        &host_of(api),
        "posting the first comment",
        client
            .post(endpoint(api, &format!("/{object}/comments")))
            .form(&[("message", text), ("access_token", token)])
            .send()
            .await,
    )
    .await
    .map(|_| ())
    .map_err(|e| format!("published, but the first comment could not be posted: {e}"))
}

/// A comment on a LinkedIn post, as its author.
pub(crate) async fn linkedin_comment(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    author: &str,
    urn: &str,
    text: &str,
) -> Result<(), String> {
    let encoded: String = url::form_urlencoded::byte_serialize(urn.as_bytes()).collect();
    json_answer(
        &host_of(api),
        "posting the first comment",
        client
            .post(endpoint(
                api,
                &format!("/rest/socialActions/{encoded}/comments"),
            ))
            .bearer_auth(token)
            .header("LinkedIn-Version", LINKEDIN_VERSION)
            .header("X-Restli-Protocol-Version", "2.0.0")
            .json(&json!({"actor": author, "object": urn, "message": {"text": text}}))
            .send()
            .await,
    )
    .await
    .map(|_| ())
    .map_err(|e| format!("published, but the first comment could not be posted: {e}"))
}

/// A Page post with photos: each photo uploaded unpublished from its public address, then the
/// post with them attached (`attached_media`).
pub(crate) async fn facebook_photos_post(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    page_id: &str,
    text: &str,
    image_urls: &[String],
) -> Result<Delivered, SendError> {
    let host = host_of(api);
    let mut form: Vec<(String, String)> = vec![
        ("message".into(), text.to_owned()),
        ("access_token".into(), token.to_owned()),
    ];
    for (i, url) in image_urls.iter().enumerate() {
        let photo = json_answer(
            &host,
            "uploading a photo",
            client
                .post(endpoint(api, &format!("/{page_id}/photos")))
                .form(&[
                    ("url", url.as_str()),
                    ("published", "false"),
                    ("access_token", token),
                ])
                .send()
                .await,
        )
        .await?;
        let id = photo["id"]
            .as_str()
            .ok_or_else(|| SendError::Retry("Facebook answered without the photo's id".into()))?;
        form.push((
            format!("attached_media[{i}]"),
            json!({"media_fbid": id}).to_string(),
        ));
    }
    let answer = json_answer(
        &host,
        "publishing the post",
        client
            .post(endpoint(api, &format!("/{page_id}/feed")))
            .form(&form)
            .send()
            .await,
    )
    .await?;
    let id = answer["id"]
        .as_str()
        .ok_or_else(|| SendError::Retry("Facebook answered without the post's id".into()))?;
    Ok(Delivered {
        note: None,
        remote_id: id.to_owned(),
        remote_url: Some(format!("https://www.facebook.com/{id}")),
    })
}

/// A Page video, fetched by Meta from its public address, the post's text as its description.
pub(crate) async fn facebook_video_post(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    page_id: &str,
    text: &str,
    video_url: &str,
) -> Result<Delivered, SendError> {
    let answer = json_answer(
        &host_of(api),
        "publishing the video",
        client
            .post(endpoint(api, &format!("/{page_id}/videos")))
            .form(&[
                ("file_url", video_url),
                ("description", text),
                ("access_token", token),
            ])
            .send()
            .await,
    )
    .await?;
    let id = answer["id"]
        .as_str()
        .ok_or_else(|| SendError::Retry("Facebook answered without the video's id".into()))?;
    Ok(Delivered {
        note: None,
        remote_id: id.to_owned(),
        remote_url: Some(format!("https://www.facebook.com/{page_id}/videos/{id}")),
    })
}

/// An Instagram reel: the container, its processing waited for (`status_code` FINISHED, up to
/// two minutes), then published.
pub(crate) async fn instagram_reel(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    ig_user: &str,
    video_url: &str,
    caption: &str,
) -> Result<Delivered, SendError> {
    let host = host_of(api);
    let container = json_answer(
        &host,
        "preparing the video",
        client
            .post(endpoint(api, &format!("/{ig_user}/media")))
            .form(&[
                ("media_type", "REELS"),
                ("video_url", video_url),
                ("caption", caption),
                ("access_token", token),
            ])
            .send()
            .await,
    )
    .await?;
    let creation = container["id"]
        .as_str()
        .ok_or_else(|| SendError::Retry("Instagram answered without the container's id".into()))?
        .to_owned();
    for _ in 0..60 {
        let status = json_answer(
            &host,
            "waiting for the video",
            client
                .get(format!(
                    "{}?fields=status_code&access_token={token}",
                    endpoint(api, &format!("/{creation}"))
                ))
                .send()
                .await,
        )
        .await?;
        match status["status_code"].as_str() {
            Some("FINISHED") => {
                let published = json_answer(
                    &host,
                    "publishing the post",
                    client
                        .post(endpoint(api, &format!("/{ig_user}/media_publish")))
                        .form(&[("creation_id", creation.as_str()), ("access_token", token)])
                        .send()
                        .await,
                )
                .await?;
                let id = published["id"].as_str().ok_or_else(|| {
                    SendError::Retry("Instagram answered without the post's id".into())
                })?;
                return Ok(Delivered {
                    note: None,
                    remote_id: id.to_owned(),
                    remote_url: None,
                });
            }
            Some("ERROR") | Some("EXPIRED") => {
                return Err(SendError::Permanent(
                    "Instagram could not process the video (check its format: MP4, H.264, at most 15 minutes)".into(),
                ));
            }
            _ => tokio::time::sleep(std::time::Duration::from_secs(2)).await,
        }
    }
    Err(SendError::Retry(
        "Instagram is still processing the video".into(),
    ))
}

/// The part of a video sent per `append` (X takes up to 5 MB).
const X_CHUNK: usize = 4 * 1024 * 1024;

/// A video to X in chunks: `initialize`, `append` each part, `finalize`, then its processing
/// waited for (`STATUS`, up to about two minutes). Returns the media id.
async fn x_video_upload(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    video: &crate::media::Loaded,
) -> Result<String, SendError> {
    let host = host_of(api);
    let init = json_answer(
        &host,
        "preparing the video",
        client
            .post(endpoint(api, "/2/media/upload/initialize"))
            .bearer_auth(token)
            .json(
                &json!({"media_type": video.media.content_type, "total_bytes": video.bytes.len(),
                          "media_category": "tweet_video"}),
            )
            .send()
            .await,
    )
    .await?;
    let id = init["data"]["id"]
        .as_str()
        .ok_or_else(|| SendError::Retry("X answered without the video's id".into()))?
        .to_owned();
    for (index, chunk) in video.bytes.chunks(X_CHUNK).enumerate() {
        let form = reqwest::multipart::Form::new()
            .text("segment_index", index.to_string())
            .part(
                "media",
                reqwest::multipart::Part::bytes(chunk.to_vec()).file_name("chunk"),
            );
        let response = client
            .post(endpoint(api, &format!("/2/media/upload/{id}/append")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .map_err(|e| SendError::Retry(format!("could not reach {host}: {e}")))?;
        if !response.status().is_success() {
            return Err(SendError::Retry(format!(
                "X answered HTTP {} to a part of the video",
                response.status().as_u16()
            )));
        }
    }
    let mut state = json_answer(
        &host,
        "finishing the video's upload",
        client
            .post(endpoint(api, &format!("/2/media/upload/{id}/finalize")))
            .bearer_auth(token)
            .send()
            .await,
    )
    .await?;
    for _ in 0..60 {
        match state["data"]["processing_info"]["state"].as_str() {
            None | Some("succeeded") => return Ok(id),
            Some("failed") => {
                return Err(SendError::Permanent(format!(
                    "X could not process the video: {}",
                    state["data"]["processing_info"]["error"]["message"]
                        .as_str()
                        .unwrap_or("no reason given")
                )));
            }
            _ => {
                let wait = state["data"]["processing_info"]["check_after_secs"]
                    .as_u64()
                    .unwrap_or(2)
                    .clamp(1, 10);
                tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
                state = json_answer(
                    &host,
                    "waiting for the video",
                    client
                        .get(format!(
                            "{}?command=STATUS&media_id={id}",
                            endpoint(api, "/2/media/upload")
                        ))
                        .bearer_auth(token)
                        .send()
                        .await,
                )
                .await?;
            }
        }
    }
    Err(SendError::Retry("X is still processing the video".into()))
}

/// A video to LinkedIn: `initializeUpload` (which names the parts), each part put at its
/// address, `finalizeUpload` with the parts' ETags. Returns the video's URN.
async fn linkedin_video(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    author: &str,
    video: &crate::media::Loaded,
) -> Result<String, SendError> {
    let host = host_of(api);
    let headers = |request: reqwest::RequestBuilder| {
        request
            .bearer_auth(token)
            .header("LinkedIn-Version", LINKEDIN_VERSION)
            .header("X-Restli-Protocol-Version", "2.0.0")
    };
    let init = json_answer(
        &host,
        "preparing the video",
        headers(client.post(format!(
            "{}?action=initializeUpload",
            endpoint(api, "/rest/videos")
        )))
        .json(
            &json!({"initializeUploadRequest": {"owner": author, "fileSizeBytes": video.bytes.len(),
                          "uploadCaptions": false, "uploadThumbnail": false}}),
        )
        .send()
        .await,
    )
    .await?;
    let value = &init["value"];
    let urn = value["video"]
        .as_str()
        .ok_or_else(|| SendError::Retry("LinkedIn answered without the video's URN".into()))?
        .to_owned();
    let mut etags = Vec::new();
    for part in value["uploadInstructions"].as_array().into_iter().flatten() {
        let (Some(url), Some(first), Some(last)) = (
            part["uploadUrl"].as_str(),
            part["firstByte"].as_u64(),
            part["lastByte"].as_u64(),
        ) else {
            return Err(SendError::Retry(
                "LinkedIn's upload instructions are incomplete".into(),
            ));
        };
        let bytes = video
            .bytes
            .get(first as usize..=last as usize)
            .ok_or_else(|| {
                SendError::Permanent("LinkedIn asked for bytes the video does not have".into())
            })?;
        let response = client
            .put(url)
            .header("Content-Type", "application/octet-stream")
            .body(bytes.to_vec())
            .send()
            .await
            .map_err(|e| SendError::Retry(format!("could not upload to LinkedIn: {e}")))?;
        if !response.status().is_success() {
            return Err(SendError::Retry(format!(
                "LinkedIn answered HTTP {} to a part of the video",
                response.status().as_u16()
            )));
        }
        etags.push(
            response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
        );
    }
    json_answer(
        &host,
        "finishing the video's upload",
        headers(client.post(format!(
            "{}?action=finalizeUpload",
            endpoint(api, "/rest/videos")
        )))
        .json(&json!({"finalizeUploadRequest": {"video": urn,
                          "uploadToken": value["uploadToken"].as_str().unwrap_or_default(),
                          "uploadedPartIds": etags}}))
        .send()
        .await,
    )
    .await?;
    Ok(urn)
}
