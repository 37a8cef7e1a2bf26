//! Pages for visitors who are not signed in, kept a few seconds (as Discourse's anonymous
//! cache): the home, categories, topics, tags and searches look the same to every visitor of a
//! language, but for the CSRF token of their forms, which is put back per visitor.
//!
//! Kept at most [`SiteConfig::anonymous_cache`](crate::SiteConfig) seconds; a post, an edit or
//! a team action on a topic drops that topic's pages and the lists at once, so a visitor reads
//! a new reply as soon as it is written. A change made in the workbench (a category renamed)
//! shows once the few seconds have passed.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;

/// What stands for the visitor's CSRF token in a kept page (NUL never reaches a page:
/// CommonMark and the templates replace or escape it).
const TOKEN: &str = "\u{0}csrf\u{0}";
/// The most the kept pages weigh: past it, expired pages are dropped (once a second at most)
/// and new pages wait for room rather than push out pages still read.
const MAX_BYTES: usize = 64 * 1024 * 1024;

pub struct AnonCache {
    ttl: Duration,
    pages: Mutex<Pages>,
}

#[derive(Default)]
struct Pages {
    by_key: HashMap<String, (Instant, Bytes)>,
    bytes: usize,
    swept: Option<Instant>,
}

impl Pages {
    fn recount(&mut self) {
        self.bytes = self.by_key.values().map(|(_, page)| page.len()).sum();
    }
}

/// The pages kept: what every visitor sees alike.
pub fn cacheable(path: &str) -> bool {
    path == "/"
        || path.starts_with("/categories/")
        || (path.starts_with("/t/") && !path.ends_with("/latest.json"))
        || path.starts_with("/tags/")
        || path == "/search"
}

