//! Moderation's rules, without I/O (issue 17).
//!
//! - [`fold`]: a text's words as a lexicon compares them, whatever a writer did to slip past
//!   one (look-alike letters from other scripts, digits and signs for letters, masked letters,
//!   spaced or repeated letters, invisible characters, HTML entities), each with its place in
//!   the text so a moderator sees the words highlighted;
//! - [`personal`]: personal data posted in public (e-mail addresses, phone numbers, IBANs);
//! - [`links`]: the links of a text, and which go through a link shortener;
//! - [`watch`]: the workspace's watched words and what each does (block, hold, flag, censor,
//!   replace, tag, silence the author);
//! - [`lexicon`]: profane and abusive words in French and English, and whether a text aims
//!   them at someone;
//! - [`features`], [`model`]: what the classifiers see of a text, and the classifiers
//!   (logistic regression, trained by `examples/train_moderation.rs`);
//! - [`screen`]: all of it at the moment of posting: spam and toxic scores, a verdict (allow,
//!   hold, block) and its reasons;
//! - [`eval`]: accuracy on labelled text, with 95 % intervals.

pub mod eval;
pub mod features;
pub mod fold;
pub mod lexicon;
pub mod links;
pub mod model;
pub mod personal;
pub mod screen;
pub mod watch;

pub use screen::{Reason, Screener, Screening, Thresholds, Verdict};
