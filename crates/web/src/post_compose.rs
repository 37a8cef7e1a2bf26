//! Writing a post, shared by the composer's form and the API: what the author asked for
//! ([`PostForm`]), every check a channel imposes (text length and threads, first comment, poll,
//! media, caption), the time (a date in the workspace's zone, the queue's next free slot, or a
//! draft) and the posts saved — one per time when it repeats. Messages are in the author's
//! language; the page shows them above the composer, the API answers them as a 422.

use jardinier_i18n::Tr;
use jardinier_store::{NewPost, NewVariant, Post, User, Workspace};

use crate::error::WebError;
use crate::pages::publishing::{POST_LANGUAGES, local_time};
use crate::{SharedState, unix_now};

/// Who acts on a post (writes it, sends it for approval, votes), and in which language problems
/// are told.
pub struct Actor<'a> {
    pub workspace: &'a Workspace,
    pub user: &'a User,
    pub tr: Tr,
}

impl<'a> Actor<'a> {
    pub fn of(w: &'a crate::context::InWorkspace) -> Actor<'a> {
        Actor {
            workspace: &w.workspace,
            user: &w.user,
            tr: w.ctx.tr,
        }
    }

    /// An API caller: problems are told in English, the API's language.
    pub fn api(p: &'a jardinier_store::ApiPrincipal) -> Actor<'a> {
        Actor {
            workspace: &p.workspace,
            user: &p.user,
            tr: Tr::new(jardinier_i18n::Lang::En),
        }
    }
}

/// What the composer's form holds, read from its fields: `title`, `campaign`, `tags` (commas),
/// `when`, `intent`, `common_{lang}` (the text every chosen channel gets), `channel_{id}`
/// (chosen), `text_{id}_{lang}` (a channel's own text), `text_{id}` (a channel's text without a
/// language), `utm_campaign` (tag the links).
#[derive(Default)]
pub struct PostForm {
    pub title: String,
    pub campaign: String,
    pub tags: Vec<String>,
    pub when: String,
    /// The time itself (the API's `scheduled_at`); `when` is read when it is absent.
    pub at: Option<i64>,
    pub intent: String,
    pub utm_campaign: String,
    /// Replace the links by built-in short links that count clicks.
    pub shorten: bool,
    /// Repeat the post (each time its own post).
    pub repeat: Option<jardinier_compose::timing::Every>,
    pub repeat_count: usize,
    /// Media of the library, in the order ticked.
    pub media: Vec<i64>,
    pub first_comment: String,
    pub poll_options: Vec<String>,
    pub poll_minutes: i64,
    pub draft: jardinier_compose::variants::Draft,
}

impl PostForm {
    /// Adds tags written with commas (`#` and case dropped), at most 20, each once.
    pub fn add_tags(&mut self, text: &str) {
        for tag in text.split(',') {
            let tag = tag.trim().trim_start_matches('#').to_lowercase();
            if !tag.is_empty() && !self.tags.contains(&tag) && self.tags.len() < 20 {
                self.tags.push(tag);
            }
        }
    }
}

pub fn read_post_form(body: &str) -> PostForm {
    let mut form = PostForm::default();
    for (key, value) in form_urlencoded::parse(body.as_bytes()) {
        match key.as_ref() {
            "title" => form.title = value.trim().to_owned(),
            "campaign" => form.campaign = value.trim().chars().take(120).collect(),
            "tags" => form.add_tags(&value),
            "when" => form.when = value.into_owned(),
            "intent" => form.intent = value.into_owned(),
            "utm_campaign" => form.utm_campaign = value.trim().to_owned(),
            "shorten" => form.shorten = !value.is_empty(),
            "repeat" => {
                form.repeat = match value.as_ref() {
                    "day" => Some(jardinier_compose::timing::Every::Day),
                    "week" => Some(jardinier_compose::timing::Every::Week),
                    "month" => Some(jardinier_compose::timing::Every::Month),
                    _ => None,
                }
            }
            "repeat_count" => form.repeat_count = value.trim().parse().unwrap_or(0),
            "first_comment" => form.first_comment = value.trim().to_owned(),
            "poll_option" => {
                if !value.trim().is_empty() {
                    form.poll_options.push(value.trim().to_owned());
                }
            }
            "poll_minutes" => form.poll_minutes = value.trim().parse().unwrap_or(0),
            "media" => {
                if let Ok(id) = value.parse::<i64>()
                    && !form.media.contains(&id)
                {
                    form.media.push(id);
                }
            }
            other => {
                if let Some(lang) = other.strip_prefix("common_") {
                    if POST_LANGUAGES.contains(&lang) {
                        form.draft
                            .common
                            .push((lang.to_owned(), value.into_owned()));
                    }
                } else if let Some(id) = other
                    .strip_prefix("channel_")
                    .and_then(|i| i.parse::<i64>().ok())
                {
                    form.draft.channels.push(id);
                } else if let Some(rest) = other.strip_prefix("text_") {
                    let (id, lang) = match rest.split_once('_') {
                        Some((id, lang)) if POST_LANGUAGES.contains(&lang) => {
                            (id, Some(lang.to_owned()))
                        }
                        Some(_) => continue,
                        None => (rest, None),
                    };
                    if let Ok(id) = id.parse::<i64>() {
                        form.draft.own.push((id, lang, value.into_owned()));
                    }
                }
            }
        }
    }
    form
}

/// Why a channel will not take the post's poll, in words.
fn poll_problem(
    tr: &jardinier_i18n::Tr,
    channel: &str,
    problem: &jardinier_compose::rules::PollProblem,
) -> String {
    use jardinier_compose::rules::PollProblem as P;
    let (key, a, b) = match problem {
        P::NotSupported => (
            "publishing.poll_not_supported",
            String::new(),
            String::new(),
        ),
        P::Options { min, max } => ("publishing.poll_options", min.to_string(), max.to_string()),
        P::OptionTooLong { max } => (
            "publishing.poll_option_long",
            max.to_string(),
            String::new(),
        ),
        P::Duration { min, max } => ("publishing.poll_duration", min.to_string(), max.to_string()),
        P::WithMedia => ("publishing.poll_with_media", String::new(), String::new()),
    };
    tr.f(
        key,
        &[
            ("channel", channel),
            ("min", &a),
            ("max", if b.is_empty() { &a } else { &b }),
        ],
    )
}

/// Why a channel will not take the post's media, in words.
fn media_problem(
    tr: &jardinier_i18n::Tr,
    channel: &str,
    problem: &jardinier_compose::rules::MediaProblem,
) -> String {
    use jardinier_compose::rules::MediaProblem as P;
    let (key, name, max) = match problem {
        P::NotSupported => ("publishing.media_not_supported", "", String::new()),
        P::Required => ("publishing.media_required", "", String::new()),
        P::Type { name } => ("publishing.media_type", name.as_str(), String::new()),
        P::TooManyImages { max } => ("publishing.media_too_many_images", "", max.to_string()),
        P::NoVideo => ("publishing.media_no_video", "", String::new()),
        P::TooManyVideos { max } => ("publishing.media_too_many_videos", "", max.to_string()),
        P::Mixed => ("publishing.media_mixed", "", String::new()),
        P::TooBig { name, max_mb } => (
            "publishing.media_too_big",
            name.as_str(),
            max_mb.to_string(),
        ),
        P::NoAlt { name } => ("publishing.media_no_alt", name.as_str(), String::new()),
        P::AltTooLong { name, max } => (
            "publishing.media_alt_too_long",
            name.as_str(),
            max.to_string(),
        ),
    };
    tr.f(key, &[("channel", channel), ("name", name), ("max", &max)])
}

/// Why a text does not fit its channel, in words.
fn text_problem(
    tr: &jardinier_i18n::Tr,
    channel: &jardinier_store::PublishChannel,
    language: Option<&str>,
    text: &str,
) -> Option<String> {
    match jardinier_compose::rules::check(&channel.kind, text) {
        Ok(_) => None,
        Err(jardinier_compose::rules::TextProblem::Empty) => None,
        Err(jardinier_compose::rules::TextProblem::TooLong { length, limit }) => Some(tr.f(
            "publishing.post_too_long",
            &[
                ("channel", channel.name.as_str()),
                ("language", language.unwrap_or("-")),
                ("length", &length.to_string()),
                ("limit", &limit.to_string()),
            ],
        )),
    }
}

/// The texts of one post from the form: UTM parameters added, links shortened (fresh codes
/// for each post made). `None` when a channel is not the workspace's.
fn build_variants(
    form: &PostForm,
    channels: &[jardinier_store::PublishChannel],
    base_url: &str,
) -> Option<(Vec<NewVariant>, Vec<jardinier_store::NewShortLink>)> {
    let mut variants = Vec::new();
    let mut short_links = Vec::new();
    for v in jardinier_compose::variants::assemble(&form.draft) {
        let channel = channels.iter().find(|c| c.id == v.channel_id)?;
        let text = if form.utm_campaign.is_empty() {
            v.text
        } else {
            jardinier_compose::utm::tag_links(
                &v.text,
                &jardinier_compose::utm::Utm {
                    source: channel.kind.clone(),
                    medium: "social".into(),
                    campaign: form.utm_campaign.clone(),
                    content: String::new(),
                },
            )
        };
        let text = if form.shorten {
            jardinier_compose::utm::rewrite_links(&text, |url| {
                let code = crate::auth::random_token()[..10].to_owned();
                let short = format!("{base_url}/s/{code}");
                short_links.push(jardinier_store::NewShortLink {
                    code,
                    url: url.to_owned(),
                    channel_id: Some(v.channel_id),
                });
                Some(short)
            })
        } else {
            text
        };
        variants.push(NewVariant {
            channel_id: v.channel_id,
            language: v.language,
            text,
        });
    }
    Some((variants, short_links))
}

/// The first free queue slot of the post's channels.
async fn queue_time(
    state: &SharedState,
    workspace_id: i64,
    timezone: &str,
    channel_ids: &[i64],
) -> Result<Option<i64>, WebError> {
    let slots = state.store.queue_slots(workspace_id).await?;
    let now = unix_now();
    let mut best: Option<i64> = None;
    for channel in channel_ids {
        let mine: Vec<jardinier_compose::timing::QueueSlot> = slots
            .iter()
            .filter(|s| s.channel_id == *channel)
            .map(|s| jardinier_compose::timing::QueueSlot {
                weekday: s.weekday as i8,
                hour: (s.minute / 60) as i8,
                minute: (s.minute % 60) as i8,
            })
            .collect();
        let taken = state.store.taken_times(*channel, now).await?;
        if let Some(at) = jardinier_compose::timing::next_free_slot(&mine, &taken, timezone, now) {
            best = Some(best.map_or(at, |b: i64| b.min(at)));
        }
    }
    Ok(best)
}

/// Checks a post as the composer and the API write it, then saves it (one post per time when it
/// repeats). `Ok(Err(message))` says, in the author's language, what is wrong; nothing is saved
/// then. A channel or a medium that is not the workspace's is `NotFound`.
/// A post checked against every channel's rules, ready to be saved.
pub struct Plan {
    channels: Vec<jardinier_store::PublishChannel>,
    variants: Vec<NewVariant>,
    short_links: Vec<jardinier_store::NewShortLink>,
    poll: Option<jardinier_store::PostPoll>,
    /// When it goes out (or, for a draft, the time it aims for).
    scheduled_at: Option<i64>,
    draft: bool,
}

/// Checks a post as the composer and the API write it: `Ok(Err(message))` says, in the
/// author's language, what is wrong. A channel or a medium that is not the workspace's is
/// `NotFound`.
pub async fn plan(
    state: &SharedState,
    author: &Actor<'_>,
    form: &PostForm,
) -> Result<Result<Plan, String>, WebError> {
    let tr = author.tr;
    let workspace = author.workspace;
    let channels = state.store.channels(workspace.id).await?;
    let Some((variants, short_links)) = build_variants(form, &channels, &state.config.base_url)
    else {
        return Err(WebError::NotFound);
    };
    let problem = if form.title.is_empty() || form.title.chars().count() > 120 {
        Some(tr.t("publishing.post_title_invalid").to_owned())
    } else if variants.is_empty() {
        Some(tr.t("publishing.post_no_variant").to_owned())
    } else if form.repeat.is_some() && !(2..=52).contains(&form.repeat_count) {
        Some(tr.t("publishing.repeat_count_invalid").to_owned())
    } else {
        variants.iter().find_map(|v| {
            let channel = channels.iter().find(|c| c.id == v.channel_id)?;
            let parts = jardinier_compose::rules::thread_parts(&v.text);
            if parts.len() > 1 && !jardinier_compose::rules::supports_replies(&channel.kind) {
                return Some(tr.f(
                    "publishing.no_threads",
                    &[("channel", channel.name.as_str())],
                ));
            }
            parts
                .iter()
                .find_map(|part| text_problem(&tr, channel, v.language.as_deref(), part))
        })
    };
    let problem = problem.or_else(|| {
        // The first comment: a reply, where the network allows it.
        if form.first_comment.is_empty() {
            return None;
        }
        variants.iter().find_map(|v| {
            let channel = channels.iter().find(|c| c.id == v.channel_id)?;
            if !jardinier_compose::rules::supports_first_comment(&channel.kind) {
                return Some(tr.f(
                    "publishing.no_first_comment",
                    &[("channel", channel.name.as_str())],
                ));
            }
            text_problem(&tr, channel, None, &form.first_comment)
        })
    });
    let poll = (!form.poll_options.is_empty()).then(|| jardinier_store::PostPoll {
        options: form.poll_options.clone(),
        minutes: form.poll_minutes,
    });
    let problem = problem.or_else(|| {
        let poll = poll.as_ref()?;
        variants.iter().find_map(|v| {
            let channel = channels.iter().find(|c| c.id == v.channel_id)?;
            let spec = jardinier_compose::rules::Poll {
                options: poll.options.clone(),
                minutes: poll.minutes,
            };
            jardinier_compose::rules::check_poll(&channel.kind, &spec, !form.media.is_empty())
                .err()
                .map(|p| poll_problem(&tr, &channel.name, &p))
        })
    });
    if let Some(problem) = problem {
        return Ok(Err(problem));
    }
    // The media: the workspace's, and what each channel takes.
    let mut media = Vec::new();
    for id in &form.media {
        match state.store.media(workspace.id, *id).await? {
            Some(m) => media.push(m),
            None => return Err(WebError::NotFound),
        }
    }
    let infos: Vec<jardinier_compose::rules::MediaInfo> = media
        .iter()
        .map(|m| jardinier_compose::rules::MediaInfo {
            name: &m.filename,
            content_type: &m.content_type,
            video: m.is_video(),
            size: m.size as u64,
            alt: &m.alt,
        })
        .collect();
    let mut kinds_seen: Vec<i64> = Vec::new();
    for v in &variants {
        if kinds_seen.contains(&v.channel_id) {
            continue;
        }
        kinds_seen.push(v.channel_id);
        let Some(channel) = channels.iter().find(|c| c.id == v.channel_id) else {
            continue;
        };
        if let Err(problem) = jardinier_compose::rules::check_media(&channel.kind, &infos) {
            return Ok(Err(media_problem(&tr, &channel.name, &problem)));
        }
        if let Some(limit) = jardinier_compose::rules::caption_limit(&channel.kind)
            && !media.is_empty()
            && v.text.chars().count() > limit
        {
            return Ok(Err(tr.f(
                "publishing.caption_too_long",
                &[
                    ("channel", channel.name.as_str()),
                    ("limit", &limit.to_string()),
                ],
            )));
        }
    }
    let draft = form.intent == "draft";
    let scheduled_at = match form.intent.as_str() {
        // A draft keeps the time it aims for, when one is given.
        "draft" => form
            .at
            .or_else(|| local_time(&form.when, &workspace.timezone)),
        "queue" => {
            let mut ids: Vec<i64> = variants.iter().map(|v| v.channel_id).collect();
            ids.dedup();
            match queue_time(state, workspace.id, &workspace.timezone, &ids).await? {
                Some(at) => Some(at),
                None => {
                    return Ok(Err(tr.t("publishing.queue_empty").to_owned()));
                }
            }
        }
        _ => match form
            .at
            .or_else(|| local_time(&form.when, &workspace.timezone))
        {
            Some(t) if t >= unix_now() - 60 => Some(t),
            _ => {
                return Ok(Err(tr.t("publishing.post_when_invalid").to_owned()));
            }
        },
    };
    Ok(Ok(Plan {
        channels,
        variants,
        short_links,
        poll,
        scheduled_at,
        draft,
    }))
}

/// Checks a post ([`plan`]) and saves it: one post per time when it repeats.
pub async fn create_posts(
    state: &SharedState,
    author: &Actor<'_>,
    form: &PostForm,
) -> Result<Result<Vec<Post>, String>, WebError> {
    let Plan {
        channels,
        variants,
        short_links,
        poll,
        scheduled_at,
        draft,
    } = match plan(state, author, form).await? {
        Ok(plan) => plan,
        Err(problem) => return Ok(Err(problem)),
    };
    let workspace = author.workspace;
    // A repeating post is one post per time, each published (and approvable) on its own.
    let times: Vec<Option<i64>> = match (scheduled_at, form.repeat) {
        (Some(first), Some(every)) => {
            jardinier_compose::timing::repeat(first, every, form.repeat_count, &workspace.timezone)
                .into_iter()
                .map(Some)
                .collect()
        }
        (at, _) => vec![at],
    };
    let count = times.len();
    let mut made = Vec::with_capacity(count);
    for (n, at) in times.into_iter().enumerate() {
        let (variants, short_links) = if n == 0 {
            (variants.clone(), short_links.clone())
        } else {
            build_variants(form, &channels, &state.config.base_url).unwrap_or_default()
        };
        let title = if count > 1 {
            format!("{} ({}/{count})", form.title, n + 1)
        } else {
            form.title.clone()
        };
        match state
            .store
            .create_post(&NewPost {
                workspace_id: workspace.id,
                author_id: Some(author.user.id),
                title: &title,
                variants: &variants,
                campaign: &form.campaign,
                tags: &form.tags,
                short_links: &short_links,
                media: &form.media,
                first_comment: (!form.first_comment.is_empty())
                    .then_some(form.first_comment.as_str()),
                poll: poll.as_ref(),
                scheduled_at: at,
                draft,
                now: unix_now(),
            })
            .await
        {
            Ok(post) => made.push(post),
            Err(jardinier_store::StoreError::NotFound { .. }) => return Err(WebError::NotFound),
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Ok(made))
}

/// Why a post can't be changed.
#[derive(Debug, PartialEq, Eq)]
pub enum EditRefused {
    /// What is wrong with the new version, in the author's language.
    Problem(String),
    /// A delivery is being sent or has gone: the post is history.
    GoneOut,
}

/// Checks the new version of a post ([`plan`]; it does not repeat) and saves it in place.
pub async fn edit_post(
    state: &SharedState,
    author: &Actor<'_>,
    post_id: i64,
    form: &PostForm,
) -> Result<Result<jardinier_store::Edited, EditRefused>, WebError> {
    if form.repeat.is_some() {
        return Ok(Err(EditRefused::Problem(
            author.tr.t("publishing.edit_no_repeat").to_owned(),
        )));
    }
    let plan = match plan(state, author, form).await? {
        Ok(plan) => plan,
        Err(problem) => return Ok(Err(EditRefused::Problem(problem))),
    };
    match state
        .store
        .edit_post(&jardinier_store::PostEdit {
            workspace_id: author.workspace.id,
            post_id,
            title: &form.title,
            variants: &plan.variants,
            campaign: &form.campaign,
            tags: &form.tags,
            short_links: &plan.short_links,
            media: &form.media,
            first_comment: (!form.first_comment.is_empty()).then_some(form.first_comment.as_str()),
            poll: plan.poll.as_ref(),
            scheduled_at: plan.scheduled_at,
            draft: plan.draft,
            actor: &author.user.display_name,
            now: unix_now(),
        })
        .await
    {
        Ok(edited) => Ok(Ok(edited)),
        Err(jardinier_store::StoreError::Refused(_)) => Ok(Err(EditRefused::GoneOut)),
        Err(jardinier_store::StoreError::NotFound { .. }) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}
