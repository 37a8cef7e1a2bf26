//! The Listening section: the mentions stream, saved searches (checked as you type), sources.

use askama::Template;
use axum::Json;
use axum::extract::{Form, Path, Query, State};
use axum::response::{IntoResponse, Response};
use jardinier_domain::{FieldError, Permission, ValidationErrors};
use jardinier_i18n::Tr;
use jardinier_query::{ErrorKind, ParseError, parse};
use jardinier_store::{
    ItemFilter, ListeningQuery, NewListeningQuery, NewSource, Source, StoreError, StoredItem,
};
use serde::Deserialize;

use super::{
    Chrome, audit_in, format_time, no_errors, redirect, render, render_invalid, safe_next,
};
use crate::context::InWorkspace;
use crate::error::WebError;
use crate::{SharedState, auth, unix_now};

pub const KINDS: &[&str] = &["brand", "competitor", "product", "person", "topic"];
pub(crate) const SENTIMENTS: &[&str] = &["positive", "neutral", "negative"];
const PAGE: i64 = 50;
/// The stream counts what a filter finds up to this many ("10 000+" beyond).
const FOUND_CAP: i64 = 10_000;

/// A parse error in the reader's language, with its column.
pub fn query_error_message(tr: Tr, error: &ParseError) -> String {
    let column = (error.position + 1).to_string();
    let text = match &error.kind {
        ErrorKind::Empty => tr.t("query_error.empty").to_owned(),
        ErrorKind::ExpectedOperand { after: Some(op) } => {
            tr.f("query_error.expected_after", &[("op", op)])
        }
        ErrorKind::ExpectedOperand { after: None } => tr.t("query_error.expected_here").to_owned(),
        ErrorKind::UnclosedParenthesis { opened_at } => tr.f(
            "query_error.unclosed_parenthesis",
            &[("opened", &(opened_at + 1).to_string())],
        ),
        ErrorKind::UnexpectedCloseParenthesis => tr.t("query_error.unexpected_close").to_owned(),
        ErrorKind::UnclosedQuote => tr.t("query_error.unclosed_quote").to_owned(),
        ErrorKind::UnclosedBrace => tr.t("query_error.unclosed_brace").to_owned(),
        ErrorKind::UnexpectedCloseBrace => tr.t("query_error.unexpected_brace").to_owned(),
        ErrorKind::EmptyPhrase => tr.t("query_error.empty_phrase").to_owned(),
        ErrorKind::NoWord => tr.t("query_error.no_word").to_owned(),
        ErrorKind::BadWildcard => tr.t("query_error.bad_wildcard").to_owned(),
        ErrorKind::NearDistance => tr.t("query_error.near_distance").to_owned(),
        ErrorKind::NearOperand => tr.t("query_error.near_operand").to_owned(),
        ErrorKind::UnknownField(name) => tr.f("query_error.unknown_field", &[("field", name)]),
        ErrorKind::BadFieldValue { field, .. } => {
            tr.t(&format!("query_error.field_{field}")).to_owned()
        }
        ErrorKind::OnlyExclusions => tr.t("query_error.only_exclusions").to_owned(),
        ErrorKind::LowercaseOperator(word) => tr.f(
            "query_error.lowercase_operator",
            &[("word", word), ("upper", &word.to_uppercase())],
        ),
    };
    tr.f(
        "query_error.at_column",
        &[("column", &column), ("message", &text)],
    )
}

pub struct MentionView {
    pub id: i64,
    pub author: String,
    /// The author's followers, written for the reader ("121 000").
    pub reach: Option<String>,
    pub site: String,
    pub url: Option<String>,
    pub when: String,
    pub lang: String,
    pub sentiment: String,
    pub score: String,
    pub corrected: bool,
    pub title: Option<String>,
    /// The text in runs, `true` for the words the archive search matched.
    pub body: Vec<(String, bool)>,
    pub queries: Vec<String>,
    pub seen: i64,
    pub problem: Option<String>,
    /// The mention this one repeats (repost, syndication) or quotes.
    pub repost_of: Option<i64>,
    pub quote_of: Option<i64>,
    /// Quotes a post that is not in the archive.
    pub quotes_outside: bool,
}

