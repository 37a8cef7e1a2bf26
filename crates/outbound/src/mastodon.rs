//! Replies on Mastodon: `POST /api/v1/statuses` with `in_reply_to_id`, as the account whose
//! access token the source holds (docs.joinmastodon.org/methods/statuses/#create).
//!
//! The status answered is named by its id on the source's instance (what the connector stores).
//! The reply starts with the person's handle, as Mastodon's own clients do: without it the
//! person is not notified.

use jardinier_connectors::social::SocialConfig;
use jardinier_store::ReplyJob;
use serde_json::json;

use crate::{Delivered, SendError, endpoint, host_of, json_answer};

/// The text sent: the person's handle first unless the teammate already wrote it.
pub(crate) fn with_mention(text: &str, handle: Option<&str>) -> String {
    match handle {
        Some(handle) if handle.starts_with('@') && !text.contains(handle) => {
            format!("{handle} {text}")
        }
        _ => text.to_owned(),
    }
}

pub(crate) async fn reply(
    client: &reqwest::Client,
    config: &SocialConfig,
    token: &str,
    job: &ReplyJob,
) -> Result<Delivered, SendError> {
    let mut body = json!({
        "status": with_mention(&job.reply.body, job.item_author_handle.as_deref()),
        "in_reply_to_id": job.item_external_id,
        // An answer to a direct message stays direct: it must never go public.
        "visibility": if job.item_title.as_deref() == Some(jardinier_connectors::social::DIRECT_MESSAGE) {
            "direct"
        } else {
            "public"
        },
    });
    if let Some(lang) = job
        .item_lang
        .as_deref()
        .filter(|l| matches!(*l, "fr" | "en"))
    {
        body["language"] = json!(lang);
    }
    create_status(
        client,
        &config.base,
        token,
        &body,
        &job.idempotency_key,
        "posting the reply",
    )
    .await
}

/// `POST /api/v1/statuses` with the account's token and an `Idempotency-Key`: Mastodon answers
/// a repeated key with the status it already created (kept one hour).
pub(crate) async fn create_status(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    body: &serde_json::Value,
    key: &str,
    what: &str,
) -> Result<Delivered, SendError> {
    let host = host_of(base);
    let response = client
        .post(endpoint(base, "/api/v1/statuses"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await;
    let status = json_answer(&host, what, response).await?;
    let id = status
        .get("id")
        .and_then(|v| v.as_str())
        .ok_or_else(|| SendError::Retry(format!("{host} answered without a status id")))?;
    Ok(Delivered {
        note: None,
        remote_id: id.to_owned(),
        remote_url: status
            .get("url")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_person_is_mentioned_once() {
        assert_eq!(
            with_mention("Merci !", Some("@lea@piaille.fr")),
            "@lea@piaille.fr Merci !"
        );
        assert_eq!(
            with_mention("@lea@piaille.fr merci", Some("@lea@piaille.fr")),
            "@lea@piaille.fr merci"
        );
        assert_eq!(with_mention("Merci", None), "Merci");
    }
}
