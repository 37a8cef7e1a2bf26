//! The Community section's moderation page (issue 17): the review queue of posts screening held
//! or a watched word flagged, each with why (the reasons, the words highlighted, the scores),
//! approved or removed in one click (a decision names the item's version: two moderators never
//! act twice on the same item); and the workspace's watched words.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::response::Response;
use jardinier_domain::Permission;
use jardinier_domain::input::{FieldError, ValidationErrors};
use jardinier_store::{Decided, Decision, ModerationItem, NewMail, NewSanction, SanctionKind};
use serde::Deserialize;

use super::{Chrome, audit_in, format_time, redirect, render, render_invalid};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

/// How many waiting items a page shows.
const SHOWN: i64 = 50;
/// The actions a watched word can have here (tag and silence come with the queue's next parts),
/// by `moderation::watch::Action::code`.
const ACTIONS: [&str; 5] = ["block", "hold", "flag", "censor", "replace"];

/// How long a mute or suspension lasts, in days, as the form offers it.
const DURATIONS: [i64; 5] = [1, 3, 7, 30, 365];

/// A part of a post: plain, or words screening pointed at.
pub struct Part {
    pub text: String,
    pub marked: bool,
}

pub struct Reason {
    pub text: String,
}

pub struct Item {
    pub id: i64,
    /// An appeal of a sanction (its buttons lift or keep it).
    pub appeal: bool,
    /// A member wrote it: a sanction may be given.
    pub sanctionable: bool,
    pub version: i64,
    pub title: String,
    pub href: String,
    pub author: String,
    pub when: String,
    pub parts: Vec<Part>,
    pub reasons: Vec<Reason>,
    pub scores: String,
}

/// A watched word tried on the last weeks' posts before it is switched on.
pub struct Trial {
    pub summary: String,
    pub examples: Vec<Example>,
}

pub struct Example {
    pub title: String,
    pub href: String,
    pub parts: Vec<Part>,
}

/// How far back, and how many posts, a trial reads.
const TRIAL_DAYS: i64 = 30;
const TRIAL_POSTS: i64 = 5_000;
const TRIAL_EXAMPLES: usize = 5;

