//! What connectors hand to the pipeline, and the inbound webhook's payload and signature.
//!
//! Webhook contract (documented in the UI next to each webhook source):
//! `POST /hooks/{source id}` with `X-Jardinier-Signature: sha256=<hex HMAC-SHA256 of the raw
//! body with the source's secret>` and a JSON body that is one item or `{"items": [ … ]}`:
//!
//! ```json
//! {"id": "tw-1803", "text": "…", "url": "https://…", "title": "…",
//!  "author": {"name": "Léa", "handle": "@lea", "reach": 1200},
//!  "published_at": "2026-11-21T09:30:00Z", "parent_id": "tw-1790", "quote_of": "tw-1702"}
//! ```
//! `id` and `text` are required; `author` may also be a plain string; `published_at` may be
//! RFC 3339 or UNIX seconds. Delivery is idempotent on `id`.

use hmac::{Hmac, KeyInit, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;

/// One item as a connector received it, before enrichment.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IncomingItem {
    pub external_id: String,
    pub url: Option<String>,
    pub author_name: Option<String>,
    pub author_handle: Option<String>,
    pub author_reach: Option<i64>,
    pub title: Option<String>,
    pub text: String,
    /// UNIX seconds; the receipt time when the sender gives none.
    pub published_at: Option<i64>,
    pub parent_external_id: Option<String>,
    /// The sender's id of the post this one quotes (Bluesky record embeds, Mastodon quotes,
    /// `quote_of` in webhooks).
    pub quoted_ref: Option<String>,
}

pub const MAX_TEXT_CHARS: usize = 100_000;
pub const MAX_ITEMS_PER_REQUEST: usize = 1_000;

/// Why one item of a payload was refused; `path` names it (`items[3].text`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ItemError {
    pub path: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("missing X-Jardinier-Signature header (expected sha256=<hex HMAC-SHA256 of the body>)")]
    MissingSignature,
    #[error("the signature does not match the body and this source's secret")]
    BadSignature,
    #[error(
        "the signature's time t={timestamp} is more than {tolerance_seconds} seconds from this server's clock: sign each delivery when sending it (t = the current UNIX time)"
    )]
    StaleSignature {
        timestamp: i64,
        tolerance_seconds: i64,
    },
    #[error(
        "the old sha256= signature is no longer accepted here: send t=<UNIX time>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">"
    )]
    LegacySignatureRefused,
    #[error("the body is not JSON: {0}")]
    NotJson(String),
    #[error("the body must be one item object or {{\"items\": [ … ]}}")]
    WrongShape,
    #[error("at most {MAX_ITEMS_PER_REQUEST} items per request")]
    TooManyItems,
}

/// Checks `X-Jardinier-Signature: sha256=<hex>` against the raw body, in constant time.
pub fn verify_signature(
    secret: &str,
    body: &[u8],
    header: Option<&str>,
) -> Result<(), WebhookError> {
    let header = header.ok_or(WebhookError::MissingSignature)?;
    let hex_signature = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(WebhookError::BadSignature)?;
    let signature = hex::decode(hex_signature).map_err(|_| WebhookError::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| WebhookError::BadSignature)?;
    mac.update(body);
    mac.verify_slice(&signature)
        .map_err(|_| WebhookError::BadSignature)
}

/// How incoming signatures are checked: the current time is given, so the rule has no clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignaturePolicy {
    /// UNIX seconds now.
    pub now: i64,
    /// How far `t=` may be from `now`, either way (clocks differ a little).
    pub tolerance_seconds: i64,
    /// Whether the old `sha256=<hex>` form, which carries no time and can be replayed forever,
    /// is still accepted (for the transition of existing senders).
    pub accept_legacy: bool,
}

/// Checks `X-Jardinier-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (as Stripe
/// signs): the time is signed with the body, so a captured delivery is refused once `t` is
/// out of the window (issue 14). Several `v1=` are allowed (a secret being rotated); the old
/// `sha256=` form goes to [`verify_signature`] while `accept_legacy` is on.
pub fn verify_timed_signature(
    secret: &str,
    body: &[u8],
    header: Option<&str>,
    policy: SignaturePolicy,
) -> Result<(), WebhookError> {
    let header = header.ok_or(WebhookError::MissingSignature)?.trim();
    if header.starts_with("sha256=") {
        return if policy.accept_legacy {
            verify_signature(secret, body, Some(header))
        } else {
            Err(WebhookError::LegacySignatureRefused)
        };
    }
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", value)) => timestamp = value.parse::<i64>().ok(),
            Some(("v1", value)) => signatures.push(value),
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::BadSignature)?;
    let matches = signatures.iter().any(|hex_signature| {
        let Ok(signature) = hex::decode(hex_signature) else {
            return false;
        };
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            return false;
        };
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        mac.verify_slice(&signature).is_ok()
    });
    if !matches {
        return Err(WebhookError::BadSignature);
    }
    // Checked after the HMAC, so an unsigned time is never reported as merely late.
    if (policy.now - timestamp).abs() > policy.tolerance_seconds {
        return Err(WebhookError::StaleSignature {
            timestamp,
            tolerance_seconds: policy.tolerance_seconds,
        });
    }
    Ok(())
}