pub(crate) fn mention_view(
    item: StoredItem,
    queries: &[ListeningQuery],
    search: &[Vec<String>],
    tz: &str,
    tr: jardinier_i18n::Tr,
) -> MentionView {
    let author = match (&item.author_name, &item.author_handle) {
        (Some(name), Some(handle)) => format!("{name} ({handle})"),
        (Some(name), None) => name.clone(),
        (None, Some(handle)) => handle.clone(),
        (None, None) => String::new(),
    };
    let mut body: String = item.body.chars().take(600).collect();
    if item.body.chars().count() > 600 {
        body.push('…');
    }
    let body = jardinier_listening::highlight(&body, search)
        .into_iter()
        .map(|(run, marked)| (run.to_owned(), marked))
        .collect();
    MentionView {
        id: item.id,
        author,
        reach: item.author_reach.map(|r| tr.n("listening.reach", r)),
        site: item
            .site
            .clone()
            .unwrap_or_else(|| item.source_kind.clone()),
        url: item.url,
        when: format_time(tr, item.published_at, tz),
        lang: item.lang.unwrap_or_else(|| "unknown".into()),
        score: item
            .sentiment_score
            .map(|s| tr.decimal(s, 2, true))
            .unwrap_or_default(),
        sentiment: item.sentiment.unwrap_or_default(),
        corrected: item.sentiment_corrected,
        title: item.title,
        body,
        queries: item
            .query_ids
            .iter()
            .filter_map(|id| queries.iter().find(|q| q.id == *id))
            .map(|q| q.name.clone())
            .collect(),
        seen: item.seen_count,
        problem: item.enrichment_error,
        repost_of: item.duplicate_of,
        quote_of: item.quote_of,
        quotes_outside: item.quote_of.is_none() && item.quoted_ref.is_some(),
    }
}

#[derive(Template)]
#[template(path = "listening.html")]
struct StreamTemplate {
    c: Chrome,
    ws_slug: String,
    queries: Vec<ListeningQuery>,
    mentions: Vec<MentionView>,
    /// "1 234 mentions", or "10 000+ mentions": what the filter finds in all.
    found: String,
    filter_query: Option<i64>,
    filter_sentiment: String,
    filter_lang: String,
    older: Option<String>,
    /// The current filter as query parameters, for the export links.
    export: String,
    search: String,
    from: String,
    to: String,
    author: String,
    /// May send mentions to the inbox.
    can_inbox: bool,
    can_manage: bool,
    corrections: i64,
    /// What the workspace's sentiment learned from its corrections, in words.
    learned: Vec<String>,
    sentiments: &'static [&'static str],
}

/// "Learned from 48 corrections", and what that brought on held-out corrections.
fn learned_lines(state: &SharedState, w: &InWorkspace) -> Vec<String> {
    let Some(summary) = state.ingestor.learning_summary(w.workspace.id) else {
        return Vec::new();
    };
    let t = &w.ctx.tr;
    if summary.corrections == 0 {
        return Vec::new();
    }
    let mut lines = vec![t.t("listening.learned").to_owned()];
    if let Some((_, before, after)) = summary.measured {
        let percent = |x: f64| format!("{:.0}", x * 100.0);
        lines.push(t.f(
            "listening.learned_measured",
            &[
                ("before", percent(before).as_str()),
                ("after", percent(after).as_str()),
            ],
        ));
    }
    lines
}

#[derive(Deserialize, Default)]
pub struct StreamQuery {
    #[serde(default)]
    query: String,
    #[serde(default)]
    sentiment: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    pub(crate) before: Option<i64>,
    /// Archive search words (every word must match; inflections too).
    #[serde(default)]
    q: String,
    /// Dates, YYYY-MM-DD, in the workspace's time zone.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    author: String,
}

impl StreamQuery {
    /// The API refuses what the pages quietly ignore: a field and what is wrong with it.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        for (field, value) in [("from", &self.from), ("to", &self.to)] {
            if !value.is_empty() && value.parse::<jiff::civil::Date>().is_err() {
                return Err((
                    field,
                    format!("{field}: {value:?} is not a day written YYYY-MM-DD"),
                ));
            }
        }
        if !["", "positive", "neutral", "negative"].contains(&self.sentiment.as_str()) {
            return Err((
                "sentiment",
                format!(
                    "sentiment: {:?} is not one of positive, neutral, negative",
                    self.sentiment
                ),
            ));
        }
        if !["", "fr", "en", "unknown"].contains(&self.lang.as_str()) {
            return Err((
                "lang",
                format!("lang: {:?} is not one of fr, en, unknown", self.lang),
            ));
        }
        Ok(())
    }
}

