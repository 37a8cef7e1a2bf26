//! An IMAP mailbox (the brand's contact address, a press mailbox…) read as a listening source.
//!
//! RFC 3501 (IMAP4rev1): connect (implicit TLS on 993, or STARTTLS, or plain on a trusted
//! network), `LOGIN`, `EXAMINE` the mailbox (read-only: nothing is marked as read, nothing is
//! moved), then `UID FETCH <last+1>:*` for the messages that arrived since the last fetch. The
//! cursor, kept in the source's `etag` column, is `<UIDVALIDITY>:<last UID>`; it moves only after
//! the items are committed. When the server renumbers the mailbox (a new UIDVALIDITY), the whole
//! mailbox is read again and the `Message-ID` idempotency keys keep that from duplicating items.
//!
//! Each message becomes one item: sender name and address, subject as title, the plain-text
//! body (or the HTML body's text) without quoted replies and signature, `Date:` as published
//! time, `Message-ID` as external id and the thread's first message (`References`, else
//! `In-Reply-To`) as parent, so a thread stays one conversation. The password is kept in the source's secret column, never shown again.

use std::sync::Arc;
use std::time::Duration;

use async_imap::Client;
use futures_util::TryStreamExt;
use jardinier_listening::IncomingItem;
use mail_parser::MessageParser;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use crate::FetchError;

/// How the connection is secured.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// TLS from the first byte (port 993).
    Tls,
    /// Plain connection upgraded with STARTTLS (port 143).
    Starttls,
    /// No encryption: only for a server on the same machine or a trusted network.
    None,
}

/// What an IMAP source reads. The password is not here: it is the source's secret.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ImapConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: String,
    #[serde(default = "inbox")]
    pub mailbox: String,
    /// Where replies from the inbox are sent: the mailbox's outgoing (SMTP) server. Without it,
    /// the mailbox is read only and its conversations cannot be answered from Jardinier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smtp: Option<SmtpConfig>,
    /// A contact mailbox: every message needs an answer and goes to the inbox by itself
    /// (opening a conversation, or joining its thread's).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub inbox: bool,
}

/// The outgoing server of a mailbox. It logs in with the mailbox's user name and password
/// (as most mail providers expect) unless `login` is false (a relay that trusts the network).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The sender of replies, `"Name <address>"` or an address; the user name if it is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    #[serde(default = "yes")]
    pub login: bool,
}

fn yes() -> bool {
    true
}

fn inbox() -> String {
    "INBOX".to_owned()
}

/// At most this many messages per fetch; the rest come at the next one.
pub const MAX_MESSAGES_PER_FETCH: usize = 200;
/// Larger messages are read by their headers only (attachments are not mentions).
pub const MAX_MESSAGE_BYTES: u32 = 5 * 1024 * 1024;

impl ImapConfig {
    pub fn parse(json: &str) -> Result<ImapConfig, FetchError> {
        let config: ImapConfig =
            serde_json::from_str(json).map_err(|e| FetchError::Config(e.to_string()))?;
        if config.host.trim().is_empty() || config.host.contains(['/', ' ', ':']) {
            return Err(FetchError::Config(format!(
                "{:?} is not a server name (give it without imap:// or port)",
                config.host
            )));
        }
        if config.port == 0 {
            return Err(FetchError::Config(
                "the port must be between 1 and 65535".into(),
            ));
        }
        if config.username.trim().is_empty() {
            return Err(FetchError::Config("the user name is missing".into()));
        }
        if config.mailbox.trim().is_empty() {
            return Err(FetchError::Config("the mailbox name is missing".into()));
        }
        if let Some(smtp) = &config.smtp {
            if smtp.host.trim().is_empty() || smtp.host.contains(['/', ' ', ':']) {
                return Err(FetchError::Config(format!(
                    "smtp.host: {:?} is not a server name (give it without smtp:// or port)",
                    smtp.host
                )));
            }
            if smtp.port == 0 {
                return Err(FetchError::Config(
                    "smtp.port: the port must be between 1 and 65535".into(),
                ));
            }
            if smtp.from.is_none() && !config.username.contains('@') {
                return Err(FetchError::Config(
                    "smtp.from: give the address replies are sent from (the user name is not one)"
                        .into(),
                ));
            }
        }
        Ok(config)
    }

    pub fn host(&self) -> String {
        self.host.clone()
    }
}

/// `<UIDVALIDITY>:<last UID>`.
fn parse_cursor(cursor: Option<&str>) -> Option<(u32, u32)> {
    let (validity, uid) = cursor?.split_once(':')?;
    Some((validity.parse().ok()?, uid.parse().ok()?))
}

trait Stream: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send + std::fmt::Debug> Stream for T {}

fn unreachable(config: &ImapConfig, reason: impl std::fmt::Display) -> FetchError {
    FetchError::Unreachable {
        host: config.host.clone(),
        reason: reason.to_string(),
    }
}