/// The topic a write concerns (`/t/{id}/…`), if any.
fn topic_of(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/t/")?;
    let id = rest.split(['/', '?']).next()?;
    (!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

impl AnonCache {
    pub fn new(ttl: Duration) -> AnonCache {
        AnonCache {
            ttl,
            pages: Mutex::new(Pages::default()),
        }
    }

    pub fn enabled(&self) -> bool {
        !self.ttl.is_zero()
    }

    /// The key of a page: the community, its address form, the language, the path and query.
    pub fn key(slug: &str, own_host: bool, lang: &str, path_and_query: &str) -> String {
        format!("{slug}|{own_host}|{lang}|{path_and_query}")
    }

    /// A kept page, with `csrf` as its forms' token.
    pub fn get(&self, key: &str, csrf: &str) -> Option<String> {
        let pages = self.pages.lock().expect("anonymous cache");
        let (at, html) = pages.by_key.get(key)?;
        if at.elapsed() > self.ttl {
            return None;
        }
        Some(String::from_utf8_lossy(html).replace(TOKEN, csrf))
    }

    /// Keeps a page rendered for a visitor whose token was `csrf`.
    pub fn put(&self, key: String, html: &str, csrf: &str) {
        let kept = Bytes::from(html.replace(csrf, TOKEN));
        let mut pages = self.pages.lock().expect("anonymous cache");
        if pages.bytes + kept.len() > MAX_BYTES {
            if pages
                .swept
                .is_some_and(|at| at.elapsed() < Duration::from_secs(1))
            {
                return;
            }
            let ttl = self.ttl;
            pages.by_key.retain(|_, (at, _)| at.elapsed() <= ttl);
            pages.recount();
            pages.swept = Some(Instant::now());
            if pages.bytes + kept.len() > MAX_BYTES {
                return;
            }
        }
        pages.bytes += kept.len();
        if let Some((_, old)) = pages.by_key.insert(key, (Instant::now(), kept)) {
            pages.bytes -= old.len();
        }
    }

    /// After a write to `path` in community `slug`: what the write changed for visitors goes
    /// (see [`changes`]).
    pub fn written(&self, slug: &str, path: &str) {
        let everything = match changes(path) {
            Changes::Nothing => return,
            Changes::Everything => true,
            Changes::TopicAndLists => false,
        };
        let topic = topic_of(path);
        let mut pages = self.pages.lock().expect("anonymous cache");
        pages.by_key.retain(|key, _| {
            let mut parts = key.splitn(4, '|');
            let (Some(s), _, _, Some(page)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return false;
            };
            if s != slug {
                return true;
            }
            if everything {
                return false;
            }
            // Another topic's pages stay; lists, searches and this topic go.
            match (topic_of(page), topic) {
                (Some(other), Some(this)) => other != this,
                (Some(_), None) => true,
                (None, _) => false,
            }
        });
        pages.recount();
    }
}

/// What a write changes in the pages visitors read.
#[derive(Debug, PartialEq, Eq)]
enum Changes {
    /// Only the writer's own state: signing in or out, their language, what they watch, an
    /// image uploaded (shown once a post uses it), an unsubscription.
    Nothing,
    /// A member's name, avatar or posts everywhere: their account changed or was deleted.
    Everything,
    /// A topic (its pages), and the lists, feeds and searches that show topics.
    TopicAndLists,
}

fn changes(path: &str) -> Changes {
    let path = path.split('?').next().unwrap_or(path);
    if matches!(
        path,
        "/signin" | "/signup" | "/signout" | "/lang" | "/images" | "/charter"
    ) || path.starts_with("/unsubscribe/")
        || path.ends_with("/watch")
    {
        Changes::Nothing
    } else if path.starts_with("/account") {
        Changes::Everything
    } else {
        Changes::TopicAndLists
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_drops_its_topic_and_the_lists_only() {
        let cache = AnonCache::new(Duration::from_secs(60));
        for page in [
            "/t/1/a",
            "/t/1/a?page=2",
            "/t/2/b",
            "/",
            "/categories/q",
            "/search?q=x",
        ] {
            cache.put(
                AnonCache::key("jardins", false, "fr", page),
                "<p>x</p>",
                "tok",
            );
        }
        cache.put(AnonCache::key("autre", false, "fr", "/"), "<p>x</p>", "tok");
        cache.written("jardins", "/t/1/reply");
        let kept = |page: &str| {
            cache
                .get(&AnonCache::key("jardins", false, "fr", page), "t")
                .is_some()
        };
        assert!(!kept("/t/1/a") && !kept("/t/1/a?page=2"));
        assert!(kept("/t/2/b"));
        assert!(!kept("/") && !kept("/categories/q") && !kept("/search?q=x"));
        assert!(
            cache
                .get(&AnonCache::key("autre", false, "fr", "/"), "t")
                .is_some()
        );
    }

    #[test]
    fn signing_in_keeps_every_page_and_an_account_change_drops_them_all() {
        let cache = AnonCache::new(Duration::from_secs(60));
        let pages = ["/t/1/a", "/t/2/b", "/", "/search?q=x"];
        for page in pages {
            cache.put(
                AnonCache::key("jardins", false, "fr", page),
                "<p>x</p>",
                "tok",
            );
        }
        let kept = |page: &str| {
            cache
                .get(&AnonCache::key("jardins", false, "fr", page), "t")
                .is_some()
        };
        for write in [
            "/signin",
            "/lang",
            "/t/2/watch",
            "/images",
            "/unsubscribe/abc",
        ] {
            cache.written("jardins", write);
            assert!(pages.iter().all(|p| kept(p)), "{write}");
        }
        // A new name or avatar shows beside every post of the member's.
        cache.written("jardins", "/account");
        assert!(pages.iter().all(|p| !kept(p)));
    }

    #[test]
    fn each_visitor_gets_their_own_token() {
        let cache = AnonCache::new(Duration::from_secs(60));
        let key = AnonCache::key("jardins", false, "en", "/t/3/x");
        cache.put(
            key.clone(),
            "<input name=\"_csrf\" value=\"aaaa\"><b>aaaa</b>",
            "aaaa",
        );
        assert_eq!(
            cache.get(&key, "bbbb").unwrap(),
            "<input name=\"_csrf\" value=\"bbbb\"><b>bbbb</b>"
        );
        assert!(cacheable("/t/3/x") && !cacheable("/t/3/latest.json") && !cacheable("/signin"));
    }
}
