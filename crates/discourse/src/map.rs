//! Discourse's answers made into the archive's types, without I/O. Discourse's JSON varies with
//! its version (tags as names or as objects, `description_text` or only `description`), so it is
//! read as `serde_json::Value` and every field is optional but the ones a topic cannot lack.

use std::collections::BTreeMap;

use jardinier_community::archive::{Author, Category, Member, Post, Topic};
use serde_json::Value;

use crate::DiscourseError;

fn text(value: &Value, key: &str) -> String {
    value
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

fn flag(value: &Value, key: &str) -> bool {
    value.get(key).and_then(Value::as_bool).unwrap_or(false)
}

/// A Discourse time ("2013-02-04T15:26:26.278-05:00") as the archive writes times (UTC, RFC
/// 3339).
fn time(value: &Value, key: &str) -> Option<String> {
    let raw = value.get(key)?.as_str()?;
    let at = raw.parse::<jiff::Timestamp>().ok()?;
    Some(
        jiff::Timestamp::from_second(at.as_second())
            .ok()?
            .to_string(),
    )
}

/// The categories of `/site.json` (`site.categories`) or `/categories.json`
/// (`category_list.categories`). A category only some groups may read is kept for the team.
pub fn categories(answer: &Value) -> Vec<(i64, Category)> {
    let list = answer
        .pointer("/site/categories")
        .or_else(|| answer.pointer("/category_list/categories"))
        .or_else(|| answer.get("categories"))
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut out: Vec<(i64, Category)> = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let Some(id) = c.get("id").and_then(Value::as_i64) else {
            continue;
        };
        let name = text(c, "name");
        let mut slug = jardinier_community::text::slug(&text(c, "slug"));
        if slug == "topic" {
            slug = jardinier_community::text::slug(&name);
        }
        if slug == "topic" {
            slug = format!("category-{id}");
        }
        if out.iter().any(|(_, existing)| existing.slug == slug) {
            slug = format!("{slug}-{id}");
        }
        let description = match text(c, "description_text") {
            d if d.is_empty() => markdown(&text(c, "description"), ""),
            d => d,
        };
        let colour = text(c, "color");
        let colour = if colour.len() == 6 && colour.chars().all(|ch| ch.is_ascii_hexdigit()) {
            format!("#{}", colour.to_ascii_lowercase())
        } else if colour.len() == 3 && colour.chars().all(|ch| ch.is_ascii_hexdigit()) {
            // "aaa" → "#aaaaaa", as CSS reads it.
            let doubled: String = colour.chars().flat_map(|ch| [ch, ch]).collect();
            format!("#{}", doubled.to_ascii_lowercase())
        } else {
            "#6b7280".to_owned()
        };
        let restricted = flag(c, "read_restricted");
        out.push((
            id,
            Category {
                name: if name.trim().is_empty() {
                    slug.clone()
                } else {
                    name.trim().chars().take(60).collect()
                },
                slug,
                description: description.chars().take(500).collect(),
                colour,
                position: c
                    .get("position")
                    .and_then(Value::as_i64)
                    .unwrap_or(i as i64),
                kind: "discussion".to_owned(),
                read: if restricted { "staff" } else { "everyone" }.to_owned(),
                post: if restricted { "staff" } else { "members" }.to_owned(),
            },
        ));
    }
    out
}

/// The topics of a topic list (`/latest.json`): ids, and the next page's address if any.
pub fn topic_list(answer: &Value) -> (Vec<i64>, Option<String>) {
    let list = answer.get("topic_list");
    let ids = list
        .and_then(|l| l.get("topics"))
        .and_then(Value::as_array)
        .map(|topics| {
            topics
                .iter()
                .filter(|t| t.get("archetype").and_then(Value::as_str) != Some("private_message"))
                .filter_map(|t| t.get("id").and_then(Value::as_i64))
                .collect()
        })
        .unwrap_or_default();
    let more = list
        .and_then(|l| l.get("more_topics_url"))
        .and_then(Value::as_str)
        .map(str::to_owned);
    (ids, more)
}

/// The post ids a topic's stream lists that its answer did not include (long topics: Discourse
/// sends the first twenty).
pub fn missing_posts(topic: &Value) -> Vec<i64> {
    let present: Vec<i64> = posts_of(topic)
        .iter()
        .filter_map(|p| p.get("id").and_then(Value::as_i64))
        .collect();
    topic
        .pointer("/post_stream/stream")
        .and_then(Value::as_array)
        .map(|stream| {
            stream
                .iter()
                .filter_map(Value::as_i64)
                .filter(|id| !present.contains(id))
                .collect()
        })
        .unwrap_or_default()
}

