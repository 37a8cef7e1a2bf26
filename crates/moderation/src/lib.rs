//! Moderation's rules, without I/O (issue 17).
//!
//! What is here so far is what automatic screening reads a text with, before any decision:
//! - [`fold`]: a text's words as a lexicon compares them, whatever a writer did to slip past
//!   one (look-alike letters from other scripts, digits and signs for letters, masked letters,
//!   spaced or repeated letters, invisible characters, HTML entities), each with its place in
//!   the text so a moderator sees the words highlighted;
//! - [`personal`]: personal data posted in public (e-mail addresses, phone numbers, IBANs);
//! - [`links`]: the links of a text, and which go through a link shortener;
//! - [`watch`]: the workspace's watched words and what each does (block, hold, flag, censor,
//!   replace, tag, silence the author).

pub mod fold;
pub mod links;
pub mod personal;
pub mod watch;
