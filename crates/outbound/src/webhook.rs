//! Replies to channels that Jardinier reaches through a webhook: the source's `reply_url`
//! receives each reply as signed JSON (the same `X-Jardinier-Signature` HMAC as inbound
//! webhooks, with the source's secret) and an `Idempotency-Key` header to drop repeats.
//!
//! Body: `{"reply_id", "in_reply_to", "text", "to": {"name", "handle"}, "written_at"}`. The
//! receiver answers 2xx, optionally with `{"id": "…", "url": "…"}` naming the sent message.

use jardinier_store::ReplyJob;
use serde::Deserialize;
use serde_json::json;

use crate::{Delivered, SendError, host_of, json_answer};

#[derive(Debug, Clone, Default, Deserialize)]
pub struct WebhookReplyConfig {
    #[serde(default)]
    pub reply_url: Option<String>,
}

impl WebhookReplyConfig {
    pub fn parse(config: &str) -> Result<WebhookReplyConfig, String> {
        let parsed: WebhookReplyConfig =
            serde_json::from_str(if matches!(config.trim(), "" | "null") {
                "{}"
            } else {
                config
            })
            .map_err(|e| format!("the webhook's settings are invalid: {e}"))?;
        if let Some(url) = &parsed.reply_url {
            match url::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => {}
                _ => return Err(format!("reply_url: {url:?} is not an http(s) address")),
            }
        }
        Ok(parsed)
    }
}

pub(crate) async fn reply(
    client: &reqwest::Client,
    config: &WebhookReplyConfig,
    secret: &str,
    job: &ReplyJob,
) -> Result<Delivered, SendError> {
    let url = config
        .reply_url
        .as_deref()
        .ok_or_else(|| SendError::Permanent("the webhook has no reply_url".into()))?;
    let body = json!({
        "reply_id": job.reply.id,
        "in_reply_to": job.item_external_id,
        "text": job.reply.body,
        "to": {"name": job.item_author_name, "handle": job.item_author_handle},
        "written_at": job.reply.created_at,
    })
    .to_string();
    let answer = json_answer(
        &host_of(url),
        "delivering the reply",
        client
            .post(url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", &job.idempotency_key)
            .header(
                "X-Jardinier-Signature",
                jardinier_listening::sign(secret, body.as_bytes()),
            )
            .body(body)
            .send()
            .await,
    )
    .await?;
    Ok(Delivered {
        note: None,
        remote_id: answer
            .get("id")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            })
            .unwrap_or_else(|| format!("webhook:{}", job.idempotency_key)),
        remote_url: answer
            .get("url")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
    })
}
