//! E-mail replies through the mailbox's outgoing (SMTP) server, threaded with `In-Reply-To`
//! (the message answered) and `References` (the thread's first message, then that one), so
//! the person's mail client shows the answer in the same thread.

use std::time::Duration;

use jardinier_connectors::imap::{ImapConfig, Security};
use jardinier_store::ReplyJob;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::{Delivered, SendError};

/// "Re: " once, whatever the person's client wrote (Re:, RE:, Réf. are kept as they are).
pub(crate) fn reply_subject(subject: Option<&str>) -> String {
    let subject = subject
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .unwrap_or("Votre message / Your message");
    if subject.len() >= 3 && subject[..3].eq_ignore_ascii_case("re:") {
        subject.to_owned()
    } else {
        format!("Re: {subject}")
    }
}

/// The References header: the thread's first message, then the one answered.
pub(crate) fn references(root: Option<&str>, answered: &str) -> String {
    match root {
        Some(root) if root != answered => format!("{root} {answered}"),
        _ => answered.to_owned(),
    }
}

pub(crate) async fn reply(
    imap: &ImapConfig,
    password: &str,
    job: &ReplyJob,
) -> Result<Delivered, SendError> {
    let smtp = imap.smtp.as_ref().ok_or_else(|| {
        SendError::Permanent("this mailbox has no outgoing server (SMTP) set".into())
    })?;
    let from_text = smtp.from.clone().unwrap_or_else(|| imap.username.clone());
    let from: Mailbox = from_text.parse().map_err(|_| {
        SendError::Permanent(format!("the sender {from_text:?} is not an e-mail address"))
    })?;
    let to_text = job.item_author_handle.clone().unwrap_or_default();
    let to: Mailbox = match &job.item_author_name {
        Some(name) if name != &to_text => format!("{name} <{to_text}>").parse(),
        _ => to_text.parse(),
    }
    .or_else(|_| to_text.parse())
    .map_err(|_| {
        SendError::Permanent(format!(
            "the person's address {to_text:?} is not an e-mail address"
        ))
    })?;
    let domain = from.email.domain().to_owned();
    let message_id = format!("<reply.{}@{domain}>", job.idempotency_key);
    // E-mail items keep their Message-ID (with angle brackets) as their id.
    let answered = job.item_external_id.clone();
    let mut builder = Message::builder()
        .from(from)
        .to(to)
        .subject(reply_subject(job.item_title.as_deref()))
        .message_id(Some(message_id.clone()))
        .header(ContentType::TEXT_PLAIN);
    if answered.starts_with('<') {
        builder = builder.in_reply_to(answered.clone()).references(references(
            job.item_parent_external_id.as_deref(),
            &answered,
        ));
    }
    let message = builder
        .body(job.reply.body.clone())
        .map_err(|e| SendError::Permanent(format!("could not build the message: {e}")))?;

    let host = smtp.host.as_str();
    let transport = match smtp.security {
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host),
        Security::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host),
        Security::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            host,
        )),
    }
    .map_err(|e| SendError::Permanent(format!("the outgoing server {host:?} is not usable: {e}")))?
    .port(smtp.port)
    .timeout(Some(Duration::from_secs(30)));
    let transport = if smtp.login {
        transport.credentials(Credentials::new(imap.username.clone(), password.to_owned()))
    } else {
        transport
    }
    .build();
    match transport.send(message).await {
        Ok(_) => Ok(Delivered {
            note: None,
            remote_id: message_id,
            remote_url: None,
        }),
        Err(e) if e.is_permanent() => Err(SendError::Permanent(format!(
            "the outgoing server {host} refused the reply: {e}"
        ))),
        Err(e) => Err(SendError::Retry(format!(
            "could not send through {host}:{}: {e}",
            smtp.port
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_get_one_re() {
        assert_eq!(reply_subject(Some("Commande 1042")), "Re: Commande 1042");
        assert_eq!(
            reply_subject(Some("RE: Commande 1042")),
            "RE: Commande 1042"
        );
        assert_eq!(reply_subject(None), "Re: Votre message / Your message");
    }

    #[test]
    fn references_name_the_root_then_the_message_answered() {
        assert_eq!(references(Some("<a@x>"), "<b@x>"), "<a@x> <b@x>");
        assert_eq!(references(Some("<b@x>"), "<b@x>"), "<b@x>");
        assert_eq!(references(None, "<b@x>"), "<b@x>");
    }
}
