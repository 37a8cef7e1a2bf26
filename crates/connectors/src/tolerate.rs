//! Rewrites of a decoded feed that let feed-rs read what feed readers read: the RSS versions and
//! namespaces it does not dispatch on, RSS 0.90 and 1.0 items without a link, Atom 0.3. Textual
//! edits of the root tag and of known element names only; the XML itself is parsed by feed-rs.

/// An address given to an entry that has none, so the parser keeps it; never shown or stored.
pub const NO_LINK: &str = "urn:jardinier:no-link";

/// The root element's start tag: its byte range and name.
fn root_tag(text: &str) -> Option<(usize, usize, &str)> {
    let mut at = 0;
    loop {
        let start = at + text[at..].find('<')?;
        let rest = &text[start..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            at = start + 4 + comment.find("-->")? + 3;
        } else if rest.starts_with("<?") || rest.starts_with("<!") {
            at = start + rest.find('>')? + 1;
        } else {
            let end = start + rest.find('>')? + 1;
            let name_end = rest[1..]
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .map(|i| i + 1)?;
            return Some((start, end, &rest[1..name_end]));
        }
    }
}

/// A feed cut in its head (up to the first entry), its complete entries, and a tail that closes
/// what the head opened.
pub struct Split<'a> {
    pub head: &'a str,
    pub entries: Vec<&'a str>,
    pub tail: String,
    /// Entries cut off by the end of the text.
    pub damaged: usize,
}

/// Cuts a feed at its `<item>` or `<entry>` elements (for reading them one by one when the
/// whole does not parse). `None` when there is no root element or no entry.
pub fn split_entries(text: &str) -> Option<Split<'_>> {
    let (_, _, root) = root_tag(text)?;
    let starts = |name: &str| -> Vec<usize> {
        let open = format!("<{name}");
        text.match_indices(&open)
            .map(|(at, _)| at)
            .filter(|at| {
                text[at + open.len()..].starts_with(|c: char| c.is_whitespace() || c == '>')
            })
            .collect()
    };
    let (name, found) = [("item", starts("item")), ("entry", starts("entry"))]
        .into_iter()
        .find(|(_, found)| !found.is_empty())?;
    let close = format!("</{name}>");
    let head = &text[..found[0]];
    let mut entries = Vec::new();
    let mut damaged = 0;
    for (i, start) in found.iter().enumerate() {
        let limit = found.get(i + 1).copied().unwrap_or(text.len());
        match text[*start..limit].find(&close) {
            Some(end) => entries.push(&text[*start..start + end + close.len()]),
            None => damaged += 1,
        }
    }
    let open_channel = head.contains("<channel") && !head.contains("</channel>");
    let tail = format!("{}</{root}>", if open_channel { "</channel>" } else { "" });
    Some(Split {
        head,
        entries,
        tail,
        damaged,
    })
}

/// `tag` without the attribute `name="…"` (or with single quotes).
fn without_attribute(tag: &str, name: &str) -> String {
    let mut tag = tag.to_owned();
    for quote in ['"', '\''] {
        let needle = format!("{name}={quote}");
        while let Some(at) = tag.find(&needle) {
            let preceded = tag[..at].ends_with(char::is_whitespace);
            let value_start = at + needle.len();
            let Some(len) = tag[value_start..].find(quote) else {
                break;
            };
            if !preceded {
                break;
            }
            tag.replace_range(at - 1..value_start + len + 1, "");
        }
    }
    tag
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    ['"', '\''].into_iter().find_map(|quote| {
        let needle = format!(" {name}={quote}");
        let start = tag.find(&needle)? + needle.len();
        Some(&tag[start..start + tag[start..].find(quote)?])
    })
}

/// The text rewritten where feed-rs would refuse or empty a feed that readers read.
pub fn prepare(text: String) -> String {
    let Some((start, end, name)) = root_tag(&text) else {
        return text;
    };
    let local = name.rsplit(':').next().unwrap_or(name);
    match local {
        "rss" => prepare_rss(&text, start, end),
        "RDF" => prepare_rdf(&text),
        "feed" if text.contains("http://purl.org/atom/ns#") => prepare_atom03(&text),
        _ => text,
    }
}

