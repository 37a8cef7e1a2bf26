//! Writing posts, without I/O.
//!
//! - [`card`]: a linked page's card (Open Graph).
//! - [`hashtags`]: hashtag suggestions from what listening gathered.
//! - [`ical`]: the calendar as an iCalendar feed.
//! - [`planned`]: planned posts as CSV, both ways.
//! - [`rules`]: what each network accepts, and the length of a text as the network counts it.
//! - [`timing`]: the best time to post, from the workspace's own results.
//! - [`utm`]: campaign parameters added to the links of a post.
//! - [`variants`]: compose once, adapt per channel and language.

pub mod card;
pub mod hashtags;
pub mod ical;
pub mod planned;
pub mod rules;
pub mod timing;
pub mod utm;
pub mod variants;

/// A web link inside a word: `(https://x.example/a).` → (`(`, `https://x.example/a`, `).`).
/// Punctuation around a link is not part of it, as the networks' link detection has it.
pub(crate) fn split_link(word: &str) -> Option<(&str, &str, &str)> {
    let lower = word.to_ascii_lowercase();
    let start = lower.find("https://").or_else(|| lower.find("http://"))?;
    let rest = &word[start..];
    let link = rest.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', ']', '"', '\'', '»']);
    let parsed = url::Url::parse(link).ok()?;
    parsed.host_str()?;
    Some((&word[..start], link, &rest[link.len()..]))
}
