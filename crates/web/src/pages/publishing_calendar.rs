//! The editorial calendar: month, week and list views in the workspace's time zone, filtered
//! by campaign or channel; its iCalendar feed for the team's calendar applications; planned
//! posts out and in as CSV.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use jardinier_compose::{ical, planned};
use jardinier_domain::Permission;
use jardinier_store::{NewPost, NewVariant, Post, PostDelivery, PublishChannel};
use jiff::civil::Date;
use jiff::{ToSpan, Zoned};
use serde::Deserialize;

use super::{Chrome, redirect, render};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, unix_now};

#[derive(Deserialize, Default)]
pub struct CalendarQuery {
    #[serde(default)]
    view: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    campaign: String,
    #[serde(default)]
    channel: String,
}

pub struct Entry {
    pub id: i64,
    pub time: String,
    pub title: String,
    pub state: String,
    pub state_key: String,
    pub campaign: String,
    /// "Mastodon fr, en · Discord fr, en"
    pub channels: String,
}

pub struct Day {
    pub date: String,
    /// Day of the month, or the full date in the list view.
    pub label: String,
    pub in_month: bool,
    pub today: bool,
    pub entries: Vec<Entry>,
}

#[derive(Template)]
#[template(path = "publishing_calendar.html")]
struct CalendarTemplate {
    c: Chrome,
    ws_slug: String,
    view: &'static str,
    heading: String,
    weekdays: Vec<String>,
    /// Month and week: rows of seven days; list: one day per row.
    weeks: Vec<Vec<Day>>,
    drafts: Vec<Entry>,
    previous: String,
    next: String,
    today: String,
    date: String,
    campaign: String,
    channel: String,
    /// `&campaign=…&channel=…`, encoded, for the navigation links.
    filter_query: String,
    campaigns: Vec<String>,
    channels: Vec<(i64, String)>,
    timezone: String,
    may_publish: bool,
    feed_url: Option<String>,
    import_errors: Vec<String>,
}

fn zone(timezone: &str) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(timezone).unwrap_or(jiff::tz::TimeZone::UTC)
}

fn start_of(date: Date, tz: &jiff::tz::TimeZone) -> i64 {
    date.to_zoned(tz.clone())
        .map(|z| z.timestamp().as_second())
        .unwrap_or(0)
}

