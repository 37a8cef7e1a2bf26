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

use serde_json::json;

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
            let part = crate::media::part(image)?;
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

/// POSTs a form to a Graph API edge (`/{node}/{edge}`, the token added) and returns the id it
/// answers with; `what` names the step, `missing` says what lacked an id.
async fn graph_post(
    client: &reqwest::Client,
    api: &str,
    path: &str,
    token: &str,
    form: &[(&str, &str)],
    what: &str,
    missing: &str,
) -> Result<String, SendError> {
    let mut form = form.to_vec();
    form.push(("access_token", token));
    let answer = json_answer(
        &host_of(api),
        what,
        client.post(endpoint(api, path)).form(&form).send().await,
    )
    .await?;
    answer["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| SendError::Retry(format!("Meta answered without {missing}")))
}

pub(crate) async fn facebook_post(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    page_id: &str,
    text: &str,
) -> Result<Delivered, SendError> {
    let id = graph_post(
        client,
        api,
        &format!("/{page_id}/feed"),
        token,
        &[("message", text)],
        "publishing the post",
        "the post's id",
    )
    .await?;
    Ok(Delivered {
        note: None,
        remote_url: Some(format!("https://www.facebook.com/{id}")),
        remote_id: id,
    })
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
    let mut attached = Vec::with_capacity(image_urls.len());
    for (i, url) in image_urls.iter().enumerate() {
        let id = graph_post(
            client,
            api,
            &format!("/{page_id}/photos"),
            token,
            &[("url", url.as_str()), ("published", "false")],
            "uploading a photo",
            "the photo's id",
        )
        .await?;
        attached.push((
            format!("attached_media[{i}]"),
            json!({"media_fbid": id}).to_string(),
        ));
    }
    let mut form = vec![("message", text)];
    form.extend(attached.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let id = graph_post(
        client,
        api,
        &format!("/{page_id}/feed"),
        token,
        &form,
        "publishing the post",
        "the post's id",
    )
    .await?;
    Ok(Delivered {
        note: None,
        remote_url: Some(format!("https://www.facebook.com/{id}")),
        remote_id: id,
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
    let id = graph_post(
        client,
        api,
        &format!("/{page_id}/videos"),
        token,
        &[("file_url", video_url), ("description", text)],
        "publishing the video",
        "the video's id",
    )
    .await?;
    Ok(Delivered {
        note: None,
        remote_url: Some(format!("https://www.facebook.com/{page_id}/videos/{id}")),
        remote_id: id,
    })
}

/// An Instagram image (one, or a carousel: an item container per image, then the carousel's):
/// its container, then published.
pub(crate) async fn instagram_post(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    ig_user: &str,
    image_urls: &[String],
    caption: &str,
) -> Result<Delivered, SendError> {
    let media = format!("/{ig_user}/media");
    let creation = if let [url] = image_urls {
        graph_post(
            client,
            api,
            &media,
            token,
            &[("image_url", url.as_str()), ("caption", caption)],
            "preparing the image",
            "the container's id",
        )
        .await?
    } else {
        let mut children = Vec::with_capacity(image_urls.len());
        for url in image_urls {
            children.push(
                graph_post(
                    client,
                    api,
                    &media,
                    token,
                    &[("image_url", url.as_str()), ("is_carousel_item", "true")],
                    "preparing an image",
                    "the image's container id",
                )
                .await?,
            );
        }
        graph_post(
            client,
            api,
            &media,
            token,
            &[
                ("media_type", "CAROUSEL"),
                ("children", children.join(",").as_str()),
                ("caption", caption),
            ],
            "preparing the carousel",
            "the container's id",
        )
        .await?
    };
    instagram_publish(client, api, token, ig_user, &creation).await
}

/// Publishes an Instagram container.
async fn instagram_publish(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    ig_user: &str,
    creation: &str,
) -> Result<Delivered, SendError> {
    let id = graph_post(
        client,
        api,
        &format!("/{ig_user}/media_publish"),
        token,
        &[("creation_id", creation)],
        "publishing the post",
        "the post's id",
    )
    .await?;
    Ok(Delivered {
        note: None,
        remote_id: id,
        remote_url: None,
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
    let creation = graph_post(
        client,
        api,
        &format!("/{ig_user}/media"),
        token,
        &[
            ("media_type", "REELS"),
            ("video_url", video_url),
            ("caption", caption),
        ],
        "preparing the video",
        "the container's id",
    )
    .await?;
    for _ in 0..60 {
        let status = json_answer(
            &host_of(api),
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
                return instagram_publish(client, api, token, ig_user, &creation).await;
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

/// A comment on a Facebook Page post or an Instagram media; the failure in words.
pub(crate) async fn meta_comment(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    object: &str,
    text: &str,
) -> Result<(), String> {
    graph_post(
        client,
        api,
        &format!("/{object}/comments"),
        token,
        &[("message", text)],
        "posting the first comment",
        "the comment's id",
    )
    .await
    .map(|_| ())
    .map_err(|e| format!("published, but the first comment could not be posted: {e}"))
}
