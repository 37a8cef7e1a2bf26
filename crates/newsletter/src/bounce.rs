//! Reading delivery status notifications (RFC 3464) that come back to the return path.

use mail_parser::{MessageParser, MimeHeaders};

use crate::key_of_address;

/// A message that could not be delivered, as its bounce tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// The send it is about, from the address it came back to (VERP) or from the returned
    /// message's Message-ID.
    pub key: String,
    /// The address that failed, as the reporting server names it.
    pub recipient: Option<String>,
    /// The enhanced status code (RFC 3463), like `5.1.1`.
    pub status: String,
    /// A 5.x.x failure: the address will not work later either.
    pub permanent: bool,
    /// The receiving server's words, when it gave some.
    pub diagnostic: String,
}

/// Reads a bounce that arrived at the return path `configured` (`bounces@domain`).
///
/// `None` for anything that is not a failure report about one of our sends: out-of-office
/// replies (RFC 3834 sends them to the return path too), "delayed" and "delivered" reports, and
/// reports about mail we did not send.
pub fn parse_bounce(raw: &[u8], configured: &str) -> Option<Bounce> {
    let message = MessageParser::default().parse(raw)?;
    let mut key = ["Delivered-To", "X-Original-To", "To", "Envelope-To"]
        .iter()
        .flat_map(|name| {
            message
                .header_values(*name)
                .filter_map(|v| v.as_text().map(str::to_owned))
                .chain(
                    message
                        .header(*name)
                        .and_then(|h| h.as_address())
                        .into_iter()
                        .flat_map(|a| a.iter())
                        .filter_map(|a| a.address().map(str::to_owned)),
                )
                .collect::<Vec<_>>()
        })
        .find_map(|address| key_of_address(&address, configured));

    let mut fields: Option<Vec<(String, String)>> = None;
    for part in &message.parts {
        let Some(content_type) = part.content_type() else {
            continue;
        };
        let subtype = content_type.subtype().unwrap_or("").to_ascii_lowercase();
        let ctype = content_type.ctype().to_ascii_lowercase();
        if ctype == "message"
            && (subtype == "delivery-status" || subtype == "global-delivery-status")
        {
            fields = part.text_contents().map(recipient_fields);
        } else if key.is_none()
            && (subtype == "rfc822-headers" || subtype == "rfc822" || subtype == "global")
        {
            // The returned message (or its headers): our Message-ID names the send.
            let returned = part
                .message()
                .and_then(|m| m.message_id().map(str::to_owned))
                .or_else(|| {
                    part.text_contents().and_then(|text| {
                        MessageParser::default()
                            .parse(text.as_bytes())
                            .and_then(|m| m.message_id().map(str::to_owned))
                    })
                });
            key = returned.and_then(|id| key_of_message_id(&id, configured));
        }
    }
    let key = key?;
    let fields = fields?;
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if !get("Action")?.eq_ignore_ascii_case("failed") {
        return None;
    }
    let status = get("Status").unwrap_or("5.0.0").trim().to_owned();
    Some(Bounce {
        key,
        recipient: get("Final-Recipient")
            .or_else(|| get("Original-Recipient"))
            .map(|v| v.split_once(';').map_or(v, |(_, a)| a).trim().to_owned()),
        permanent: status.starts_with('5'),
        status,
        diagnostic: get("Diagnostic-Code")
            .map(|v| v.split_once(';').map_or(v, |(_, d)| d).trim().to_owned())
            .unwrap_or_default(),
    })
}

/// The send key of a Message-ID written by [`crate::message_id`].
fn key_of_message_id(id: &str, configured: &str) -> Option<String> {
    let id = id.trim().trim_start_matches('<').trim_end_matches('>');
    let (key, domain) = id.rsplit_once('@')?;
    let (_, ours) = configured.trim().rsplit_once('@')?;
    (domain.eq_ignore_ascii_case(ours)
        && !key.is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric()))
    .then(|| key.to_owned())
}

