//! Each network's rules for a post's text, as its own servers count.
//!
//! - Mastodon: 500 grapheme clusters; every link counts 23 whatever its length, and a mention
//!   `@user@instance` counts as `@user` (the server's StatusLengthValidator).
//! - Bluesky: 300 grapheme clusters of the text as written (links included in full, unless the
//!   client shortens them, which Jardinier does not).
//! - Discord: 2,000 characters; Slack: 40,000; Telegram: 4,096; Matrix: no set limit (65 kB
//!   events: 30,000 characters is kept as a safe bound).
//! - A generic webhook has no limit.

use unicode_segmentation::UnicodeSegmentation;

/// What Mastodon counts for any link.
pub const MASTODON_URL_LENGTH: usize = 23;

/// A network's rules for the text of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRules {
    /// The most the network accepts, as [`length`] counts; `None`: no limit.
    pub limit: Option<usize>,
    /// How the network counts.
    pub counting: Counting,
    /// The network takes a language tag with the post (shown to readers, used by filters).
    pub language_tag: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    /// Grapheme clusters; links 23; remote mentions by their user part.
    Mastodon,
    /// Grapheme clusters of the text as written.
    Graphemes,
    /// Unicode scalar values (what Discord, Slack and Telegram document as characters).
    Characters,
    /// X's weighted count (twitter-text 3): Latin and common punctuation 1, other scripts and
    /// emoji 2, every link 23.
    X,
}

/// The rules of a channel kind; unknown kinds have no limit.
pub fn text_rules(kind: &str) -> TextRules {
    let (limit, counting, language_tag) = match kind {
        "mastodon" => (Some(500), Counting::Mastodon, true),
        "bluesky" => (Some(300), Counting::Graphemes, true),
        "discord" => (Some(2_000), Counting::Characters, false),
        "slack" => (Some(40_000), Counting::Characters, false),
        "telegram" => (Some(4_096), Counting::Characters, false),
        "matrix" => (Some(30_000), Counting::Characters, false),
        "x" => (Some(280), Counting::X, true),
        "linkedin" => (Some(3_000), Counting::Characters, false),
        "facebook" => (Some(63_206), Counting::Characters, false),
        "instagram" => (Some(2_200), Counting::Characters, false),
        _ => (None, Counting::Characters, false),
    };
    TextRules {
        limit,
        counting,
        language_tag,
    }
}

/// The length of `text` as the network counts it.
pub fn length(rules: &TextRules, text: &str) -> usize {
    match rules.counting {
        Counting::Characters => text.chars().count(),
        Counting::Graphemes => text.graphemes(true).count(),
        Counting::X => text
            .split_inclusive(char::is_whitespace)
            .map(|word| {
                let trimmed = word.trim_end_matches(char::is_whitespace);
                let space: usize = word[trimmed.len()..].chars().count();
                let counted = match crate::split_link(trimmed) {
                    Some((before, _, after)) => {
                        x_weight(before) + MASTODON_URL_LENGTH + x_weight(after)
                    }
                    None => x_weight(trimmed),
                };
                counted + space
            })
            .sum(),
        Counting::Mastodon => text
            .split_inclusive(char::is_whitespace)
            .map(|word| {
                let trimmed = word.trim_end_matches(char::is_whitespace);
                let space = word.len() - trimmed.len();
                let counted = if let Some((before, _, after)) = crate::split_link(trimmed) {
                    before.graphemes(true).count()
                        + MASTODON_URL_LENGTH
                        + after.graphemes(true).count()
                } else if let Some(local) = remote_mention(trimmed) {
                    local.graphemes(true).count()
                } else {
                    trimmed.graphemes(true).count()
                };
                counted + word[trimmed.len()..].graphemes(true).count().min(space)
            })
            .sum(),
    }
}

/// X's weights: code points in its "light" ranges count 1, the rest 2; an emoji sequence 2.
fn x_weight(text: &str) -> usize {
    text.graphemes(true)
        .map(|g| {
            let first = g.chars().next().map_or(0, u32::from);
            let light = matches!(first, 0..=4351 | 8192..=8205 | 8208..=8223 | 8242..=8247);
            if g.chars().count() > 1 && !light {
                2
            } else if light {
                g.chars().count().max(1)
            } else {
                2
            }
        })
        .sum()
}

