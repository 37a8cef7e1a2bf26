//! Replies on Bluesky, through the AT Protocol's XRPC endpoints:
//! 1. `com.atproto.server.createSession` on the account's PDS, with the app password;
//! 2. `app.bsky.feed.getPosts` on the AppView, for the answered post's `cid` and its thread's
//!    root (a reply names both, as `strongRef`s);
//! 3. `com.atproto.repo.createRecord` of an `app.bsky.feed.post` with `reply.root` and
//!    `reply.parent`, under a record key derived from the reply.
//!
//! Any attempt after the first (an answer lost, the process stopped while sending) first asks
//! the PDS for that record key (`com.atproto.repo.getRecord`): if the record exists, it was sent.

use jardinier_connectors::social::SocialConfig;
use jardinier_store::ReplyJob;
use serde_json::{Value, json};

use crate::{Delivered, SendError, endpoint, host_of, json_answer};

pub const DEFAULT_PDS: &str = "https://bsky.social";
const POST: &str = "app.bsky.feed.post";

/// A record key in the TID format (13 characters of base32-sortable: 53 bits of microseconds
/// since 1970, then a 10-bit clock id), as the AT Protocol expects for posts.
pub fn tid(micros: u64, clock_id: u64) -> String {
    const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
    let value = ((micros & ((1 << 53) - 1)) << 10) | (clock_id & 0x3ff);
    (0..13)
        .map(|i| ALPHABET[((value >> (60 - 5 * i)) & 0x1f) as usize] as char)
        .collect()
}

/// The reply's record key: the same for every attempt of the same reply.
fn record_key(job: &ReplyJob) -> String {
    let micros =
        (job.reply.created_at.max(0) as u64) * 1_000_000 + (job.reply.id as u64 % 1_000_000);
    tid(micros, job.reply.id as u64)
}

pub(crate) fn with_query(base: &str, params: &[(&str, &str)]) -> Result<url::Url, SendError> {
    let mut url = url::Url::parse(base)
        .map_err(|e| SendError::Permanent(format!("{base:?} is not an address: {e}")))?;
    url.query_pairs_mut().extend_pairs(params);
    Ok(url)
}

pub(crate) fn text_at(value: &Value, pointer: &str) -> Option<String> {
    value
        .pointer(pointer)
        .and_then(|v| v.as_str())
        .map(str::to_owned)
}

/// A signed-in Bluesky account (com.atproto.server.createSession with an app password).
pub(crate) struct Session {
    pub jwt: String,
    pub did: String,
    pub handle: String,
}

pub(crate) async fn sign_in(
    client: &reqwest::Client,
    pds: &str,
    account: &str,
    app_password: &str,
) -> Result<Session, SendError> {
    let pds_host = host_of(pds);
    let session = json_answer(
        &pds_host,
        "signing in",
        client
            .post(endpoint(pds, "/xrpc/com.atproto.server.createSession"))
            .json(&json!({"identifier": account, "password": app_password}))
            .send()
            .await,
    )
    .await?;
    let (Some(jwt), Some(did)) = (text_at(&session, "/accessJwt"), text_at(&session, "/did"))
    else {
        return Err(SendError::Retry(format!(
            "{pds_host} answered the sign-in without a session"
        )));
    };
    let handle = text_at(&session, "/handle").unwrap_or_else(|| did.clone());
    Ok(Session { jwt, did, handle })
}

/// The URI of the account's post under `rkey`, if it exists (getRecord): an attempt after the
/// first looks before posting again.
pub(crate) async fn existing_post(
    client: &reqwest::Client,
    pds: &str,
    did: &str,
    rkey: &str,
) -> Result<Option<String>, SendError> {
    Ok(post_ref(client, pds, did, rkey).await?.map(|(uri, _)| uri))
}

