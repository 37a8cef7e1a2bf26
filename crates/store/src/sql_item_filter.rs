//! The `WHERE` clause of a mention filter, shared by the stream's page and its count.

use crate::{Backend, ItemFilter};

/// A value bound to a numbered placeholder.
pub(crate) enum Bind {
    Int(i64),
    Text(String),
}

/// The conditions on `items i` that `f` asks for, starting with `i.workspace_id = $1`, and the
/// values bound to their placeholders. Built from fixed fragments and numbered placeholders
/// only; every value is bound.
pub(crate) fn item_where(backend: Backend, f: &ItemFilter) -> (String, Vec<Bind>) {
    let mut sql = String::from("i.workspace_id = $1");
    let mut binds = vec![Bind::Int(f.workspace_id)];
    let next = |binds: &mut Vec<Bind>, value: Bind| {
        binds.push(value);
        format!("${}", binds.len())
    };
    if let Some(id) = f.source_id {
        sql += &format!(" AND i.source_id = {}", next(&mut binds, Bind::Int(id)));
    }
    if let Some(lang) = &f.lang {
        sql += &format!(
            " AND i.lang = {}",
            next(&mut binds, Bind::Text(lang.clone()))
        );
    }
    if let Some(sentiment) = &f.sentiment {
        sql += &format!(
            " AND COALESCE(i.sentiment_corrected, i.sentiment) = {}",
            next(&mut binds, Bind::Text(sentiment.clone()))
        );
    }
    if let Some(query_id) = f.query_id {
        sql += &format!(
            " AND i.id IN (SELECT m.item_id FROM item_matches m WHERE m.query_id = {})",
            next(&mut binds, Bind::Int(query_id))
        );
    }
    if !f.include_duplicates {
        sql += " AND i.duplicate_of IS NULL";
    }
    if let Some(before) = f.before_id {
        sql += &format!(" AND i.id < {}", next(&mut binds, Bind::Int(before)));
    }
    if let Some(from) = f.from {
        sql += &format!(
            " AND i.published_at >= {}",
            next(&mut binds, Bind::Int(from))
        );
    }
    if let Some(to) = f.to {
        sql += &format!(" AND i.published_at < {}", next(&mut binds, Bind::Int(to)));
    }
    if let Some(author) = f
        .author
        .as_deref()
        .map(|a| a.trim().to_lowercase().replace(['%', '_'], ""))
        .filter(|a| !a.is_empty())
    {
        let p = next(&mut binds, Bind::Text(format!("%{author}%")));
        sql += &format!(
            " AND (LOWER(COALESCE(i.author_name, '')) LIKE {p} OR LOWER(COALESCE(i.author_handle, '')) LIKE {p})"
        );
    }
    let groups: Vec<&[String]> = f
        .terms
        .iter()
        .filter(|g| !g.is_empty())
        .map(Vec::as_slice)
        .collect();
    if backend == Backend::Sqlite && !groups.is_empty() {
        let expression = crate::archive_fts::matching(f.workspace_id, &groups);
        sql += &format!(
            " AND i.id IN (SELECT rowid FROM item_fts WHERE item_fts MATCH {})",
            next(&mut binds, Bind::Text(expression))
        );
    }
    for group in groups.iter().filter(|_| backend == Backend::Postgres) {
        let alternatives: Vec<String> = group
            .iter()
            .map(|t| next(&mut binds, Bind::Text(t.clone())))
            .collect();
        sql += &format!(
            " AND i.id IN (SELECT t.item_id FROM item_terms t WHERE t.workspace_id = $1 AND t.term IN ({}))",
            alternatives.join(", ")
        );
    }
    (sql, binds)
}

/// `query` with `binds` bound in order.
pub(crate) fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    binds: Vec<Bind>,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
    for bind in binds {
        query = match bind {
            Bind::Int(v) => query.bind(v),
            Bind::Text(v) => query.bind(v),
        };
    }
    query
}