/// The timed signature header value for a body sent at `timestamp` (UNIX seconds).
pub fn sign_at(secret: &str, body: &[u8], timestamp: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

/// The old signature header value for a body (for senders, tests and the UI's example).
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts keys of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Author {
    Name(String),
    Full {
        name: Option<String>,
        handle: Option<String>,
        reach: Option<i64>,
    },
}

fn text_field(
    object: &serde_json::Map<String, Value>,
    key: &str,
    path: &str,
    max: usize,
) -> Result<Option<String>, ItemError> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() > max => Err(ItemError {
            path: format!("{path}.{key}"),
            message: format!("longer than {max} characters"),
        }),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ItemError {
            path: format!("{path}.{key}"),
            message: format!("expected a string, found {}", kind(other)),
        }),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Parses RFC 3339 or UNIX seconds.
pub fn parse_time(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s
            .parse::<jiff::Timestamp>()
            .ok()
            .map(|t| t.as_second())
            .or_else(|| s.parse::<i64>().ok()),
        _ => None,
    }
}

fn item_from(value: &Value, path: &str) -> Result<IncomingItem, ItemError> {
    let error = |field: &str, message: &str| ItemError {
        path: format!("{path}{field}"),
        message: message.to_owned(),
    };
    let Value::Object(object) = value else {
        return Err(error(
            "",
            &format!("expected an object, found {}", kind(value)),
        ));
    };
    let external_id = match object.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() && s.len() <= 500 => s.trim().to_owned(),
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(_)) => return Err(error(".id", "must be 1 to 500 characters")),
        Some(other) => {
            return Err(error(
                ".id",
                &format!("expected a string or a number, found {}", kind(other)),
            ));
        }
        None => {
            return Err(error(
                ".id",
                "missing: the sender's id makes delivery idempotent",
            ));
        }
    };
    let text = text_field(object, "text", path, MAX_TEXT_CHARS)?
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| error(".text", "missing or empty"))?;
    let (author_name, author_handle, author_reach) = match object.get("author") {
        None | Some(Value::Null) => (None, None, None),
        Some(author) => match serde_json::from_value::<Author>(author.clone()) {
            Ok(Author::Name(name)) => (Some(name), None, None),
            Ok(Author::Full {
                name,
                handle,
                reach,
            }) => (name, handle, reach.filter(|r| *r >= 0)),
            Err(_) => {
                return Err(error(
                    ".author",
                    "expected a name, or {\"name\", \"handle\", \"reach\"}",
                ));
            }
        },
    };
    let published_at = match object.get("published_at") {
        None | Some(Value::Null) => None,
        Some(v) => Some(parse_time(v).ok_or_else(|| {
            error(
                ".published_at",
                "expected an RFC 3339 date (2026-11-21T09:30:00Z) or UNIX seconds",
            )
        })?),
    };
    Ok(IncomingItem {
        external_id,
        url: text_field(object, "url", path, 2_000)?,
        author_name,
        author_handle,
        author_reach,
        title: text_field(object, "title", path, 1_000)?,
        text,
        published_at,
        parent_external_id: text_field(object, "parent_id", path, 500)?,
        quoted_ref: text_field(object, "quote_of", path, 500)?,
    })
}

