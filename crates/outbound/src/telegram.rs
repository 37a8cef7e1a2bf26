//! Telegram: a bot posts to a channel or group it administers (`sendMessage`, Bot API).
//!
//! The Bot API has no idempotency key and no way to find a message by anything of ours, so a
//! delivery cut off mid-send is handed to a person rather than sent twice (as for Discord).
//! Errors come as `{"ok": false, "error_code", "description", "parameters": {"retry_after"}}`.

use serde_json::{Value, json};

use crate::{Delivered, SendError, host_of};

/// The Bot API's address (tests give a local one).
pub const DEFAULT_API: &str = "https://api.telegram.org";

/// Posts a photo with `caption` (multipart `sendPhoto`).
pub(crate) async fn send_photo(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    chat: &str,
    caption: &str,
    photo: &crate::media::Loaded,
) -> Result<Delivered, SendError> {
    let part = crate::media::part(photo)?;
    let form = reqwest::multipart::Form::new()
        .text("chat_id", chat.to_owned())
        .text("caption", caption.to_owned())
        .part("photo", part);
    call(client, api, token, "sendPhoto", chat, |r| r.multipart(form)).await
}

/// Posts an album (`sendMediaGroup`), the caption on its first photo.
pub(crate) async fn send_album(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    chat: &str,
    caption: &str,
    photos: &[crate::media::Loaded],
) -> Result<Delivered, SendError> {
    let media: Vec<Value> = (0..photos.len())
        .map(|i| {
            let mut item = json!({"type": "photo", "media": format!("attach://photo{i}")});
            if i == 0 {
                item["caption"] = json!(caption);
            }
            item
        })
        .collect();
    let mut form = reqwest::multipart::Form::new()
        .text("chat_id", chat.to_owned())
        .text("media", Value::Array(media).to_string());
    for (i, photo) in photos.iter().enumerate() {
        let part = crate::media::part(photo)?;
        form = form.part(format!("photo{i}"), part);
    }
    call(client, api, token, "sendMediaGroup", chat, |r| {
        r.multipart(form)
    })
    .await
}

/// Posts `text` to `chat` (`@channelname` or a numeric id) as the bot whose token is `token`.
pub(crate) async fn send_message(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    chat: &str,
    text: &str,
) -> Result<Delivered, SendError> {
    let body = json!({"chat_id": chat, "text": text});
    call(client, api, token, "sendMessage", chat, |r| r.json(&body)).await
}

/// Calls the Bot API's `method` with the body `with` gives the request; the message's receipt.
async fn call(
    client: &reqwest::Client,
    api: &str,
    token: &str,
    method: &str,
    chat: &str,
    with: impl FnOnce(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
) -> Result<Delivered, SendError> {
    let url = format!("{}/bot{token}/{method}", api.trim_end_matches('/'));
    let response = with(client.post(&url)).send().await.map_err(|e| {
        // The address holds the token: never repeat it.
        SendError::Retry(format!(
            "could not reach {}: {}",
            host_of(api),
            e.without_url()
        ))
    })?;
    answer(chat, response).await
}

/// The Bot API's answer: the message's receipt, or what went wrong in words.
async fn answer(chat: &str, response: reqwest::Response) -> Result<Delivered, SendError> {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if body["ok"] == json!(true) {
        // An album answers with its messages: the first is the receipt.
        let message = if body["result"].is_array() {
            &body["result"][0]
        } else {
            &body["result"]
        };
        let message_id = message["message_id"].as_i64().unwrap_or_default();
        let username = message["chat"]["username"].as_str();
        return Ok(Delivered {
            note: None,
            remote_id: format!("{}:{message_id}", message["chat"]["id"]),
            // Only public channels and groups have an address.
            remote_url: username.map(|u| format!("https://t.me/{u}/{message_id}")),
        });
    }
    let description = body["description"].as_str().unwrap_or("no explanation");
    let code = body["error_code"].as_i64().unwrap_or(status as i64);
    match code {
        429 => Err(SendError::Retry(format!(
            "Telegram asks to wait {} s before posting again ({description})",
            body["parameters"]["retry_after"].as_i64().unwrap_or(30)
        ))),
        401 | 404 => Err(SendError::Permanent(format!(
            "Telegram refused the bot's token ({description}); check the channel's token"
        ))),
        403 => Err(SendError::Permanent(format!(
            "the bot may not post in {chat} ({description}): make it an administrator of the channel"
        ))),
        c if c >= 500 => Err(SendError::Retry(format!(
            "Telegram answered {c} ({description})"
        ))),
        c => Err(SendError::Permanent(format!(
            "Telegram refused the post (error {c}: {description})"
        ))),
    }
}
