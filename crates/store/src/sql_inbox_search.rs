//! Finding conversations: the inbox's queue, its filters and its search, one statement built
//! piece by piece for both backends (`find_conversations`), and a search's total
//! (`count_found`). Searched words and people are read newest first and further only while a
//! page is not full, so a common word costs a bounded read (issue 21).

use crate::sql::SqlStore;
use crate::sql_inbox::conversation_row;
use crate::{AssigneeFilter, Conversation, ConversationFilter, Result};

/// A bound value of a query built piece by piece.
#[derive(Clone)]
enum Bind {
    Int(i64),
    Text(String),
}

/// The highest `$n` placeholder in `sql`: a statement is bound exactly that many values
/// (PostgreSQL refuses more than its statement has).
fn placeholders(sql: &str) -> usize {
    let bytes = sql.as_bytes();
    let mut highest = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let digits = bytes[i + 1..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            if let Ok(n) = sql[i + 1..i + 1 + digits].parse::<usize>() {
                highest = highest.max(n);
            }
            i += digits;
        }
        i += 1;
    }
    highest
}

/// `$query` (a statement of `$sql`) with the first values of `$binds` bound: as many as
/// `$sql` has placeholders.
macro_rules! bound {
    ($query:expr, $sql:expr, $binds:expr) => {{
        let used = placeholders(&$sql);
        let mut query = $query;
        for bind in $binds.iter().take(used).cloned() {
            query = match bind {
                Bind::Int(v) => query.bind(v),
                Bind::Text(v) => query.bind(v),
            };
        }
        query
    }};
}

/// A `SELECT COUNT(*)` statement with its values bound.
fn counted<'q>(
    sql: String,
    binds: &[Bind],
) -> sqlx::query::QueryScalar<'q, sqlx::Any, i64, sqlx::any::AnyArguments> {
    bound!(
        sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql.clone())),
        sql,
        binds
    )
}

/// What `find_conversations` is asked for.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Find {
    Page,
    Count,
}

pub(crate) enum Found {
    Page(Vec<Conversation>),
    /// Conversations found (at most `COUNT_CAP`), and whether there are more.
    Count(i64, bool),
}

/// A search's total is counted up to this many conversations ("more than 1,000").
use crate::COUNT_CAP;
/// ... among the conversations of at most this many of the newest matching messages.
const COUNT_MESSAGES: i64 = 2_000;