pub struct Watched {
    pub id: i64,
    pub words: String,
    pub action: String,
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct ModerationTemplate {
    c: Chrome,
    ws_slug: String,
    items: Vec<Item>,
    pending: i64,
    watched: Vec<Watched>,
    can_manage: bool,
    actions: Vec<(&'static str, String)>,
    /// (code, label) of the sanctions, and the charter's rules (number, label).
    sanctions: Vec<(&'static str, String)>,
    durations: Vec<(i64, String)>,
    rules: Vec<(u64, String)>,
    errors: ValidationErrors,
    form_words: String,
    form_action: String,
    form_argument: String,
    trial: Option<Trial>,
}

/// The post with the words screening found marked: each word marked where it first appears
/// after the previous one.
fn parts(body: &str, words: &[String]) -> Vec<Part> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for word in words.iter().filter(|w| !w.is_empty()) {
        if let Some(at) = body.find(word.as_str()) {
            spans.push((at, at + word.len()));
        }
    }
    spans.sort_unstable();
    let mut out = Vec::new();
    let mut at = 0;
    for (start, end) in spans {
        if start < at {
            continue;
        }
        if start > at {
            out.push(Part {
                text: body[at..start].to_owned(),
                marked: false,
            });
        }
        out.push(Part {
            text: body[start..end].to_owned(),
            marked: true,
        });
        at = end;
    }
    if at < body.len() {
        out.push(Part {
            text: body[at..].to_owned(),
            marked: false,
        });
    }
    out
}

fn item_view(w: &InWorkspace, address: &str, item: ModerationItem) -> Item {
    let tr = w.ctx.tr;
    let reasons: Vec<serde_json::Value> = serde_json::from_str(&item.reasons).unwrap_or_default();
    let mut words = Vec::new();
    let mut shown = Vec::new();
    for r in &reasons {
        let code = r["code"].as_str().unwrap_or("");
        let detail = r["detail"].as_str().unwrap_or("");
        for word in r["words"].as_array().into_iter().flatten() {
            if let Some(word) = word.as_str() {
                words.push(word.to_owned());
            }
        }
        let key = format!("moderation.reason.{code}");
        let text = if tr.has(&key) {
            tr.f(&key, &[("detail", detail)])
        } else {
            tr.f("moderation.reason.other", &[("detail", detail)])
        };
        if !shown.iter().any(|s: &Reason| s.text == text) {
            shown.push(Reason { text });
        }
    }
    let percent = |x: f64| tr.decimal(x * 100.0, 0, false);
    if item.kind == "appeal" {
        let name = item.author_name.clone().unwrap_or_default();
        let until = match item.sanction_ends {
            Some(end) => tr.f(
                "site.sanction.until",
                &[("when", &format_time(tr, end, &w.workspace.timezone))],
            ),
            None => tr.t("site.sanction.for_good").to_owned(),
        };
        let rule = item
            .sanction_rule
            .map(|n| tr.f("site.sanction.rule", &[("n", &n.to_string())]))
            .unwrap_or_default();
        let kind = item.sanction_kind.as_deref().unwrap_or("warn");
        let appealed = tr.f(
            "moderation.appeal_of",
            &[
                ("sanction", tr.t(&format!("moderation.sanction.{kind}"))),
                ("until", &until),
                ("rule", &rule),
                ("reason", item.sanction_reason.as_deref().unwrap_or("")),
            ],
        );
        let said = reasons
            .first()
            .and_then(|r| r["detail"].as_str())
            .unwrap_or("")
            .to_owned();
        return Item {
            id: item.id,
            appeal: true,
            sanctionable: false,
            version: item.version,
            title: tr.f("moderation.appeal_title", &[("name", &name)]),
            href: String::new(),
            author: match &item.author_handle {
                Some(handle) => format!("{name} (@{handle})"),
                None => name,
            },
            when: format_time(tr, item.created_at, &w.workspace.timezone),
            parts: vec![Part {
                text: said,
                marked: false,
            }],
            reasons: vec![Reason { text: appealed }],
            scores: String::new(),
        };
    }
    Item {
        id: item.id,
        appeal: false,
        sanctionable: item.account_id.is_some(),
        version: item.version,
        title: item.topic_title.clone().unwrap_or_default(),
        href: match (item.topic_id, &item.topic_slug, item.number) {
            (Some(id), Some(slug), Some(n)) => format!("{address}/t/{id}/{slug}#post-{n}"),
            _ => address.to_owned(),
        },
        author: match (&item.author_name, &item.author_handle) {
            (Some(name), Some(handle)) => format!("{name} (@{handle})"),
            (Some(name), None) => name.clone(),
            _ => tr.t("site.former_member").to_owned(),
        },
        when: format_time(tr, item.created_at, &w.workspace.timezone),
        parts: parts(item.body_md.as_deref().unwrap_or(""), &words),
        reasons: shown,
        scores: tr.f(
            "moderation.scores",
            &[
                ("spam", &percent(item.spam)),
                ("toxic", &percent(item.toxic)),
            ],
        ),
    }
}

async fn page(
    state: &SharedState,
    w: &InWorkspace,
    errors: ValidationErrors,
    form: Option<&WatchForm>,
) -> Result<Response, WebError> {
    page_with(state, w, errors, form, None).await
}

fn site_address(
    state: &SharedState,
    w: &InWorkspace,
    site: Option<jardinier_store::CommunitySite>,
) -> String {
    match site {
        Some(site) if site.host.is_some() => format!("https://{}", site.host.unwrap_or_default()),
        _ => format!("{}/c/{}", state.config.base_url, w.workspace.slug),
    }
}

async fn page_with(
    state: &SharedState,
    w: &InWorkspace,
    errors: ValidationErrors,
    form: Option<&WatchForm>,
    trial: Option<Trial>,
) -> Result<Response, WebError> {
    let id = w.workspace.id;
    let address = site_address(state, w, state.store.community_site(id).await?);
    let items = state
        .store
        .moderation_queue(id, SHOWN)
        .await?
        .into_iter()
        .map(|item| item_view(w, &address, item))
        .collect();
    let tr = w.ctx.tr;
    let watched = state
        .store
        .watched_words(id)
        .await?
        .into_iter()
        .map(|word| Watched {
            id: word.id,
            action: if word.argument.is_empty() {
                tr.t(&format!("moderation.action.{}", word.action))
                    .to_owned()
            } else {
                tr.f(
                    &format!("moderation.action_with.{}", word.action),
                    &[("argument", &word.argument)],
                )
            },
            words: word.words,
        })
        .collect();
    let rules = state
        .store
        .community_charter(id)
        .await?
        .map(|charter| {
            let body = if tr.code() == "fr" {
                charter.body_fr
            } else {
                charter.body_en
            };
            jardinier_community::charter::rules(&body)
                .into_iter()
                .map(|rule| {
                    let mut text: String = rule.text.chars().take(70).collect();
                    if text.len() < rule.text.len() {
                        text.push('…');
                    }
                    (rule.number, format!("{}. {text}", rule.number))
                })
                .collect()
        })
        .unwrap_or_default();
    let template = ModerationTemplate {
        sanctions: SanctionKind::ALL
            .iter()
            .map(|k| {
                (
                    k.code(),
                    tr.t(&format!("moderation.sanction.{}", k.code()))
                        .to_owned(),
                )
            })
            .collect(),
        durations: DURATIONS
            .iter()
            .map(|d| (*d, tr.n("moderation.days", *d)))
            .collect(),
        rules,
        c: Chrome::workspace(w, "community"),
        ws_slug: w.workspace.slug.clone(),
        items,
        pending: state.store.moderation_pending(id).await?,
        watched,
        can_manage: w.can(Permission::ManageCommunity),
        actions: ACTIONS
            .iter()
            .map(|a| (*a, tr.t(&format!("moderation.action.{a}")).to_owned()))
            .collect(),
        form_words: form.map(|f| f.words.clone()).unwrap_or_default(),
        form_action: form.map_or_else(|| "hold".to_owned(), |f| f.action.clone()),
        form_argument: form.map(|f| f.argument.clone()).unwrap_or_default(),
        trial,
        errors: errors.clone(),
    };
    if errors.is_empty() {
        render(template)
    } else {
        render_invalid(template)
    }
}

pub async fn moderation_page(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewCommunity)?;
    page(&state, &w, ValidationErrors::default(), None).await
}

#[derive(Deserialize)]
pub struct DecideForm {
    version: i64,
    decision: String,
}

pub async fn decide(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_, item)): Path<(String, i64)>,
    Form(form): Form<DecideForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewCommunity)?;
    let decision = match form.decision.as_str() {
        "approve" => Decision::Approve,
        "remove" => Decision::Remove,
        // A decision no page offers.
        _ => return Err(WebError::NotFound),
    };
    // An appeal goes to another moderator than the one who gave the sanction.
    if let Some(appeal) = state.store.moderation_item(w.workspace.id, item).await?
        && appeal.kind == "appeal"
        && appeal.sanction_by == Some(w.user.id)
    {
        return Ok(redirect(&format!(
            "/w/{}/community/moderation?done=moderation_appeal_other",
            w.workspace.slug
        )));
    }
    let done = state
        .store
        .decide_moderation_item(
            w.workspace.id,
            item,
            form.version,
            decision,
            w.user.id,
            unix_now(),
        )
        .await?;
    let flash = match done {
        Decided::Done => {
            audit_in(
                &state,
                &w,
                &format!("moderation_{}", decision.state()),
                &item.to_string(),
            )
            .await?;
            format!("moderation_{}", decision.state())
        }
        Decided::AlreadyDecided => "moderation_already_decided".to_owned(),
    };
    Ok(redirect(&format!(
        "/w/{}/community/moderation?done={flash}",
        w.workspace.slug
    )))
}