/// The filter a stream or export request asks for, in the workspace's time zone.
pub(crate) fn item_filter(
    q: &StreamQuery,
    queries: &[ListeningQuery],
    workspace_id: i64,
    tz: &str,
    limit: i64,
) -> ItemFilter {
    let day = |text: &str, plus_days: i64| -> Option<i64> {
        let date: jiff::civil::Date = text.trim().parse().ok()?;
        let zone = jiff::tz::TimeZone::get(tz).unwrap_or(jiff::tz::TimeZone::UTC);
        Some(date.to_zoned(zone).ok()?.timestamp().as_second() + plus_days * 86_400)
    };
    let groups = jardinier_query::search_groups(&q.q);
    ItemFilter {
        workspace_id,
        query_id: q
            .query
            .parse::<i64>()
            .ok()
            .filter(|id| queries.iter().any(|x| x.id == *id)),
        lang: Some(q.lang.clone()).filter(|l| matches!(l.as_str(), "fr" | "en" | "unknown")),
        sentiment: Some(q.sentiment.clone()).filter(|s| SENTIMENTS.contains(&s.as_str())),
        before_id: q.before,
        limit,
        terms: groups,
        from: day(&q.from, 0),
        to: day(&q.to, 1),
        author: Some(q.author.trim().to_owned()).filter(|a| !a.is_empty()),
        ..Default::default()
    }
}

/// The query string of a filter, for links that keep it (older page, export).
fn filter_params(q: &StreamQuery, extra: &[(&str, String)]) -> String {
    let mut params = form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("query", &q.query),
        ("sentiment", &q.sentiment),
        ("lang", &q.lang),
        ("q", &q.q),
        ("from", &q.from),
        ("to", &q.to),
        ("author", &q.author),
    ] {
        if !v.is_empty() {
            params.append_pair(k, v);
        }
    }
    for (k, v) in extra {
        params.append_pair(k, v);
    }
    params.finish()
}

pub async fn stream(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(q): Query<StreamQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    let queries = state.store.listening_queries(w.workspace.id).await?;
    let filter = item_filter(&q, &queries, w.workspace.id, &w.workspace.timezone, PAGE);
    let items = state.store.items(&filter).await?;
    let whole = ItemFilter {
        before_id: None,
        ..filter.clone()
    };
    let (count, more) = state.store.count_items(&whole, FOUND_CAP).await?;
    let found = if more {
        w.ctx.tr.n("listening.found_more", count)
    } else {
        w.ctx.tr.n("listening.found", count)
    };
    let older = (items.len() as i64 == PAGE).then(|| {
        let last = items.last().map(|i| i.id).unwrap_or_default();
        format!(
            "/w/{}/listening?{}",
            w.workspace.slug,
            filter_params(&q, &[("before", last.to_string())])
        )
    });
    let export = filter_params(&q, &[]);
    let (filter_query, sentiment, lang) = (
        filter.query_id,
        filter.sentiment.clone(),
        filter.lang.clone(),
    );
    let mentions = items
        .into_iter()
        .map(|i| mention_view(i, &queries, &filter.terms, &w.workspace.timezone, w.ctx.tr))
        .collect();
    render(StreamTemplate {
        c: Chrome::workspace(&w, "listening"),
        ws_slug: w.workspace.slug.clone(),
        corrections: state.store.sentiment_corrections(w.workspace.id).await?,
        learned: learned_lines(&state, &w),
        queries,
        mentions,
        found,
        filter_query,
        filter_sentiment: sentiment.unwrap_or_default(),
        filter_lang: lang.unwrap_or_default(),
        older,
        export,
        search: q.q.clone(),
        from: q.from.clone(),
        to: q.to.clone(),
        author: q.author.clone(),
        can_inbox: w.can(Permission::ViewInbox),
        can_manage: w.can(Permission::ManageListening),
        sentiments: SENTIMENTS,
    })
}

/// The names of the saved searches an item matched ("" for one since deleted).
fn search_names(ids: &[i64], queries: &[ListeningQuery]) -> Vec<String> {
    ids.iter()
        .map(|id| {
            queries
                .iter()
                .find(|x| x.id == *id)
                .map(|x| x.name.clone())
                .unwrap_or_default()
        })
        .collect()
}

