//! Matrix: a message in a room (`PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}`,
//! client-server API). The transaction id is the delivery's idempotency key: the homeserver
//! answers a repeated transaction with the first event, so a delivery cut off mid-send is simply
//! sent again. Images go first to the homeserver's media repository (`/_matrix/media/v3/upload`),
//! then into the room as `m.image` events under transaction ids derived from the delivery's.

use serde_json::json;

use crate::{Delivered, SendError, host_of, json_answer};

/// Percent-encodes a path segment (room ids hold `!` and `:`).
fn segment(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub(crate) async fn send_message(
    client: &reqwest::Client,
    homeserver: &str,
    token: &str,
    room: &str,
    transaction: &str,
    text: &str,
) -> Result<Delivered, SendError> {
    let url = format!(
        "{}/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
        homeserver.trim_end_matches('/'),
        segment(room),
        segment(transaction)
    );
    let answer = json_answer(
        &host_of(homeserver),
        "publishing the post",
        client
            .put(&url)
            .bearer_auth(token)
            .json(&json!({"msgtype": "m.text", "body": text}))
            .send()
            .await,
    )
    .await?;
    let event = answer["event_id"]
        .as_str()
        .ok_or_else(|| SendError::Retry("the homeserver answered without an event id".into()))?;
    Ok(Delivered {
        note: None,
        remote_id: event.to_owned(),
        remote_url: Some(format!("https://matrix.to/#/{room}/{event}")),
    })
}

/// Uploads the images, then posts each as an `m.image` event after the text.
pub(crate) async fn send_images(
    client: &reqwest::Client,
    homeserver: &str,
    token: &str,
    room: &str,
    transaction: &str,
    images: &[crate::media::Loaded],
) -> Result<(), SendError> {
    let host = host_of(homeserver);
    for (i, image) in images.iter().enumerate() {
        let uploaded = json_answer(
            &host,
            "uploading an image",
            client
                .post(format!(
                    "{}/_matrix/media/v3/upload?filename={}",
                    homeserver.trim_end_matches('/'),
                    segment(&image.media.filename)
                ))
                .bearer_auth(token)
                .header("Content-Type", &image.media.content_type)
                .body(image.bytes.clone())
                .send()
                .await,
        )
        .await?;
        let uri = uploaded["content_uri"].as_str().ok_or_else(|| {
            SendError::Retry("the homeserver answered without the image's address".into())
        })?;
        let mut info = json!({"mimetype": image.media.content_type, "size": image.bytes.len()});
        if let (Some(w), Some(h)) = (image.media.width, image.media.height) {
            info["w"] = json!(w);
            info["h"] = json!(h);
        }
        let alt = if image.media.alt.is_empty() {
            image.media.filename.clone()
        } else {
            image.media.alt.clone()
        };
        json_answer(
            &host,
            "posting an image",
            client
                .put(format!(
                    "{}/_matrix/client/v3/rooms/{}/send/m.room.message/{}",
                    homeserver.trim_end_matches('/'),
                    segment(room),
                    segment(&format!("{transaction}-image{i}"))
                ))
                .bearer_auth(token)
                .json(&json!({"msgtype": "m.image", "body": alt, "url": uri, "info": info}))
                .send()
                .await,
        )
        .await?;
    }
    Ok(())
}