/// `@user@instance.tld` → `@user`.
fn remote_mention(word: &str) -> Option<&str> {
    let rest = word.strip_prefix('@')?;
    let (user, domain) = rest.split_once('@')?;
    let ok = !user.is_empty()
        && user.chars().all(|c| c.is_alphanumeric() || c == '_')
        && domain.contains('.');
    ok.then(|| &word[..user.len() + 1])
}

/// What is wrong with a text for a network, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextProblem {
    Empty,
    TooLong { length: usize, limit: usize },
}

/// Checks a text against a network's rules.
pub fn check(kind: &str, text: &str) -> Result<usize, TextProblem> {
    let rules = text_rules(kind);
    if text.trim().is_empty() {
        return Err(TextProblem::Empty);
    }
    let length = length(&rules, text);
    match rules.limit {
        Some(limit) if length > limit => Err(TextProblem::TooLong { length, limit }),
        _ => Ok(length),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mastodon(text: &str) -> usize {
        length(&text_rules("mastodon"), text)
    }

    #[test]
    fn mastodon_counts_links_as_23_and_mentions_by_their_user() {
        assert_eq!(mastodon("Bonjour"), 7);
        let link =
            "https://brulerie-du-canal.example/nouveautes/moka-d-ethiopie?utm_source=mastodon";
        assert_eq!(mastodon(&format!("Nouveau : {link}")), 10 + 23);
        assert_eq!(mastodon(&format!("({link}).")), 1 + 23 + 2);
        assert_eq!(
            mastodon("merci @lea@piaille.example !"),
            "merci @lea !".len()
        );
        assert_eq!(mastodon("un  espace\ndouble"), 17);
        assert_eq!(mastodon("not a link: https:// alone"), 26);
    }

    #[test]
    fn graphemes_count_once_however_they_are_written() {
        let bluesky = text_rules("bluesky");
        // é as one code point and as e + combining accent; a family emoji; a flag.
        assert_eq!(length(&bluesky, "caf\u{e9}"), 4);
        assert_eq!(length(&bluesky, "cafe\u{301}"), 4);
        assert_eq!(length(&bluesky, "👨‍👩‍👧"), 1);
        assert_eq!(length(&bluesky, "🇫🇷"), 1);
        assert_eq!(
            length(&text_rules("discord"), "🇫🇷"),
            2,
            "Discord counts characters"
        );
        assert_eq!(mastodon("👨‍👩‍👧 🇫🇷"), 3);
    }

    #[test]
    fn x_weighs_as_twitter_text_does() {
        let x = text_rules("x");
        assert_eq!(length(&x, "Bonjour à tous"), 14);
        assert_eq!(length(&x, "こんにちは"), 10, "CJK counts twice");
        assert_eq!(length(&x, "☕ moka"), 7, "an emoji counts twice");
        assert_eq!(length(&x, "👨‍👩‍👧"), 2);
        assert_eq!(
            length(&x, &format!("voir https://example.org/{}", "a".repeat(100))),
            5 + 23
        );
        assert_eq!(
            check("x", &"a".repeat(281)),
            Err(TextProblem::TooLong {
                length: 281,
                limit: 280
            })
        );
    }

    #[test]
    fn limits_are_each_networks() {
        assert_eq!(check("bluesky", &"a".repeat(300)), Ok(300));
        assert_eq!(
            check("bluesky", &"a".repeat(301)),
            Err(TextProblem::TooLong {
                length: 301,
                limit: 300
            })
        );
        // 480 letters and a long link fit on Mastodon.
        let text = format!(
            "{} https://example.org/{}",
            "a".repeat(470),
            "b".repeat(200)
        );
        assert_eq!(check("mastodon", &text), Ok(470 + 1 + 23));
        assert_eq!(check("discord", "  \n"), Err(TextProblem::Empty));
        assert_eq!(check("webhook", &"a".repeat(100_000)), Ok(100_000));
        assert!(text_rules("mastodon").language_tag && !text_rules("discord").language_tag);
    }
}

/// The longest text a network takes with media (Telegram's captions), when it is shorter than
/// its limit for text alone.
pub fn caption_limit(kind: &str) -> Option<usize> {
    match kind {
        "telegram" => Some(1_024),
        _ => None,
    }
}

/// What a network takes with a post, as its API documents (instance defaults for Mastodon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaRules {
    /// Jardinier can send media there at all.
    pub supported: bool,
    pub max_images: usize,
    /// 0: no video.
    pub max_videos: usize,
    /// Images and a video together.
    pub mixed: bool,
    pub image_bytes: u64,
    pub video_bytes: u64,
    /// The longest description (alt text), in characters.
    pub alt_chars: usize,
    /// A post there needs an image (Instagram).
    pub required: bool,
}

