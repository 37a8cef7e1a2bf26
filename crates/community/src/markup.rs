//! A member's Markdown made into HTML that is safe to show anywhere: raw HTML in the Markdown
//! is shown as text, then what pulldown-cmark wrote is cleaned by ammonia's allow-list (no
//! script, style, event handler or `javascript:` address survives, whatever the input), and
//! links leave with `rel="nofollow ugc noopener noreferrer"`.
//!
//! `@handle` becomes a link to the member's page; the handles found are returned, for the
//! notifications of the people mentioned.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// What a post looks like, and whom it mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    /// Handles mentioned (`@camille`), lower-cased, each once, in order.
    pub mentions: Vec<String>,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// A handle's characters: letters, digits, `_`, `-` and `.` (not at the end).
fn handle_at(text: &str, at: usize) -> Option<&str> {
    let rest = &text[at + 1..];
    let end = rest
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let handle = rest[..end].trim_end_matches(['.', '-']);
    // An address (name@host) is not a mention: the @ must start a word.
    let starts_word = text[..at]
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_alphanumeric());
    (starts_word && !handle.is_empty() && handle.len() <= 40).then_some(handle)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

/// What a linked page says about itself, shown under a link alone on its line (Discourse's
/// "onebox"): read by the site, handed to [`render_with_cards`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub url: String,
    pub title: String,
    pub description: String,
    /// Its image (https only).
    pub image: Option<String>,
}

/// The most links of a post shown as cards.
pub const MAX_CARDS: usize = 3;

/// Lines that are one web address alone, outside code: each becomes a link, or a card.
fn lone_lines(markdown: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut fence: Option<&str> = None;
    let lines: Vec<&str> = markdown.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            continue;
        }
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
            continue;
        }
        // A paragraph of its own (blank lines around it), not indented code.
        let alone = (i == 0 || lines[i - 1].trim().is_empty())
            && lines.get(i + 1).is_none_or(|next| next.trim().is_empty());
        if !alone || line.starts_with("    ") || line.starts_with('\t') {
            continue;
        }
        let is_address = !trimmed.contains(char::is_whitespace)
            && url::Url::parse(trimmed)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
        if is_address {
            found.push((i, trimmed.to_owned()));
        }
    }
    found
}

/// The web addresses alone on their line in a post (at most [`MAX_CARDS`]), whose cards the
/// site may read before rendering.
pub fn lone_links(markdown: &str) -> Vec<String> {
    let mut links: Vec<String> = Vec::new();
    for (_, url) in lone_lines(markdown) {
        if !links.contains(&url) {
            links.push(url);
        }
    }
    links.truncate(MAX_CARDS);
    links
}

/// A card as HTML, every piece escaped here.
fn card_html(card: &Card) -> String {
    let host = url::Url::parse(&card.url)
        .ok()
        .and_then(|u| {
            u.host_str()
                .map(|h| h.trim_start_matches("www.").to_owned())
        })
        .unwrap_or_default();
    let image = match &card.image {
        Some(src) if src.starts_with("https://") => format!(
            "<img src=\"{}\" alt=\"\" loading=\"lazy\" referrerpolicy=\"no-referrer\">",
            escape(src)
        ),
        _ => String::new(),
    };
    let description = if card.description.is_empty() {
        String::new()
    } else {
        format!(
            "<span class=\"card-text\">{}</span>",
            escape(&card.description.chars().take(300).collect::<String>())
        )
    };
    format!(
        "<aside class=\"link-card\"><a href=\"{}\" rel=\"nofollow ugc noopener noreferrer\">{image}<span class=\"card-body\"><span class=\"card-site\">{}</span><strong>{}</strong>{description}</span></a></aside>",
        escape(&card.url),
        escape(&host),
        escape(&card.title.chars().take(200).collect::<String>()),
    )
}

/// Renders a post. `href` gives the address of a path of the community (`/u/camille`, a
/// member's page; `/images/{file}`, an uploaded image, written `upload://{file}` in Markdown).
pub fn render(markdown: &str, href: impl Fn(&str) -> String) -> Rendered {
    render_with_cards(markdown, href, &[])
}

