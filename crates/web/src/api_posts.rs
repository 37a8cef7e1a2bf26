//! Issue 14, item 6: writing and planning posts through the API as the composer does — a post
//! with a text per channel and language, media from the library, a first comment or a poll,
//! published at a time, at the queue's next free slot, or kept as a draft, repeated; sending a
//! draft for approval and voting on it; comments and retries; the calendar; the media library
//! (uploads as raw bytes); the queue's slots; the approval policy. Every check is the
//! composer's ([`crate::post_compose`], [`crate::post_approval`]), so the API cannot plan what
//! the page would refuse. Routes in [`crate::api::ROUTES`].

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use jardinier_compose::timing::Every;
use jardinier_domain::{ApprovalPolicy, ApprovalStep, Permission};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{ApiError, Caller};
use crate::api_extract::{ApiJson, ApiQuery, Id, PageParams, page_of};
use crate::api_publishing::post_json;
use crate::pages::publishing::POST_LANGUAGES;
use crate::post_approval::{self, RequestRefused, Requested, VoteRefused, Voted};
use crate::post_compose::{Actor, EditRefused, PostForm, create_posts};
use crate::{SharedState, unix_now};

fn invalid(field: &'static str, message: impl Into<String>) -> ApiError {
    ApiError::invalid(field, "error.kind_invalid", message.into())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnText {
    channel_id: i64,
    #[serde(default)]
    language: Option<String>,
    text: String,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleKind {
    At,
    Queue,
    Draft,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum EveryBody {
    Day,
    Week,
    Month,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatBody {
    every: EveryBody,
    count: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PollBody {
    options: Vec<String>,
    minutes: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPostBody {
    title: String,
    /// Channels that get the common text.
    #[serde(default)]
    channels: Vec<i64>,
    /// Language → the text every chosen channel gets in it.
    #[serde(default)]
    common: BTreeMap<String, String>,
    /// A channel's own text (in a language, or without one).
    #[serde(default)]
    texts: Vec<OwnText>,
    #[serde(default)]
    schedule: Option<ScheduleKind>,
    #[serde(default)]
    scheduled_at: Option<i64>,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    utm_campaign: String,
    #[serde(default)]
    shorten: bool,
    #[serde(default)]
    repeat: Option<RepeatBody>,
    #[serde(default)]
    media: Vec<i64>,
    #[serde(default)]
    first_comment: String,
    #[serde(default)]
    poll: Option<PollBody>,
}

fn language(field: &'static str, lang: &str) -> Result<String, ApiError> {
    if POST_LANGUAGES.contains(&lang) {
        Ok(lang.to_owned())
    } else {
        Err(invalid(
            field,
            format!("{field}: “{lang}” is not a language posts are written in (fr, en)"),
        ))
    }
}

/// `field` has at most `max` characters.
fn at_most(field: &'static str, text: &str, max: usize) -> Result<(), ApiError> {
    if text.chars().count() > max {
        return Err(invalid(field, format!("{field}: at most {max} characters")));
    }
    Ok(())
}

/// `field` has at most `max` items.
fn at_most_items<T>(field: &'static str, items: &[T], max: usize) -> Result<(), ApiError> {
    if items.len() > max {
        return Err(invalid(field, format!("{field}: at most {max} items")));
    }
    Ok(())
}

/// The bounds the document declares, before the composer's rules.
fn check_bounds(body: &NewPostBody) -> Result<(), ApiError> {
    at_most("title", &body.title, 120)?;
    at_most_items("channels", &body.channels, 50)?;
    at_most_items("media", &body.media, 50)?;
    at_most_items("texts", &body.texts, 100)?;
    at_most_items("tags", &body.tags, 20)?;
    for text in body.common.values() {
        at_most("common", text, 100_000)?;
    }
    for own in &body.texts {
        at_most("texts", &own.text, 100_000)?;
    }
    for tag in &body.tags {
        at_most("tags", tag, 100)?;
    }
    at_most("campaign", &body.campaign, 120)?;
    at_most("utm_campaign", &body.utm_campaign, 200)?;
    at_most("first_comment", &body.first_comment, 10_000)?;
    if let Some(repeat) = &body.repeat
        && !(2..=52).contains(&repeat.count)
    {
        return Err(invalid("repeat", "repeat.count: 2 to 52 times"));
    }
    if let Some(poll) = &body.poll {
        at_most_items("poll", &poll.options, 10)?;
        for option in &poll.options {
            at_most("poll", option, 200)?;
        }
        if !(1..=100_000).contains(&poll.minutes) {
            return Err(invalid("poll", "poll.minutes: 1 to 100,000"));
        }
    }
    Ok(())
}

/// The composer's form, from the API's body.
fn form_of(body: NewPostBody) -> Result<PostForm, ApiError> {
    check_bounds(&body)?;
    let mut form = PostForm {
        title: body.title.trim().to_owned(),
        campaign: body.campaign.trim().chars().take(120).collect(),
        utm_campaign: body.utm_campaign.trim().to_owned(),
        shorten: body.shorten,
        first_comment: body.first_comment.trim().to_owned(),
        ..PostForm::default()
    };
    for tag in &body.tags {
        form.add_tags(tag);
    }
    form.intent = match (body.schedule, body.scheduled_at) {
        (Some(ScheduleKind::Queue), _) => "queue",
        (Some(ScheduleKind::Draft), _) | (None, None) => "draft",
        (Some(ScheduleKind::At), None) => {
            return Err(invalid(
                "scheduled_at",
                "scheduled_at: a post published at a time needs the time (UNIX seconds)",
            ));
        }
        (Some(ScheduleKind::At) | None, Some(at)) => {
            form.at = Some(at);
            "at"
        }
    }
    .to_owned();
    if let Some(repeat) = body.repeat {
        form.repeat = Some(match repeat.every {
            EveryBody::Day => Every::Day,
            EveryBody::Week => Every::Week,
            EveryBody::Month => Every::Month,
        });
        form.repeat_count = repeat.count;
    }
    for id in body.media {
        if !form.media.contains(&id) {
            form.media.push(id);
        }
    }
    if let Some(poll) = body.poll {
        form.poll_options = poll
            .options
            .iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        form.poll_minutes = poll.minutes;
    }
    for (lang, text) in body.common {
        let lang = language("common", &lang)?;
        form.draft.common.push((lang, text));
    }
    form.draft.channels = body.channels;
    for own in body.texts {
        let lang = match own.language.as_deref() {
            None | Some("") => None,
            Some(lang) => Some(language("texts", lang)?),
        };
        form.draft.own.push((own.channel_id, lang, own.text));
    }
    Ok(form)
}

pub async fn create(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<NewPostBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    caller.require(Permission::Publish)?;
    let form = form_of(body)?;
    let actor = Actor::api(&caller.0);
    let made = match create_posts(&state, &actor, &form).await {
        Err(crate::error::WebError::NotFound) => {
            return Err(invalid(
                "channels",
                "channels, texts, media: a channel or a medium that is not this workspace's",
            ));
        }
        other => other?,
    };
    match made {
        Ok(posts) => {
            let mut items = Vec::with_capacity(posts.len());
            for post in posts {
                let deliveries = state
                    .store
                    .post(caller.0.workspace.id, post.id)
                    .await?
                    .map(|(_, d)| d)
                    .unwrap_or_default();
                items.push(post_json(&post, &deliveries));
            }
            Ok((StatusCode::CREATED, Json(json!({"items": items}))).into_response())
        }
        Err(problem) => Err(invalid("post", problem)),
    }
}

/// Replaces a post that has not gone out: its texts, media, poll, first comment and time.
pub async fn replace(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<NewPostBody>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    caller.require(Permission::Publish)?;
    if body.repeat.is_some() {
        return Err(invalid(
            "repeat",
            "repeat: a post being replaced does not repeat; write a new one",
        ));
    }
    if state.store.post(caller.0.workspace.id, id).await?.is_none() {
        return Err(jardinier_store::StoreError::NotFound { what: "post" }.into());
    }
    let form = form_of(body)?;
    let actor = Actor::api(&caller.0);
    let edited = match crate::post_compose::edit_post(&state, &actor, id, &form).await {
        Err(crate::error::WebError::NotFound) => {
            return Err(invalid(
                "channels",
                "channels, texts, media: a channel or a medium that is not this workspace's",
            ));
        }
        other => other?,
    };
    match edited {
        Ok(edited) => {
            let (post, deliveries) = state
                .store
                .post(caller.0.workspace.id, id)
                .await?
                .ok_or(jardinier_store::StoreError::NotFound { what: "post" })?;
            let mut body = post_json(&post, &deliveries);
            body["approval_reset"] = json!(edited.approval_reset);
            Ok(Json(body))
        }
        Err(EditRefused::Problem(problem)) => Err(invalid("post", problem)),
        Err(EditRefused::GoneOut) => Err(gone_out()),
    }
}

fn gone_out() -> ApiError {
    ApiError::with_status(
        StatusCode::CONFLICT,
        "conflict",
        "This post has gone out (or is going): it can no longer be changed.",
    )
}

/// Back to draft, its time kept as the time it aims for.
pub async fn unschedule(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    caller.require(Permission::Publish)?;
    let p = &caller.0;
    match state
        .store
        .unschedule_post(p.workspace.id, id, &p.user.display_name, unix_now())
        .await
    {
        Ok(()) => {}
        Err(jardinier_store::StoreError::Refused(why)) => {
            return Err(ApiError::with_status(
                StatusCode::CONFLICT,
                "conflict",
                format!("Refused: {why}."),
            ));
        }
        Err(e) => return Err(e.into()),
    }
    let (post, deliveries) = state
        .store
        .post(p.workspace.id, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound { what: "post" })?;
    Ok(Json(post_json(&post, &deliveries)))
}

pub async fn delete_post(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    caller.require(Permission::Publish)?;
    let p = &caller.0;
    let Some((post, _)) = state.store.post(p.workspace.id, id).await? else {
        return Err(jardinier_store::StoreError::NotFound { what: "post" }.into());
    };
    match state.store.delete_post(p.workspace.id, id).await {
        Ok(()) => {}
        Err(jardinier_store::StoreError::Refused(_)) => return Err(gone_out()),
        Err(e) => return Err(e.into()),
    }
    crate::pages::audit(
        &state,
        Some(p.workspace.id),
        Some(p.user.id),
        "post_deleted",
        &post.title,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalBody {
    scheduled_at: i64,
    #[serde(default)]
    client_email: String,
}

pub async fn request_approval(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<ApprovalBody>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    caller.require(Permission::Publish)?;
    let actor = Actor::api(&caller.0);
    match post_approval::request(&state, &actor, id, body.scheduled_at, &body.client_email).await? {
        Ok(Requested::Team) => Ok(Json(json!({"sent_to": "team", "client_link": null}))),
        Ok(Requested::ClientLink(link)) => {
            Ok(Json(json!({"sent_to": "client", "client_link": link})))
        }
        Err(RequestRefused::NotDraft) => Err(ApiError::with_status(
            StatusCode::CONFLICT,
            "conflict",
            "Only a draft is sent for approval; this post is not one.",
        )),
        Err(RequestRefused::BadEmail) => Err(invalid(
            "client_email",
            "client_email: not an e-mail address",
        )),
    }
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Changes,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VoteBody {
    decision: Decision,
    #[serde(default)]
    comment: String,
}

pub async fn vote(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<VoteBody>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let actor = Actor::api(&caller.0);
    let approve = matches!(body.decision, Decision::Approve);
    let (outcome, link) =
        match post_approval::vote(&state, &actor, id, approve, &body.comment).await? {
            Ok(Voted::Waiting) => ("waiting", None),
            Ok(Voted::NextStep) => ("next_step", None),
            Ok(Voted::ClientLink(link)) => ("client", Some(link)),
            Ok(Voted::Scheduled) => ("scheduled", None),
            Ok(Voted::BackToDraft) => ("back_to_draft", None),
            Err(VoteRefused::AlreadyDecided) => {
                return Err(ApiError::with_status(
                    StatusCode::CONFLICT,
                    "conflict",
                    "This step is already decided.",
                ));
            }
            Err(VoteRefused::NotYours) => {
                return Err(ApiError::with_status(
                    StatusCode::CONFLICT,
                    "conflict",
                    "The post is not waiting for your approval.",
                ));
            }
        };
    Ok(Json(json!({"outcome": outcome, "client_link": link})))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    text: String,
}

pub async fn comment(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let text = body.text.trim();
    if text.is_empty() || text.chars().count() > 4_000 {
        return Err(invalid("text", "text: 1 to 4,000 characters"));
    }
    let p = &caller.0;
    state
        .store
        .comment_post(p.workspace.id, id, &p.user.display_name, text, unix_now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn retry(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    caller.require(Permission::Publish)?;
    let p = &caller.0;
    if state.store.post(p.workspace.id, id).await?.is_none() {
        return Err(jardinier_store::StoreError::NotFound { what: "post" }.into());
    }
    let retried = state
        .store
        .retry_failed(p.workspace.id, id, &p.user.display_name, unix_now())
        .await?;
    Ok(Json(json!({"retried": retried})))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    cursor: Option<String>,
}

/// Midnight of a `YYYY-MM-DD` day in the zone, as UNIX seconds.
fn day_start(
    field: &'static str,
    text: &str,
    tz: &jiff::tz::TimeZone,
) -> Result<(jiff::civil::Date, i64), ApiError> {
    let date: jiff::civil::Date = text.trim().parse().map_err(|_| {
        invalid(
            field,
            format!("{field}: “{text}” is not a day (YYYY-MM-DD)"),
        )
    })?;
    let start = date
        .to_zoned(tz.clone())
        .map_err(|_| invalid(field, format!("{field}: “{text}” is out of range")))?;
    Ok((date, start.timestamp().as_second()))
}

/// The posts planned between two days (the workspace's zone), soonest first.
pub async fn calendar(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<CalendarQuery>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let ws = &caller.0.workspace;
    let tz = jiff::tz::TimeZone::get(&ws.timezone).unwrap_or(jiff::tz::TimeZone::UTC);
    let today = jiff::Timestamp::from_second(unix_now())
        .map(|t| t.to_zoned(tz.clone()).date())
        .unwrap_or_default();
    let (from_day, from) = match q.from.as_deref().filter(|f| !f.is_empty()) {
        Some(text) => day_start("from", text, &tz)?,
        None => day_start("from", &today.to_string(), &tz)?,
    };
    let (to_day, to) = match q.to.as_deref().filter(|t| !t.is_empty()) {
        Some(text) => {
            let (day, _) = day_start("to", text, &tz)?;
            let next = day
                .tomorrow()
                .map_err(|_| invalid("to", "to: out of range"))?;
            (day, day_start("to", &next.to_string(), &tz)?.1)
        }
        None => {
            let end = from_day
                .checked_add(jiff::Span::new().days(31))
                .map_err(|_| invalid("from", "from: out of range"))?;
            (end, day_start("to", &end.to_string(), &tz)?.1)
        }
    };
    if to <= from {
        return Err(invalid("to", "to: the last day comes before `from`"));
    }
    if (to_day - from_day).get_days() > 400 {
        return Err(invalid("to", "to: at most 400 days after `from`"));
    }
    let posts = state.store.posts_between(ws.id, from, to).await?;
    let page = PageParams {
        limit: q.limit,
        cursor: q.cursor,
    };
    let (items, next) = page_of(
        posts,
        &page,
        2,
        |(p, _), c| (p.scheduled_at.unwrap_or(0), p.id) > (c[0], c[1]),
        |(p, _)| vec![p.scheduled_at.unwrap_or(0), p.id],
    )?;
    let items: Vec<Value> = items.iter().map(|(p, d)| post_json(p, d)).collect();
    Ok(Json(
        json!({"from": from, "to": to, "timezone": ws.timezone, "items": items, "next_cursor": next}),
    ))
}

fn media_json(m: &jardinier_store::Media) -> Value {
    json!({"id": m.id, "filename": m.filename, "content_type": m.content_type, "size": m.size,
           "width": m.width, "height": m.height, "alt": m.alt, "created_at": m.created_at})
}

pub async fn media(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let library = state
        .store
        .media_library(caller.0.workspace.id, 100_000)
        .await?;
    crate::api::by_id(library, &page, |m| m.id, media_json)
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    #[serde(default)]
    filename: String,
    #[serde(default)]
    alt: String,
}

/// The file's bytes as the body; its kind is read from them, not from the header.
pub async fn upload(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(q): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(Permission::Publish)?;
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media_type = declared.split(';').next().unwrap_or("").trim();
    if !(media_type.starts_with("image/")
        || media_type.starts_with("video/")
        || media_type == "application/octet-stream")
    {
        return Err(ApiError::with_status(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Send the file's bytes as the body, with its type as Content-Type (image/jpeg, image/png, image/gif, image/webp, video/mp4 or application/octet-stream).",
        ));
    }
    if body.is_empty() {
        return Err(invalid("body", "body: the file is empty"));
    }
    if body.len() > state.config.max_upload_bytes {
        return Err(ApiError::with_status(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!(
                "The file is larger than {} MiB.",
                state.config.max_upload_bytes / (1024 * 1024)
            ),
        ));
    }
    let name = match q.filename.trim() {
        "" => "file".to_owned(),
        name => name.to_owned(),
    };
    if q.alt.chars().count() > 2_000 {
        return Err(invalid("alt", "alt: at most 2,000 characters"));
    }
    if q.filename.chars().count() > 200 {
        return Err(invalid("filename", "filename: at most 200 characters"));
    }
    let file = crate::pages::publishing_media::Checked::read(name, body.to_vec()).map_err(|_| {
        invalid(
            "body",
            "body: not an image or a video the networks take (JPEG, PNG, GIF, WebP, MP4, QuickTime)",
        )
    })?;
    let media =
        crate::pages::publishing_media::keep(&state, caller.0.workspace.id, file, &q.alt).await?;
    Ok((StatusCode::CREATED, Json(media_json(&media))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AltBody {
    alt: String,
}

pub async fn set_alt(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
    ApiJson(body): ApiJson<AltBody>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::Publish)?;
    let ws = caller.0.workspace.id;
    if body.alt.chars().count() > 2_000 {
        return Err(invalid("alt", "alt: at most 2,000 characters"));
    }
    if state.store.media(ws, id).await?.is_none() {
        return Err(jardinier_store::StoreError::NotFound { what: "medium" }.into());
    }
    state.store.set_media_alt(ws, id, body.alt.trim()).await?;
    let media = state
        .store
        .media(ws, id)
        .await?
        .ok_or(jardinier_store::StoreError::NotFound { what: "medium" })?;
    Ok(Json(media_json(&media)))
}

fn slot_json(s: &jardinier_store::QueueSlotRow) -> Value {
    json!({"id": s.id, "channel_id": s.channel_id, "weekday": s.weekday,
           "time": format!("{:02}:{:02}", s.minute / 60, s.minute % 60)})
}

pub async fn queue_slots(
    State(state): State<SharedState>,
    caller: Caller,
    ApiQuery(page): ApiQuery<PageParams>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let slots = state.store.queue_slots(caller.0.workspace.id).await?;
    crate::api::by_id(slots, &page, |s| s.id, slot_json)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlotsBody {
    channel_id: i64,
    /// 1 = Monday … 7 = Sunday.
    weekdays: Vec<i64>,
    /// `HH:MM`, the workspace's time.
    time: String,
}

pub async fn add_queue_slots(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<SlotsBody>,
) -> Result<Response, ApiError> {
    caller.require(Permission::Publish)?;
    let ws = caller.0.workspace.id;
    if body.weekdays.is_empty()
        || body.weekdays.len() > 7
        || body.weekdays.iter().any(|d| !(1..=7).contains(d))
    {
        return Err(invalid(
            "weekdays",
            "weekdays: one or more days, 1 (Monday) to 7 (Sunday)",
        ));
    }
    let time = jiff::civil::Time::strptime("%H:%M", body.time.trim())
        .map_err(|_| invalid("time", "time: a time of day as HH:MM, such as 09:30"))?;
    let minute = i64::from(time.hour()) * 60 + i64::from(time.minute());
    if !state
        .store
        .channels(ws)
        .await?
        .iter()
        .any(|c| c.id == body.channel_id)
    {
        return Err(invalid(
            "channel_id",
            "channel_id: no such channel in this workspace",
        ));
    }
    let mut days = body.weekdays.clone();
    days.sort_unstable();
    days.dedup();
    for day in &days {
        state
            .store
            .add_queue_slot(ws, body.channel_id, *day, minute)
            .await?;
    }
    let items: Vec<Value> = state
        .store
        .queue_slots(ws)
        .await?
        .iter()
        .filter(|s| s.channel_id == body.channel_id && s.minute == minute)
        .filter(|s| days.contains(&s.weekday))
        .map(slot_json)
        .collect();
    Ok((StatusCode::CREATED, Json(json!({"items": items}))).into_response())
}

pub async fn delete_queue_slot(
    State(state): State<SharedState>,
    caller: Caller,
    Id(id): Id,
) -> Result<StatusCode, ApiError> {
    caller.require(Permission::Publish)?;
    let ws = caller.0.workspace.id;
    if !state
        .store
        .queue_slots(ws)
        .await?
        .iter()
        .any(|s| s.id == id)
    {
        return Err(jardinier_store::StoreError::NotFound { what: "queue slot" }.into());
    }
    state.store.delete_queue_slot(ws, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn policy_json(policy: &ApprovalPolicy) -> Value {
    json!({"steps": policy.steps.iter().map(|s| json!({"name": s.name, "all": s.all, "approvers": s.approvers})).collect::<Vec<_>>(),
           "client": policy.client})
}

pub async fn approval_policy(
    State(state): State<SharedState>,
    caller: Caller,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    let policy = state.store.approval_policy(caller.0.workspace.id).await?;
    Ok(Json(policy_json(&policy)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepBody {
    name: String,
    #[serde(default)]
    all: bool,
    approvers: Vec<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    steps: Vec<StepBody>,
    #[serde(default)]
    client: bool,
}

pub async fn set_approval_policy(
    State(state): State<SharedState>,
    caller: Caller,
    ApiJson(body): ApiJson<PolicyBody>,
) -> Result<Json<Value>, ApiError> {
    caller.require(Permission::ViewPublishing)?;
    caller.require(Permission::ManageWorkspace)?;
    let p = &caller.0;
    let members = state.store.members(p.workspace.id).await?;
    let mut steps = Vec::new();
    for step in body.steps {
        let mut approvers = Vec::new();
        for id in step.approvers {
            if !members.iter().any(|m| {
                m.user.id == id
                    && m.role.can(Permission::ViewPublishing)
                    && m.role.can(Permission::Publish)
            }) {
                return Err(invalid(
                    "steps",
                    format!("steps: user {id} is not a teammate who may publish"),
                ));
            }
            if !approvers.contains(&id) {
                approvers.push(id);
            }
        }
        steps.push(ApprovalStep {
            name: step.name.trim().chars().take(80).collect(),
            all: step.all,
            approvers,
        });
    }
    let policy = ApprovalPolicy {
        steps,
        client: body.client,
    };
    if let Err(e) = policy.check() {
        let tr = jardinier_i18n::Tr::new(jardinier_i18n::Lang::En);
        return Err(invalid(
            "steps",
            crate::pages::publishing_approval::policy_problem(tr, e),
        ));
    }
    state
        .store
        .set_approval_policy(p.workspace.id, &policy, unix_now())
        .await?;
    crate::pages::audit(
        &state,
        Some(p.workspace.id),
        Some(p.user.id),
        "approval_policy_changed",
        &format!("{} steps, client: {}", policy.steps.len(), policy.client),
    )
    .await?;
    Ok(Json(policy_json(&policy)))
}

pub fn schemas() -> Value {
    let int = json!({"type": "integer", "format": "int64"});
    let nullable_string = json!({"type": ["string", "null"]});
    let string = json!({"type": "string"});
    let list = crate::api_doc::list_schema;
    let text = |max: u32| json!({"type": "string", "maxLength": max});
    let ids = json!({"type": "array", "items": int, "maxItems": 50});
    json!({
        "NewPost": {"type": "object", "required": ["title"], "additionalProperties": false, "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": "\\S"},
            "channels": ids,
            "common": {"type": "object", "additionalProperties": false, "properties": {"fr": text(100_000), "en": text(100_000)},
                "description": "The text every channel of `channels` gets, per language."},
            "texts": {"type": "array", "maxItems": 100, "items": {"type": "object", "required": ["channel_id", "text"], "additionalProperties": false, "properties": {
                "channel_id": int, "language": {"type": ["string", "null"], "enum": ["fr", "en", "", null]}, "text": text(100_000)}}},
            "schedule": {"type": "string", "enum": ["at", "queue", "draft"], "description": "at: at `scheduled_at`; queue: the queue's next free slot; draft (the default without `scheduled_at`)."},
            "scheduled_at": {"type": "integer", "format": "int64", "description": "UNIX seconds."},
            "campaign": text(120),
            "tags": {"type": "array", "maxItems": 20, "items": text(100)},
            "utm_campaign": text(200),
            "shorten": {"type": "boolean", "description": "Replace the links by short links that count clicks."},
            "repeat": {"type": "object", "required": ["every", "count"], "additionalProperties": false, "properties": {
                "every": {"type": "string", "enum": ["day", "week", "month"]}, "count": {"type": "integer", "minimum": 2, "maximum": 52}}},
            "media": ids,
            "first_comment": text(10_000),
            "poll": {"type": "object", "required": ["options", "minutes"], "additionalProperties": false, "properties": {
                "options": {"type": "array", "maxItems": 10, "items": text(200)}, "minutes": {"type": "integer", "minimum": 1, "maximum": 100_000}}}}},
        "PostReplaced": {"allOf": [{"$ref": "#/components/schemas/Post"}, {"type": "object", "properties": {
            "approval_reset": {"type": "boolean", "description": "The texts changed on a post approved or waiting for approval: it is a draft again."}}}]},
        "PostsCreated": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/Post"}}}},
        "ApprovalRequest": {"type": "object", "required": ["scheduled_at"], "additionalProperties": false, "properties": {
            "scheduled_at": {"type": "integer", "format": "int64", "description": "When to publish once approved (UNIX seconds); a time that has passed by then means as soon as approved."},
            "client_email": {"type": "string", "maxLength": 254, "description": "The client's link is e-mailed there."}}},
        "ApprovalSent": {"type": "object", "properties": {"sent_to": {"type": "string", "enum": ["team", "client"]}, "client_link": nullable_string}},
        "Vote": {"type": "object", "required": ["decision"], "additionalProperties": false, "properties": {
            "decision": {"type": "string", "enum": ["approve", "changes"]}, "comment": text(2_000)}},
        "VoteOutcome": {"type": "object", "properties": {
            "outcome": {"type": "string", "enum": ["waiting", "next_step", "client", "scheduled", "back_to_draft"]}, "client_link": nullable_string}},
        "PostComment": {"type": "object", "required": ["text"], "additionalProperties": false, "properties": {
            "text": {"type": "string", "minLength": 1, "maxLength": 4_000, "pattern": "\\S"}}},
        "Retried": {"type": "object", "properties": {"retried": int}},
        "Calendar": {"type": "object", "properties": {"from": int, "to": int, "timezone": string,
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Post"}}, "next_cursor": nullable_string}},
        "Media": {"type": "object", "properties": {"id": int, "filename": string, "content_type": string, "size": int,
            "width": {"type": ["integer", "null"]}, "height": {"type": ["integer", "null"]}, "alt": string, "created_at": int}},
        "MediaList": list("Media"),
        "MediaAlt": {"type": "object", "required": ["alt"], "additionalProperties": false, "properties": {"alt": text(2_000)}},
        "QueueSlot": {"type": "object", "properties": {"id": int, "channel_id": int, "weekday": {"type": "integer", "minimum": 1, "maximum": 7}, "time": string}},
        "QueueSlotList": list("QueueSlot"),
        "NewQueueSlots": {"type": "object", "required": ["channel_id", "weekdays", "time"], "additionalProperties": false, "properties": {
            "channel_id": int,
            "weekdays": {"type": "array", "minItems": 1, "maxItems": 7, "items": {"type": "integer", "minimum": 1, "maximum": 7}},
            "time": {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"}}},
        "QueueSlotsAdded": {"type": "object", "properties": {"items": {"type": "array", "items": {"$ref": "#/components/schemas/QueueSlot"}}}},
        "ApprovalPolicy": {"type": "object", "required": ["steps"], "additionalProperties": false, "properties": {
            "steps": {"type": "array", "maxItems": 3, "items": {"type": "object", "required": ["name", "approvers"], "additionalProperties": false, "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 80, "pattern": "\\S"}, "all": {"type": "boolean"},
                "approvers": {"type": "array", "minItems": 1, "maxItems": 50, "items": int}}}},
            "client": {"type": "boolean"}}},
    })
}