/// UNIX seconds as an RFC 3339 UTC time, for exports.
fn rfc3339(t: i64) -> String {
    jiff::Timestamp::from_second(t)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// One mention as the JSON export and the API give it.
pub(crate) fn mention_json(i: &StoredItem, queries: &[ListeningQuery]) -> serde_json::Value {
    serde_json::json!({
        "id": i.id, "published_at": rfc3339(i.published_at), "received_at": rfc3339(i.received_at),
        "source": i.source_kind, "source_id": i.source_id, "site": i.site, "url": i.url,
        "author": i.author_name, "handle": i.author_handle, "reach": i.author_reach, "lang": i.lang,
        "sentiment": i.sentiment, "score": i.sentiment_score, "sentiment_corrected": i.sentiment_corrected,
        "searches": search_names(&i.query_ids, queries), "title": i.title, "text": i.body,
        "duplicate_of": i.duplicate_of, "seen_count": i.seen_count, "parent_id": i.parent_external_id,
        "quote_of": i.quote_of, "quoted_ref": i.quoted_ref,
        "enrichment_error": i.enrichment_error,
    })
}

/// A cell of text that people or networks control, neutralised for spreadsheets (issue 14); the
/// numbers we write (id, reach, score) stay numbers.
fn text_cell(text: Option<&str>) -> String {
    jardinier_domain::spreadsheet::cell(text.unwrap_or_default()).into_owned()
}

/// At most this many mentions per export.
const EXPORT_LIMIT: i64 = 50_000;

/// The filtered mentions as CSV or JSON (`format`: csv or json).
pub async fn export(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, format)): Path<(String, String)>,
    Query(q): Query<StreamQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    if !matches!(format.as_str(), "csv" | "json") {
        return Err(WebError::NotFound);
    }
    let queries = state.store.listening_queries(w.workspace.id).await?;
    let mut filter = item_filter(&q, &queries, w.workspace.id, &w.workspace.timezone, 1_000);
    filter.before_id = None;
    let mut items = Vec::new();
    loop {
        let page = state.store.items(&filter).await?;
        let done = (page.len() as i64) < filter.limit;
        filter.before_id = page.last().map(|i| i.id);
        items.extend(page);
        if done || items.len() as i64 >= EXPORT_LIMIT {
            break;
        }
    }
    items.truncate(EXPORT_LIMIT as usize);
    let (body, content_type) = if format == "csv" {
        let mut out = csv::Writer::from_writer(Vec::new());
        let header = [
            "id",
            "published_at",
            "source",
            "site",
            "url",
            "author",
            "handle",
            "reach",
            "lang",
            "sentiment",
            "score",
            "searches",
            "title",
            "text",
        ];
        out.write_record(header)
            .map_err(|e| WebError::Internal(e.into()))?;
        for i in &items {
            out.write_record([
                i.id.to_string(),
                rfc3339(i.published_at),
                i.source_kind.clone(),
                text_cell(i.site.as_deref()),
                text_cell(i.url.as_deref()),
                text_cell(i.author_name.as_deref()),
                text_cell(i.author_handle.as_deref()),
                i.author_reach.map(|r| r.to_string()).unwrap_or_default(),
                i.lang.clone().unwrap_or_default(),
                i.sentiment.clone().unwrap_or_default(),
                i.sentiment_score
                    .map(|s| format!("{s:.3}"))
                    .unwrap_or_default(),
                text_cell(Some(&search_names(&i.query_ids, &queries).join("; "))),
                text_cell(i.title.as_deref()),
                text_cell(Some(&i.body)),
            ])
            .map_err(|e| WebError::Internal(e.into()))?;
        }
        (
            out.into_inner()
                .map_err(|e| WebError::Internal(anyhow::anyhow!("writing CSV: {e}")))?,
            "text/csv; charset=utf-8",
        )
    } else {
        let rows: Vec<serde_json::Value> =
            items.iter().map(|i| mention_json(i, &queries)).collect();
        (
            serde_json::to_vec_pretty(&rows).map_err(|e| WebError::Internal(e.into()))?,
            "application/json",
        )
    };
    let disposition = format!(
        "attachment; filename=\"{}-mentions.{format}\"",
        w.workspace.slug
    );
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_owned()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct CorrectionForm {
    #[serde(default)]
    sentiment: String,
    #[serde(default)]
    next: String,
}

pub async fn correct_sentiment(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<CorrectionForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    if !SENTIMENTS.contains(&form.sentiment.as_str()) {
        return Err(WebError::NotFound);
    }
    state
        .store
        .correct_sentiment(w.workspace.id, id, &form.sentiment)
        .await?;
    // The workspace's sentiment learns from it, off the request.
    let (ingestor, workspace_id) = (state.ingestor.clone(), w.workspace.id);
    tokio::spawn(async move {
        if let Err(error) = ingestor.relearn(workspace_id).await {
            tracing::error!(%error, workspace_id, "could not learn from a sentiment correction");
        }
    });
    audit_in(
        &state,
        &w,
        "sentiment_corrected",
        &format!("#{id} → {}", form.sentiment),
    )
    .await?;
    Ok(redirect(&safe_next(&form.next)))
}

#[derive(Template)]
#[template(path = "listening_queries.html")]
struct QueriesTemplate {
    c: Chrome,
    ws_slug: String,
    queries: Vec<ListeningQuery>,
    can_manage: bool,
    kinds: &'static [&'static str],
    errors: ValidationErrors,
    /// The query's own error, translated, with its column.
    query_message: Option<String>,
    editing: Option<i64>,
    name: String,
    kind: String,
    text: String,
}