/// The fields of the first per-recipient block of a `message/delivery-status` body (RFC 3464
/// §2.3), unfolded. The per-message block comes first, separated by a blank line.
fn recipient_fields(text: &str) -> Vec<(String, String)> {
    let text = text.replace("\r\n", "\n");
    let mut blocks = text.split("\n\n").map(str::trim).filter(|b| !b.is_empty());
    let _per_message = blocks.next();
    let Some(block) = blocks.next() else {
        return Vec::new();
    };
    let mut fields: Vec<(String, String)> = Vec::new();
    for line in block.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = fields.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            fields.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bounce as Postfix 3.7 writes it (recorded from the test Postfix of this project,
    /// addresses shortened).
    const POSTFIX_BOUNCE: &str = "Return-Path: <>\r\n\
Delivered-To: bounces+nl1s2@news.example\r\n\
Date: Sun, 22 Nov 2026 03:10:00 +0000 (UTC)\r\n\
From: MAILER-DAEMON@mx.news.example (Mail Delivery System)\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
To: bounces+nl1s2@news.example\r\n\
Auto-Submitted: auto-replied\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status;\r\n\
\tboundary=\"B1\"\r\n\
\r\n\
--B1\r\n\
Content-Description: Notification\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\
\r\n\
This is the mail system at host mx.news.example.\r\n\
\r\n\
--B1\r\n\
Content-Description: Delivery report\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.news.example\r\n\
X-Postfix-Queue-ID: 4F2A1\r\n\
Arrival-Date: Sun, 22 Nov 2026 03:09:59 +0000 (UTC)\r\n\
\r\n\
Final-Recipient: rfc822; ghost@news.example\r\n\
Original-Recipient: rfc822;ghost@news.example\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Remote-MTA: dns; 127.0.0.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <ghost@news.example> User doesn't\r\n\
\x20   exist: ghost@news.example\r\n\
\r\n\
--B1\r\n\
Content-Description: Undelivered Message Headers\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
Message-ID: <nl1s2@news.example>\r\n\
Subject: Nouveautés\r\n\
\r\n\
--B1--\r\n";

    #[test]
    fn a_postfix_bounce_names_the_send_and_the_failure() {
        let bounce = parse_bounce(POSTFIX_BOUNCE.as_bytes(), "bounces@news.example").unwrap();
        assert_eq!(bounce.key, "nl1s2");
        assert_eq!(bounce.recipient.as_deref(), Some("ghost@news.example"));
        assert_eq!(bounce.status, "5.1.1");
        assert!(bounce.permanent);
        assert_eq!(
            bounce.diagnostic,
            "550 5.1.1 <ghost@news.example> User doesn't exist: ghost@news.example"
        );
    }

    #[test]
    fn the_returned_message_id_is_used_when_the_address_was_rewritten() {
        let raw = POSTFIX_BOUNCE
            .replace(
                "Delivered-To: bounces+nl1s2@news.example",
                "Delivered-To: postmaster@news.example",
            )
            .replace(
                "To: bounces+nl1s2@news.example",
                "To: postmaster@news.example",
            );
        let bounce = parse_bounce(raw.as_bytes(), "bounces@news.example").unwrap();
        assert_eq!(bounce.key, "nl1s2");
    }

    #[test]
    fn delays_out_of_office_and_strangers_are_not_bounces() {
        let delayed = POSTFIX_BOUNCE
            .replace("Action: failed", "Action: delayed")
            .replace("Status: 5.1.1", "Status: 4.4.1");
        assert_eq!(
            parse_bounce(delayed.as_bytes(), "bounces@news.example"),
            None
        );
        let vacation = "Delivered-To: bounces+nl1s2@news.example\r\nTo: bounces+nl1s2@news.example\r\n\
Subject: Absent\r\nAuto-Submitted: auto-replied\r\n\r\nJe suis en congés.\r\n";
        assert_eq!(
            parse_bounce(vacation.as_bytes(), "bounces@news.example"),
            None
        );
        assert_eq!(
            parse_bounce(POSTFIX_BOUNCE.as_bytes(), "other@elsewhere.example"),
            None
        );
        let temporary = POSTFIX_BOUNCE.replace("Status: 5.1.1", "Status: 4.2.2");
        let bounce = parse_bounce(temporary.as_bytes(), "bounces@news.example").unwrap();
        assert!(!bounce.permanent, "a full mailbox may empty");
    }
}