#[derive(Deserialize)]
pub struct SanctionForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    days: Option<i64>,
    #[serde(default)]
    rule: Option<String>,
    #[serde(default)]
    reason: String,
}

/// Sanctions the author of a queue item: recorded, in the audit log, and told to the member by
/// e-mail in their language, citing the charter's rule.
pub async fn sanction(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_, item_id)): Path<(String, i64)>,
    Form(form): Form<SanctionForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewCommunity)?;
    let item = state
        .store
        .moderation_item(w.workspace.id, item_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let mut errors = ValidationErrors::default();
    let kind = SanctionKind::parse(&form.kind);
    if kind.is_none() {
        errors.push(FieldError::new(
            "sanction_kind",
            "error.moderation_sanction_kind",
        ));
    }
    // A teammate's post (or a deleted account's) has no member behind it to sanction.
    let Some(account_id) = item.account_id else {
        errors.push(FieldError::new(
            "sanction_kind",
            "error.moderation_sanction_staff",
        ));
        return page(&state, &w, errors, None).await;
    };
    let days = match kind {
        Some(SanctionKind::Mute | SanctionKind::Suspend) => match form.days {
            Some(d) if DURATIONS.contains(&d) => Some(d),
            _ => {
                errors.push(FieldError::new(
                    "sanction_days",
                    "error.moderation_sanction_days",
                ));
                None
            }
        },
        _ => None,
    };
    // A rule the charter has: its French and English versions are numbered alike.
    let charter_rules: Vec<u64> = state
        .store
        .community_charter(w.workspace.id)
        .await?
        .map(|ch| {
            jardinier_community::charter::rules(&ch.body_fr)
                .into_iter()
                .map(|r| r.number)
                .collect()
        })
        .unwrap_or_default();
    let rule = match form.rule.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => match raw.parse::<u64>() {
            Ok(n) if charter_rules.contains(&n) => Some(n as i64),
            _ => {
                errors.push(FieldError::new(
                    "sanction_rule",
                    "error.moderation_sanction_rule",
                ));
                None
            }
        },
    };
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 1000 {
        errors.push(FieldError::new(
            "sanction_reason",
            "error.moderation_sanction_reason",
        ));
    }
    let Some(kind) = kind.filter(|_| errors.is_empty()) else {
        return page(&state, &w, errors, None).await;
    };
    let now = unix_now();
    let ends_at = days.map(|d| now + d * 86_400);
    state
        .store
        .sanction_member(&NewSanction {
            workspace_id: w.workspace.id,
            account_id,
            kind,
            rule,
            reason,
            item_id: Some(item.id),
            starts_at: now,
            ends_at,
            created_by: w.user.id,
        })
        .await?;
    if let Some(member) = state.store.community_account(account_id).await? {
        let lang = member
            .lang
            .as_deref()
            .and_then(jardinier_i18n::Lang::parse)
            .unwrap_or_default();
        let tr = jardinier_i18n::Tr::new(lang);
        let until = match ends_at {
            Some(end) => tr.f(
                "site.sanction.until",
                &[("when", &format_time(tr, end, &w.workspace.timezone))],
            ),
            None => tr.t("site.sanction.for_good").to_owned(),
        };
        let rule_text = rule
            .map(|n| tr.f("site.sanction.rule", &[("n", &n.to_string())]))
            .unwrap_or_default();
        let body = tr.f(
            "mail.sanction.body",
            &[
                ("name", &member.display_name),
                (
                    "what",
                    &tr.f(
                        &format!("site.sanction.{}", kind.code()),
                        &[("until", &until), ("rule", &rule_text), ("reason", reason)],
                    ),
                ),
                ("community", &w.workspace.name),
            ],
        );
        let subject = tr.f("mail.sanction.subject", &[("community", &w.workspace.name)]);
        state
            .store
            .enqueue_mail(&NewMail {
                idempotency_key: &format!("sanction-{}-{}-{now}", w.workspace.id, account_id),
                to: &member.email,
                subject: &subject,
                body_text: &body,
                created_at: now,
                list_unsubscribe: None,
            })
            .await?;
    }
    audit_in(
        &state,
        &w,
        &format!("moderation_sanction_{}", kind.code()),
        &format!(
            "{account_id} {}",
            rule.map(|r| format!("rule {r}")).unwrap_or_default()
        ),
    )
    .await?;
    Ok(redirect(&format!(
        "/w/{}/community/moderation?done=moderation_sanctioned",
        w.workspace.slug
    )))
}

