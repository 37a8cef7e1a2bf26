//! Link cards: what a page says about itself (Open Graph `og:title`, `og:description`,
//! `og:image`, else its `<title>` and `description`), for the card Bluesky shows under a post
//! that links to it.

/// A page's card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCard {
    pub title: String,
    pub description: String,
    /// Absolute address of its image.
    pub image: Option<String>,
}

/// The card of a page's HTML; `url` resolves a relative image address. `None` without a title.
pub fn from_html(html: &str, url: &str) -> Option<LinkCard> {
    let dom = tl::parse(html, tl::ParserOptions::default()).ok()?;
    let parser = dom.parser();
    let mut meta: Vec<(String, String)> = Vec::new();
    for node in dom.query_selector("meta")? {
        let Some(tag) = node.get(parser).and_then(|n| n.as_tag()) else {
            continue;
        };
        let attrs = tag.attributes();
        let key = attrs
            .get("property")
            .flatten()
            .or_else(|| attrs.get("name").flatten())
            .map(|v| v.as_utf8_str().to_ascii_lowercase());
        let content = attrs
            .get("content")
            .flatten()
            .map(|v| v.as_utf8_str().into_owned());
        if let (Some(key), Some(content)) = (key, content) {
            meta.push((key, decode(&content)));
        }
    }
    let get = |name: &str| {
        meta.iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_owned())
    };
    let title = get("og:title").or_else(|| {
        dom.query_selector("title")?
            .next()
            .and_then(|n| n.get(parser))
            .map(|n| decode(&n.inner_text(parser)).trim().to_owned())
            .filter(|t| !t.is_empty())
    })?;
    let description = get("og:description")
        .or_else(|| get("description"))
        .unwrap_or_default();
    let image = get("og:image")
        .or_else(|| get("twitter:image"))
        .and_then(|src| url::Url::parse(url).ok()?.join(&src).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .map(String::from);
    Some(LinkCard {
        title: title.chars().take(300).collect(),
        description: description.chars().take(1_000).collect(),
        image,
    })
}

/// The few entities page titles use (the parser leaves them as written).
fn decode(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_graph_first_then_the_title() {
        let html = r#"<!doctype html><html><head><title>Boutique</title>
            <meta property="og:title" content="Moka d&#39;Éthiopie &amp; myrtille">
            <meta name="description" content="Torréfié au canal">
            <meta property="og:image" content="/img/moka.jpg"></head><body></body></html>"#;
        let card = from_html(html, "https://shop.example/moka?x=1").unwrap();
        assert_eq!(card.title, "Moka d'Éthiopie & myrtille");
        assert_eq!(card.description, "Torréfié au canal");
        assert_eq!(
            card.image.as_deref(),
            Some("https://shop.example/img/moka.jpg")
        );
        let plain = from_html(
            "<html><head><title> Accueil </title></head></html>",
            "https://x.example/",
        )
        .unwrap();
        assert_eq!((plain.title.as_str(), plain.image), ("Accueil", None));
        assert_eq!(from_html("<p>no head</p>", "https://x.example/"), None);
    }
}
