//! Compose once, adapt per channel: a text per language, which each chosen channel takes unless
//! it has its own text for that language.

/// What the composer's form says.
#[derive(Debug, Clone, Default)]
pub struct Draft {
    /// (language, text): the text every channel gets in that language.
    pub common: Vec<(String, String)>,
    /// (channel, language, text): a channel's own text; `None` language for a channel written
    /// without languages.
    pub own: Vec<(i64, Option<String>, String)>,
    /// The channels the post goes to (besides those with a text of their own).
    pub channels: Vec<i64>,
}

/// One text of the post: for a channel, in a language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    pub channel_id: i64,
    pub language: Option<String>,
    pub text: String,
}

/// The texts a draft makes, channel by channel in the order given, then language by language:
/// a chosen channel gets each language's common text unless it has its own; a channel's own
/// text is kept even if the channel was not ticked (writing for it chooses it). Blank texts are
/// nothing.
pub fn assemble(draft: &Draft) -> Vec<Variant> {
    let mut order: Vec<i64> = draft.channels.clone();
    for (channel, _, text) in &draft.own {
        if !text.trim().is_empty() && !order.contains(channel) {
            order.push(*channel);
        }
    }
    let mut out = Vec::new();
    for channel in order {
        let chosen = draft.channels.contains(&channel);
        let mut languages: Vec<Option<String>> = Vec::new();
        if chosen {
            for (lang, text) in &draft.common {
                if !text.trim().is_empty() {
                    languages.push(Some(lang.clone()));
                }
            }
        }
        for (c, lang, text) in &draft.own {
            if *c == channel && !text.trim().is_empty() && !languages.contains(lang) {
                languages.push(lang.clone());
            }
        }
        for language in languages {
            let own = draft
                .own
                .iter()
                .find(|(c, l, t)| *c == channel && *l == language && !t.trim().is_empty())
                .map(|(_, _, t)| t);
            let common = language.as_ref().and_then(|lang| {
                draft
                    .common
                    .iter()
                    .find(|(l, t)| l == lang && !t.trim().is_empty())
                    .map(|(_, t)| t)
            });
            if let Some(text) = own.or(common) {
                out.push(Variant {
                    channel_id: channel,
                    language,
                    text: text.trim().to_owned(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(channel_id: i64, language: Option<&str>, text: &str) -> Variant {
        Variant {
            channel_id,
            language: language.map(str::to_owned),
            text: text.into(),
        }
    }

    #[test]
    fn common_texts_fill_the_chosen_channels_and_own_texts_win() {
        let draft = Draft {
            common: vec![
                ("fr".into(), "Nouveau moka ".into()),
                ("en".into(), "New moka".into()),
            ],
            own: vec![
                (2, Some("en".into()), "New moka! (Discord)".into()),
                (2, Some("fr".into()), "   ".into()),
                (3, Some("fr".into()), "Seulement en français ici".into()),
                (4, None, "Legacy text".into()),
            ],
            channels: vec![1, 2],
        };
        assert_eq!(
            assemble(&draft),
            vec![
                v(1, Some("fr"), "Nouveau moka"),
                v(1, Some("en"), "New moka"),
                v(2, Some("fr"), "Nouveau moka"),
                v(2, Some("en"), "New moka! (Discord)"),
                v(3, Some("fr"), "Seulement en français ici"),
                v(4, None, "Legacy text"),
            ]
        );
    }

    #[test]
    fn nothing_written_makes_nothing() {
        let draft = Draft {
            common: vec![("fr".into(), " ".into())],
            own: vec![],
            channels: vec![1],
        };
        assert!(assemble(&draft).is_empty());
    }
}