fn tls_connector() -> Result<tokio_rustls::TlsConnector, FetchError> {
    use rustls_platform_verifier::BuilderVerifierExt;
    let provider = Arc::new(tokio_rustls::rustls::crypto::aws_lc_rs::default_provider());
    let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_platform_verifier())
        .map(|b| b.with_no_client_auth())
        .map_err(|e| FetchError::Config(format!("TLS is not available: {e}")))?;
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

async fn tls_wrap(config: &ImapConfig, tcp: TcpStream) -> Result<Box<dyn Stream>, FetchError> {
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from(config.host.clone())
        .map_err(|_| FetchError::Config(format!("{:?} is not a server name", config.host)))?;
    let tls = tls_connector()?
        .connect(name, tcp)
        .await
        .map_err(|e| unreachable(config, format!("the TLS handshake failed ({e})")))?;
    Ok(Box::new(tls))
}

async fn greeting<T: Stream>(
    config: &ImapConfig,
    client: &mut Client<T>,
) -> Result<(), FetchError> {
    client
        .read_response()
        .await
        .map_err(|e| unreachable(config, e))?
        .ok_or_else(|| unreachable(config, "the server closed the connection at once"))?;
    Ok(())
}

/// Connects, secures and logs in.
async fn open(
    config: &ImapConfig,
    password: &str,
) -> Result<async_imap::Session<Box<dyn Stream>>, FetchError> {
    let tcp = TcpStream::connect((config.host.as_str(), config.port))
        .await
        .map_err(|e| unreachable(config, format!("connection failed ({e})")))?;
    let client: Client<Box<dyn Stream>> = match config.security {
        Security::Tls => {
            let mut client = Client::new(tls_wrap(config, tcp).await?);
            greeting(config, &mut client).await?;
            client
        }
        Security::None => {
            let mut client = Client::new(Box::new(tcp) as Box<dyn Stream>);
            greeting(config, &mut client).await?;
            client
        }
        Security::Starttls => {
            let mut plain = Client::new(tcp);
            greeting(config, &mut plain).await?;
            plain
                .run_command_and_check_ok("STARTTLS", None)
                .await
                .map_err(|e| unreachable(config, format!("STARTTLS was refused ({e})")))?;
            // No second greeting after STARTTLS (RFC 3501, 6.2.1).
            Client::new(tls_wrap(config, plain.into_inner()).await?)
        }
    };
    client
        .login(config.username.trim(), password)
        .await
        .map_err(|(e, _)| match e {
            async_imap::error::Error::No(_) | async_imap::error::Error::Bad(_) => {
                FetchError::Refused(format!(
                    "{} refused the user name or password of {}",
                    config.host, config.username
                ))
            }
            other => unreachable(config, other),
        })
}

/// What one fetch found.
pub struct ImapFetch {
    pub items: Vec<IncomingItem>,
    pub cursor: Option<String>,
}

/// Reads the messages that arrived since `cursor`.
pub async fn fetch(
    config: &ImapConfig,
    password: &str,
    cursor: Option<&str>,
    timeout: Duration,
) -> Result<ImapFetch, FetchError> {
    tokio::time::timeout(timeout, fetch_inner(config, password, cursor))
        .await
        .map_err(|_| unreachable(config, "no answer in time"))?
}

/// Reads the raw messages that arrived since `cursor` (a huge one by its headers only), for
/// readers of a mailbox that are not sources (the newsletter's bounce mailbox). Returns them
/// with the new cursor.
pub async fn fetch_raw(
    config: &ImapConfig,
    password: &str,
    cursor: Option<&str>,
    timeout: Duration,
) -> Result<(Vec<Vec<u8>>, Option<String>), FetchError> {
    let (messages, cursor) =
        tokio::time::timeout(timeout, fetch_messages(config, password, cursor))
            .await
            .map_err(|_| unreachable(config, "no answer in time"))??;
    Ok((messages.into_iter().map(|m| m.raw).collect(), cursor))
}

struct RawMessage {
    validity: u32,
    uid: u32,
    headers_only: bool,
    raw: Vec<u8>,
}

async fn fetch_inner(
    config: &ImapConfig,
    password: &str,
    cursor: Option<&str>,
) -> Result<ImapFetch, FetchError> {
    let (messages, cursor) = fetch_messages(config, password, cursor).await?;
    Ok(ImapFetch {
        items: messages
            .iter()
            .filter_map(|m| item_of(&m.raw, m.validity, m.uid, m.headers_only))
            .collect(),
        cursor,
    })
}