pub fn posts_of(answer: &Value) -> Vec<Value> {
    answer
        .pointer("/post_stream/posts")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The community's members, by Discourse username (lower-cased), as they are met.
#[derive(Debug, Default)]
pub struct People {
    /// username (lower-case) → member
    pub members: BTreeMap<String, Member>,
}

impl People {
    /// The handle of a post's author, the member made on first sight.
    fn author(&mut self, post: &Value) -> Option<String> {
        let username = text(post, "username");
        if username.is_empty() {
            return None;
        }
        let key = username.to_lowercase();
        if let Some(member) = self.members.get(&key) {
            return Some(member.handle.clone());
        }
        let mut handle = handle_of(&username);
        if self.members.values().any(|m| m.handle == handle) {
            handle = format!("{handle}-{}", self.members.len() + 1);
        }
        let name = match text(post, "name") {
            n if n.trim().is_empty() => username.clone(),
            n => n,
        };
        let joined = time(post, "user_created_at")
            .or_else(|| time(post, "created_at"))
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned());
        self.members.insert(
            key,
            Member {
                // Discourse's public API gives no e-mail address: an address of the reserved
                // `.invalid` domain (RFC 2606), which no mail is sent to, until the member
                // signs up again with theirs.
                email: format!("{handle}@discourse.invalid"),
                handle: handle.clone(),
                name: jardinier_community::text::one_line_max(&name, 50),
                bio: String::new(),
                links: Vec::new(),
                language: None,
                joined_at: joined,
                verified: false,
            },
        );
        Some(handle)
    }
}

/// A Discourse username as a handle: lower-case letters, digits, `_`, `-` and `.`.
fn handle_of(username: &str) -> String {
    let handle: String = username
        .to_lowercase()
        .chars()
        .map(|ch| {
            if ch.is_alphanumeric() || matches!(ch, '_' | '-' | '.') {
                ch
            } else {
                '-'
            }
        })
        .take(30)
        .collect();
    let handle = handle.trim_matches(['-', '.']).to_owned();
    if handle.is_empty() {
        "membre".to_owned()
    } else {
        handle
    }
}

/// HTML as Markdown, its site-relative addresses made absolute (`/uploads/…` on `base`,
/// `//cdn…` on https).
pub fn markdown(cooked: &str, base: &str) -> String {
    let absolute = cooked
        .replace("src=\"//", "src=\"https://")
        .replace("href=\"//", "href=\"https://")
        .replace("src=\"/", &format!("src=\"{base}/"))
        .replace("href=\"/", &format!("href=\"{base}/"));
    let converter = htmd::HtmlToMarkdown::builder()
        .skip_tags(vec!["script", "style", "noscript"])
        .build();
    converter
        .convert(&absolute)
        .unwrap_or_default()
        .trim()
        .to_owned()
}