/// The (uri, cid) of the account's post under `rkey`, if it exists (getRecord).
pub(crate) async fn post_ref(
    client: &reqwest::Client,
    pds: &str,
    did: &str,
    rkey: &str,
) -> Result<Option<(String, String)>, SendError> {
    let pds_host = host_of(pds);
    let response = client
        .get(with_query(
            &endpoint(pds, "/xrpc/com.atproto.repo.getRecord"),
            &[("repo", did), ("collection", POST), ("rkey", rkey)],
        )?)
        .send()
        .await
        .map_err(|e| SendError::Retry(format!("could not reach {pds_host}: {e}")))?;
    if response.status().is_success() {
        let record: Value = response.json().await.unwrap_or(Value::Null);
        return Ok(
            text_at(&record, "/uri").map(|uri| (uri, text_at(&record, "/cid").unwrap_or_default()))
        );
    }
    if response.status().is_server_error() {
        return Err(SendError::Retry(format!(
            "{pds_host} answered HTTP {} when checking whether the post was already made",
            response.status().as_u16()
        )));
    }
    Ok(None)
}

/// Creates a post and returns its (uri, cid), to answer it in a thread.
pub(crate) async fn create_post_ref(
    client: &reqwest::Client,
    pds: &str,
    session: &Session,
    rkey: &str,
    record: &Value,
    what: &str,
) -> Result<(String, String), SendError> {
    let pds_host = host_of(pds);
    let created = json_answer(
        &pds_host,
        what,
        client
            .post(endpoint(pds, "/xrpc/com.atproto.repo.createRecord"))
            .bearer_auth(&session.jwt)
            .json(&json!({"repo": session.did, "collection": POST, "rkey": rkey, "record": record}))
            .send()
            .await,
    )
    .await?;
    let uri = text_at(&created, "/uri")
        .ok_or_else(|| SendError::Retry(format!("{pds_host} answered without the record's uri")))?;
    Ok((uri, text_at(&created, "/cid").unwrap_or_default()))
}

/// Creates the account's post `record` under `rkey` (createRecord); returns its URI.
pub(crate) async fn create_post(
    client: &reqwest::Client,
    pds: &str,
    session: &Session,
    rkey: &str,
    record: &Value,
    what: &str,
) -> Result<String, SendError> {
    let pds_host = host_of(pds);
    let created = json_answer(
        &pds_host,
        what,
        client
            .post(endpoint(pds, "/xrpc/com.atproto.repo.createRecord"))
            .bearer_auth(&session.jwt)
            .json(&json!({"repo": session.did, "collection": POST, "rkey": rkey, "record": record}))
            .send()
            .await,
    )
    .await?;
    text_at(&created, "/uri")
        .ok_or_else(|| SendError::Retry(format!("{pds_host} answered without the record's uri")))
}

pub(crate) async fn reply(
    client: &reqwest::Client,
    config: &SocialConfig,
    app_password: &str,
    job: &ReplyJob,
) -> Result<Delivered, SendError> {
    let account = config.account.as_deref().ok_or_else(|| {
        SendError::Permanent("the Bluesky source has no account to answer as".into())
    })?;
    let pds = config.pds.as_deref().unwrap_or(DEFAULT_PDS);
    let pds_host = host_of(pds);
    let session = sign_in(client, pds, account, app_password).await?;
    let (jwt, did, handle) = (&session.jwt, &session.did, &session.handle);
    if let Some(convo) = job
        .item_external_id
        .strip_prefix("chat:")
        .and_then(|rest| rest.split(':').next())
    {
        return chat_reply(client, pds, &pds_host, jwt, did, convo, job).await;
    }
    let rkey = record_key(job);
    let delivered = |uri: String| Delivered {
        note: None,
        remote_id: uri,
        remote_url: Some(format!("https://bsky.app/profile/{handle}/post/{rkey}")),
    };

    // A repeated attempt (after a lost answer or a stop) may find its post already there.
    if (job.in_doubt || job.reply.attempts > 1)
        && let Some(uri) = existing_post(client, pds, did, &rkey).await?
    {
        return Ok(delivered(uri));
    }

    let appview_host = host_of(&config.base);
    let posts = json_answer(
        &appview_host,
        "reading the post answered",
        client
            .get(with_query(
                &endpoint(&config.base, "/xrpc/app.bsky.feed.getPosts"),
                &[("uris", &job.item_external_id)],
            )?)
            .send()
            .await,
    )
    .await?;
    let parent = posts.pointer("/posts/0").ok_or_else(|| {
        SendError::Permanent("the post answered no longer exists on Bluesky".into())
    })?;
    let parent_ref = json!({
        "uri": text_at(parent, "/uri").unwrap_or_else(|| job.item_external_id.clone()),
        "cid": text_at(parent, "/cid").ok_or_else(|| SendError::Retry(format!("{appview_host} gave the post without its cid")))?,
    });
    // The thread's root: the parent's own root if it is itself a reply.
    let root_ref = match (
        text_at(parent, "/record/reply/root/uri"),
        text_at(parent, "/record/reply/root/cid"),
    ) {
        (Some(uri), Some(cid)) => json!({"uri": uri, "cid": cid}),
        _ => parent_ref.clone(),
    };
    let mut record = json!({
        "$type": POST,
        "text": job.reply.body,
        "createdAt": jiff::Timestamp::from_second(job.reply.created_at)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
            .to_string(),
        "reply": {"root": root_ref, "parent": parent_ref},
    });
    if let Some(lang) = job
        .item_lang
        .as_deref()
        .filter(|l| matches!(*l, "fr" | "en"))
    {
        record["langs"] = json!([lang]);
    }
    let uri = create_post(client, pds, &session, &rkey, &record, "posting the reply").await?;
    Ok(delivered(uri))
}