fn channel_summary(deliveries: &[PostDelivery], channels: &[PublishChannel]) -> String {
    let mut parts: Vec<(String, Vec<String>)> = Vec::new();
    for d in deliveries {
        let name = channels
            .iter()
            .find(|c| c.id == d.channel_id)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        let lang = d.language.clone().unwrap_or_default();
        match parts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, langs)) => langs.push(lang),
            None => parts.push((name, vec![lang])),
        }
    }
    parts
        .into_iter()
        .map(|(name, langs)| {
            let langs: Vec<String> = langs.into_iter().filter(|l| !l.is_empty()).collect();
            if langs.is_empty() {
                name
            } else {
                format!("{name} {}", langs.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

fn entry(
    post: &Post,
    deliveries: &[PostDelivery],
    channels: &[PublishChannel],
    tz: &jiff::tz::TimeZone,
) -> Entry {
    Entry {
        id: post.id,
        time: post
            .scheduled_at
            .and_then(|t| jiff::Timestamp::from_second(t).ok())
            .map(|t| t.to_zoned(tz.clone()).strftime("%H:%M").to_string())
            .unwrap_or_default(),
        title: post.title.clone(),
        state: post.state.clone(),
        state_key: format!("publishing.state_{}", post.state),
        campaign: post.campaign.clone(),
        channels: channel_summary(deliveries, channels),
    }
}

fn keep(q: &CalendarQuery, post: &Post, deliveries: &[PostDelivery]) -> bool {
    (q.campaign.is_empty() || post.campaign == q.campaign)
        && (q.channel.is_empty()
            || deliveries
                .iter()
                .any(|d| d.channel_id.to_string() == q.channel))
}

pub async fn calendar(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    calendar_page(&state, &w, q, None, Vec::new()).await
}

async fn calendar_page(
    state: &SharedState,
    w: &InWorkspace,
    q: CalendarQuery,
    feed_url: Option<String>,
    import_errors: Vec<String>,
) -> Result<Response, WebError> {
    let tr = w.ctx.tr;
    let tz = zone(&w.workspace.timezone);
    let now: Zoned = jiff::Timestamp::now().to_zoned(tz.clone());
    let today = now.date();
    let date: Date = q.date.parse().unwrap_or(today);
    let view: &'static str = match q.view.as_str() {
        "week" => "week",
        "list" => "list",
        _ => "month",
    };
    let (first, days, previous, next, heading) = match view {
        "week" => {
            let monday = date
                .checked_sub((date.weekday().to_monday_zero_offset() as i64).days())
                .unwrap_or(date);
            let sunday = monday.checked_add(6.days()).unwrap_or(monday);
            (
                monday,
                7,
                monday.checked_sub(7.days()).unwrap_or(monday),
                monday.checked_add(7.days()).unwrap_or(monday),
                tr.f(
                    "calendar.week_of",
                    &[
                        ("from", &monday.strftime("%d/%m").to_string()),
                        ("to", &sunday.strftime("%d/%m/%Y").to_string()),
                    ],
                ),
            )
        }
        "list" => (
            date,
            31,
            date.checked_sub(31.days()).unwrap_or(date),
            date.checked_add(31.days()).unwrap_or(date),
            tr.f(
                "calendar.from",
                &[("date", &date.strftime("%d/%m/%Y").to_string())],
            ),
        ),
        _ => {
            let month_start = date.first_of_month();
            let grid = month_start
                .checked_sub((month_start.weekday().to_monday_zero_offset() as i64).days())
                .unwrap_or(month_start);
            let month_end = date.last_of_month();
            let span = (month_end - grid).get_days() as i64 + 1;
            let weeks = (span + 6) / 7;
            (
                grid,
                weeks * 7,
                month_start.checked_sub(1.month()).unwrap_or(month_start),
                month_start.checked_add(1.month()).unwrap_or(month_start),
                format!(
                    "{} {}",
                    tr.t(&format!("calendar.month_{}", date.month())),
                    date.year()
                ),
            )
        }
    };
    let from = start_of(first, &tz);
    let to = start_of(first.checked_add(days.days()).unwrap_or(first), &tz);
    let channels = state.store.channels(w.workspace.id).await?;
    let posts = state.store.posts_between(w.workspace.id, from, to).await?;
    let mut all_days: Vec<Day> = (0..days)
        .filter_map(|i| first.checked_add(i.days()).ok())
        .map(|d| Day {
            date: d.to_string(),
            label: if view == "list" {
                format!(
                    "{} {}",
                    tr.t(&format!(
                        "calendar.weekday_{}",
                        d.weekday().to_monday_one_offset()
                    )),
                    d.strftime("%d/%m/%Y")
                )
            } else {
                d.day().to_string()
            },
            in_month: view != "month" || d.month() == date.month(),
            today: d == today,
            entries: Vec::new(),
        })
        .collect();
    for (post, deliveries) in &posts {
        if !keep(&q, post, deliveries) {
            continue;
        }
        let Some(at) = post.scheduled_at else {
            continue;
        };
        let Ok(ts) = jiff::Timestamp::from_second(at) else {
            continue;
        };
        let day = ts.to_zoned(tz.clone()).date().to_string();
        if let Some(cell) = all_days.iter_mut().find(|d| d.date == day) {
            cell.entries.push(entry(post, deliveries, &channels, &tz));
        }
    }
    let weeks: Vec<Vec<Day>> = if view == "list" {
        all_days
            .into_iter()
            .filter(|d| !d.entries.is_empty())
            .map(|d| vec![d])
            .collect()
    } else {
        let mut weeks = Vec::new();
        let mut days_iter = all_days.into_iter().peekable();
        while days_iter.peek().is_some() {
            weeks.push(days_iter.by_ref().take(7).collect());
        }
        weeks
    };
    let drafts = state
        .store
        .drafts(w.workspace.id, 50)
        .await?
        .iter()
        .filter(|(p, d)| keep(&q, p, d))
        .map(|(p, d)| entry(p, d, &channels, &tz))
        .collect();
    let campaigns = state.store.post_campaigns(w.workspace.id).await?;
    render(CalendarTemplate {
        c: Chrome::workspace(w, "publishing"),
        ws_slug: w.workspace.slug.clone(),
        view,
        heading,
        weekdays: (1..=7)
            .map(|d| tr.t(&format!("calendar.weekday_{d}")).to_owned())
            .collect(),
        weeks,
        drafts,
        previous: previous.to_string(),
        next: next.to_string(),
        today: today.to_string(),
        date: date.to_string(),
        filter_query: format!(
            "&{}",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("campaign", &q.campaign)
                .append_pair("channel", &q.channel)
                .finish()
        ),
        campaign: q.campaign,
        channel: q.channel,
        campaigns,
        channels: channels.iter().map(|c| (c.id, c.name.clone())).collect(),
        timezone: w.workspace.timezone.clone(),
        may_publish: w.role.can(Permission::Publish),
        feed_url,
        import_errors,
    })
}

/// A new secret address for the calendar feed (the previous one stops working), shown once.
pub async fn new_feed(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let token = crate::auth::random_token();
    state
        .store
        .set_calendar_feed(w.workspace.id, &crate::auth::token_hash(&token), unix_now())
        .await?;
    super::audit_in(&state, &w, "calendar_feed_created", "").await?;
    let url = format!("{}/ical/{token}.ics", state.config.base_url);
    calendar_page(&state, &w, CalendarQuery::default(), Some(url), Vec::new()).await
}

/// The iCalendar feed: the planned posts from a month ago to a year ahead.
pub async fn feed(
    State(state): State<SharedState>,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let Some(workspace_id) = state
        .store
        .calendar_feed_workspace(&crate::auth::token_hash(token))
        .await?
    else {
        return Err(WebError::NotFound);
    };
    let Some(workspace) = state.store.workspace_by_id(workspace_id).await? else {
        return Err(WebError::NotFound);
    };
    let now = unix_now();
    let channels = state.store.channels(workspace_id).await?;
    let posts = state
        .store
        .posts_between(workspace_id, now - 31 * 86_400, now + 366 * 86_400)
        .await?;
    let events: Vec<ical::Event> = posts
        .iter()
        .filter_map(|(post, deliveries)| {
            let description = deliveries
                .iter()
                .map(|d| {
                    let channel = channels
                        .iter()
                        .find(|c| c.id == d.channel_id)
                        .map(|c| c.name.as_str())
                        .unwrap_or("?");
                    match &d.language {
                        Some(lang) => format!("{channel} ({lang}) : {}", d.body),
                        None => format!("{channel} : {}", d.body),
                    }
                })
                .collect::<Vec<_>>()
                .join("\n\n");
            let mut categories = Vec::new();
            if !post.campaign.is_empty() {
                categories.push(post.campaign.clone());
            }
            categories.extend(post.tags.iter().cloned());
            Some(ical::Event {
                uid: format!("post-{}@{}.jardinier", post.id, workspace.slug),
                start: post.scheduled_at?,
                minutes: 15,
                summary: format!("[{}] {}", post.state, post.title),
                description,
                url: Some(format!(
                    "{}/w/{}/publishing/posts/{}",
                    state.config.base_url, workspace.slug, post.id
                )),
                confirmed: matches!(post.state.as_str(), "scheduled" | "published"),
                categories,
            })
        })
        .collect();
    let body = ical::calendar(&workspace.name, &events, now);
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// The planned posts (drafts and everything from today on) as CSV.
pub async fn export_csv(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewPublishing)?;
    let tz = &w.workspace.timezone;
    let now = unix_now();
    let channels = state.store.channels(w.workspace.id).await?;
    let mut posts = state
        .store
        .posts_between(w.workspace.id, now - 86_400, now + 3 * 366 * 86_400)
        .await?;
    posts.extend(state.store.drafts(w.workspace.id, 500).await?);
    let mut rows = Vec::new();
    for (post, deliveries) in &posts {
        let (date, time) = post
            .scheduled_at
            .map(|t| planned::local(t, tz))
            .unwrap_or_default();
        for d in deliveries {
            rows.push(planned::Row {
                title: &post.title,
                date: date.clone(),
                time: time.clone(),
                channel: channels
                    .iter()
                    .find(|c| c.id == d.channel_id)
                    .map(|c| c.name.as_str())
                    .unwrap_or(""),
                language: d.language.as_deref().unwrap_or(""),
                text: &d.body,
                campaign: &post.campaign,
                tags: post.tags.join("|"),
                state: &post.state,
            });
        }
    }
    let mut response = planned::write(&rows).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}-calendar.csv\"",
        w.workspace.slug
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct ImportForm {
    #[serde(default)]
    csv: String,
}

/// Planned posts from CSV: the whole file is checked before anything is added, and each
/// mistake is named with its line.
pub async fn import_csv(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<ImportForm>,
) -> Result<Response, WebError> {
    w.require(Permission::Publish)?;
    let tr = w.ctx.tr;
    let channels = state.store.channels(w.workspace.id).await?;
    let refs: Vec<planned::ChannelRef> = channels
        .iter()
        .map(|c| planned::ChannelRef {
            id: c.id,
            name: c.name.clone(),
            kind: c.kind.clone(),
        })
        .collect();
    let now = unix_now();
    let posts = match planned::read(&form.csv, &refs, &w.workspace.timezone, now) {
        Ok(posts) if posts.is_empty() => {
            let errors = vec![tr.t("calendar.import_empty").to_owned()];
            return calendar_page(&state, &w, CalendarQuery::default(), None, errors).await;
        }
        Ok(posts) => posts,
        Err(errors) => {
            let errors = errors
                .into_iter()
                .map(|e| {
                    tr.f(
                        "calendar.import_line",
                        &[("line", &e.line.to_string()), ("message", &e.message)],
                    )
                })
                .collect();
            return calendar_page(&state, &w, CalendarQuery::default(), None, errors).await;
        }
    };
    let count = posts.len();
    for post in posts {
        let variants: Vec<NewVariant> = post
            .variants
            .into_iter()
            .map(|(channel_id, language, text)| NewVariant {
                channel_id,
                language,
                text,
            })
            .collect();
        state
            .store
            .create_post(&NewPost {
                workspace_id: w.workspace.id,
                author_id: Some(w.user.id),
                title: &post.title,
                variants: &variants,
                campaign: &post.campaign,
                tags: &post.tags,
                short_links: &[],
                media: &[],
                first_comment: None,
                poll: None,
                scheduled_at: post.at,
                draft: false,
                now,
            })
            .await?;
    }
    super::audit_in(&state, &w, "calendar_imported", &count.to_string()).await?;
    Ok(redirect(&format!(
        "/w/{}/publishing/calendar?view=list&done=calendar_imported",
        w.workspace.slug
    )))
}