/// [`render`], with a web address alone on its line shown as a link, or as its card when
/// `cards` has it.
pub fn render_with_cards(
    markdown: &str,
    href: impl Fn(&str) -> String,
    cards: &[Card],
) -> Rendered {
    // Each lone address is replaced by a marker ammonia keeps as text, then the marker's
    // paragraph by the link or card built (and escaped) here.
    let lone = lone_lines(markdown);
    let mut marked: Vec<String> = markdown.lines().map(str::to_owned).collect();
    let mut blocks: Vec<String> = Vec::new();
    for (shown, (line, url)) in lone.iter().enumerate() {
        marked[*line] = format!("\u{E000}link{shown}\u{E000}");
        let card = (shown < MAX_CARDS)
            .then(|| cards.iter().find(|c| &c.url == url))
            .flatten();
        blocks.push(match card {
            Some(card) => card_html(card),
            None => format!(
                "<p><a href=\"{0}\" rel=\"nofollow ugc noopener noreferrer\">{0}</a></p>",
                escape(url)
            ),
        });
    }
    let source = if lone.is_empty() {
        markdown.to_owned()
    } else {
        marked.join("\n")
    };
    let mut rendered = render_plain(&source, href);
    for (shown, block) in blocks.iter().enumerate() {
        rendered.html = rendered
            .html
            .replace(&format!("<p>\u{E000}link{shown}\u{E000}</p>"), block);
    }
    rendered
}

/// Renders a charter: as a post, each rule (`charter::rules`) with its own address
/// (`id="rule-3"`), which moderation's messages link to.
pub fn render_charter(markdown: &str, href: impl Fn(&str) -> String) -> Rendered {
    render_events(markdown, href, true)
}

fn render_plain(markdown: &str, href: impl Fn(&str) -> String) -> Rendered {
    render_events(markdown, href, false)
}

fn render_events(markdown: &str, href: impl Fn(&str) -> String, rule_ids: bool) -> Rendered {
    let mut rules = crate::charter::RuleTracker::default();
    let mut mentions: Vec<String> = Vec::new();
    let mut in_code = 0usize;
    let mut in_link = 0usize;
    let mut events: Vec<Event<'_>> = Vec::new();
    for event in Parser::new_ext(markdown, options()) {
        if let Some(number) = rules.follow(&event).filter(|_| rule_ids) {
            // Written here, after raw HTML was made text: the only ids a page gets.
            events.push(Event::Html(CowStr::from(format!(
                "<li id=\"rule-{number}\">"
            ))));
            continue;
        }
        match event {
            Event::Start(Tag::CodeBlock(_)) => {
                in_code += 1;
                events.push(event);
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code = in_code.saturating_sub(1);
                events.push(event);
            }
            Event::Start(Tag::Link { .. }) => {
                in_link += 1;
                events.push(event);
            }
            // An uploaded image's address is the community's (whichever host serves it); an
            // `upload://` name that is not an upload's shows nothing.
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) if dest_url.starts_with("upload://") => {
                let file = &dest_url["upload://".len()..];
                let dest_url = if crate::images::upload_file(file).is_some() {
                    CowStr::from(href(&format!("/images/{file}")))
                } else {
                    CowStr::from("")
                };
                events.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                events.push(event);
            }
            // Raw HTML is shown as the text it is.
            Event::Html(html) | Event::InlineHtml(html) => events.push(Event::Text(html)),
            Event::Text(text) if in_code == 0 && in_link == 0 && text.contains('@') => {
                let mut out = String::new();
                let mut last = 0;
                for (at, _) in text.match_indices('@') {
                    if at < last {
                        continue;
                    }
                    if let Some(handle) = handle_at(&text, at) {
                        out.push_str(&escape(&text[last..at]));
                        let lower = handle.to_lowercase();
                        out.push_str(&format!(
                            "<a class=\"mention\" href=\"{}\">@{}</a>",
                            escape(&href(&format!("/u/{lower}"))),
                            escape(handle)
                        ));
                        if !mentions.contains(&lower) {
                            mentions.push(lower);
                        }
                        last = at + 1 + handle.len();
                    }
                }
                out.push_str(&escape(&text[last..]));
                events.push(Event::InlineHtml(CowStr::from(out)));
            }
            other => events.push(other),
        }
    }
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    let mut cleaner = ammonia::Builder::default();
    cleaner
        .link_rel(Some("nofollow ugc noopener noreferrer"))
        .add_allowed_classes("a", &["mention"]);
    if rule_ids {
        cleaner.add_tag_attributes("li", &["id"]);
    }
    let html = cleaner.clean(&html).to_string();
    Rendered { html, mentions }
}