pub fn media_rules(kind: &str) -> MediaRules {
    const MB: u64 = 1_000_000;
    match kind {
        // Mastodon 4.x defaults: 16 MB images, 99 MB video, 4 attachments, no mixing.
        "mastodon" => MediaRules {
            supported: true,
            max_images: 4,
            max_videos: 1,
            mixed: false,
            image_bytes: 16 * MB,
            video_bytes: 99 * MB,
            alt_chars: 1_500,
            required: false,
        },
        // Blobs of app.bsky.embed.images: 4 images of at most 1,000,000 bytes; or one video of
        // 100 MB through Bluesky's video service.
        "bluesky" => MediaRules {
            supported: true,
            max_images: 4,
            max_videos: 1,
            mixed: false,
            image_bytes: MB,
            video_bytes: 100 * MB,
            alt_chars: 2_000,
            required: false,
        },
        // Webhook attachments: 10 files, 10 MB each without a boosted server.
        "discord" => MediaRules {
            supported: true,
            max_images: 10,
            max_videos: 10,
            mixed: true,
            image_bytes: 10 * MB,
            video_bytes: 10 * MB,
            alt_chars: 1_024,
            required: false,
        },
        // Photos of a Page post, or one video, fetched by Meta from their public address.
        "facebook" => MediaRules {
            supported: true,
            max_images: 10,
            max_videos: 1,
            mixed: false,
            image_bytes: 10 * MB,
            video_bytes: 1_000 * MB,
            alt_chars: 1_000,
            required: false,
        },
        // X: 4 images of 5 MB, or one video of 512 MB (chunked upload).
        "x" => MediaRules {
            supported: true,
            max_images: 4,
            max_videos: 1,
            mixed: false,
            image_bytes: 5 * MB,
            video_bytes: 512 * MB,
            alt_chars: 1_000,
            required: false,
        },
        // LinkedIn: one image, up to 20 as a multi-image post, or one video (500 MB).
        "linkedin" => MediaRules {
            supported: true,
            max_images: 20,
            max_videos: 1,
            mixed: false,
            image_bytes: 10 * MB,
            video_bytes: 500 * MB,
            alt_chars: 4_086,
            required: false,
        },
        // Images in the room after the text (the homeserver's usual 50 MB upload limit).
        "matrix" => MediaRules {
            supported: true,
            max_images: 10,
            max_videos: 0,
            mixed: false,
            image_bytes: 50 * MB,
            video_bytes: 0,
            alt_chars: 1_000,
            required: false,
        },
        // One photo (sendPhoto) or an album of up to 10 (sendMediaGroup), 10 MB each, the
        // post's text as the caption.
        "telegram" => MediaRules {
            supported: true,
            max_images: 10,
            max_videos: 0,
            mixed: false,
            image_bytes: 10 * MB,
            video_bytes: 0,
            alt_chars: 1_000,
            required: false,
        },
        // One image, a carousel of up to 10, or one video (a reel), fetched by Meta from their
        // public address.
        "instagram" => MediaRules {
            supported: true,
            max_images: 10,
            max_videos: 1,
            mixed: false,
            image_bytes: 8 * MB,
            video_bytes: 1_000 * MB,
            alt_chars: 1_000,
            required: true,
        },
        _ => MediaRules {
            supported: false,
            max_images: 0,
            max_videos: 0,
            mixed: false,
            image_bytes: 0,
            video_bytes: 0,
            alt_chars: 0,
            required: false,
        },
    }
}

/// One medium as the rules see it.
#[derive(Debug, Clone)]
pub struct MediaInfo<'a> {
    pub name: &'a str,
    /// As recognised from the file's content (`image/png`).
    pub content_type: &'a str,
    pub video: bool,
    pub size: u64,
    pub alt: &'a str,
}