/// Parses a webhook body: the items it carries, each with its own error if it is malformed
/// (one bad item does not refuse the others).
pub fn parse_webhook(body: &[u8]) -> Result<Vec<Result<IncomingItem, ItemError>>, WebhookError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| WebhookError::NotJson(e.to_string()))?;
    match &value {
        Value::Object(object) if object.contains_key("items") => match &object["items"] {
            Value::Array(items) if items.len() > MAX_ITEMS_PER_REQUEST => {
                Err(WebhookError::TooManyItems)
            }
            Value::Array(items) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| item_from(v, &format!("items[{i}]")))
                .collect()),
            _ => Err(WebhookError::WrongShape),
        },
        Value::Object(_) => Ok(vec![item_from(&value, "item")]),
        _ => Err(WebhookError::WrongShape),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked() {
        let body = br#"{"id":"1","text":"hi"}"#;
        let good = sign("s3cret", body);
        assert!(verify_signature("s3cret", body, Some(&good)).is_ok());
        assert_eq!(
            verify_signature("other", body, Some(&good)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature("s3cret", b"{}", Some(&good)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature("s3cret", body, None),
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            verify_signature("s3cret", body, Some("sha1=00")),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_signature("s3cret", body, Some("sha256=zz")),
            Err(WebhookError::BadSignature)
        );
    }

    /// Issue 14, defect 5: a signed body could be replayed forever.
    #[test]
    fn timed_signatures_hold_only_within_the_window() {
        let body = br#"{"id": "1", "text": "Super"}"#;
        let policy = |now, accept_legacy| SignaturePolicy {
            now,
            tolerance_seconds: 300,
            accept_legacy,
        };
        let at = 1_800_000_000;
        let timed = sign_at("s3cret", body, at);
        assert!(timed.starts_with("t=1800000000,v1="));
        for now in [at, at + 300, at - 300] {
            assert_eq!(
                verify_timed_signature("s3cret", body, Some(&timed), policy(now, false)),
                Ok(())
            );
        }
        assert_eq!(
            verify_timed_signature("s3cret", body, Some(&timed), policy(at + 301, true)),
            Err(WebhookError::StaleSignature {
                timestamp: at,
                tolerance_seconds: 300
            })
        );
        // The time is signed: moving it forward breaks the signature.
        let moved = timed.replace("t=1800000000", "t=1800000900");
        assert_eq!(
            verify_timed_signature("s3cret", body, Some(&moved), policy(at + 900, true)),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify_timed_signature("other", body, Some(&timed), policy(at, true)),
            Err(WebhookError::BadSignature)
        );
        let rotated = format!("{timed},v1=00ff");
        assert_eq!(
            verify_timed_signature("s3cret", body, Some(&rotated), policy(at, true)),
            Ok(())
        );
        let legacy = sign("s3cret", body);
        assert_eq!(
            verify_timed_signature("s3cret", body, Some(&legacy), policy(at, true)),
            Ok(())
        );
        assert_eq!(
            verify_timed_signature("s3cret", body, Some(&legacy), policy(at, false)),
            Err(WebhookError::LegacySignatureRefused)
        );
        assert_eq!(
            verify_timed_signature("s3cret", body, Some("t=x,v1=00"), policy(at, true)),
            Err(WebhookError::BadSignature)
        );
    }

    #[test]
    fn payloads_parse_item_by_item() {
        let body = r#"{"items": [
            {"id": "a", "text": "Super café", "author": {"name": "Léa", "handle": "@lea", "reach": 1200}, "published_at": "2026-11-21T09:30:00Z"},
            {"id": 42, "text": "Bof", "author": "Sam", "published_at": 1700000000},
            {"text": "no id"},
            {"id": "b", "text": ""},
            {"id": "c", "text": "x", "published_at": "yesterday"},
            "not an object"
        ]}"#;
        let items = parse_webhook(body.as_bytes()).unwrap();
        let first = items[0].as_ref().unwrap();
        assert_eq!(
            (
                first.author_handle.as_deref(),
                first.author_reach,
                first.published_at
            ),
            (Some("@lea"), Some(1200), Some(1_795_253_400))
        );
        assert_eq!(items[1].as_ref().unwrap().external_id, "42");
        assert_eq!(
            items[1].as_ref().unwrap().author_name.as_deref(),
            Some("Sam")
        );
        let errors: Vec<String> = items[2..]
            .iter()
            .map(|r| r.as_ref().unwrap_err().to_string())
            .collect();
        assert_eq!(
            errors,
            vec![
                "items[2].id: missing: the sender's id makes delivery idempotent",
                "items[3].text: missing or empty",
                "items[4].published_at: expected an RFC 3339 date (2026-11-21T09:30:00Z) or UNIX seconds",
                "items[5]: expected an object, found a string",
            ]
        );
        assert_eq!(
            parse_webhook(br#"{"id": "x", "text": "one"}"#)
                .unwrap()
                .len(),
            1
        );
        assert!(matches!(
            parse_webhook(b"{nope"),
            Err(WebhookError::NotJson(_))
        ));
        assert_eq!(parse_webhook(b"[1,2]"), Err(WebhookError::WrongShape));
    }
}
