//! Markdown to a responsive HTML e-mail (and its plain-text part).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};
use pulldown_cmark_escape::{escape_href, escape_html};

/// What the end of every newsletter says, in the list's language.
pub struct Footer<'a> {
    /// The list's name ("La lettre des Jardins").
    pub list_name: &'a str,
    /// The sender's postal or legal line.
    pub text: &'a str,
    /// "Se désinscrire" / "Unsubscribe".
    pub unsubscribe_label: &'a str,
    pub unsubscribe_url: &'a str,
    /// "fr", "en": the `lang` of the document.
    pub lang: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub html: String,
    pub text: String,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_SMART_PUNCTUATION
}

fn is_web(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The distinct web links of a campaign (http and https), in order of appearance: those
/// [`render`] rewrites to counted links.
pub fn links(markdown: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for event in Parser::new_ext(markdown, options()) {
        if let Event::Start(Tag::Link { dest_url, .. }) = event
            && is_web(&dest_url)
            && !out.iter().any(|u| u == dest_url.as_ref())
        {
            out.push(dest_url.into_string());
        }
    }
    out
}

/// Renders a campaign. `link_for` gives the counted address of each web link (return the link
/// itself to leave it untouched). Raw HTML in the Markdown is shown as text, never as markup.
pub fn render(
    markdown: &str,
    subject: &str,
    footer: &Footer<'_>,
    link_for: impl Fn(&str) -> String,
) -> Rendered {
    let events = Parser::new_ext(markdown, options()).map(|event| match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            let dest_url = if is_web(&dest_url) {
                CowStr::from(link_for(&dest_url))
            } else if dest_url.trim().to_ascii_lowercase().starts_with("mailto:") {
                dest_url
            } else {
                // javascript:, data:, relative paths: no place in an e-mail.
                CowStr::from("")
            };
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            })
        }
        Event::Html(html) | Event::InlineHtml(html) => Event::Text(html),
        other => other,
    });
    let mut body = String::new();
    pulldown_cmark::html::push_html(&mut body, events);

    let mut html = String::with_capacity(body.len() + 2_000);
    html.push_str("<!DOCTYPE html>\n<html lang=\"");
    let _ = escape_html(&mut html, footer.lang);
    html.push_str(
        "\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light\">\n<title>",
    );
    let _ = escape_html(&mut html, subject);
    html.push_str(STYLE);
    html.push_str(
        "</head>\n<body>\n<table role=\"presentation\" class=\"outer\" width=\"100%\" cellpadding=\"0\" cellspacing=\"0\">\
         <tr><td align=\"center\">\n<table role=\"presentation\" class=\"sheet\" width=\"600\" cellpadding=\"0\" cellspacing=\"0\">\
         <tr><td class=\"content\">\n",
    );
    html.push_str(&body);
    html.push_str("</td></tr></table>\n<p class=\"footer\">");
    let _ = escape_html(&mut html, footer.list_name);
    html.push_str("<br>");
    let _ = escape_html(&mut html, footer.text);
    html.push_str("<br><a href=\"");
    let _ = escape_href(&mut html, footer.unsubscribe_url);
    html.push_str("\">");
    let _ = escape_html(&mut html, footer.unsubscribe_label);
    html.push_str("</a></p>\n</td></tr></table>\n</body>\n</html>\n");

    let text = format!(
        "{}\n\n-- \n{}\n{}\n{}: {}\n",
        markdown.trim_end(),
        footer.list_name,
        footer.text,
        footer.unsubscribe_label,
        footer.unsubscribe_url
    );
    Rendered { html, text }
}

/// Styles in the head (kept by the major clients) for a single 600-pixel column that becomes
/// the full width on phones.
const STYLE: &str = "</title>\n<style>\n\
body{margin:0;padding:0;background:#f4f1ea;color:#23301f;}\n\
.outer{background:#f4f1ea;}\n\
.sheet{max-width:600px;width:600px;background:#ffffff;border-radius:8px;}\n\
.content{padding:32px;font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;font-size:16px;line-height:1.55;}\n\
.content h1,.content h2,.content h3{line-height:1.25;color:#1d4d2b;}\n\
.content a{color:#1d6b3a;}\n\
.content img{max-width:100%;height:auto;}\n\
.content blockquote{margin:0;padding-left:16px;border-left:3px solid #cfd8c7;color:#4a5a45;}\n\
.footer{max-width:600px;font-family:Helvetica,Arial,sans-serif;font-size:12px;color:#6b7566;padding:16px;}\n\
@media only screen and (max-width:620px){.sheet{width:100%!important;border-radius:0!important;}.content{padding:20px!important;}}\n\
</style>\n";

#[cfg(test)]
mod tests {
    use super::*;

    fn footer() -> Footer<'static> {
        Footer {
            list_name: "La lettre <des> Jardins",
            text: "Pollen & Co, 3 rue des Lilas, Lyon",
            unsubscribe_label: "Se désinscrire",
            unsubscribe_url: "https://j.example/n/u/tok?x=1&y=2",
            lang: "fr",
        }
    }

    #[test]
    fn markdown_becomes_an_email_with_counted_links_and_a_footer() {
        let md = "# Bonjour !\n\nLes *nouveautés* sont [ici](https://shop.example/new?utm=1) \
                  et [là](https://shop.example/new?utm=1), écrivez à [nous](mailto:hi@shop.example).\n";
        let out = render(md, "Nouveautés d'automne", &footer(), |url| {
            format!("https://j.example/n/l/{}", url.len())
        });
        assert!(out.html.contains("<h1>Bonjour !</h1>"), "{}", out.html);
        assert!(out.html.contains("<em>nouveautés</em>"));
        assert_eq!(
            out.html
                .matches("href=\"https://j.example/n/l/30\"")
                .count(),
            2,
            "{}",
            out.html
        );
        assert!(out.html.contains("href=\"mailto:hi@shop.example\""));
        assert!(!out.html.contains("shop.example/new"));
        assert!(out.html.contains("<html lang=\"fr\">"));
        assert!(
            out.html.contains("<title>Nouveautés d&#39;automne</title>")
                || out.html.contains("<title>Nouveautés d'automne</title>")
        );
        assert!(out.html.contains("La lettre &lt;des&gt; Jardins"));
        assert!(out.html.contains("Pollen &amp; Co"));
        assert!(
            out.html
                .contains("href=\"https://j.example/n/u/tok?x=1&amp;y=2\"")
        );
        assert!(out.html.contains("max-width:620px"), "responsive rule");
        assert!(out.text.starts_with("# Bonjour !"));
        assert!(
            out.text
                .contains("Se désinscrire: https://j.example/n/u/tok?x=1&y=2")
        );
    }

    #[test]
    fn raw_html_and_script_links_never_become_markup() {
        let md = "<script>alert(1)</script>\n\nHi <b onclick=\"x()\">there</b> \
                  [click](javascript:alert(1)) [rel](/relative)\n";
        let out = render(md, "s", &footer(), |u| u.to_owned());
        assert!(!out.html.contains("<script"), "{}", out.html);
        assert!(out.html.contains("&lt;script&gt;"));
        assert!(!out.html.contains("<b onclick"));
        assert!(!out.html.contains("javascript:"));
        assert!(!out.html.contains("href=\"/relative\""));
    }

    #[test]
    fn links_lists_each_web_link_once_in_order() {
        let md = "[a](https://a.example) [b](http://b.example/x) [a again](https://a.example) \
                  [mail](mailto:x@y.example) <https://c.example>";
        assert_eq!(
            links(md),
            [
                "https://a.example",
                "http://b.example/x",
                "https://c.example"
            ]
        );
    }
}