async fn queries_template(
    state: &SharedState,
    w: &InWorkspace,
) -> Result<QueriesTemplate, WebError> {
    Ok(QueriesTemplate {
        c: Chrome::workspace(w, "listening"),
        ws_slug: w.workspace.slug.clone(),
        queries: state.store.listening_queries(w.workspace.id).await?,
        can_manage: w.can(Permission::ManageListening),
        kinds: KINDS,
        errors: no_errors(),
        query_message: None,
        editing: None,
        name: String::new(),
        kind: "brand".into(),
        text: String::new(),
    })
}

#[derive(Deserialize, Default)]
pub struct EditQuery {
    edit: Option<i64>,
}

pub async fn queries_page(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    let mut template = queries_template(&state, &w).await?;
    if let Some(existing) = q
        .edit
        .and_then(|id| template.queries.iter().find(|x| x.id == id).cloned())
    {
        template.editing = Some(existing.id);
        template.name = existing.name;
        template.kind = existing.kind;
        template.text = existing.query_text;
    }
    render(template)
}

#[derive(Deserialize)]
pub struct QueryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    query: String,
    #[serde(default)]
    id: Option<i64>,
}

pub async fn save_query(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<QueryForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    let mut errors = ValidationErrors::default();
    let name = errors.check(jardinier_domain::DisplayName::parse("name", &form.name));
    if !KINDS.contains(&form.kind.as_str()) {
        errors.push(FieldError::new("kind", "error.kind_invalid"));
    }
    let parsed = parse(&form.query);
    if parsed.is_err() {
        errors.push(FieldError::new("query", "error.query_invalid"));
    }
    let (Some(name), true) = (name, errors.is_empty()) else {
        let mut template = queries_template(&state, &w).await?;
        template.query_message = parsed.err().map(|e| query_error_message(w.ctx.tr, &e));
        template.errors = errors;
        template.editing = form.id;
        template.name = form.name;
        template.kind = form.kind;
        template.text = form.query;
        return render_invalid(template);
    };
    let now = unix_now();
    let text = form.query.trim();
    match form.id {
        Some(id) => {
            state
                .store
                .update_listening_query(w.workspace.id, id, name.as_str(), text, &form.kind, now)
                .await?;
            audit_in(&state, &w, "query_updated", &format!("{name}: {text}")).await?;
        }
        None => {
            state
                .store
                .create_listening_query(&NewListeningQuery {
                    workspace_id: w.workspace.id,
                    name: name.as_str(),
                    query_text: text,
                    kind: &form.kind,
                    created_by: Some(w.user.id),
                    now,
                })
                .await?;
            audit_in(&state, &w, "query_created", &format!("{name}: {text}")).await?;
        }
    }
    state.ingestor.reload_queries().await?;
    Ok(redirect(&format!(
        "/w/{}/listening/queries?done=query_saved",
        w.workspace.slug
    )))
}

pub async fn archive_query(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    state
        .store
        .archive_listening_query(w.workspace.id, id, unix_now())
        .await?;
    state.ingestor.reload_queries().await?;
    audit_in(&state, &w, "query_archived", &id.to_string()).await?;
    Ok(redirect(&format!(
        "/w/{}/listening/queries?done=query_archived",
        w.workspace.slug
    )))
}

#[derive(Deserialize)]
pub struct CheckQuery {
    #[serde(default)]
    q: String,
}

/// How many recent mentions the query check previews against.
const PREVIEW_WINDOW: i64 = 500;

/// Checks a query as it is typed: its error (translated, with the column) or how many recent
/// mentions it matches, with a few of them.
pub async fn check_query(
    State(state): State<SharedState>,
    w: InWorkspace,
    Query(q): Query<CheckQuery>,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    let tr = w.ctx.tr;
    let query = match parse(&q.q) {
        Ok(query) => query,
        Err(error) => {
            return Ok(Json(serde_json::json!({"valid": false, "position": error.position, "message": query_error_message(tr, &error)})).into_response());
        }
    };
    let recent = state
        .store
        .items(&ItemFilter {
            workspace_id: w.workspace.id,
            limit: PREVIEW_WINDOW,
            ..Default::default()
        })
        .await?;
    let scanned = recent.len();
    let matching: Vec<&StoredItem> = recent
        .iter()
        .filter(|item| {
            query.matches(&jardinier_listening::item_document(
                item.title.as_deref(),
                &item.body,
                &jardinier_listening::author_of(
                    item.author_name.as_deref(),
                    item.author_handle.as_deref(),
                ),
                item.site.as_deref(),
                item.lang.as_deref(),
                &item.source_kind,
            ))
        })
        .collect();
    let preview: Vec<serde_json::Value> = matching
        .iter()
        .take(5)
        .map(|item| serde_json::json!({"author": item.author_name, "site": item.site, "text": item.body.chars().take(200).collect::<String>()}))
        .collect();
    let summary = tr
        .n("listening.check_matches", matching.len() as i64)
        .replace("{scanned}", &tr.number(scanned as i64));
    Ok(Json(serde_json::json!({"valid": true, "message": summary, "matches": matching.len(), "scanned": scanned, "preview": preview})).into_response())
}

