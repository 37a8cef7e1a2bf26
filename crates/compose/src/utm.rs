//! Campaign parameters (UTM) added to the links of a post, so the brand's analytics tell which
//! post and network brought a visit.

/// The parameters to add; empty ones are left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Utm {
    /// Where the visit comes from: the network (`mastodon`).
    pub source: String,
    /// The kind of traffic: `social`, `email`.
    pub medium: String,
    /// The campaign's name.
    pub campaign: String,
    /// Which post or link (optional).
    pub content: String,
}

/// `url` with the UTM parameters set (replacing any already there, keeping the others).
/// `None` when `url` is not an http(s) address.
pub fn tag(url: &str, utm: &Utm) -> Option<String> {
    let mut parsed = url::Url::parse(url.trim()).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return None;
    }
    let ours = [
        ("utm_source", &utm.source),
        ("utm_medium", &utm.medium),
        ("utm_campaign", &utm.campaign),
        ("utm_content", &utm.content),
    ];
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter(|(k, _)| !ours.iter().any(|(name, _)| k == name))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut query = parsed.query_pairs_mut();
        query.clear();
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        for (name, value) in ours {
            if !value.trim().is_empty() {
                query.append_pair(name, value.trim());
            }
        }
    }
    if parsed.query() == Some("") {
        parsed.set_query(None);
    }
    Some(parsed.into())
}

/// Every web link of a text, tagged (words that are links; the rest is unchanged).
pub fn tag_links(text: &str, utm: &Utm) -> String {
    rewrite_links(text, |link| tag(link, utm))
}

/// Every web link of a text replaced by what `f` returns for it (`None`: left as it is).
/// Punctuation around a link stays outside it.
pub fn rewrite_links(text: &str, mut f: impl FnMut(&str) -> Option<String>) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end_matches(char::is_whitespace);
            if let Some((before, link, _)) = crate::split_link(trimmed)
                && let Some(new) = f(link)
            {
                return format!("{before}{new}{}", &word[before.len() + link.len()..]);
            }
            word.to_owned()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utm() -> Utm {
        Utm {
            source: "mastodon".into(),
            medium: "social".into(),
            campaign: "noël 2026".into(),
            content: String::new(),
        }
    }

    #[test]
    fn parameters_are_added_replaced_and_encoded() {
        assert_eq!(
            tag(
                "https://shop.example/moka?ref=a&utm_source=old#avis",
                &utm()
            )
            .unwrap(),
            "https://shop.example/moka?ref=a&utm_source=mastodon&utm_medium=social&utm_campaign=no%C3%ABl+2026#avis"
        );
        assert_eq!(tag("mailto:a@b.example", &utm()), None);
        assert_eq!(
            tag("https://shop.example/", &Utm::default()).unwrap(),
            "https://shop.example/"
        );
    }

    #[test]
    fn links_can_be_replaced_one_by_one() {
        let mut seen = Vec::new();
        let out = rewrite_links("a https://x.example/1, b\nhttps://y.example/2", |link| {
            seen.push(link.to_owned());
            Some(format!("https://j.example/s/{}", seen.len()))
        });
        assert_eq!(out, "a https://j.example/s/1, b\nhttps://j.example/s/2");
        assert_eq!(seen, ["https://x.example/1", "https://y.example/2"]);
    }

    #[test]
    fn links_in_a_text_are_tagged_and_punctuation_stays_outside() {
        assert_eq!(
            tag_links(
                "Nouveau (https://shop.example/moka). Et https://x.example !",
                &utm()
            ),
            "Nouveau (https://shop.example/moka?utm_source=mastodon&utm_medium=social&utm_campaign=no%C3%ABl+2026). \
             Et https://x.example/?utm_source=mastodon&utm_medium=social&utm_campaign=no%C3%ABl+2026 !"
        );
    }
}