/// A topic (`/t/{id}.json`, with any posts fetched after it) in the archive's terms. Posts are
/// numbered again 1, 2, 3… in Discourse's order (deleted numbers leave no gap); staff whispers
/// and automatic notes ("This topic is now pinned") are left out.
pub fn topic(
    answer: &Value,
    more_posts: &[Value],
    categories: &[(i64, Category)],
    people: &mut People,
    base: &str,
) -> Result<Topic, DiscourseError> {
    let id = answer
        .get("id")
        .and_then(Value::as_i64)
        .ok_or_else(|| DiscourseError::Answer("a topic without an id".to_owned()))?;
    let title = text(answer, "title");
    if text(answer, "archetype") == "private_message" {
        return Err(DiscourseError::Answer(format!(
            "topic {id} is a private message: private messages are not imported"
        )));
    }
    let category = answer
        .get("category_id")
        .and_then(Value::as_i64)
        .and_then(|cid| categories.iter().find(|(i, _)| *i == cid))
        .map(|(_, c)| c.slug.clone());
    let mut posts: Vec<Value> = posts_of(answer);
    posts.extend(more_posts.iter().cloned());
    posts.sort_by_key(|p| p.get("post_number").and_then(Value::as_i64).unwrap_or(0));
    posts.dedup_by_key(|p| p.get("post_number").and_then(Value::as_i64));
    let accepted_discourse = answer
        .pointer("/accepted_answer/post_number")
        .and_then(Value::as_i64);
    let mut out_posts: Vec<Post> = Vec::new();
    let mut accepted_answer = None;
    for post in &posts {
        // 1: regular, 2: a moderator's note written by a person. 3 (small action) and
        // 4 (whisper, staff only) are not posts members wrote to be read.
        let kind = post.get("post_type").and_then(Value::as_i64).unwrap_or(1);
        if !matches!(kind, 1 | 2) {
            continue;
        }
        let number = out_posts.len() as i64 + 1;
        if accepted_discourse.is_some()
            && post.get("post_number").and_then(Value::as_i64) == accepted_discourse
        {
            accepted_answer = Some(number);
        }
        let deleted =
            post.get("deleted_at").is_some_and(|d| !d.is_null()) || flag(post, "user_deleted");
        let author = people.author(post).map(Author::Member);
        let created_at =
            time(post, "created_at").unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned());
        let edited_at = time(post, "updated_at").filter(|u| *u != created_at);
        out_posts.push(Post {
            number,
            author,
            markdown: if deleted {
                String::new()
            } else {
                let md = markdown(&text(post, "cooked"), base);
                md.chars()
                    .take(jardinier_community::text::BODY_MAX)
                    .collect()
            },
            status: if deleted {
                "deleted"
            } else if flag(post, "hidden") {
                "held"
            } else {
                "visible"
            }
            .to_owned(),
            created_at,
            edited_at,
        });
    }
    if out_posts.is_empty() {
        return Err(DiscourseError::Answer(format!(
            "topic {id} (\"{title}\") has no post to import"
        )));
    }
    let tags = answer
        .get("tags")
        .and_then(Value::as_array)
        .map(|tags| {
            tags.iter()
                .filter_map(|t| {
                    t.as_str()
                        .map(str::to_owned)
                        .or_else(|| t.get("name").and_then(Value::as_str).map(str::to_owned))
                })
                .filter_map(|t| jardinier_community::text::tag("tags", &t).ok())
                .take(5)
                .collect()
        })
        .unwrap_or_default();
    let title_clean =
        jardinier_community::text::one_line_max(&title, jardinier_community::text::TITLE_MAX);
    Ok(Topic {
        id,
        category,
        slug: jardinier_community::text::slug(&title_clean),
        author: out_posts[0].author.clone(),
        created_at: time(answer, "created_at").unwrap_or_else(|| out_posts[0].created_at.clone()),
        pinned: flag(answer, "pinned") || flag(answer, "pinned_globally"),
        closed: flag(answer, "closed"),
        archived: flag(answer, "archived"),
        accepted_answer,
        idea_status: None,
        votes: 0,
        tags,
        title: title_clean,
        posts: out_posts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Value {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn categories_come_with_their_colours_and_restricted_ones_stay_with_the_team() {
        let found = categories(&fixture("site.json"));
        assert_eq!(found.len(), 26);
        let meta = found.iter().find(|(id, _)| *id == 3).unwrap();
        assert_eq!(meta.1.name, "meta");
        assert_eq!(meta.1.colour, "#aaaaaa");
        let drafts = found.iter().find(|(id, _)| *id == 24).unwrap();
        assert_eq!(
            (drafts.1.read.as_str(), drafts.1.post.as_str()),
            ("staff", "staff")
        );
        let bug = found.iter().find(|(id, _)| *id == 1).unwrap();
        assert_eq!(bug.1.read, "everyone");
        assert!(
            bug.1.description.starts_with("A bug report means"),
            "{:?}",
            bug.1
        );
        // Slugs are unique and the archive's (lower-case, no accent).
        let mut slugs: Vec<&str> = found.iter().map(|(_, c)| c.slug.as_str()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), 26);
        assert_eq!(categories(&fixture("categories.json")).len(), 15);
    }

    #[test]
    fn a_topic_s_posts_become_markdown_numbered_in_order() {
        let cats = categories(&fixture("site.json"));
        let mut people = People::default();
        let t = fixture("t_28830.json");
        let topic = topic(&t, &[], &cats, &mut people, "https://meta.discourse.org").unwrap();
        assert_eq!(topic.title, "1.3.0beta9: No rate-limit popups");
        assert_eq!(topic.category.as_deref(), Some("bug"));
        let numbers: Vec<i64> = topic.posts.iter().map(|p| p.number).collect();
        assert_eq!(numbers, (1..=numbers.len() as i64).collect::<Vec<_>>());
        let first = &topic.posts[0];
        assert!(
            first
                .markdown
                .starts_with("Normally, actions such as Liking"),
            "{}",
            first.markdown
        );
        assert!(!first.markdown.contains("<p>"), "{}", first.markdown);
        assert!(
            first.markdown.contains("](https://meta.discourse.org/t/"),
            "{}",
            first.markdown
        );
        assert_eq!(first.created_at, "2015-05-14T20:18:17Z");
        assert_eq!(topic.author, Some(Author::Member("raceprouk".to_owned())));
        assert_eq!(
            people.members["raceprouk"].email,
            "raceprouk@discourse.invalid"
        );
        assert!(!people.members["raceprouk"].verified);
    }

    #[test]
    fn automatic_notes_are_left_out_and_relative_addresses_made_absolute() {
        let cats = categories(&fixture("site.json"));
        let mut people = People::default();
        let t = fixture("t_280.json");
        let all = posts_of(&t);
        let kept = topic(&t, &[], &cats, &mut people, "https://meta.discourse.org").unwrap();
        let notes = all
            .iter()
            .filter(|p| !matches!(p.get("post_type").and_then(Value::as_i64), Some(1 | 2)))
            .count();
        assert_eq!(kept.posts.len(), all.len() - notes);
        assert!(missing_posts(&t).is_empty());
        assert_eq!(
            markdown(
                "<p><img src=\"/uploads/a.png\" alt=\"x\"> <a href=\"//cdn.example/b\">b</a></p>",
                "https://f.example"
            ),
            "![x](https://f.example/uploads/a.png) [b](https://cdn.example/b)"
        );
    }
}