/// Every `<rss>` is read as 2.0 (0.91 and 0.92 keep their own reading), the Userland
/// namespace is dropped, and items straight under `<rss>` get the channel they lack.
fn prepare_rss(text: &str, start: usize, end: usize) -> String {
    let tag = &text[start..end];
    let version = attribute(tag, "version").map(str::trim);
    let mut new_tag = without_attribute(tag, "xmlns");
    if attribute(tag, "xmlns").is_some_and(|ns| !ns.contains("backend.userland.com")) {
        new_tag = tag.to_owned(); // a namespace we do not know: leave it
    }
    if !matches!(version, Some("0.91" | "0.92" | "2.0")) {
        new_tag = without_attribute(&new_tag, "version");
        let at = 4; // after "<rss"
        new_tag.insert_str(at, " version=\"2.0\"");
    }
    let mut out = format!("{}{new_tag}", &text[..start]);
    let body = markup_as_text(&dated_by_dcterms(&text[end..]));
    let body = body.as_str();
    if body.contains("<channel") || tag.ends_with("/>") {
        out.push_str(body);
    } else {
        out.push_str("<channel>");
        match body.rfind("</rss>") {
            Some(close) => {
                out.push_str(&body[..close]);
                out.push_str("</channel>");
                out.push_str(&body[close..]);
            }
            None => out.push_str(body),
        }
    }
    out
}

/// Markup written straight into an item's `<description>`, and an `xhtml:body`, kept as the
/// HTML they are (in CDATA) rather than lost: feed-rs reads only their text nodes.
fn markup_as_text(body: &str) -> String {
    let mut body = body.to_owned();
    for (open, close) in [
        ("<body xmlns=\"http://www.w3.org/1999/xhtml\">", "</body>"),
        ("<xhtml:body>", "</xhtml:body>"),
    ] {
        body = body
            .replace(open, "<description><![CDATA[")
            .replace(close, "]]></description>");
    }
    let mut out = String::with_capacity(body.len() + 64);
    let mut rest = body.as_str();
    while let Some(at) = rest.find("<description>") {
        let inner_start = at + "<description>".len();
        let Some(len) = rest[inner_start..].find("</description>") else {
            break;
        };
        let inner = &rest[inner_start..inner_start + len];
        out.push_str(&rest[..inner_start]);
        if inner.contains('<') && !inner.contains("<![CDATA[") && !inner.contains("]]>") {
            out.push_str("<![CDATA[");
            out.push_str(inner);
            out.push_str("]]>");
        } else {
            out.push_str(inner);
        }
        rest = &rest[inner_start + len..];
    }
    out.push_str(rest);
    out
}

/// Items with no `<pubDate>` or `<dc:date>` but a `dcterms:` date get a `<pubDate>` from it
/// (issued, then created, then modified), so an old post is not dated by its receipt.
fn dated_by_dcterms(body: &str) -> String {
    if !body.contains("<dcterms:") {
        return body.to_owned();
    }
    let mut out = String::with_capacity(body.len() + 64);
    let mut rest = body;
    while let Some(close) = rest.find("</item>") {
        let item = &rest[..close];
        out.push_str(item);
        let from = item.rfind("<item").unwrap_or(0);
        let item = &item[from..];
        if !item.contains("<pubDate") && !item.contains("<dc:date") {
            let date = ["issued", "created", "modified"].iter().find_map(|name| {
                let open = format!("<dcterms:{name}>");
                let start = item.find(&open)? + open.len();
                let end = start + item[start..].find("</")?;
                Some(item[start..end].trim())
            });
            if let Some(date) = date {
                out.push_str(&format!("<pubDate>{date}</pubDate>"));
            }
        }
        out.push_str("</item>");
        rest = &rest[close + 7..];
    }
    out.push_str(rest);
    out
}

/// RSS 0.90's namespace read as RSS 1.0's, and items without a `<link>` given their
/// `rdf:about` (or [`NO_LINK`]): feed-rs drops RSS 1.0 items without a link.
fn prepare_rdf(text: &str) -> String {
    let text = text.replace(
        "http://my.netscape.com/rdf/simple/0.9/",
        "http://purl.org/rss/1.0/",
    );
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("<item") {
        let after = &rest[at + 5..];
        let is_item = after.starts_with(|c: char| c.is_whitespace() || c == '>');
        let (Some(tag_end), true) = (after.find('>'), is_item) else {
            out.push_str(&rest[..at + 5]);
            rest = after;
            continue;
        };
        let tag = &rest[at..at + 5 + tag_end + 1];
        let body_end = after.find("</item>").unwrap_or(after.len());
        out.push_str(&rest[..at]);
        out.push_str(tag);
        if !after[..body_end].contains("<link") && !tag.ends_with("/>") {
            let link = attribute(tag, "rdf:about").unwrap_or(NO_LINK);
            out.push_str(&format!("<link>{link}</link>"));
        }
        rest = &after[tag_end + 1..];
    }
    out.push_str(rest);
    out
}