pub struct SourceView {
    pub source: Source,
    pub last_fetch: String,
    pub hook_url: String,
}

#[derive(Template)]
#[template(path = "listening_sources.html")]
struct SourcesTemplate {
    c: Chrome,
    ws_slug: String,
    sources: Vec<SourceView>,
    can_manage: bool,
    errors: ValidationErrors,
    name: String,
    feed_errors: ValidationErrors,
    feed_name: String,
    feed_url: String,
    feed_minutes: String,
}

async fn sources_template(
    state: &SharedState,
    w: &InWorkspace,
) -> Result<SourcesTemplate, WebError> {
    let never = w.ctx.tr.t("tokens.never").to_owned();
    let sources = state
        .store
        .sources(w.workspace.id)
        .await?
        .into_iter()
        .map(|source| SourceView {
            last_fetch: source
                .last_fetch_at
                .map(|t| format_time(w.ctx.tr, t, &w.workspace.timezone))
                .unwrap_or_else(|| never.clone()),
            hook_url: format!("{}/hooks/{}", state.config.base_url, source.id),
            source,
        })
        .collect();
    Ok(SourcesTemplate {
        c: Chrome::workspace(w, "listening"),
        ws_slug: w.workspace.slug.clone(),
        sources,
        can_manage: w.can(Permission::ManageListening),
        errors: no_errors(),
        name: String::new(),
        feed_errors: no_errors(),
        feed_name: String::new(),
        feed_url: String::new(),
        feed_minutes: "15".into(),
    })
}

pub async fn sources_page(
    State(state): State<SharedState>,
    w: InWorkspace,
) -> Result<Response, WebError> {
    w.require(Permission::ViewListening)?;
    render(sources_template(&state, &w).await?)
}

#[derive(Deserialize)]
pub struct SourceForm {
    #[serde(default)]
    name: String,
}

pub async fn create_webhook_source(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<SourceForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    let name = match jardinier_domain::DisplayName::parse("name", &form.name) {
        Ok(name) => name,
        Err(error) => {
            let mut template = sources_template(&state, &w).await?;
            template.errors = error.into();
            template.name = form.name;
            return render_invalid(template);
        }
    };
    let secret = auth::random_token();
    let source = state
        .store
        .create_source(&NewSource {
            workspace_id: w.workspace.id,
            kind: "webhook",
            name: name.as_str(),
            config: "{}",
            secret: Some(&secret),
            interval_secs: 0,
            now: unix_now(),
        })
        .await?;
    audit_in(
        &state,
        &w,
        "source_created",
        &format!("{} (webhook #{})", source.name, source.id),
    )
    .await?;
    Ok(redirect(&format!(
        "/w/{}/listening/sources?done=source_created",
        w.workspace.slug
    )))
}

/// A polling interval in minutes, 5 to 1,440; an error on `field` otherwise.
fn polling_minutes(errors: &mut ValidationErrors, field: &'static str, raw: &str) -> Option<i64> {
    match raw.trim().parse::<i64>() {
        Ok(m) if (5..=1440).contains(&m) => Some(m),
        _ => {
            errors.push(FieldError::new(field, "error.number_out_of_range"));
            None
        }
    }
}

/// Creates a polled source, records it in the audit log, and returns to the sources page.
async fn create_polled_source(
    state: &SharedState,
    w: &InWorkspace,
    new: NewSource<'_>,
    what: &str,
) -> Result<Response, WebError> {
    let source = state.store.create_source(&new).await?;
    audit_in(
        state,
        w,
        "source_created",
        &format!("{} ({} #{}: {what})", source.name, new.kind, source.id),
    )
    .await?;
    Ok(redirect(&format!(
        "/w/{}/listening/sources?done=feed_created",
        w.workspace.slug
    )))
}

#[derive(Deserialize)]
pub struct FeedForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    minutes: String,
}