/// What a network will not take, in words a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaProblem {
    NotSupported,
    /// The network does not take this kind of file.
    Type {
        name: String,
    },
    /// The network needs an image (Instagram).
    Required,
    TooManyImages {
        max: usize,
    },
    NoVideo,
    TooManyVideos {
        max: usize,
    },
    Mixed,
    TooBig {
        name: String,
        max_mb: u64,
    },
    NoAlt {
        name: String,
    },
    AltTooLong {
        name: String,
        max: usize,
    },
}

/// The kinds of file a network takes, as its documentation lists them; `None`: any the library
/// takes.
pub fn accepted_types(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "mastodon" => &[
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "video/mp4",
            "video/webm",
            "video/quicktime",
        ],
        "bluesky" => &[
            "image/jpeg",
            "image/png",
            "image/webp",
            "video/mp4",
            "video/webm",
            "video/quicktime",
        ],
        "x" => &[
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "video/mp4",
            "video/quicktime",
        ],
        "linkedin" => &["image/jpeg", "image/png", "image/gif", "video/mp4"],
        "facebook" => &[
            "image/jpeg",
            "image/png",
            "image/gif",
            "image/webp",
            "video/mp4",
            "video/quicktime",
        ],
        // Instagram publishes JPEG images only.
        "instagram" => &["image/jpeg", "video/mp4", "video/quicktime"],
        "telegram" => &["image/jpeg", "image/png", "image/webp"],
        _ => return None,
    })
}

