//! Matrix: a message in a room (`PUT /_matrix/client/v3/rooms/{roomId}/send/m.room.message/{txnId}`,
//! client-server API). The transaction id is the delivery's idempotency key: the homeserver
//! answers a repeated transaction with the first event, so a delivery cut off mid-send is simply
//! sent again.

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
