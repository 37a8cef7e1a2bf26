//! What a member may write: titles, posts, names and bios, each parsed into a value that is
//! valid for good or a [`FieldError`] naming the field and the catalogue key of its message.
//!
//! Invisible characters that reorder text (bidirectional overrides and isolates) are removed
//! from one-line fields: a name cannot pretend to be another by reversing its letters.

use jardinier_domain::input::FieldError;

/// The longest title, in characters.
pub const TITLE_MAX: usize = 150;
/// The longest post, in characters (Discourse's default is 32,000).
pub const BODY_MAX: usize = 32_000;
pub const NAME_MAX: usize = 50;
pub const BIO_MAX: usize = 300;

/// Characters that change the direction of the text around them without being seen.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// One line: controls and direction overrides removed, runs of spaces made one.
fn one_line(raw: &str) -> String {
    let cleaned: String = raw
        .chars()
        .filter(|c| !is_bidi_control(*c))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One line cut to `max` characters: an image's name or description, shown as text only.
pub fn one_line_max(raw: &str, max: usize) -> String {
    one_line(raw).chars().take(max).collect()
}

/// A topic's title.
pub fn title(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let title = one_line(raw);
    let length = title.chars().count();
    if length == 0 {
        return Err(FieldError::new(field, "error.required"));
    }
    if length < 3 {
        return Err(FieldError::new(field, "error.community_title_short"));
    }
    if length > TITLE_MAX {
        return Err(FieldError::new(field, "error.community_title_long"));
    }
    Ok(title)
}

/// A post's Markdown: kept as written (line breaks matter), without NUL and other controls
/// than line breaks and tabs, and without direction overrides.
pub fn body(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let body: String = raw
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| !is_bidi_control(*c) && (!c.is_control() || *c == '\n' || *c == '\t'))
        .collect();
    let body = body.trim().to_owned();
    if body.is_empty() {
        return Err(FieldError::new(field, "error.required"));
    }
    if body.chars().count() > BODY_MAX {
        return Err(FieldError::new(field, "error.community_body_long"));
    }
    Ok(body)
}

/// The name a member shows.
pub fn display_name(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let name = one_line(raw);
    if name.is_empty() {
        return Err(FieldError::new(field, "error.required"));
    }
    if name.chars().count() > NAME_MAX || !name.chars().any(char::is_alphanumeric) {
        return Err(FieldError::new(field, "error.community_name_invalid"));
    }
    Ok(name)
}

/// A short biography (may be empty).
pub fn bio(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let bio = one_line(raw);
    if bio.chars().count() > BIO_MAX {
        return Err(FieldError::new(field, "error.community_bio_long"));
    }
    Ok(bio)
}

/// Links a member shows on their page.
pub const LINKS_MAX: usize = 3;
/// The longest link, in characters.
pub const LINK_MAX: usize = 200;

/// A member's links, one a line: web addresses (http or https, with a host), at most three.
/// `www.example.org` is read as `https://www.example.org`.
pub fn links(field: &'static str, raw: &str) -> Result<Vec<String>, FieldError> {
    let mut links = Vec::new();
    for line in raw.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let written = if line.contains("://") {
            line.to_owned()
        } else {
            format!("https://{line}")
        };
        let parsed = url::Url::parse(&written)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .filter(|u| u.host_str().is_some_and(|h| h.contains('.')))
            .filter(|_| written.chars().count() <= LINK_MAX)
            .ok_or(FieldError::new(field, "error.community_link_invalid"))?;
        let link = parsed.to_string();
        if !links.contains(&link) {
            links.push(link);
        }
    }
    if links.len() > LINKS_MAX {
        return Err(FieldError::new(field, "error.community_too_many_links"));
    }
    Ok(links)
}

/// Tags a topic may carry.
pub const TAGS_MAX: usize = 5;
/// The longest tag, in characters.
pub const TAG_MAX: usize = 30;