#[derive(Deserialize)]
pub struct WatchForm {
    #[serde(default)]
    words: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    argument: String,
    /// Set by the "Try it" button: the word is tried on recent posts, not saved.
    #[serde(default, rename = "try")]
    trial: Option<String>,
}

pub async fn watch(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<WatchForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageCommunity)?;
    let mut errors = ValidationErrors::default();
    let words = form.words.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() || words.chars().count() > 100 {
        errors.push(FieldError::new("words", "error.moderation_watched_words"));
    } else if jardinier_moderation::fold::fold_entry(&words).is_empty() {
        errors.push(FieldError::new("words", "error.moderation_watched_letters"));
    }
    if !ACTIONS.contains(&form.action.as_str()) {
        errors.push(FieldError::new("action", "error.moderation_watched_action"));
    }
    let argument = form.argument.trim();
    if form.action == "replace" && (argument.is_empty() || argument.chars().count() > 100) {
        errors.push(FieldError::new(
            "argument",
            "error.moderation_watched_replacement",
        ));
    }
    if !errors.is_empty() {
        return page(&state, &w, errors, Some(&form)).await;
    }
    if form.trial.is_some() {
        let trial = try_word(&state, &w, &words, &form.action, argument).await?;
        return page_with(&state, &w, errors, Some(&form), Some(trial)).await;
    }
    let argument = if form.action == "replace" {
        argument
    } else {
        ""
    };
    state
        .store
        .watch_word(w.workspace.id, &words, &form.action, argument, unix_now())
        .await?;
    audit_in(&state, &w, "moderation_word_watched", &words).await?;
    Ok(redirect(&format!(
        "/w/{}/community/moderation?done=moderation_word_watched#watched",
        w.workspace.slug
    )))
}

