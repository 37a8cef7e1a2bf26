//! The community as a static HTML archive (issue 16, item 11): a zip that opens in any browser
//! from the disk, without a server — the home, a page per category and per topic (every post,
//! its author and time, the images sent with it), and a search page that works offline (its
//! index is a few script files the page loads; a `fetch` of a file is refused by browsers).
//!
//! Made while it downloads: the topics are read a page at a time and written into the zip as
//! they come (`zip`'s streaming writer, with data descriptors), so a million posts never sit in
//! memory; the search index is written in chunks of [`INDEX_CHUNK`] topics. An error stops the
//! download there: a broken zip, never a silently short archive.
//!
//! `Scope::Public` keeps the categories everyone may read (an archive to publish);
//! `Scope::All` every category, members-only and team-only too (the team's own copy).

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use askama::Template;
use bytes::Bytes;
use jardinier_community::{Access, images, markup};
use jardinier_i18n::Tr;
use jardinier_store::{CommunityCategory, CommunityPost, Store, Topic};
use serde_json::json;

/// Topics per file of the search index.
pub const INDEX_CHUNK: usize = 500;
/// The most of a topic's text the offline search reads (characters).
pub const INDEX_TEXT: usize = 3_000;
const TOPICS_PER_READ: i64 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Public,
    All,
}

impl Scope {
    pub fn parse(code: &str) -> Scope {
        if code == "all" {
            Scope::All
        } else {
            Scope::Public
        }
    }

    fn includes(self, category: &CommunityCategory) -> bool {
        self == Scope::All || Access::parse(&category.read_access) == Some(Access::Everyone)
    }
}

pub struct Options {
    pub workspace_id: i64,
    pub scope: Scope,
    /// The language of the archive's own words (the teammate's who downloads it).
    pub tr: Tr,
    pub timezone: String,
    pub media_dir: PathBuf,
}

/// The site's words and look, shared by every page.
struct Chrome<'a> {
    tr: Tr,
    site_name: &'a str,
    /// `""` at the root, `"../"` in `c/` and `t/`.
    root: &'static str,
    made: String,
}

#[derive(Template)]
#[template(path = "index.html")]
struct IndexPage<'a> {
    c: Chrome<'a>,
    tagline: &'a str,
    categories: Vec<(&'a CommunityCategory, usize)>,
}

struct TopicLine {
    id: i64,
    title: String,
    author: String,
    when: String,
    replies: i64,
}

#[derive(Template)]
#[template(path = "category.html")]
struct CategoryPage<'a> {
    c: Chrome<'a>,
    category: &'a CommunityCategory,
    topics: &'a [TopicLine],
}

struct PostLine {
    number: i64,
    author: String,
    staff: bool,
    when: String,
    html: String,
    deleted: bool,
    accepted: bool,
}

#[derive(Template)]
#[template(path = "topic.html")]
struct TopicPage<'a> {
    c: Chrome<'a>,
    topic: &'a Topic,
    category: &'a CommunityCategory,
    tags: Vec<String>,
    posts: Vec<PostLine>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    c: Chrome<'a>,
    chunks: usize,
}

/// A zip entry: its path and bytes.
type Entry = (String, Vec<u8>);

/// Starts making the archive; its bytes arrive on the returned channel.
pub fn spawn(
    store: Arc<dyn Store>,
    options: Options,
) -> tokio::sync::mpsc::Receiver<Result<Bytes, std::io::Error>> {
    let (body_tx, body_rx) = tokio::sync::mpsc::channel(8);
    let (entry_tx, entry_rx) = tokio::sync::mpsc::channel::<Entry>(8);
    let writer_body = body_tx.clone();
    tokio::task::spawn_blocking(move || write_zip(entry_rx, writer_body));
    tokio::spawn(async move {
        if let Err(error) = produce(store.as_ref(), &options, &entry_tx).await {
            tracing::error!(%error, "the static archive stopped");
            let _ = body_tx
                .send(Err(std::io::Error::other(error.to_string())))
                .await;
        }
    });
    body_rx
}

/// Writes the entries into a zip sent in chunks to the body.
fn write_zip(
    mut entries: tokio::sync::mpsc::Receiver<Entry>,
    body: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) {
    let out = ChannelWriter {
        body: body.clone(),
        buffer: Vec::with_capacity(CHUNK),
    };
    let mut zip = zip::ZipWriter::new_stream(out);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut result: zip::result::ZipResult<()> = Ok(());
    let mut complete = false;
    while let Some((path, bytes)) = entries.blocking_recv() {
        // The producer's last word: everything was sent.
        if path.is_empty() {
            complete = true;
            break;
        }
        // Images are compressed already.
        let how = if path.starts_with("images/") {
            stored
        } else {
            options
        };
        result = zip
            .start_file(path, how)
            .and_then(|()| zip.write_all(&bytes).map_err(Into::into));
        if result.is_err() {
            break;
        }
    }
    // A producer that stopped early (an error) leaves the zip without its directory: broken.
    if complete && result.is_ok() {
        result = zip
            .finish()
            .and_then(|mut out| out.flush().map_err(Into::into));
    }
    if let Err(error) = result {
        let _ = body.blocking_send(Err(std::io::Error::other(error.to_string())));
    }
}