/// Atom 0.3's `mode="base64"` elements with their text decoded (and escaped for XML).
fn decode_base64_modes(text: &str) -> String {
    use base64::Engine;
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" mode=\"base64\"") {
        let after = &rest[at + 14..];
        let (Some(open_end), Some(close)) = (after.find('>'), after.find("</")) else {
            break;
        };
        if close < open_end {
            out.push_str(&rest[..at + 14]);
            rest = after;
            continue;
        }
        let encoded: String = after[open_end + 1..close]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        out.push_str(&rest[..at]);
        out.push_str(&after[..open_end + 1]);
        match base64::engine::general_purpose::STANDARD.decode(encoded.as_bytes()) {
            Ok(bytes) => {
                let decoded = String::from_utf8_lossy(&bytes);
                out.push_str(
                    &decoded
                        .replace('&', "&amp;")
                        .replace('<', "&lt;")
                        .replace('>', "&gt;"),
                );
            }
            Err(_) => out.push_str(&after[open_end + 1..close]),
        }
        rest = &after[close..];
    }
    out.push_str(rest);
    out
}

/// Atom 0.3 read as Atom 1.0: its namespace, its element names and its content modes.
fn prepare_atom03(text: &str) -> String {
    let text = decode_base64_modes(text);
    let mut text = text.replace("http://purl.org/atom/ns#", "http://www.w3.org/2005/Atom");
    for (old, new) in [
        ("modified", "updated"),
        ("issued", "published"),
        ("tagline", "subtitle"),
        ("copyright", "rights"),
    ] {
        text = text
            .replace(&format!("<{old}>"), &format!("<{new}>"))
            .replace(&format!("<{old} "), &format!("<{new} "))
            .replace(&format!("</{old}>"), &format!("</{new}>"));
    }
    text.replace("type=\"text/plain\"", "type=\"text\"")
        .replace("type=\"text/html\" mode=\"escaped\"", "type=\"html\"")
        .replace("type=\"text/html\"", "type=\"html\"")
        .replace("mode=\"escaped\" type=\"text/html\"", "type=\"html\"")
        .replace(
            "type=\"application/xhtml+xml\" mode=\"xml\"",
            "type=\"xhtml\"",
        )
        .replace("type=\"application/xhtml+xml\"", "type=\"xhtml\"")
        .replace(" mode=\"escaped\"", "")
        .replace(" mode=\"xml\"", "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_feed_is_cut_at_its_entries() {
        let split = split_entries(
            "<rss version=\"2.0\"><channel><title>t</title><item>a</item><items/><item>b</item><item>cut",
        )
        .unwrap();
        assert_eq!(split.head, "<rss version=\"2.0\"><channel><title>t</title>");
        assert_eq!(split.entries, ["<item>a</item>", "<item>b</item>"]);
        assert_eq!(
            (split.tail.as_str(), split.damaged),
            ("</channel></rss>", 1)
        );
        assert!(split_entries("<rss><channel/></rss>").is_none());
    }

    #[test]
    fn rss_versions_and_namespaces_are_read_as_2_0() {
        assert_eq!(
            prepare("<?xml version='1.0'?><rss version=\"0.94\"><channel/></rss>".into()),
            "<?xml version='1.0'?><rss version=\"2.0\"><channel/></rss>"
        );
        assert_eq!(
            prepare(
                "<!-- c --><rss xmlns=\"http://backend.userland.com/rss2\"><item/></rss>".into()
            ),
            "<!-- c --><rss version=\"2.0\"><channel><item/></channel></rss>"
        );
        assert_eq!(
            prepare("<rss version=\"0.91\"><channel/></rss>".into()),
            "<rss version=\"0.91\"><channel/></rss>"
        );
    }

    #[test]
    fn rdf_items_get_a_link_and_atom_0_3_its_new_names() {
        let rdf = prepare(
            "<rdf:RDF><item rdf:about=\"https://r/1\"><title>t</title></item><items/></rdf:RDF>"
                .into(),
        );
        assert_eq!(
            rdf,
            "<rdf:RDF><item rdf:about=\"https://r/1\"><link>https://r/1</link><title>t</title></item><items/></rdf:RDF>"
        );
        let atom = prepare(
            "<feed xmlns=\"http://purl.org/atom/ns#\"><modified>x</modified>\
             <content type=\"text/html\" mode=\"escaped\">y</content></feed>"
                .into(),
        );
        assert_eq!(
            atom,
            "<feed xmlns=\"http://www.w3.org/2005/Atom\"><updated>x</updated>\
             <content type=\"html\">y</content></feed>"
        );
    }
}