/// A reply to a direct message: `chat.bsky.convo.sendMessage` through the PDS with the chat
/// proxy header. Chat messages take no key of the sender's: an attempt after the first looks
/// for the same text, sent by the brand since the reply was written, before sending again.
async fn chat_reply(
    client: &reqwest::Client,
    pds: &str,
    pds_host: &str,
    jwt: &str,
    did: &str,
    convo: &str,
    job: &ReplyJob,
) -> Result<Delivered, SendError> {
    let (proxy, chat) = jardinier_connectors::social::BLUESKY_CHAT_PROXY;
    let delivered = |id: String| Delivered {
        note: None,
        remote_id: format!("chat:{convo}:{id}"),
        remote_url: None,
    };
    if job.in_doubt || job.reply.attempts > 1 {
        let recent = json_answer(
            pds_host,
            "checking whether the message was already sent",
            client
                .get(with_query(
                    &endpoint(pds, "/xrpc/chat.bsky.convo.getMessages"),
                    &[("convoId", convo), ("limit", "20")],
                )?)
                .bearer_auth(jwt)
                .header(proxy, chat)
                .send()
                .await,
        )
        .await?;

        let already = recent
            .get("messages")
            .and_then(|m| m.as_array())
            .into_iter()
            .flatten()
            .find(|m| {
                text_at(m, "/sender/did").as_deref() == Some(did)
                    && text_at(m, "/text").as_deref() == Some(job.reply.body.as_str())
                    && text_at(m, "/sentAt")
                        .and_then(|at| at.parse::<jiff::Timestamp>().ok())
                        .is_some_and(|at| at.as_second() >= job.reply.created_at)
            });
        if let Some(id) = already.and_then(|m| text_at(m, "/id")) {
            return Ok(delivered(id));
        }
    }
    let sent = json_answer(
        pds_host,
        "sending the direct message",
        client
            .post(endpoint(pds, "/xrpc/chat.bsky.convo.sendMessage"))
            .bearer_auth(jwt)
            .header(proxy, chat)
            .json(&json!({"convoId": convo, "message": {"text": job.reply.body}}))
            .send()
            .await,
    )
    .await?;
    let id = text_at(&sent, "/id")
        .ok_or_else(|| SendError::Retry(format!("{pds_host} answered without the message id")))?;
    Ok(delivered(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_are_tids() {
        // The example of the AT Protocol's record key specification's shape: 13 characters,
        // first one of 234567abcdefghij (the top bit is 0), sortable by time.
        let a = tid(1_732_000_000_000_000, 1);
        let b = tid(1_732_000_000_000_001, 0);
        assert_eq!(a.len(), 13);
        assert!("234567abcdefghij".contains(&a[..1]), "{a}");
        assert!(a < b, "{a} < {b}");
        assert_eq!(tid(0, 0), "2222222222222");
        assert_eq!(tid(0, 1), "2222222222223");
    }
}