async fn fetch_messages(
    config: &ImapConfig,
    password: &str,
    cursor: Option<&str>,
) -> Result<(Vec<RawMessage>, Option<String>), FetchError> {
    let mut session = open(config, password).await?;
    let mailbox = session.examine(config.mailbox.trim()).await.map_err(|e| {
        FetchError::Refused(format!(
            "the mailbox {:?} could not be opened ({e})",
            config.mailbox
        ))
    })?;
    let validity = mailbox.uid_validity.unwrap_or(0);
    let after = match parse_cursor(cursor) {
        Some((v, uid)) if v == validity => uid,
        _ => 0,
    };
    let mut items = Vec::new();
    let mut newest = after;
    if mailbox.exists > 0 {
        // Sizes first, so a huge message is read by its headers only.
        let listed: Vec<_> = session
            .uid_fetch(format!("{}:*", after + 1), "(UID RFC822.SIZE)")
            .await
            .map_err(|e| unreachable(config, e))?
            .try_collect()
            .await
            .map_err(|e| unreachable(config, e))?;
        let mut wanted: Vec<(u32, u32)> = listed
            .iter()
            .filter_map(|m| Some((m.uid?, m.size.unwrap_or(0))))
            // `n:*` always names the last message, even when its UID is below n.
            .filter(|(uid, _)| *uid > after)
            .collect();
        wanted.sort_unstable();
        wanted.truncate(MAX_MESSAGES_PER_FETCH);
        for (uid, size) in wanted {
            let query = if size > MAX_MESSAGE_BYTES {
                "(UID BODY.PEEK[HEADER])"
            } else {
                "(UID BODY.PEEK[])"
            };
            let fetched: Vec<_> = session
                .uid_fetch(uid.to_string(), query)
                .await
                .map_err(|e| unreachable(config, e))?
                .try_collect()
                .await
                .map_err(|e| unreachable(config, e))?;
            for message in &fetched {
                let raw = message.body().or_else(|| message.header()).unwrap_or(&[]);
                items.push(RawMessage {
                    validity,
                    uid,
                    headers_only: size > MAX_MESSAGE_BYTES,
                    raw: raw.to_vec(),
                });
            }
            newest = newest.max(uid);
        }
    }
    // A failed LOGOUT does not undo what was read.
    let _ = session.logout().await;
    Ok((items, Some(format!("{validity}:{newest}"))))
}

/// One message as an item; `None` for bytes that are not a message at all.
pub fn item_of(raw: &[u8], validity: u32, uid: u32, headers_only: bool) -> Option<IncomingItem> {
    let message = MessageParser::default().parse(raw)?;
    let from = message.from().and_then(|a| a.first());
    let subject = message
        .subject()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    let body = if headers_only {
        String::new()
    } else {
        message
            .body_text(0)
            .map(|t| t.into_owned())
            .filter(|t| !t.trim().is_empty())
            .or_else(|| message.body_html(0).map(|h| nanohtml2text::html2text(&h)))
            .unwrap_or_default()
    };
    let mut text = own_words(&body);
    if text.is_empty() {
        text = subject.clone().unwrap_or_default();
    }
    if text.is_empty() {
        return None;
    }
    let message_id = message.message_id().map(|id| format!("<{id}>"));
    // The thread's first message (References' first id), else the one answered: a thread
    // stays one conversation even when the messages between were sent outside Jardinier.
    let first_id = |value: &mail_parser::HeaderValue| {
        value
            .as_text_list()
            .and_then(|ids| ids.first().map(|id| format!("<{id}>")))
            .or_else(|| value.as_text().map(|id| format!("<{id}>")))
    };
    let parent = first_id(message.references()).or_else(|| first_id(message.in_reply_to()));
    Some(IncomingItem {
        external_id: message_id.unwrap_or_else(|| format!("imap:{validity}:{uid}")),
        url: None,
        author_name: from
            .and_then(|a| a.name())
            .map(str::to_owned)
            .or_else(|| from.and_then(|a| a.address()).map(str::to_owned)),
        author_handle: from.and_then(|a| a.address()).map(str::to_lowercase),
        author_reach: None,
        title: subject,
        text,
        published_at: message.date().map(|d| d.to_timestamp()),
        parent_external_id: parent,
        quoted_ref: None,
    })
}

/// The sender's own words: quoted lines (`> …`), the "On … wrote:" line before them, and the
/// signature after `-- ` are left out, so a reply does not match what it quotes.
pub fn own_words(body: &str) -> String {
    let mut kept: Vec<&str> = Vec::new();
    for line in body.lines() {
        let trimmed = line.trim_end();
        if trimmed == "--" {
            break;
        }
        if trimmed.trim_start().starts_with('>') {
            // Drop the attribution line that introduces the quote.
            if kept.last().is_some_and(|l| {
                let l = l.trim_end();
                l.ends_with("wrote:") || l.ends_with("a écrit :") || l.ends_with("a écrit:")
            }) {
                kept.pop();
            }
            continue;
        }
        kept.push(trimmed);
    }
    kept.join("\n").trim().to_owned()
}
