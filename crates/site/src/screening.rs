//! Moderation's screening at the moment a member posts (issue 17, item 2): the topic's title and
//! the post are screened with the workspace's watched words; a refused post comes back to its
//! author with the reason, a held one waits in the review queue, censored and replaced words
//! are changed before the post is kept. The team's own posts are not screened.

use std::sync::LazyLock;

use jardinier_community::PostStatus;
use jardinier_domain::input::FieldError;
use jardinier_moderation::watch::{self, Action, Watched};
use jardinier_moderation::{Screener, Screening, Verdict};

use crate::SharedSite;
use crate::context::SiteCtx;
use crate::error::SiteError;

static SCREENER: LazyLock<Result<Screener, String>> =
    LazyLock::new(|| Screener::new().map_err(|e| e.to_string()));

/// Checks at start-up that screening's model is intact (a damaged binary is named, never a
/// silent "allow").
pub fn check() -> anyhow::Result<()> {
    SCREENER
        .as_ref()
        .map(|_| ())
        .map_err(|e| anyhow::anyhow!("{e}"))
}

/// What becomes of a post screening let through.
pub(crate) struct Screened {
    pub status: PostStatus,
    /// The post as kept: watched words censored or replaced.
    pub body: String,
    /// For the review queue: spam, toxic, the reasons as JSON.
    pub queue: Option<(f64, f64, String)>,
    /// Why a held post is held, for its author (`held=` of the page they land on).
    pub why: Vec<&'static str>,
}

/// The reasons an author is told, in this order; others read as "the team checks it".
pub const TOLD: [&str; 8] = [
    "spam", "insult", "toxic", "email", "phone", "iban", "watched", "repeated",
];

/// A member is new for this long after signing up (Discourse's trust level 0 is the model;
/// levels come with the queue's next parts).
const NEW_MEMBER_FOR: i64 = 24 * 3600;
/// A new member's links and images in one post, at most (Discourse's defaults: 2 and 1).
const NEW_MEMBER_LINKS: usize = 2;
const NEW_MEMBER_IMAGES: usize = 1;
/// A new member's posts in their first day.
const NEW_MEMBER_DAY_POSTS: i64 = 10;
/// Anyone's posts within a minute: more is a script, not a person.
const BURST_POSTS: i64 = 10;
/// Texts shorter than this may be repeated ("Merci !"); longer ones posted again are held.
const REPEATED_FROM: usize = 20;

/// The `held=` value of the page a held post's author lands on.
pub(crate) fn held_query(why: &[&str]) -> String {
    if why.is_empty() {
        String::new()
    } else {
        format!("held={}", why.join(","))
    }
}

/// The message a refused author reads, by the reason that refused the post.
fn refusal(screening: &Screening) -> &'static str {
    let code = screening
        .reasons
        .iter()
        .find(|r| r.verdict == Verdict::Block)
        .map_or("", |r| r.code);
    match code {
        "spam" => "error.moderation_blocked_spam",
        "insult" | "profanity" | "toxic" => "error.moderation_blocked_insult",
        _ => "error.moderation_blocked_watched",
    }
}

/// The screener built into Jardinier (the demo screens its own examples with it).
pub fn screener() -> anyhow::Result<&'static Screener> {
    SCREENER.as_ref().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The reasons as the queue keeps them: code, what it is about, the words as written.