/// A topic's tags, typed as words separated by commas or spaces: each one as its address
/// writes it ("Café moulu" → "cafe-moulu", like a topic's slug), in the order typed, each
/// once; at most five; none is fine.
pub fn tags(field: &'static str, raw: &str) -> Result<Vec<String>, FieldError> {
    let mut tags: Vec<String> = Vec::new();
    for typed in raw.split([',', ';']).flat_map(|part| {
        // "café moulu, espresso" is two tags; "#espresso #v60" too.
        let part = part.trim();
        if part.contains('#') {
            part.split('#').map(str::trim).collect::<Vec<_>>()
        } else {
            vec![part]
        }
    }) {
        if typed.is_empty() {
            continue;
        }
        let tag = tag(field, typed)?;
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if tags.len() > TAGS_MAX {
        return Err(FieldError::new(field, "error.community_too_many_tags"));
    }
    Ok(tags)
}

/// One tag as its address writes it: "#Café moulu" → "cafe-moulu".
pub fn tag(field: &'static str, raw: &str) -> Result<String, FieldError> {
    let typed = raw.trim().trim_start_matches('#').trim();
    // A tag needs a letter or a digit (`slug` would name it "topic" otherwise).
    if !typed.chars().any(char::is_alphanumeric) || typed.chars().count() > TAG_MAX {
        return Err(FieldError::new(field, "error.community_tag_invalid"));
    }
    Ok(slug(typed))
}

/// The readable part of a topic's address: "Été au jardin !" → "ete-au-jardin".
pub fn slug(title: &str) -> String {
    let ascii = deunicode::deunicode(title).to_lowercase();
    let mut slug = String::new();
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 60 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "topic".to_owned()
    } else {
        slug.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_web_addresses_three_at_most() {
        assert_eq!(
            links(
                "links",
                "www.brulerie.example\n\n  https://piaille.fr/@lea  "
            )
            .unwrap(),
            ["https://www.brulerie.example/", "https://piaille.fr/@lea"]
        );
        for wrong in [
            "javascript:alert(1)",
            "ftp://files.example",
            "not a link",
            "https://localhost",
        ] {
            assert_eq!(
                links("links", wrong).unwrap_err().message,
                "error.community_link_invalid",
                "{wrong}"
            );
        }
        assert_eq!(
            links("links", "a.example\nb.example\nc.example\nd.example")
                .unwrap_err()
                .message,
            "error.community_too_many_links"
        );
    }

    #[test]
    fn tags_are_typed_freely_and_kept_as_addresses() {
        assert_eq!(
            tags("tags", "Café moulu, espresso ; #V60 #Espresso").unwrap(),
            ["cafe-moulu", "espresso", "v60"]
        );
        assert_eq!(tags("tags", "  ").unwrap(), Vec::<String>::new());
        assert_eq!(
            tags("tags", "a, b, c, d, e, f").unwrap_err().message,
            "error.community_too_many_tags"
        );
        assert_eq!(
            tags("tags", "!!!").unwrap_err().message,
            "error.community_tag_invalid"
        );
        // Markup is not kept: only letters, digits and hyphens reach a tag.
        assert_eq!(tags("tags", "<script>").unwrap(), ["script"]);
        assert_eq!(
            tags("tags", &"x".repeat(31)).unwrap_err().message,
            "error.community_tag_invalid"
        );
    }

    #[test]
    fn titles_are_one_trimmed_line_of_a_sensible_length() {
        assert_eq!(
            title("title", "  Le   compost\nen hiver ").unwrap(),
            "Le compost en hiver"
        );
        assert_eq!(title("title", " ").unwrap_err().message, "error.required");
        assert_eq!(
            title("title", "ok").unwrap_err().message,
            "error.community_title_short"
        );
        assert_eq!(
            title("title", &"a".repeat(151)).unwrap_err().message,
            "error.community_title_long"
        );
    }

    #[test]
    fn names_lose_their_direction_overrides() {
        // "\u{202E}" would show "nimda" as "admin".
        assert_eq!(display_name("name", "\u{202E}nimda").unwrap(), "nimda");
        assert_eq!(
            display_name("name", "\u{202E}\u{202C} ")
                .unwrap_err()
                .message,
            "error.required"
        );
        assert_eq!(
            display_name("name", "---").unwrap_err().message,
            "error.community_name_invalid"
        );
    }

    #[test]
    fn bodies_keep_their_lines_and_lose_controls() {
        assert_eq!(body("body", "a\r\n\r\nb\u{0}").unwrap(), "a\n\nb");
        assert_eq!(body("body", "\n \n").unwrap_err().message, "error.required");
        assert_eq!(
            body("body", &"é".repeat(BODY_MAX + 1)).unwrap_err().message,
            "error.community_body_long"
        );
    }

    #[test]
    fn slugs_fold_accents() {
        assert_eq!(slug("Été au jardin !"), "ete-au-jardin");
        assert_eq!(slug("¿¿"), "topic");
        assert!(slug(&"mot ".repeat(40)).len() <= 61);
    }
}
