//! The community's archive (issue 16, item 11): the schema of `jardinier-community` JSON,
//! version 1 (documented in `docs/community-export.md`), written by the workbench's export and
//! read by `jardinier community-import`; and what an archive must hold to be imported. One
//! definition, so what is written can be read back.

use serde::{Deserialize, Serialize};

pub const FORMAT: &str = "jardinier-community";
pub const VERSION: i64 = 1;

/// Everything but the topics (the export streams those after it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Head {
    pub format: String,
    pub version: i64,
    pub exported_at: String,
    pub workspace: String,
    pub site: Option<Site>,
    pub categories: Vec<Category>,
    pub charter: Option<Charter>,
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Archive {
    #[serde(flatten)]
    pub head: Head,
    pub topics: Vec<Topic>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub name: String,
    pub tagline: String,
    pub accent: String,
    pub host: Option<String>,
    pub open: bool,
    pub welcome_fr: String,
    pub welcome_en: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Category {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub colour: String,
    pub position: i64,
    pub kind: String,
    pub read: String,
    pub post: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Charter {
    pub version: i64,
    pub body_fr: String,
    pub body_en: String,
    pub published_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub handle: String,
    pub name: String,
    pub email: String,
    pub bio: String,
    /// The web addresses on their page (absent from archives written before they existed).
    #[serde(default)]
    pub links: Vec<String>,
    pub language: Option<String>,
    pub joined_at: String,
    pub verified: bool,
}

/// Who wrote a topic or a post: `{"member": handle}`, `{"team": name}`, or `null` (an account
/// since deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Author {
    Member(String),
    Team(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Topic {
    pub id: i64,
    pub category: Option<String>,
    pub title: String,
    pub slug: String,
    pub author: Option<Author>,
    pub created_at: String,
    pub pinned: bool,
    pub closed: bool,
    pub archived: bool,
    pub accepted_answer: Option<i64>,
    pub idea_status: Option<String>,
    pub votes: i64,
    pub tags: Vec<String>,
    pub posts: Vec<Post>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub number: i64,
    pub author: Option<Author>,
    pub markdown: String,
    pub status: String,
    pub created_at: String,
    pub edited_at: Option<String>,
}

/// Why an archive cannot be imported: each says what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("this is not a Jardinier community archive (format \"{0}\")")]
    Format(String),
    #[error("archive version {0} is not known to this Jardinier (it reads version {VERSION})")]
    Version(i64),
    #[error(
        "topic {topic} (\"{title}\") is in category \"{category}\", which the archive does not list"
    )]
    UnknownCategory {
        topic: i64,
        title: String,
        category: String,
    },
    #[error(
        "topic {topic}: its posts are not numbered 1, 2, 3… (post {found} where {expected} was due)"
    )]
    Numbering {
        topic: i64,
        expected: i64,
        found: i64,
    },
    #[error("topic {topic}: written by @{handle}, who is not among the archive's members")]
    UnknownMember { topic: i64, handle: String },
    #[error("category \"{0}\" is listed twice")]
    DuplicateCategory(String),
}

/// Checks what an import relies on, before anything is written: the format and version, every
/// topic's category listed, posts numbered from 1 without gaps, every member author listed.
pub fn check(archive: &Archive) -> Result<(), ArchiveError> {
    let head = &archive.head;
    if head.format != FORMAT {
        return Err(ArchiveError::Format(head.format.clone()));
    }
    if head.version != VERSION {
        return Err(ArchiveError::Version(head.version));
    }
    for (i, category) in head.categories.iter().enumerate() {
        if head.categories[..i].iter().any(|c| c.slug == category.slug) {
            return Err(ArchiveError::DuplicateCategory(category.slug.clone()));
        }
    }
    let listed = |handle: &str| head.members.iter().any(|m| m.handle == handle);
    for topic in &archive.topics {
        let category = topic.category.clone().unwrap_or_default();
        if !head.categories.iter().any(|c| c.slug == category) {
            return Err(ArchiveError::UnknownCategory {
                topic: topic.id,
                title: topic.title.clone(),
                category,
            });
        }
        for (i, post) in topic.posts.iter().enumerate() {
            let expected = i as i64 + 1;
            if post.number != expected {
                return Err(ArchiveError::Numbering {
                    topic: topic.id,
                    expected,
                    found: post.number,
                });
            }
            if let Some(Author::Member(handle)) = &post.author
                && !listed(handle)
            {
                return Err(ArchiveError::UnknownMember {
                    topic: topic.id,
                    handle: handle.clone(),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn archive() -> Archive {
        let json = r##"{"format":"jardinier-community","version":1,"exported_at":"2026-12-06T03:30:00Z",
          "workspace":"brand","site":null,
          "categories":[{"slug":"questions","name":"Questions","description":"","colour":"#aa5500",
            "position":1,"kind":"questions","read":"everyone","post":"members"}],
          "charter":null,
          "members":[{"handle":"lea","name":"Léa","email":"lea@example.org","bio":"","language":"fr",
            "joined_at":"2026-12-01T10:00:00Z","verified":true}],
          "topics":[{"id":7,"category":"questions","title":"Quel terreau ?","slug":"quel-terreau",
            "author":{"member":"lea"},"created_at":"2026-12-01T10:00:00Z","pinned":false,
            "closed":false,"archived":false,"accepted_answer":2,"idea_status":null,"votes":0,
            "tags":["semis"],"posts":[
              {"number":1,"author":{"member":"lea"},"markdown":"Bonjour","status":"visible",
               "created_at":"2026-12-01T10:00:00Z","edited_at":null},
              {"number":2,"author":{"team":"Camille"},"markdown":"Du fin","status":"visible",
               "created_at":"2026-12-01T11:00:00Z","edited_at":null},
              {"number":3,"author":null,"markdown":"","status":"deleted",
               "created_at":"2026-12-01T12:00:00Z","edited_at":null}]}]}"##;
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn an_archive_reads_back_what_was_written() {
        let archive = archive();
        assert_eq!(
            archive.topics[0].posts[1].author,
            Some(Author::Team("Camille".into()))
        );
        let again: Archive =
            serde_json::from_str(&serde_json::to_string(&archive).unwrap()).unwrap();
        assert_eq!(again, archive);
        assert_eq!(check(&archive), Ok(()));
    }

    #[test]
    fn what_an_import_needs_is_checked_with_where_it_is_wrong() {
        let mut wrong = archive();
        wrong.head.version = 2;
        assert_eq!(check(&wrong), Err(ArchiveError::Version(2)));
        let mut wrong = archive();
        wrong.topics[0].category = Some("ideas".into());
        assert!(
            check(&wrong)
                .unwrap_err()
                .to_string()
                .contains("category \"ideas\"")
        );
        let mut wrong = archive();
        wrong.topics[0].posts.remove(1);
        assert_eq!(
            check(&wrong),
            Err(ArchiveError::Numbering {
                topic: 7,
                expected: 2,
                found: 3
            })
        );
        let mut wrong = archive();
        wrong.head.members.clear();
        assert!(check(&wrong).unwrap_err().to_string().contains("@lea"));
    }
}