pub fn reasons_json(text: &str, screening: &Screening) -> String {
    let reasons: Vec<serde_json::Value> = screening
        .reasons
        .iter()
        .map(|r| {
            serde_json::json!({
                "code": r.code,
                "detail": r.detail,
                "verdict": r.verdict.as_str(),
                "words": r.spans.iter().filter_map(|s| text.get(s.clone())).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::Value::from(reasons).to_string()
}

/// The page a member reads when a sanction keeps them from posting now (a mute, suspension or
/// ban that has not ended: it ends by itself at its date), or `None`.
pub(crate) async fn sanctioned(
    state: &SharedSite,
    c: &SiteCtx,
) -> Result<Option<axum::response::Response>, SiteError> {
    match &c.member {
        Some(member) => sanction_page(state, c, member.id, false).await,
        None => Ok(None),
    }
}

/// The page an account under an active sanction reads instead: any that keeps it from posting,
/// or, when `signing_in`, a suspension or ban only (a muted member still reads).
pub(crate) async fn sanction_page(
    state: &SharedSite,
    c: &SiteCtx,
    account_id: i64,
    signing_in: bool,
) -> Result<Option<axum::response::Response>, SiteError> {
    use jardinier_store::SanctionKind;
    let now = crate::unix_now();
    let Some(sanction) = state
        .store
        .sanctions_of(c.site.workspace_id, account_id)
        .await?
        .into_iter()
        .find(|s| {
            s.active_at(now)
                && (!signing_in || matches!(s.kind, SanctionKind::Suspend | SanctionKind::Ban))
        })
    else {
        return Ok(None);
    };
    let until = match sanction.ends_at {
        Some(end) => c.tr.f("site.sanction.until", &[("when", &c.time(&end))]),
        None => c.tr.t("site.sanction.for_good").to_owned(),
    };
    let rule = sanction
        .rule
        .map(|n| c.tr.f("site.sanction.rule", &[("n", &n.to_string())]))
        .unwrap_or_default();
    let text = c.tr.f(
        &format!("site.sanction.{}", sanction.kind.code()),
        &[
            ("until", &until),
            ("rule", &rule),
            ("reason", &sanction.reason),
        ],
    );
    // A signed-in member may appeal once; a suspended one answers the e-mail.
    let signed_in = c.member.as_ref().is_some_and(|m| m.id == account_id);
    let page = SanctionPage {
        c,
        text,
        appeal: (signed_in && sanction.appealed_at.is_none()).then_some(sanction.id),
        appealed: sanction.appealed_at.is_some(),
    };
    let mut page = crate::pages::render(page)?;
    *page.status_mut() = axum::http::StatusCode::FORBIDDEN;
    Ok(Some(page))
}

#[derive(askama::Template)]
#[template(path = "sanction.html")]
struct SanctionPage<'a> {
    c: &'a SiteCtx,
    text: String,
    /// The sanction a signed-in member may still appeal.
    appeal: Option<i64>,
    appealed: bool,
}

#[derive(serde::Deserialize)]
pub struct AppealForm {
    #[serde(default)]
    sanction: i64,
    #[serde(default)]
    text: String,
}

/// A member appeals a sanction, once: the appeal goes to the queue for another moderator.
pub async fn appeal(
    axum::extract::State(state): axum::extract::State<SharedSite>,
    c: SiteCtx,
    axum::extract::Form(form): axum::extract::Form<AppealForm>,
) -> Result<axum::response::Response, SiteError> {
    let Some(member) = &c.member else {
        return Err(SiteError::NotFound);
    };
    let text = form.text.trim();
    if text.is_empty() || text.chars().count() > 2000 {
        return crate::account::message(&c, "site.appeal.empty", None);
    }
    let done = state
        .store
        .appeal_sanction(
            c.site.workspace_id,
            member.id,
            form.sanction,
            text,
            crate::unix_now(),
        )
        .await?;
    let key = match done {
        jardinier_store::Appealed::Queued => "site.appeal.sent",
        jardinier_store::Appealed::AlreadyAppealed => "site.appeal.once",
    };
    crate::account::message(&c, key, None)
}

/// Whether a text is a new post or an edit of one: rate limits and repeats count new posts only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Writing {
    New,
    Edit,
}

/// Screens a member's post (`title` for a new topic's first post).
pub(crate) async fn screen_post(
    state: &SharedSite,
    c: &SiteCtx,
    title: &str,
    body: String,
    writing: Writing,
    idem_key: &str,
) -> Result<Result<Screened, FieldError>, SiteError> {
    if c.staff.is_some() {
        return Ok(Ok(Screened {
            status: PostStatus::Visible,
            body,
            queue: None,
            why: Vec::new(),
        }));
    }
    let screener = SCREENER
        .as_ref()
        .map_err(|e| SiteError::Internal(anyhow::anyhow!("{e}")))?;
    let watched: Vec<Watched> = state
        .store
        .watched_words(c.site.workspace_id)
        .await?
        .into_iter()
        .filter_map(|w| {
            Some(Watched {
                action: Action::parse(&w.action, &w.argument)?,
                words: w.words,
            })
        })
        .collect();
    let text = if title.is_empty() {
        body.clone()
    } else {
        format!("{title}\n\n{body}")
    };
    let screening = screener.screen(
        &text,
        jardinier_moderation::screen::languages(&text),
        &watched,
    );
    if screening.verdict == Verdict::Block {
        return Ok(Err(FieldError::new("body", refusal(&screening))));
    }
    let mut screening = screening;
    if let Some(member) = &c.member {
        let now = crate::unix_now();
        let recent = state
            .store
            .recent_posting(
                c.site.workspace_id,
                member.id,
                &body,
                idem_key,
                now - 60,
                now - 86_400,
            )
            .await?;
        let new_member = now - member.created_at < NEW_MEMBER_FOR;
        let new_post = writing == Writing::New;
        if new_post && recent.burst >= BURST_POSTS {
            return Ok(Err(FieldError::new("body", "error.moderation_too_fast")));
        }
        if new_post && new_member && recent.day >= NEW_MEMBER_DAY_POSTS {
            return Ok(Err(FieldError::new(
                "body",
                "error.moderation_new_member_day",
            )));
        }
        if new_member {
            // Images are links too (`![](upload://…)`): counted apart.
            let images = body.matches("![").count();
            let links = jardinier_moderation::links::find(&body)
                .len()
                .saturating_sub(images);
            if links > NEW_MEMBER_LINKS {
                return Ok(Err(FieldError::new(
                    "body",
                    "error.moderation_new_member_links",
                )));
            }
            if images > NEW_MEMBER_IMAGES {
                return Ok(Err(FieldError::new(
                    "body",
                    "error.moderation_new_member_images",
                )));
            }
        }
        if new_post && recent.same_text > 0 && body.trim().chars().count() >= REPEATED_FROM {
            screening.reasons.push(jardinier_moderation::Reason {
                code: "repeated",
                detail: String::new(),
                score: None,
                spans: Vec::new(),
                verdict: Verdict::Hold,
            });
        }
        screening.verdict = screening
            .reasons
            .iter()
            .map(|r| r.verdict)
            .max()
            .unwrap_or(Verdict::Allow);
    }
    let flagged = screening.reasons.iter().any(|r| {
        r.code == "watched"
            && watched
                .iter()
                .any(|w| w.words == r.detail && w.action == Action::Flag)
    });
    let status = if screening.verdict == Verdict::Hold {
        PostStatus::Held
    } else {
        PostStatus::Visible
    };
    let queue = (status == PostStatus::Held || flagged).then(|| {
        (
            f64::from(screening.spam),
            f64::from(screening.toxic),
            reasons_json(&text, &screening),
        )
    });
    // Censored and replaced words change the post itself (the title is the member's own).
    let body = if watched.is_empty() {
        body
    } else {
        watch::apply(&body, &watched).text
    };
    let why = if status == PostStatus::Held {
        TOLD.iter()
            .copied()
            .filter(|code| {
                screening.reasons.iter().any(|r| {
                    r.verdict == Verdict::Hold
                        && (r.code == *code || (*code == "insult" && r.code == "profanity"))
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Ok(Screened {
        status,
        body,
        queue,
        why,
    }))
}