/// Adds an RSS, Atom or JSON Feed source, polled every `minutes` (5 to 1,440).
pub async fn create_feed_source(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<FeedForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    let mut errors = ValidationErrors::default();
    let name = errors.check(jardinier_domain::DisplayName::parse(
        "feed_name",
        &form.name,
    ));
    let url = form.url.trim();
    let config = serde_json::json!({ "url": url }).to_string();
    if jardinier_connectors::feed::FeedConfig::parse(&config).is_err() {
        errors.push(FieldError::new("feed_url", "error.url_invalid"));
    }
    let minutes = polling_minutes(&mut errors, "feed_minutes", &form.minutes);
    let (Some(name), Some(minutes), true) = (name, minutes, errors.is_empty()) else {
        let mut template = sources_template(&state, &w).await?;
        template.feed_errors = errors;
        template.feed_name = form.name;
        template.feed_url = form.url;
        template.feed_minutes = form.minutes;
        return render_invalid(template);
    };
    let new = NewSource {
        workspace_id: w.workspace.id,
        kind: "feed",
        name: name.as_str(),
        config: &config,
        secret: None,
        interval_secs: minutes * 60,
        now: unix_now(),
    };
    create_polled_source(&state, &w, new, url).await
}

#[derive(Deserialize)]
pub struct SocialForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    base: String,
    #[serde(default)]
    search: String,
    #[serde(default)]
    minutes: String,
    /// Mastodon: hold a streaming connection too ("on" when ticked).
    #[serde(default)]
    stream: String,
    /// Mastodon: the account's access token (streaming, notifications, replies); Bluesky: the
    /// account's app password (notifications, replies).
    #[serde(default)]
    token: String,
    /// Bluesky: the brand's handle, to answer and to read its notifications.
    #[serde(default)]
    account: String,
    /// Follow the account's notifications (mentions, comments, direct messages): "on".
    #[serde(default)]
    notifications: String,
}

/// Adds a Mastodon hashtag, a Bluesky search or a Hacker News search.
pub async fn create_social_source(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<SocialForm>,
) -> Result<Response, WebError> {
    use jardinier_connectors::social::{BLUESKY_APPVIEW, HN_SEARCH, SocialConfig};
    w.require(Permission::ManageListening)?;
    let mut errors = ValidationErrors::default();
    if !matches!(form.kind.as_str(), "mastodon" | "bluesky" | "hackernews") {
        errors.push(FieldError::new("social_kind", "error.kind_invalid"));
    }
    let name = errors.check(jardinier_domain::DisplayName::parse(
        "social_name",
        &form.name,
    ));
    let base = match (form.kind.as_str(), form.base.trim()) {
        ("bluesky", "") => BLUESKY_APPVIEW.to_owned(),
        ("hackernews", "") => HN_SEARCH.to_owned(),
        (_, base) => base.to_owned(),
    };
    let stream = form.kind == "mastodon" && form.stream == "on";
    let notifications =
        matches!(form.kind.as_str(), "mastodon" | "bluesky") && form.notifications == "on";
    let mut config = serde_json::json!({"base": base, "search": form.search.trim()});
    if stream {
        config["stream"] = serde_json::json!(true);
    }
    if notifications {
        config["notifications"] = serde_json::json!(true);
    }
    let account = form.account.trim().trim_start_matches('@');
    if form.kind == "bluesky" && !account.is_empty() {
        config["account"] = serde_json::json!(account);
    }
    let config = config.to_string();
    let token = form.token.trim();
    if notifications && token.is_empty() {
        errors.push(FieldError::new("social_token", "error.required"));
    }
    if form.kind == "bluesky" && notifications && account.is_empty() {
        errors.push(FieldError::new("social_account", "error.required"));
    }
    if form.search.trim().is_empty() && !notifications {
        errors.push(FieldError::new("social_search", "error.required"));
    } else if SocialConfig::parse(&config).is_err() {
        errors.push(FieldError::new("social_base", "error.url_invalid"));
    }
    let minutes = polling_minutes(&mut errors, "social_minutes", &form.minutes);
    let (Some(name), Some(minutes), true) = (name, minutes, errors.is_empty()) else {
        let mut template = sources_template(&state, &w).await?;
        template.feed_errors = errors;
        return render_invalid(template);
    };
    let new = NewSource {
        workspace_id: w.workspace.id,
        kind: &form.kind,
        name: name.as_str(),
        config: &config,
        secret: (matches!(form.kind.as_str(), "mastodon" | "bluesky") && !token.is_empty())
            .then_some(token),
        interval_secs: minutes * 60,
        now: unix_now(),
    };
    create_polled_source(&state, &w, new, form.search.trim()).await
}