/// What a watched word would have caught in the last weeks' posts (issue 17: rules are tried on
/// recent content before they are switched on).
async fn try_word(
    state: &SharedState,
    w: &InWorkspace,
    words: &str,
    action: &str,
    argument: &str,
) -> Result<Trial, WebError> {
    use jardinier_moderation::watch::{self, Action};
    let tr = w.ctx.tr;
    let watched = [watch::Watched {
        words: words.to_owned(),
        // Only what matches is shown: the action does not change it.
        action: match action {
            "replace" => Action::Replace(argument.to_owned()),
            _ => Action::Flag,
        },
    }];
    let since = unix_now() - TRIAL_DAYS * 86_400;
    let posts = state
        .store
        .recent_posts(w.workspace.id, since, TRIAL_POSTS)
        .await?;
    let address = site_address(state, w, state.store.community_site(w.workspace.id).await?);
    let mut matched = 0_i64;
    let mut examples = Vec::new();
    for post in &posts {
        let outcome = watch::apply(&post.body_md, &watched);
        if outcome.hits.is_empty() {
            continue;
        }
        matched += 1;
        if examples.len() < TRIAL_EXAMPLES {
            let found: Vec<String> = outcome
                .hits
                .iter()
                .filter_map(|h| post.body_md.get(h.span.clone()).map(str::to_owned))
                .collect();
            examples.push(Example {
                title: post.topic_title.clone(),
                href: format!(
                    "{address}/t/{}/{}#post-{}",
                    post.topic_id, post.topic_slug, post.number
                ),
                parts: parts(&post.body_md, &found),
            });
        }
    }
    Ok(Trial {
        summary: tr.f(
            "moderation.trial_summary",
            &[
                ("words", words),
                ("matched", &tr.n("moderation.trial_posts", matched)),
                ("scanned", &tr.number(posts.len() as i64)),
                ("days", &tr.number(TRIAL_DAYS)),
            ],
        ),
        examples,
    })
}

pub async fn unwatch(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageCommunity)?;
    state.store.unwatch_word(w.workspace.id, id).await?;
    audit_in(&state, &w, "moderation_word_unwatched", &id.to_string()).await?;
    Ok(redirect(&format!(
        "/w/{}/community/moderation?done=moderation_word_unwatched#watched",
        w.workspace.slug
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_words_screening_found_are_marked_where_they_are() {
        let found = parts(
            "Appelez le 06 12 34 56 78, vite",
            &["06 12 34 56 78".into()],
        );
        let shown: Vec<(&str, bool)> = found.iter().map(|p| (p.text.as_str(), p.marked)).collect();
        assert_eq!(
            shown,
            [
                ("Appelez le ", false),
                ("06 12 34 56 78", true),
                (", vite", false)
            ]
        );
        assert_eq!(parts("abc", &["zz".into()]).len(), 1);
    }
}