/// Checks a post's media against a network's rules; every image needs a description.
pub fn check_media(kind: &str, media: &[MediaInfo<'_>]) -> Result<(), MediaProblem> {
    let rules = media_rules(kind);
    if media.is_empty() {
        return if rules.required {
            Err(MediaProblem::Required)
        } else {
            Ok(())
        };
    }
    if !rules.supported {
        return Err(MediaProblem::NotSupported);
    }
    let videos = media.iter().filter(|m| m.video).count();
    let images = media.len() - videos;
    if videos > 0 && rules.max_videos == 0 {
        return Err(MediaProblem::NoVideo);
    }
    if videos > rules.max_videos {
        return Err(MediaProblem::TooManyVideos {
            max: rules.max_videos,
        });
    }
    if images > rules.max_images {
        return Err(MediaProblem::TooManyImages {
            max: rules.max_images,
        });
    }
    if videos > 0 && images > 0 && !rules.mixed {
        return Err(MediaProblem::Mixed);
    }
    for m in media {
        if let Some(types) = accepted_types(kind)
            && !types.contains(&m.content_type)
        {
            return Err(MediaProblem::Type {
                name: m.name.to_owned(),
            });
        }
        let max = if m.video {
            rules.video_bytes
        } else {
            rules.image_bytes
        };
        if m.size > max {
            return Err(MediaProblem::TooBig {
                name: m.name.to_owned(),
                max_mb: max / 1_000_000,
            });
        }
        if !m.video && m.alt.trim().is_empty() {
            return Err(MediaProblem::NoAlt {
                name: m.name.to_owned(),
            });
        }
        if m.alt.chars().count() > rules.alt_chars {
            return Err(MediaProblem::AltTooLong {
                name: m.name.to_owned(),
                max: rules.alt_chars,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod media_tests {
    use super::*;

    fn image(size: u64, alt: &'static str) -> MediaInfo<'static> {
        MediaInfo {
            name: "moka.jpg",
            content_type: "image/jpeg",
            video: false,
            size,
            alt,
        }
    }

    #[test]
    fn each_network_takes_what_it_documents() {
        let four = [
            image(500_000, "Un moka"),
            image(500_000, "b"),
            image(500_000, "c"),
            image(500_000, "d"),
        ];
        assert_eq!(check_media("mastodon", &four), Ok(()));
        assert_eq!(check_media("bluesky", &four), Ok(()));
        let five = [&four[..], &[image(1, "e")]].concat();
        assert_eq!(
            check_media("mastodon", &five),
            Err(MediaProblem::TooManyImages { max: 4 })
        );
        assert_eq!(
            check_media("bluesky", &[image(1_200_000, "Un moka")]),
            Err(MediaProblem::TooBig {
                name: "moka.jpg".into(),
                max_mb: 1
            })
        );
        assert_eq!(
            check_media("mastodon", &[image(1, "  ")]),
            Err(MediaProblem::NoAlt {
                name: "moka.jpg".into()
            })
        );
        let video = MediaInfo {
            name: "atelier.mp4",
            content_type: "video/mp4",
            video: true,
            size: 20_000_000,
            alt: "",
        };
        assert_eq!(
            check_media("mastodon", &[video]),
            Ok(()),
            "a video needs no description"
        );
        let video = MediaInfo {
            name: "atelier.mp4",
            content_type: "video/mp4",
            video: true,
            size: 200_000_000,
            alt: "",
        };
        assert_eq!(
            check_media("bluesky", &[video]),
            Err(MediaProblem::TooBig {
                name: "atelier.mp4".into(),
                max_mb: 100
            })
        );
        let video = MediaInfo {
            name: "atelier.mp4",
            content_type: "video/mp4",
            video: true,
            size: 1,
            alt: "",
        };
        assert_eq!(
            check_media("telegram", &[video]),
            Err(MediaProblem::NoVideo)
        );
        let video = MediaInfo {
            name: "atelier.mp4",
            content_type: "video/mp4",
            video: true,
            size: 1,
            alt: "",
        };
        assert_eq!(
            check_media("mastodon", &[video, image(1, "x")]),
            Err(MediaProblem::Mixed)
        );
        assert_eq!(
            check_media("slack", &[image(1, "x")]),
            Err(MediaProblem::NotSupported)
        );
        assert_eq!(check_media("slack", &[]), Ok(()));
        assert_eq!(check_media("instagram", &[]), Err(MediaProblem::Required));
        assert_eq!(check_media("instagram", &[image(1, "x")]), Ok(()));
        let png = MediaInfo {
            name: "moka.png",
            content_type: "image/png",
            video: false,
            size: 1,
            alt: "Un moka",
        };
        assert_eq!(
            check_media("instagram", &[png]),
            Err(MediaProblem::Type {
                name: "moka.png".into()
            }),
            "Instagram publishes JPEG only"
        );
    }
}

/// The posts of a thread: a text split at lines holding only `---`, each part trimmed, empty
/// parts left out. A text without such a line is one post.
pub fn thread_parts(text: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    for line in text.lines() {
        if line.trim() == "---" {
            parts.push(String::new());
        } else {
            let current = parts.last_mut().expect("at least one part");
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(line);
        }
    }
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The network takes threads and a first comment from Jardinier (as replies to the post).
pub fn supports_replies(kind: &str) -> bool {
    matches!(kind, "mastodon" | "bluesky")
}

/// The network takes a first comment from Jardinier: a reply (Mastodon, Bluesky) or a comment
/// right after the post (Facebook, Instagram, LinkedIn).
pub fn supports_first_comment(kind: &str) -> bool {
    supports_replies(kind) || matches!(kind, "facebook" | "instagram" | "linkedin")
}

/// A poll with the post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Poll {
    pub options: Vec<String>,
    pub minutes: i64,
}

/// What a network's polls allow: (options min, max, characters per option, minutes min, max).
pub fn poll_rules(kind: &str) -> Option<(usize, usize, usize, i64, i64)> {
    match kind {
        // Mastodon's defaults: 4 options of 50 characters, 5 minutes to 30 days.
        "mastodon" => Some((2, 4, 50, 5, 30 * 24 * 60)),
        // X: 4 options of 25 characters, 5 minutes to 7 days.
        "x" => Some((2, 4, 25, 5, 7 * 24 * 60)),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollProblem {
    NotSupported,
    Options { min: usize, max: usize },
    OptionTooLong { max: usize },
    Duration { min: i64, max: i64 },
    WithMedia,
}

pub fn check_poll(kind: &str, poll: &Poll, with_media: bool) -> Result<(), PollProblem> {
    let (min, max, chars, shortest, longest) = poll_rules(kind).ok_or(PollProblem::NotSupported)?;
    if poll.options.len() < min || poll.options.len() > max {
        return Err(PollProblem::Options { min, max });
    }
    if poll.options.iter().any(|o| o.chars().count() > chars) {
        return Err(PollProblem::OptionTooLong { max: chars });
    }
    if poll.minutes < shortest || poll.minutes > longest {
        return Err(PollProblem::Duration {
            min: shortest,
            max: longest,
        });
    }
    if with_media {
        // Both Mastodon and X refuse a poll and media together.
        return Err(PollProblem::WithMedia);
    }
    Ok(())
}

#[cfg(test)]
mod thread_tests {
    use super::*;

    #[test]
    fn threads_split_at_their_lines_of_dashes() {
        assert_eq!(thread_parts("Un seul post"), ["Un seul post"]);
        assert_eq!(
            thread_parts("1/ Début\nsuite\n---\n2/ Milieu\n  ---  \n\n---\n3/ Fin ---"),
            ["1/ Début\nsuite", "2/ Milieu", "3/ Fin ---"]
        );
        assert!(supports_replies("bluesky") && !supports_replies("discord"));
    }

    #[test]
    fn polls_follow_each_networks_rules() {
        let poll = |options: &[&str], minutes| Poll {
            options: options.iter().map(|s| (*s).to_owned()).collect(),
            minutes,
        };
        assert_eq!(
            check_poll("mastodon", &poll(&["Moka", "Java"], 1_440), false),
            Ok(())
        );
        assert_eq!(
            check_poll("mastodon", &poll(&["Moka"], 1_440), false),
            Err(PollProblem::Options { min: 2, max: 4 })
        );
        assert_eq!(
            check_poll(
                "x",
                &poll(&["Un café bien serré au comptoir", "Java"], 60),
                false
            ),
            Err(PollProblem::OptionTooLong { max: 25 })
        );
        assert_eq!(
            check_poll("x", &poll(&["a", "b"], 30 * 24 * 60), false),
            Err(PollProblem::Duration {
                min: 5,
                max: 7 * 24 * 60
            })
        );
        assert_eq!(
            check_poll("mastodon", &poll(&["a", "b"], 60), true),
            Err(PollProblem::WithMedia)
        );
        assert_eq!(
            check_poll("bluesky", &poll(&["a", "b"], 60), false),
            Err(PollProblem::NotSupported)
        );
    }
}

/// A span of a Bluesky post's text that is a link or a hashtag (richtext facets: Bluesky shows
/// neither as such without them), by UTF-8 byte offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Facet {
    Link {
        start: usize,
        end: usize,
        uri: String,
    },
    Tag {
        start: usize,
        end: usize,
        tag: String,
    },
}

/// The links and hashtags of a text, as Bluesky facets.
pub fn bluesky_facets(text: &str) -> Vec<Facet> {
    let mut out = Vec::new();
    let mut offset = 0;
    for word in text.split_inclusive(char::is_whitespace) {
        let trimmed = word.trim_end_matches(char::is_whitespace);
        if let Some((before, link, _)) = crate::split_link(trimmed) {
            let start = offset + before.len();
            out.push(Facet::Link {
                start,
                end: start + link.len(),
                uri: link.to_owned(),
            });
        } else {
            for tag in crate::hashtags::hashtags(trimmed) {
                // Within this word: find where the tag starts.
                if let Some(at) = trimmed.find(tag) {
                    let start = offset + at;
                    out.push(Facet::Tag {
                        start,
                        end: start + tag.len(),
                        tag: tag.trim_start_matches('#').to_owned(),
                    });
                }
            }
        }
        offset += word.len();
    }
    out
}

#[cfg(test)]
mod facet_tests {
    use super::*;

    #[test]
    fn facets_point_at_bytes_of_links_and_tags() {
        let text = "Café ☕ (https://shop.example/moka). #Moka, et #café";
        let facets = bluesky_facets(text);
        let link = &facets[0];
        let Facet::Link { start, end, uri } = link else {
            panic!("{facets:?}")
        };
        assert_eq!(&text[*start..*end], "https://shop.example/moka");
        assert_eq!(uri, "https://shop.example/moka");
        let tags: Vec<&str> = facets
            .iter()
            .filter_map(|f| match f {
                Facet::Tag { start, end, .. } => Some(&text[*start..*end]),
                _ => None,
            })
            .collect();
        assert_eq!(tags, ["#Moka", "#café"]);
    }
}