/// A post's words as plain text on one line: no markup, no link addresses.
pub fn plain_text(markdown: &str) -> String {
    let mut text = String::new();
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text written into Markdown as itself (a name in a quote's opening line): every character
/// Markdown gives a meaning to is escaped, so a name cannot make a link or an image.
pub fn escape_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if "\\`*_{}[]()<>#+-.!|~".contains(ch) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// A reply's opening quote of another post: `intro` (who wrote it, linked), then `text` — the
/// whole post's Markdown, or the `part` of it a reader selected when that part is really in
/// the post (a quote cannot put words in someone's mouth) — each line after `> `, then an
/// empty line to write under.
pub fn quote(intro: &str, markdown: &str, part: Option<&str>) -> String {
    let whole = plain_text(markdown);
    let part = part
        .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty() && whole.contains(p.as_str()));
    let text = part.as_deref().unwrap_or(markdown.trim());
    let mut out = format!("> {intro}\n>\n");
    for line in text.lines() {
        out.push_str("> ");
        out.push_str(line);
        out.push('\n');
    }
    out.push('\n');
    out
}

/// The numbers of the posts of topic `topic_id` a post quotes: the links of its quotes' opening
/// lines (`> Léa [a écrit](/c/ws/t/12/slug/3) :`), each once.
pub fn quoted_numbers(markdown: &str, topic_id: i64) -> Vec<i64> {
    let needle = format!("/t/{topic_id}/");
    let mut numbers = Vec::new();
    for line in markdown.lines().filter(|l| l.trim_start().starts_with('>')) {
        for (at, _) in line.match_indices(&needle) {
            let rest = &line[at + needle.len()..];
            let Some(end) = rest.find(')') else { continue };
            let number = rest[..end].rsplit('/').next().and_then(|n| n.parse().ok());
            if let Some(n) = number.filter(|n| *n > 0 && !numbers.contains(n)) {
                numbers.push(n);
            }
        }
    }
    numbers
}

/// The first words of a post as plain text, for previews, feeds and notifications.
pub fn excerpt(markdown: &str, max_chars: usize) -> String {
    let text = plain_text(markdown);
    if text.chars().count() <= max_chars {
        return text;
    }
    let cut: String = text.chars().take(max_chars).collect();
    let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_charter_s_rules_have_their_own_address_and_nothing_else_gets_one() {
        let html = render_charter(
            "Intro\n\n1. Soyez bienveillants.\n2. Pas de pub.\n   1. sous-point\n\n<li id=\"x\">piège</li>",
            |p| p.to_owned(),
        )
        .html;
        assert!(
            html.contains("<li id=\"rule-1\">Soyez bienveillants.</li>"),
            "{html}"
        );
        assert!(html.contains("<li id=\"rule-2\">"), "{html}");
        assert!(!html.contains("rule-3"), "{html}");
        // Raw HTML stays text.
        assert!(!html.contains("<li id=\"x\""), "{html}");
        assert!(html.contains("&lt;li id="), "{html}");
        // A post is rendered without them.
        assert!(
            !render("1. Un\n2. Deux", |p| p.to_owned())
                .html
                .contains("id=")
        );
    }

    #[test]
    fn the_posts_a_reply_quotes_are_found_by_their_links() {
        let reply = "> Léa [a écrit](/c/ws/t/12/terreau/3) :\n>\n> Du fin.\n\n\
                     > Bruno [wrote](https://x.example/t/12/terreau/5):\n> Coarse.\n\n\
                     See [this](/c/ws/t/12/terreau/7) and > [other](/c/ws/t/99/x/2)\n\
                     > again [a écrit](/c/ws/t/12/terreau/3) :";
        assert_eq!(quoted_numbers(reply, 12), [3, 5]);
        assert!(quoted_numbers("no quote", 12).is_empty());
    }

    #[test]
    fn names_written_into_markdown_stay_text() {
        let name = escape_inline("[Léa](javascript:alert(1)) *B*");
        let html = render(&format!("{name} a écrit"), |p| p.to_owned()).html;
        assert!(!html.contains("<a") && !html.contains("<em>"), "{html}");
        assert!(
            html.contains("[Léa](javascript:alert(1)) *B* a écrit"),
            "{html}"
        );
    }

    #[test]
    fn a_quote_holds_the_post_or_a_part_really_in_it() {
        let post = "Moud **fin** pour l'espresso.\n\nEt plus gros pour la V60.";
        assert_eq!(
            quote("Léa [a écrit](/t/1/a/2) :", post, None),
            "> Léa [a écrit](/t/1/a/2) :\n>\n> Moud **fin** pour l'espresso.\n> \n> Et plus gros pour la V60.\n\n"
        );
        // A selection is plain text: found in the post, it is quoted alone.
        assert_eq!(
            quote("Léa :", post, Some("  plus gros\npour la V60 ")),
            "> Léa :\n>\n> plus gros pour la V60\n\n"
        );
        // Words the post does not have: the whole post instead.
        assert!(quote("Léa :", post, Some("grind coarse")).contains("Moud **fin**"));
    }

    fn html(md: &str) -> String {
        render(md, |p| format!("/c/jardins{p}")).html
    }

    #[test]
    fn markdown_is_rendered() {
        let out = html("**Bonjour** à tous\n\n> une citation\n\n- un\n- deux");
        assert!(out.contains("<strong>Bonjour</strong>"), "{out}");
        assert!(out.contains("<blockquote>"), "{out}");
        assert!(out.contains("<li>deux</li>"), "{out}");
    }

    #[test]
    fn script_and_handlers_are_inert() {
        for payload in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[clic](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<svg onload=alert(1)>",
            "![x](javascript:alert(1))",
            "<iframe src=\"https://evil.example\"></iframe>",
            "[a](data:text/html;base64,PHNjcmlwdD4=)",
            "<style>body{display:none}</style>",
        ] {
            let out = html(payload);
            // Text may say anything (escaped, it is inert); what matters is the markup: every
            // tag the output holds.
            for tag in out
                .split('<')
                .skip(1)
                .map(|t| t.split('>').next().unwrap_or_default())
            {
                let tag = tag.to_lowercase();
                for name in ["script", "iframe", "style", "svg", "img src=x"] {
                    assert!(!tag.starts_with(name), "{payload} → {out}");
                }
                assert!(!tag.contains(" on"), "{payload} → {out}");
                assert!(!tag.contains("javascript:"), "{payload} → {out}");
                assert!(!tag.contains("data:"), "{payload} → {out}");
            }
        }
    }

    #[test]
    fn links_leave_with_nofollow() {
        let out = html("[site](https://example.org)");
        assert!(
            out.contains("rel=\"nofollow ugc noopener noreferrer\""),
            "{out}"
        );
    }

    #[test]
    fn mentions_link_to_profiles_and_are_listed_once() {
        let r = render(
            "Merci @Camille et @bruno.m ! Écris à jo@example.org, @camille.",
            |p| format!("/c/jardins{p}"),
        );
        assert_eq!(r.mentions, vec!["camille", "bruno.m"]);
        assert!(
            r.html
                .contains("<a class=\"mention\" href=\"/c/jardins/u/camille\" rel=\"nofollow ugc noopener noreferrer\">@Camille</a>")
                || r.html.contains("href=\"/c/jardins/u/camille\""),
            "{}",
            r.html
        );
        assert!(r.html.contains("jo@example.org"), "{}", r.html);
        // Code is code: no mention inside it.
        assert!(render("`@camille`", |h| h.to_owned()).mentions.is_empty());
    }

    #[test]
    fn uploaded_images_get_the_community_s_address() {
        let sha = "0123456789abcdef".repeat(4);
        let html = render(
            &format!("![Torréfaction](upload://{sha}.jpg) ![x](upload://../../etc/passwd.png)"),
            |p| format!("https://forum.example{p}"),
        )
        .html;
        assert!(
            html.contains(&format!(
                "<img src=\"https://forum.example/images/{sha}.jpg\" alt=\"Torréfaction\">"
            )),
            "{html}"
        );
        assert!(
            !html.contains("passwd") && !html.contains("upload://"),
            "{html}"
        );
    }

    #[test]
    fn an_address_alone_on_its_line_becomes_a_link_or_its_card() {
        let md = "Regardez :\n\nhttps://www.brulerie.example/moka?x=1&y=2\n\n```\nhttps://code.example\n```\n\nvoir https://inline.example ici";
        assert_eq!(
            lone_links(md),
            vec!["https://www.brulerie.example/moka?x=1&y=2"]
        );
        let plain = render(md, |p| p.to_owned()).html;
        assert!(
            plain.contains("<p><a href=\"https://www.brulerie.example/moka?x=1&amp;y=2\" rel=\"nofollow ugc noopener noreferrer\">"),
            "{plain}"
        );
        assert!(plain.contains("https://code.example\n</code>"), "{plain}");
        let card = Card {
            url: "https://www.brulerie.example/moka?x=1&y=2".to_owned(),
            title: "La moka <script>alert(1)</script>".to_owned(),
            description: "\" onmouseover=\"alert(1)".to_owned(),
            image: Some("https://img.example/a.jpg".to_owned()),
        };
        let html = render_with_cards(md, |p| p.to_owned(), &[card]).html;
        assert!(html.contains("<aside class=\"link-card\">"), "{html}");
        assert!(
            html.contains("<span class=\"card-site\">brulerie.example</span>"),
            "{html}"
        );
        assert!(html.contains("La moka &lt;script&gt;"), "{html}");
        assert!(
            !html.contains("<script>") && !html.contains("\" onmouseover"),
            "{html}"
        );
        assert!(!html.contains('\u{E000}'));
    }

    #[test]
    fn excerpts_are_plain_text_cut_at_a_word() {
        assert_eq!(excerpt("**Bonjour** à\ntous", 50), "Bonjour à tous");
        assert_eq!(excerpt("un deux trois quatre", 10), "un deux…");
    }
}