#[derive(Deserialize)]
pub struct ImapForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    host: String,
    #[serde(default)]
    port: String,
    #[serde(default)]
    security: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    mailbox: String,
    #[serde(default)]
    minutes: String,
    /// Every message needs an answer and goes to the inbox: "on".
    #[serde(default)]
    inbox: String,
    /// The outgoing server, to answer from the inbox (optional).
    #[serde(default)]
    smtp_host: String,
    #[serde(default)]
    smtp_port: String,
    #[serde(default)]
    smtp_security: String,
    #[serde(default)]
    smtp_from: String,
}

/// Adds an IMAP mailbox (the brand's contact address…). The password goes to the source's
/// secret, which is never shown again.
pub async fn create_imap_source(
    State(state): State<SharedState>,
    w: InWorkspace,
    Form(form): Form<ImapForm>,
) -> Result<Response, WebError> {
    use jardinier_connectors::imap::ImapConfig;
    w.require(Permission::ManageListening)?;
    let mut errors = ValidationErrors::default();
    let name = errors.check(jardinier_domain::DisplayName::parse(
        "imap_name",
        &form.name,
    ));
    let host = form.host.trim();
    if host.is_empty() || host.contains(['/', ' ', ':']) {
        errors.push(FieldError::new("imap_host", "error.host_invalid"));
    }
    let port = match form.port.trim().parse::<u16>() {
        Ok(p) if p > 0 => p,
        _ => {
            errors.push(FieldError::new("imap_port", "error.number_out_of_range"));
            0
        }
    };
    if !matches!(form.security.as_str(), "tls" | "starttls" | "none") {
        errors.push(FieldError::new("imap_security", "error.kind_invalid"));
    }
    if form.username.trim().is_empty() {
        errors.push(FieldError::new("imap_username", "error.required"));
    }
    if form.password.is_empty() {
        errors.push(FieldError::new("imap_password", "error.required"));
    }
    let mailbox = match form.mailbox.trim() {
        "" => "INBOX",
        m => m,
    };
    let mut config = serde_json::json!({
        "host": host,
        "port": port,
        "security": form.security,
        "username": form.username.trim(),
        "mailbox": mailbox,
    });
    if form.inbox == "on" {
        config["inbox"] = serde_json::json!(true);
    }
    let smtp_host = form.smtp_host.trim();
    if !smtp_host.is_empty() {
        let smtp_port = match form.smtp_port.trim().parse::<u16>() {
            Ok(p) if p > 0 => p,
            _ => {
                errors.push(FieldError::new(
                    "imap_smtp_port",
                    "error.number_out_of_range",
                ));
                0
            }
        };
        let security = match form.smtp_security.as_str() {
            s @ ("tls" | "starttls" | "none") => s,
            _ => "starttls",
        };
        let mut smtp =
            serde_json::json!({"host": smtp_host, "port": smtp_port, "security": security});
        if !form.smtp_from.trim().is_empty() {
            smtp["from"] = serde_json::json!(form.smtp_from.trim());
        }
        config["smtp"] = smtp;
    }
    let config = config.to_string();
    if !smtp_host.is_empty() && ImapConfig::parse(&config).is_err() {
        errors.push(FieldError::new("imap_smtp_host", "error.host_invalid"));
    }
    let minutes = polling_minutes(&mut errors, "imap_minutes", &form.minutes);
    let (Some(name), Some(minutes), true, Ok(_)) =
        (name, minutes, errors.is_empty(), ImapConfig::parse(&config))
    else {
        let mut template = sources_template(&state, &w).await?;
        template.feed_errors = errors;
        return render_invalid(template);
    };
    let new = NewSource {
        workspace_id: w.workspace.id,
        kind: "imap",
        name: name.as_str(),
        config: &config,
        secret: Some(&form.password),
        interval_secs: minutes * 60,
        now: unix_now(),
    };
    let what = format!("{}@{host}", form.username.trim());
    create_polled_source(&state, &w, new, &what).await
}

#[derive(Deserialize)]
pub struct EnableForm {
    #[serde(default)]
    enabled: String,
}

pub async fn set_source_enabled(
    State(state): State<SharedState>,
    w: InWorkspace,
    Path((_slug, id)): Path<(String, i64)>,
    Form(form): Form<EnableForm>,
) -> Result<Response, WebError> {
    w.require(Permission::ManageListening)?;
    let enabled = form.enabled == "true";
    match state
        .store
        .set_source_enabled(w.workspace.id, id, enabled)
        .await
    {
        Ok(()) => {}
        Err(StoreError::NotFound { .. }) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    audit_in(
        &state,
        &w,
        if enabled {
            "source_resumed"
        } else {
            "source_paused"
        },
        &id.to_string(),
    )
    .await?;
    Ok(redirect(&format!(
        "/w/{}/listening/sources?done=saved",
        w.workspace.slug
    )))
}