impl SqlStore {
    pub(crate) async fn find_conversations(
        &self,
        f: &ConversationFilter,
        find: Find,
    ) -> Result<Found> {
        // Searched words: the newest messages that have every word are read first, newest
        // first (the index gives them in that order), and their conversations filtered and
        // sorted; only when a page is not filled are more, older messages read. So a common
        // word (a product, the brand) costs a bounded read, like a rare one.
        let groups: Vec<&Vec<String>> = f.terms.iter().filter(|g| !g.is_empty()).collect();
        let sqlite = self.backend == crate::Backend::Sqlite;
        // The person searched for, by their profile's name or identities: their ids first (a
        // scan of the members, far fewer than conversations), then their conversations newest
        // first like the words' (a common first name has thousands).
        let members: Vec<i64> = match f
            .contact
            .as_deref()
            .map(|c| c.trim().to_lowercase().replace(['%', '_'], ""))
            .filter(|c| !c.is_empty())
        {
            // SQLite's LIKE ignores case (ASCII; its LOWER folds no more than that), and
            // calling LOWER on every row doubled the scan; PostgreSQL's LIKE does not.
            Some(contact) => sqlx::query_scalar::<_, i64>(if sqlite {
                "SELECT m.id FROM members m WHERE m.workspace_id = $1 AND m.display_name LIKE $2 \
                 UNION SELECT i.member_id FROM member_identities i WHERE i.workspace_id = $1 AND i.value LIKE $2"
            } else {
                "SELECT m.id FROM members m WHERE m.workspace_id = $1 AND LOWER(m.display_name) LIKE $2 \
                 UNION SELECT i.member_id FROM member_identities i WHERE i.workspace_id = $1 AND LOWER(i.value) LIKE $2"
            })
            .bind(f.workspace_id)
            .bind(format!("%{contact}%"))
            .fetch_all(&self.pool)
            .await?,
            None => Vec::new(),
        };
        // The same for a label: a common one is found by walking, a rare one read as a set.
        const LABEL_SET_LIMIT: i64 = 2_000;
        let walk_label = match &f.label {
            Some(label) => sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM conversation_labels WHERE workspace_id = $1 \
                     AND label = $2 LIMIT {LABEL_SET_LIMIT}) AS labelled"
            )))
            .bind(f.workspace_id)
            .bind(label)
            .fetch_one(&self.pool)
            .await?
                >= LABEL_SET_LIMIT,
            None => false,
        };
        let mut binds = vec![Bind::Int(f.workspace_id)];
        let mut next = |b: Bind| {
            binds.push(b);
            format!("${}", binds.len())
        };
        // Without statistics SQLite would sort every open conversation of the workspace: the
        // plain queue walks the recent-activity index instead.
        let plain = f.state.is_none()
            && f.assignee == AssigneeFilter::Anyone
            && f.label.is_none()
            && f.queue.is_none()
            && f.terms.iter().all(|g| g.is_empty())
            && f.contact.as_deref().is_none_or(|c| c.trim().is_empty());
        let cols = conversation_cols!();
        let mine_only = f.state.is_none()
            && matches!(f.assignee, AssigneeFilter::User(_))
            && f.label.is_none()
            && f.queue.is_none();
        // A label or a search names a set of conversations: read them by id and sort them,
        // rather than walk the workspace's recent activity looking for them.
        let searched =
            !groups.is_empty() || f.contact.as_deref().is_some_and(|c| !c.trim().is_empty());
        let by_set = (f.label.is_some() && !walk_label) || searched;
        let walk =
            plain || (walk_label && f.state.is_none() && f.assignee == AssigneeFilter::Anyone);
        let hint = match (self.backend, walk, mine_only, by_set) {
            (crate::Backend::Sqlite, _, _, true) => " NOT INDEXED",
            (crate::Backend::Sqlite, true, _, false) => " INDEXED BY conversations_recent",
            (crate::Backend::Sqlite, _, true, false) => " INDEXED BY conversations_mine",
            _ => "",
        };
        let selected = match find {
            Find::Page => cols.replacen(
                "FROM conversations c",
                &format!("FROM conversations c{hint}"),
                1,
            ),
            Find::Count => format!("c.id FROM conversations c{hint}"),
        };
        let mut sql = format!("SELECT {selected} WHERE c.workspace_id = $1");
        match &f.state {
            Some(state) => sql += &format!(" AND c.state = {}", next(Bind::Text(state.clone()))),
            None => sql += " AND c.state <> 'done'",
        }
        match f.assignee {
            AssigneeFilter::Anyone => {}
            AssigneeFilter::Nobody => sql += " AND c.assignee_id IS NULL",
            AssigneeFilter::User(id) => {
                sql += &format!(" AND c.assignee_id = {}", next(Bind::Int(id)))
            }
        }
        if let Some(label) = &f.label {
            let p = next(Bind::Text(label.clone()));
            if walk_label {
                sql += &format!(
                    " AND EXISTS (SELECT 1 FROM conversation_labels l WHERE l.conversation_id = c.id \
                     AND l.label = {p})"
                );
            } else {
                sql += &format!(
                    " AND c.id IN (SELECT l.conversation_id FROM conversation_labels l \
                     WHERE l.workspace_id = $1 AND l.label = {p})"
                );
            }
        }
        if let Some(queue) = &f.queue {
            sql += &format!(" AND c.queue = {}", next(Bind::Text(queue.clone())));
        }
        if let Some((updated_at, id)) = f.before {
            let (u, i) = (next(Bind::Int(updated_at)), next(Bind::Int(id)));
            sql += &format!(" AND (c.updated_at < {u} OR (c.updated_at = {u} AND c.id < {i}))");
        }
        // A search is one set of conversation ids (those of the newest messages that have every
        // word, or the person's), read by id: no pass over the workspace's conversations.
        let mut searches = Vec::new();
        let mut match_limit_bind = None;
        let mut newest_sql = Vec::new();
        let limit = if !groups.is_empty() || !members.is_empty() {
            let limit = next(Bind::Int(0));
            // "$7" is the 7th bind, at index 6.
            match_limit_bind = limit[1..].parse::<usize>().ok().map(|n| n - 1);
            limit
        } else {
            String::new()
        };
        if !groups.is_empty() {
            let newest = if sqlite {
                let p = next(Bind::Text(crate::archive_fts::matching(
                    f.workspace_id,
                    &groups.iter().map(|g| g.as_slice()).collect::<Vec<_>>(),
                )));
                format!(
                    "SELECT item_fts.rowid AS item_id FROM item_fts WHERE item_fts MATCH {p} \
                     ORDER BY item_fts.rowid DESC LIMIT {limit}"
                )
            } else {
                // The first word's postings, newest first (one backward index scan per
                // alternative, merged), each checked for the other words.
                let first: Vec<String> = groups[0]
                    .iter()
                    .map(|t| {
                        let p = next(Bind::Text(t.clone()));
                        format!(
                            "(SELECT t.item_id FROM item_terms t WHERE t.workspace_id = $1 \
                             AND t.term = {p} ORDER BY t.item_id DESC)"
                        )
                    })
                    .collect();
                let mut others = String::new();
                for group in &groups[1..] {
                    let alternatives: Vec<String> =
                        group.iter().map(|t| next(Bind::Text(t.clone()))).collect();
                    others += &format!(
                        " AND EXISTS (SELECT 1 FROM item_terms o WHERE o.workspace_id = $1 \
                         AND o.item_id = first.item_id AND o.term IN ({}))",
                        alternatives.join(", ")
                    );
                }
                format!(
                    "SELECT first.item_id FROM ({}) AS first WHERE TRUE{others} \
                     ORDER BY first.item_id DESC LIMIT {limit}",
                    first.join(" UNION ALL ")
                )
            };
            // Counting reads the newest matches once, as a named part (see `count_found`).
            let source = match find {
                Find::Page => format!("({newest})"),
                Find::Count => format!("newest{}", newest_sql.len()),
            };
            searches.push(format!(
                "SELECT ci.conversation_id FROM {source} AS newest \
                 JOIN conversation_items ci ON ci.item_id = newest.item_id"
            ));
            newest_sql.push(newest);
        }
        if !members.is_empty() {
            // Ids read from the database just above: plain numbers, written in the statement.
            let ids = members
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ");
            // A few people's conversations are read through the member index; a common first
            // name's thousands are walked newest first, which stops early.
            const FEW: i64 = 2_000;
            let theirs = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) FROM (SELECT 1 FROM conversations WHERE member_id IN ({ids}) \
                 LIMIT {FEW}) AS theirs"
            )))
            .fetch_one(&self.pool)
            .await?;
            if theirs < FEW {
                // The members are the workspace's (read above): no workspace condition, which
                // would tempt the planner into walking the workspace's recent conversations.
                searches.push(format!(
                    "SELECT p.id FROM conversations p WHERE p.member_id IN ({ids})"
                ));
            } else {
                let person = format!(
                    "SELECT p.id FROM conversations p WHERE p.workspace_id = $1 \
                     AND p.member_id IN ({ids}) ORDER BY p.updated_at DESC LIMIT {limit}"
                );
                searches.push(match find {
                    Find::Page => person.clone(),
                    Find::Count => format!("SELECT id FROM newest{}", newest_sql.len()),
                });
                newest_sql.push(person);
            }
        }
        if searched && searches.is_empty() {
            // Nothing has the words and nobody has the name.
            sql += " AND 1 = 0";
        }
        if !searches.is_empty() {
            let union = searches
                .iter()
                .enumerate()
                .map(|(i, s)| format!("SELECT * FROM ({s}) AS found{i}"))
                .collect::<Vec<_>>()
                .join(" UNION ");
            sql += &format!(" AND c.id IN ({union})");
        }
        if find == Find::Count {
            return self
                .count_found(sql, binds, match_limit_bind, newest_sql)
                .await;
        }
        sql += &format!(
            " ORDER BY c.updated_at DESC, c.id DESC LIMIT {}",
            next(Bind::Int(f.limit.clamp(1, 500)))
        );
        let page = f.limit.clamp(1, 500) as usize;
        // How many of the newest matching messages to read: 500 (a page of open conversations
        // among them, for a common word), more only when a page is not full.
        let match_limits: &[i64] = if match_limit_bind.is_some() && !newest_sql.is_empty() {
            &[500, 20_000, i64::MAX]
        } else {
            &[0]
        };
        let mut rows = Vec::new();
        for &match_limit in match_limits {
            if let Some(i) = match_limit_bind {
                binds[i] = Bind::Int(match_limit);
            }
            let query = bound!(sqlx::query(sqlx::AssertSqlSafe(sql.clone())), sql, binds);
            rows = match self.backend {
                crate::Backend::Sqlite => query.fetch_all(&self.pool).await?,
                // A page of the queue is a short query: starting parallel workers costs
                // PostgreSQL more (≈ 30 ms) than the walk it would share.
                crate::Backend::Postgres => {
                    let mut tx = self.pool.begin().await?;
                    sqlx::query("SET LOCAL max_parallel_workers_per_gather = 0")
                        .execute(&mut *tx)
                        .await?;
                    let rows = query.fetch_all(&mut *tx).await?;
                    tx.commit().await?;
                    rows
                }
            };
            if rows.len() >= page || match_limit == i64::MAX {
                break;
            }
            // A page not filled: read older matches only if a part stopped at its limit.
            let mut truncated = false;
            for newest in &newest_sql {
                let read = counted(format!("SELECT COUNT(*) FROM ({newest}) AS m"), &binds)
                    .fetch_one(&self.pool)
                    .await?;
                truncated |= read >= match_limit;
            }
            if !truncated {
                break;
            }
        }
        let mut conversations: Vec<Conversation> =
            rows.iter().map(conversation_row).collect::<Result<_>>()?;
        self.fill_labels(&mut conversations).await?;
        Ok(Found::Page(conversations))
    }

    /// Counts what the filter's query `sql` finds, up to `COUNT_CAP`, among the conversations
    /// of the newest `COUNT_MESSAGES` matching messages when words are searched.
    /// Counts the conversations found, up to `COUNT_CAP`, in one statement: each bounded read
    /// of the newest matches (`newest_sql`, named `newest0`, `newest1` in `sql`) is done once,
    /// for both the count and whether it stopped at its limit ("more"), rather than twice.
    async fn count_found(
        &self,
        sql: String,
        mut binds: Vec<Bind>,
        match_limit_bind: Option<usize>,
        newest_sql: Vec<String>,
    ) -> Result<Found> {
        if let Some(i) = match_limit_bind {
            binds[i] = Bind::Int(COUNT_MESSAGES);
        }
        let parts = newest_sql
            .iter()
            .enumerate()
            .map(|(i, newest)| format!("newest{i} AS MATERIALIZED ({newest})"))
            .collect::<Vec<_>>();
        let with = if parts.is_empty() {
            String::new()
        } else {
            format!("WITH {} ", parts.join(", "))
        };
        // The greatest number of matches one part read: at its limit, there may be more.
        let read = (0..newest_sql.len())
            .map(|i| format!("(SELECT COUNT(*) FROM newest{i})"))
            .reduce(|a, b| match self.backend {
                crate::Backend::Sqlite => format!("MAX({a}, {b})"),
                crate::Backend::Postgres => format!("GREATEST({a}, {b})"),
            })
            .unwrap_or_else(|| "0".into());
        let statement = format!(
            "{with}SELECT (SELECT COUNT(*) FROM ({sql} LIMIT {}) AS found), {read}",
            COUNT_CAP + 1
        );
        let (count, read) = bound!(
            sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(statement.clone())),
            statement,
            binds
        )
        .fetch_one(&self.pool)
        .await?;
        // Past the cap it is "more" whatever was read; below it, "more" when the read of the
        // newest matching messages stopped at its limit.
        let more = count > COUNT_CAP || (match_limit_bind.is_some() && read >= COUNT_MESSAGES);
        Ok(Found::Count(count.min(COUNT_CAP), more))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_highest_placeholder_is_found() {
        assert_eq!(super::placeholders("SELECT 1"), 0);
        assert_eq!(
            super::placeholders("a = $1 AND b IN ($3, $12) LIMIT $2"),
            12
        );
    }
}
