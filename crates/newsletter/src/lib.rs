//! Newsletters, without I/O: what a campaign's e-mail looks like and how its bounces are read.
//!
//! - [`render`]: Markdown (CommonMark) to a responsive HTML e-mail and its plain-text twin,
//!   every web link rewritten to a counted short link, the unsubscribe link in the footer.
//! - [`return_path`] / [`key_of_address`]: the envelope sender carries the send's key (VERP),
//!   so a bounce names the exact message it is about whatever the receiving server writes.
//! - [`parse_bounce`]: reads a delivery status notification (RFC 3464).

mod bounce;
mod render;

pub use bounce::{Bounce, parse_bounce};
pub use render::{Footer, Rendered, links, render};

use thiserror::Error;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum NewsletterError {
    #[error(
        "the return path {0:?} is not an address like bounces@example.org (it receives the bounces)"
    )]
    BadReturnPath(String),
}

/// The envelope sender for one send: `local+KEY@domain` from the configured `local@domain`.
pub fn return_path(configured: &str, key: &str) -> Result<String, NewsletterError> {
    let (local, domain) = split_address(configured)
        .ok_or_else(|| NewsletterError::BadReturnPath(configured.to_owned()))?;
    Ok(format!("{local}+{key}@{domain}"))
}

/// The Message-ID of one send (without angle brackets): its key at the return path's domain,
/// so that a bounce quoting the message names the send even without VERP.
pub fn message_id(configured: &str, key: &str) -> Result<String, NewsletterError> {
    let (_, domain) = split_address(configured)
        .ok_or_else(|| NewsletterError::BadReturnPath(configured.to_owned()))?;
    Ok(format!("{key}@{domain}"))
}

/// Checks a configured return path.
pub fn check_return_path(configured: &str) -> Result<(), NewsletterError> {
    return_path(configured, "x").map(|_| ())
}

/// The send key in an address written by [`return_path`] (`bounces+KEY@domain`), if the address
/// is one of ours.
pub fn key_of_address(address: &str, configured: &str) -> Option<String> {
    let (local, domain) = split_address(configured)?;
    let address = address.trim().trim_start_matches('<').trim_end_matches('>');
    let (their_local, their_domain) = split_address(address)?;
    if !their_domain.eq_ignore_ascii_case(domain) {
        return None;
    }
    let key = their_local.strip_prefix(local)?.strip_prefix('+')?;
    (!key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric())).then(|| key.to_owned())
}

fn split_address(address: &str) -> Option<(&str, &str)> {
    let (local, domain) = address.trim().rsplit_once('@')?;
    let ok = !local.is_empty()
        && !domain.is_empty()
        && domain.contains('.')
        && !address.contains(|c: char| c.is_whitespace() || c == '<' || c == '>');
    ok.then_some((local, domain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_paths_carry_the_key_and_only_ours_are_read_back() {
        let path = return_path("bounces@news.example", "nl3s42").unwrap();
        assert_eq!(path, "bounces+nl3s42@news.example");
        assert_eq!(
            key_of_address(&path, "bounces@news.example").as_deref(),
            Some("nl3s42")
        );
        assert_eq!(
            key_of_address("<BOUNCES+nl3s42@NEWS.example>", "bounces@news.example"),
            None,
            "local parts are case-sensitive"
        );
        assert_eq!(
            key_of_address("bounces+nl3s42@other.example", "bounces@news.example"),
            None
        );
        assert_eq!(
            key_of_address("bounces@news.example", "bounces@news.example"),
            None
        );
        assert_eq!(
            key_of_address("bounces+a/b@news.example", "bounces@news.example"),
            None
        );
        assert!(return_path("bounces", "k").is_err());
        assert!(check_return_path("Bounces <b@x.example>").is_err());
    }
}