const CHUNK: usize = 64 * 1024;

struct ChannelWriter {
    body: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buffer: Vec<u8>,
}

impl Write for ChannelWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.body
            .blocking_send(Ok(chunk))
            .map_err(|_| std::io::Error::other("the download was stopped"))
    }
}

async fn send(
    out: &tokio::sync::mpsc::Sender<Entry>,
    path: String,
    bytes: Vec<u8>,
) -> anyhow::Result<()> {
    out.send((path, bytes))
        .await
        .map_err(|_| anyhow::anyhow!("the download was stopped"))
}

/// Points a post's uploaded images at the archive's copies (`../images/{file}`) and names them.
fn local_images(html: &str, files: &mut HashSet<String>) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find("src=\"") {
        let (before, after) = rest.split_at(at + 5);
        out.push_str(before);
        let end = after.find('"').unwrap_or(after.len());
        let value = &after[..end];
        match value
            .rfind("/images/")
            .map(|i| &value[i + 8..])
            .filter(|file| images::upload_file(file).is_some())
        {
            Some(file) => {
                files.insert(file.to_owned());
                out.push_str("../images/");
                out.push_str(file);
            }
            None => out.push_str(value),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

fn author_name(c: &Chrome<'_>, post: &CommunityPost) -> String {
    if post.author.name.is_empty() {
        c.tr.t("site.former_member").to_owned()
    } else {
        post.author.name.clone()
    }
}

async fn produce(
    store: &dyn Store,
    options: &Options,
    out: &tokio::sync::mpsc::Sender<Entry>,
) -> anyhow::Result<()> {
    let site = store
        .community_site(options.workspace_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("this workspace has no community"))?;
    let categories: Vec<CommunityCategory> = store
        .community_categories(options.workspace_id)
        .await?
        .into_iter()
        .filter(|c| options.scope.includes(c))
        .collect();
    let tr = options.tr;
    let made = jardinier_webkit::format::format_time(
        tr,
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
        &options.timezone,
    );
    let chrome = |root: &'static str| Chrome {
        tr,
        site_name: &site.name,
        root,
        made: made.clone(),
    };
    let when = |unix: i64| jardinier_webkit::format::format_time(tr, unix, &options.timezone);

    let mut lists: Vec<Vec<TopicLine>> = categories.iter().map(|_| Vec::new()).collect();
    let mut index: Vec<serde_json::Value> = Vec::new();
    let mut chunks = 0;
    let mut files: HashSet<String> = HashSet::new();
    let mut after = 0;
    loop {
        let topics = store
            .community_topics_after(options.workspace_id, after, TOPICS_PER_READ)
            .await?;
        let Some(last) = topics.last() else { break };
        after = last.id;
        let ids: Vec<i64> = topics.iter().map(|t| t.id).collect();
        let all_tags = store.community_topic_tags(&ids).await?;
        for topic in &topics {
            let Some(at) = categories.iter().position(|c| c.id == topic.category_id) else {
                continue;
            };
            if topic.status != "visible" {
                continue;
            }
            let category = &categories[at];
            let posts = store.community_posts(topic.id, 1, topic.posts).await?;
            let c = chrome("../");
            let mut text = String::new();
            let lines: Vec<PostLine> = posts
                .iter()
                .filter(|p| p.status != "held")
                .map(|p| {
                    let deleted = p.status == "deleted";
                    if !deleted && text.len() < INDEX_TEXT {
                        text.push(' ');
                        text.push_str(&markup::plain_text(&p.body_md));
                    }
                    PostLine {
                        number: p.number,
                        author: author_name(&c, p),
                        staff: p.author.staff(),
                        when: when(p.created_at),
                        html: if deleted {
                            String::new()
                        } else {
                            local_images(&p.body_html, &mut files)
                        },
                        deleted,
                        accepted: topic.accepted_number == Some(p.number),
                    }
                })
                .collect();
            let tags: Vec<String> = all_tags
                .iter()
                .filter(|(id, _)| *id == topic.id)
                .map(|(_, tag)| tag.clone())
                .collect();
            let page = TopicPage {
                c,
                topic,
                category,
                tags,
                posts: lines,
            }
            .render()?;
            send(out, format!("t/{}.html", topic.id), page.into_bytes()).await?;
            lists[at].push(TopicLine {
                id: topic.id,
                title: topic.title.clone(),
                author: posts
                    .first()
                    .map(|p| author_name(&chrome(""), p))
                    .unwrap_or_default(),
                when: when(topic.created_at),
                replies: (topic.posts - 1).max(0),
            });
            let text: String = text.chars().take(INDEX_TEXT).collect();
            index.push(json!([topic.id, topic.title, category.name, text]));
            if index.len() == INDEX_CHUNK {
                chunks += 1;
                send(out, format!("search/index-{chunks}.js"), index_file(&index)).await?;
                index.clear();
            }
        }
    }
    if !index.is_empty() {
        chunks += 1;
        send(out, format!("search/index-{chunks}.js"), index_file(&index)).await?;
    }
    for (category, topics) in categories.iter().zip(&lists) {
        let page = CategoryPage {
            c: chrome("../"),
            category,
            topics,
        }
        .render()?;
        send(out, format!("c/{}.html", category.slug), page.into_bytes()).await?;
    }
    let page = IndexPage {
        c: chrome(""),
        tagline: &site.tagline,
        categories: categories.iter().zip(lists.iter().map(Vec::len)).collect(),
    }
    .render()?;
    send(out, "index.html".to_owned(), page.into_bytes()).await?;
    let page = SearchPage {
        c: chrome(""),
        chunks,
    }
    .render()?;
    send(out, "search.html".to_owned(), page.into_bytes()).await?;
    send(out, "search.js".to_owned(), SEARCH_JS.as_bytes().to_vec()).await?;
    let css = format!(
        "{}\n:root {{ --accent: {}; }}\n{}",
        include_str!("../../site/assets/site.css"),
        jardinier_community::safe_colour(&site.accent),
        STATIC_CSS
    );
    send(out, "style.css".to_owned(), css.into_bytes()).await?;
    let folder = options
        .media_dir
        .join("community")
        .join(options.workspace_id.to_string());
    let mut files: Vec<String> = files.into_iter().collect();
    files.sort();
    for file in files {
        // An image whose file is gone is left out; its post shows its description.
        if let Ok(bytes) = tokio::fs::read(folder.join(&file)).await {
            send(out, format!("images/{file}"), bytes).await?;
        }
    }
    send(out, String::new(), Vec::new()).await
}

/// A chunk of the search index: `[id, title, category, text]` per topic, added to the list the
/// search page reads.
fn index_file(entries: &[serde_json::Value]) -> Vec<u8> {
    let list = serde_json::to_string(entries).unwrap_or_else(|_| "[]".to_owned());
    format!(
        "(window.JARDINIER_ARCHIVE = window.JARDINIER_ARCHIVE || []).push.apply(window.JARDINIER_ARCHIVE, {list});\n"
    )
    .into_bytes()
}

const SEARCH_JS: &str = include_str!("../assets/search.js");
const STATIC_CSS: &str = "\
.archive-note { color: var(--muted); font-size: .9rem; }\n\
.results li { margin: .4rem 0; }\n\
ul.categories, ul.topics { list-style: none; padding: 0; display: grid; gap: .75rem; }\n\
ul.categories .card, ul.topics .card { margin: 0; }\n\
#search-form { max-width: 40rem; }\n\
#search-form button { align-self: flex-start; }\n";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_images_point_at_the_archive_s_copies() {
        let sha = "ab".repeat(32);
        let mut files = HashSet::new();
        let html = format!(
            "<p><img src=\"/c/brulerie/images/{sha}.jpg\" alt=\"a\"> <img src=\"https://x.example/cat.png\" alt=\"b\"></p>"
        );
        let local = local_images(&html, &mut files);
        assert_eq!(
            local,
            format!(
                "<p><img src=\"../images/{sha}.jpg\" alt=\"a\"> <img src=\"https://x.example/cat.png\" alt=\"b\"></p>"
            )
        );
        assert_eq!(
            files.into_iter().collect::<Vec<_>>(),
            vec![format!("{sha}.jpg")]
        );
    }

    #[test]
    fn the_index_is_a_script_that_adds_to_one_list() {
        let file = String::from_utf8(index_file(&[json!([
            1,
            "Café \"moulu\"",
            "Questions",
            "</script>"
        ])]))
        .unwrap();
        assert!(file.starts_with("(window.JARDINIER_ARCHIVE = window.JARDINIER_ARCHIVE || [])"));
        assert!(
            file.contains(r#"[1,"Café \"moulu\"","Questions","</script>"]"#),
            "{file}"
        );
    }
}
