//! [`InboxStore`] for [`SqlStore`].

use crate::sql_inbox_search::{Find, Found};
use async_trait::async_trait;
use jardinier_inbox::{State, after_assignment, after_inbound};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::Result;
use crate::error::StoreError;
use crate::inbox::*;
use crate::listening::StoredItem;
use crate::sql::SqlStore;

pub(crate) type Tx = sqlx::Transaction<'static, sqlx::Any>;

macro_rules! conversation_cols {
    () => {
        "c.id, c.workspace_id, c.channel, c.subject, c.contact_name, c.contact_handle, c.state, c.priority, \
         c.assignee_id, u.display_name AS assignee_name, c.created_at, c.updated_at, c.last_inbound_at, c.first_response_at, c.resolved_at, c.member_id, c.queue, \
         (SELECT COUNT(*) FROM conversation_items n WHERE n.conversation_id = c.id) AS item_count \
         FROM conversations c LEFT JOIN users u ON u.id = c.assignee_id"
    };
}

fn routing_rule_row(row: &AnyRow) -> Result<RoutingRule> {
    Ok(RoutingRule {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        name: row.try_get("name")?,
        conditions: row.try_get("conditions")?,
        action: row.try_get("action")?,
        enabled: row.try_get::<i64, _>("enabled")? != 0,
        created_at: row.try_get("created_at")?,
    })
}

pub(crate) fn conversation_row(row: &AnyRow) -> Result<Conversation> {
    Ok(Conversation {
        id: row.try_get("id")?,
        workspace_id: row.try_get("workspace_id")?,
        channel: row.try_get("channel")?,
        subject: row.try_get("subject")?,
        contact_name: row.try_get("contact_name")?,
        contact_handle: row.try_get("contact_handle")?,
        state: row.try_get("state")?,
        priority: row.try_get("priority")?,
        assignee_id: row.try_get("assignee_id")?,
        assignee_name: row.try_get("assignee_name")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        last_inbound_at: row.try_get("last_inbound_at")?,
        item_count: row.try_get("item_count")?,
        first_response_at: row.try_get("first_response_at")?,
        resolved_at: row.try_get("resolved_at")?,
        member_id: row.try_get("member_id")?,
        queue: row.try_get("queue")?,
        labels: Vec::new(),
    })
}

pub(crate) async fn record(
    tx: &mut Tx,
    conversation_id: i64,
    at: i64,
    actor_id: Option<i64>,
    kind: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO conversation_events (conversation_id, workspace_id, at, actor_id, kind, detail) \
         SELECT $1, workspace_id, $2, $3, $4, $5 FROM conversations WHERE id = $1",
    )
    .bind(conversation_id)
    .bind(at)
    .bind(actor_id)
    .bind(kind)
    .bind(detail)
    .execute(&mut **tx)
    .await?;
    // What integrators subscribe to, written with the change (the webhook outbox).
    let event = match (kind, detail) {
        ("opened", _) => "conversation.opened",
        ("state", "done") => "conversation.closed",
        ("reply_sent", _) => "reply.sent",
        ("reply_failed", _) => "reply.failed",
        _ => return Ok(()),
    };
    let row = sqlx::query(
        "SELECT workspace_id, channel, subject, contact_name, contact_handle, state, priority, \
         assignee_id FROM conversations WHERE id = $1",
    )
    .bind(conversation_id)
    .fetch_one(&mut **tx)
    .await?;
    let mut data = serde_json::json!({
        "conversation": {
            "id": conversation_id,
            "channel": row.try_get::<String, _>("channel")?,
            "subject": row.try_get::<String, _>("subject")?,
            "contact": {"name": row.try_get::<Option<String>, _>("contact_name")?,
                        "handle": row.try_get::<Option<String>, _>("contact_handle")?},
            "state": row.try_get::<String, _>("state")?,
            "priority": row.try_get::<String, _>("priority")?,
            "assignee_id": row.try_get::<Option<i64>, _>("assignee_id")?,
        },
        "actor_id": actor_id,
    });
    match kind {
        "reply_sent" => data["reply_excerpt"] = serde_json::json!(detail),
        "reply_failed" => data["error"] = serde_json::json!(detail),
        _ => {}
    }
    let workspace_id: i64 = row.try_get("workspace_id")?;
    crate::sql_webhooks::emit(tx, workspace_id, event, data, at).await
}

/// The conversation holding the item that `item_id` answers, if any: (conversation, its state,
/// its assignee).
async fn parent_conversation(
    tx: &mut Tx,
    item_id: i64,
) -> Result<Option<(i64, String, Option<i64>)>> {
    let row = sqlx::query(
        "SELECT c.id, c.state, c.assignee_id FROM items i \
         JOIN items p ON p.source_id = i.source_id AND p.external_id = i.parent_external_id \
         JOIN conversation_items ci ON ci.item_id = p.id \
         JOIN conversations c ON c.id = ci.conversation_id \
         WHERE i.id = $1 AND i.parent_external_id IS NOT NULL",
    )
    .bind(item_id)
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok((
            r.try_get("id")?,
            r.try_get("state")?,
            r.try_get("assignee_id")?,
        ))
    })
    .transpose()
}

/// Adds an item to a conversation whose person wrote again: it reopens.
async fn join(
    tx: &mut Tx,
    (conversation, state, assignee): (i64, String, Option<i64>),
    item_id: i64,
    published_at: i64,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO conversation_items (conversation_id, item_id, added_at) VALUES ($1, $2, $3)",
    )
    .bind(conversation)
    .bind(item_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    let state = State::parse(&state).unwrap_or(State::New);
    let next = after_inbound(state, assignee);
    sqlx::query(
        "UPDATE conversations SET state = $2, updated_at = $3, \
         last_inbound_at = CASE WHEN last_inbound_at > $4 THEN last_inbound_at ELSE $4 END WHERE id = $1",
    )
    .bind(conversation)
    .bind(next.as_str())
    .bind(now)
    .bind(published_at)
    .execute(&mut **tx)
    .await?;
    record(tx, conversation, now, None, "joined", &item_id.to_string()).await?;
    if next != state {
        record(tx, conversation, now, None, "state", next.as_str()).await?;
    }
    Ok(())
}

impl SqlStore {
    /// Deletes the workspace's row `id` of `table`; `NotFound { what }` when there is none.
    pub(crate) async fn delete_in_workspace(
        &self,
        table: &'static str,
        workspace_id: i64,
        id: i64,
        what: &'static str,
    ) -> Result<()> {
        let done = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DELETE FROM {table} WHERE workspace_id = $1 AND id = $2"
        )))
        .bind(workspace_id)
        .bind(id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what });
        }
        Ok(())
    }

    /// Reads the labels of these conversations (one query, by their ids: a page's conversations
    /// are scattered over the workspace's, and reading the range between the smallest and the
    /// largest id read every label of the workspace).
    pub(crate) async fn fill_labels(&self, conversations: &mut [Conversation]) -> Result<()> {
        if conversations.is_empty() {
            return Ok(());
        }
        // Ids read from the database: plain numbers, written in the statement.
        let ids = conversations
            .iter()
            .map(|c| c.id.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT conversation_id, label FROM conversation_labels \
             WHERE conversation_id IN ({ids}) ORDER BY label"
        )))
        .fetch_all(&self.pool)
        .await?;
        for row in rows {
            let id: i64 = row.try_get("conversation_id")?;
            if let Some(c) = conversations.iter_mut().find(|c| c.id == id) {
                c.labels.push(row.try_get("label")?);
            }
        }
        Ok(())
    }

    /// Conversations with any of these profiles, newest activity first.
    pub(crate) async fn conversations_of_members(
        &self,
        workspace_id: i64,
        members: &[i64],
    ) -> Result<Vec<Conversation>> {
        // Without statistics SQLite would take the workspace's index and walk every
        // conversation of the workspace (1.8 s at 200,000) rather than the person's few.
        let mut sql = concat!(
            "SELECT ",
            conversation_cols!(),
            " WHERE c.workspace_id = $1 AND c.member_id = $2"
        )
        .to_owned();
        if self.backend == crate::Backend::Sqlite {
            sql = sql.replace(
                "FROM conversations c ",
                "FROM conversations c INDEXED BY conversations_by_member ",
            );
        }
        let mut out = Vec::new();
        for member in members {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(workspace_id)
                .bind(*member)
                .fetch_all(&self.pool)
                .await?;
            for row in &rows {
                out.push(conversation_row(row)?);
            }
        }
        out.sort_by_key(|c| std::cmp::Reverse((c.updated_at, c.id)));
        Ok(out)
    }

    pub(crate) async fn begin_write(&self) -> Result<Tx> {
        Ok(match self.backend {
            crate::Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            crate::Backend::Postgres => self.pool.begin().await?,
        })
    }
}

#[async_trait]
impl InboxStore for SqlStore {
    async fn conversation_summary(
        &self,
        workspace_id: i64,
        id: i64,
    ) -> Result<Option<Conversation>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            conversation_cols!(),
            " WHERE c.workspace_id = $1 AND c.id = $2"
        ))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let mut found: Vec<Conversation> = row
            .as_ref()
            .map(conversation_row)
            .transpose()?
            .into_iter()
            .collect();
        self.fill_labels(&mut found).await?;
        Ok(found.pop())
    }
    async fn send_to_inbox(
        &self,
        workspace_id: i64,
        item_id: i64,
        actor_id: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let item = sqlx::query(
            "SELECT i.source_kind, i.title, i.body, i.author_name, i.author_handle, i.published_at, \
             COALESCE(i.sentiment_corrected, i.sentiment) AS tone, i.author_reach, \
             ci.conversation_id FROM items i LEFT JOIN conversation_items ci ON ci.item_id = i.id \
             WHERE i.id = $1 AND i.workspace_id = $2",
        )
        .bind(item_id)
        .bind(workspace_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound { what: "mention" })?;
        if let Some(conversation) = item.try_get::<Option<i64>, _>("conversation_id")? {
            return Ok(conversation);
        }
        let published_at: i64 = item.try_get("published_at")?;
        let id = match parent_conversation(&mut tx, item_id).await? {
            Some(parent) => {
                let id = parent.0;
                join(&mut tx, parent, item_id, published_at, now).await?;
                id
            }
            None => {
                let title: Option<String> = item.try_get("title")?;
                let body: String = item.try_get("body")?;
                let channel: String = item.try_get("source_kind")?;
                let member = crate::sql_members::member_for_author(
                    &mut tx,
                    workspace_id,
                    &channel,
                    item.try_get::<Option<String>, _>("author_name")?.as_deref(),
                    item.try_get::<Option<String>, _>("author_handle")?
                        .as_deref(),
                    now,
                )
                .await?;
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO conversations (workspace_id, channel, subject, contact_name, contact_handle, state, \
                     priority, assignee_id, created_at, updated_at, last_inbound_at, member_id) \
                     VALUES ($1, $2, $3, $4, $5, 'new', $9, NULL, $6, $6, $7, $8) RETURNING id",
                )
                .bind(workspace_id)
                .bind(&channel)
                .bind(jardinier_inbox::subject(title.as_deref(), &body))
                .bind(item.try_get::<Option<String>, _>("author_name")?)
                .bind(item.try_get::<Option<String>, _>("author_handle")?)
                .bind(now)
                .bind(published_at)
                .bind(member)
                // Reach and negativity raise it (a routing rule's priority replaces it).
                .bind(
                    jardinier_inbox::initial_priority(
                        item.try_get::<Option<String>, _>("tone")?.as_deref(),
                        item.try_get::<Option<i64>, _>("author_reach")?,
                    )
                    .as_str(),
                )
                .fetch_one(&mut *tx)
                .await?;
                sqlx::query(
                    "INSERT INTO conversation_items (conversation_id, item_id, added_at) VALUES ($1, $2, $3)",
                )
                .bind(id)
                .bind(item_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                record(&mut tx, id, now, actor_id, "opened", &channel).await?;
                id
            }
        };
        tx.commit().await?;
        Ok(id)
    }

    async fn join_replies(&self, item_ids: &[i64], now: i64) -> Result<Vec<i64>> {
        if item_ids.is_empty() {
            return Ok(Vec::new());
        }
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        let mut changed = Vec::new();
        for item_id in item_ids {
            let already: Option<i64> = sqlx::query_scalar(
                "SELECT conversation_id FROM conversation_items WHERE item_id = $1",
            )
            .bind(*item_id)
            .fetch_optional(&mut *tx)
            .await?;
            if already.is_some() {
                continue;
            }
            // The brand's own reply, read back by a connector, is not the person writing again.
            let ours: Option<i64> = sqlx::query_scalar(
                "SELECT r.id FROM items i JOIN replies r ON r.remote_id = i.external_id \
                 AND r.workspace_id = i.workspace_id WHERE i.id = $1",
            )
            .bind(*item_id)
            .fetch_optional(&mut *tx)
            .await?;
            if ours.is_some() {
                continue;
            }
            if let Some(parent) = parent_conversation(&mut tx, *item_id).await? {
                let published_at: i64 =
                    sqlx::query_scalar("SELECT published_at FROM items WHERE id = $1")
                        .bind(*item_id)
                        .fetch_one(&mut *tx)
                        .await?;
                changed.push(parent.0);
                join(&mut tx, parent, *item_id, published_at, now).await?;
            }
        }
        tx.commit().await?;
        Ok(changed)
    }

    async fn conversations(&self, f: &ConversationFilter) -> Result<Vec<Conversation>> {
        match self.find_conversations(f, Find::Page).await? {
            Found::Page(conversations) => Ok(conversations),
            Found::Count(..) => unreachable!("a page was asked for"),
        }
    }

    async fn count_conversations(&self, f: &ConversationFilter) -> Result<(i64, bool)> {
        match self.find_conversations(f, Find::Count).await? {
            Found::Count(count, more) => Ok((count, more)),
            Found::Page(_) => unreachable!("a count was asked for"),
        }
    }
    async fn conversation(
        &self,
        workspace_id: i64,
        id: i64,
    ) -> Result<Option<(Conversation, Vec<StoredItem>, Vec<ConversationEvent>)>> {
        let Some(conversation) = self.conversation_summary(workspace_id, id).await? else {
            return Ok(None);
        };
        let items = self.items_of_conversation(id).await?;
        let events = sqlx::query(
            "SELECT e.id, e.at, u.display_name AS actor, e.kind, e.detail FROM conversation_events e \
             LEFT JOIN users u ON u.id = e.actor_id WHERE e.conversation_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(ConversationEvent {
                id: r.try_get("id")?,
                at: r.try_get("at")?,
                actor: r.try_get("actor")?,
                kind: r.try_get("kind")?,
                detail: r.try_get("detail")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(Some((conversation, items, events)))
    }

    async fn change_conversation(
        &self,
        workspace_id: i64,
        id: i64,
        change: &ConversationChange,
        actor_id: Option<i64>,
        now: i64,
    ) -> Result<Conversation> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        // Read inside the transaction (locked on PostgreSQL; SQLite has one writer), so two
        // teammates changing it at once each see the other's change.
        let lock = match self.backend {
            crate::Backend::Sqlite => "",
            crate::Backend::Postgres => " FOR UPDATE",
        };
        let row = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT state FROM conversations WHERE workspace_id = $1 AND id = $2{lock}"
        )))
        .bind(workspace_id)
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound {
            what: "conversation",
        })?;
        let current_state: String = row.try_get("state")?;
        match change {
            ConversationChange::Assign(assignee) => {
                let name = match assignee {
                    Some(user) => Some(
                        sqlx::query_scalar::<_, String>(
                            "SELECT u.display_name FROM memberships m JOIN users u ON u.id = m.user_id \
                             WHERE m.workspace_id = $1 AND m.user_id = $2",
                        )
                        .bind(workspace_id)
                        .bind(*user)
                        .fetch_optional(&mut *tx)
                        .await?
                        .ok_or(StoreError::NotFound { what: "teammate" })?,
                    ),
                    None => None,
                };
                let state = State::parse(&current_state).unwrap_or(State::New);
                let next = after_assignment(state, *assignee);
                sqlx::query(
                    "UPDATE conversations SET assignee_id = $2, state = $3, updated_at = $4 WHERE id = $1",
                )
                .bind(id)
                .bind(*assignee)
                .bind(next.as_str())
                .bind(now)
                .execute(&mut *tx)
                .await?;
                record(
                    &mut tx,
                    id,
                    now,
                    actor_id,
                    "assigned",
                    name.as_deref().unwrap_or(""),
                )
                .await?;
                if next != state {
                    record(&mut tx, id, now, actor_id, "state", next.as_str()).await?;
                }
            }
            ConversationChange::State(state) => {
                sqlx::query(
                    "UPDATE conversations SET state = $2, updated_at = $3, \
                     resolved_at = CASE WHEN $2 = 'done' THEN $3 ELSE resolved_at END WHERE id = $1",
                )
                    .bind(id)
                    .bind(state)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                record(&mut tx, id, now, actor_id, "state", state).await?;
            }
            ConversationChange::Priority(priority) => {
                sqlx::query(
                    "UPDATE conversations SET priority = $2, updated_at = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(priority)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                record(&mut tx, id, now, actor_id, "priority", priority).await?;
            }
            ConversationChange::Routed(rule) => {
                record(&mut tx, id, now, actor_id, "routed", rule).await?;
            }
            ConversationChange::Label(label, add) => {
                if *add {
                    sqlx::query(
                        "INSERT INTO conversation_labels (conversation_id, workspace_id, label) \
                         VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                    )
                    .bind(id)
                    .bind(workspace_id)
                    .bind(label)
                    .execute(&mut *tx)
                    .await?;
                } else {
                    sqlx::query(
                        "DELETE FROM conversation_labels WHERE conversation_id = $1 AND label = $2",
                    )
                    .bind(id)
                    .bind(label)
                    .execute(&mut *tx)
                    .await?;
                }
                sqlx::query("UPDATE conversations SET updated_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                let kind = if *add { "labelled" } else { "unlabelled" };
                record(&mut tx, id, now, actor_id, kind, label).await?;
            }
            ConversationChange::Queue(queue) => {
                sqlx::query("UPDATE conversations SET queue = $2, updated_at = $3 WHERE id = $1")
                    .bind(id)
                    .bind(queue.clone())
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                record(
                    &mut tx,
                    id,
                    now,
                    actor_id,
                    "queue",
                    queue.as_deref().unwrap_or(""),
                )
                .await?;
            }
            ConversationChange::Spam => {
                sqlx::query(
                    "INSERT INTO conversation_labels (conversation_id, workspace_id, label) \
                     VALUES ($1, $2, 'spam') ON CONFLICT DO NOTHING",
                )
                .bind(id)
                .bind(workspace_id)
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "UPDATE conversations SET state = 'done', updated_at = $2, resolved_at = $2 WHERE id = $1",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                record(&mut tx, id, now, actor_id, "spam", "").await?;
            }
            ConversationChange::Note(text) => {
                sqlx::query("UPDATE conversations SET updated_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                record(&mut tx, id, now, actor_id, "note", text).await?;
            }
        }
        tx.commit().await?;
        drop(_writing);
        self.conversation_summary(workspace_id, id)
            .await?
            .ok_or(StoreError::NotFound {
                what: "conversation",
            })
    }

    async fn inbox_version(&self, workspace_id: i64, conversation_id: Option<i64>) -> Result<i64> {
        let version: i64 = match conversation_id {
            None => sqlx::query_scalar(
                "SELECT COALESCE(MAX(id), 0) FROM conversation_events WHERE workspace_id = $1",
            )
            .bind(workspace_id)
            .fetch_one(&self.pool)
            .await?,
            Some(id) => sqlx::query_scalar(
                "SELECT COALESCE(MAX(id), 0) FROM conversation_events WHERE workspace_id = $1 AND conversation_id = $2",
            )
            .bind(workspace_id)
            .bind(id)
            .fetch_one(&self.pool)
            .await?,
        };
        Ok(version)
    }

    async fn create_routing_rule(&self, r: &NewRoutingRule<'_>) -> Result<RoutingRule> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO routing_rules (workspace_id, name, conditions, action, enabled, created_at) \
             VALUES ($1, $2, $3, $4, 1, $5) RETURNING id",
        )
        .bind(r.workspace_id)
        .bind(r.name)
        .bind(r.conditions)
        .bind(r.action)
        .bind(r.now)
        .fetch_one(&self.pool)
        .await?;
        Ok(RoutingRule {
            id,
            workspace_id: r.workspace_id,
            name: r.name.to_owned(),
            conditions: r.conditions.to_owned(),
            action: r.action.to_owned(),
            enabled: true,
            created_at: r.now,
        })
    }

    async fn routing_rules(&self, workspace_id: i64) -> Result<Vec<RoutingRule>> {
        sqlx::query(
            "SELECT id, workspace_id, name, conditions, action, enabled, created_at FROM routing_rules \
             WHERE workspace_id = $1 ORDER BY id",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(routing_rule_row)
        .collect()
    }

    async fn all_enabled_routing_rules(&self) -> Result<Vec<RoutingRule>> {
        sqlx::query(
            "SELECT id, workspace_id, name, conditions, action, enabled, created_at FROM routing_rules \
             WHERE enabled = 1 ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(routing_rule_row)
        .collect()
    }

    async fn delete_routing_rule(&self, workspace_id: i64, id: i64) -> Result<()> {
        self.delete_in_workspace("routing_rules", workspace_id, id, "routing rule")
            .await
    }

    async fn inbox_labels(&self, workspace_id: i64) -> Result<Vec<String>> {
        // Distinct names straight from the label index.
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT label FROM conversation_labels WHERE workspace_id = $1 ORDER BY label",
        )
        .bind(workspace_id)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn inbox_mine(&self, workspace_id: i64, user_id: i64) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM conversations WHERE workspace_id = $1 \
             AND assignee_id = $2 AND state <> 'done' LIMIT $3) counted",
        )
        .bind(workspace_id)
        .bind(user_id)
        .bind(crate::COUNT_CAP + 1)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn inbox_views(&self, workspace_id: i64, user_id: i64) -> Result<Vec<InboxView>> {
        sqlx::query(
            "SELECT id, workspace_id, user_id, name, query, created_at FROM inbox_views \
             WHERE workspace_id = $1 AND (user_id IS NULL OR user_id = $2) ORDER BY name, id",
        )
        .bind(workspace_id)
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|r| {
            Ok(InboxView {
                id: r.try_get("id")?,
                workspace_id: r.try_get("workspace_id")?,
                user_id: r.try_get("user_id")?,
                name: r.try_get("name")?,
                query: r.try_get("query")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect()
    }

    async fn save_inbox_view(&self, v: &InboxView) -> Result<InboxView> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO inbox_views (workspace_id, user_id, name, query, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(v.workspace_id)
        .bind(v.user_id)
        .bind(&v.name)
        .bind(&v.query)
        .bind(v.created_at)
        .fetch_one(&self.pool)
        .await?;
        Ok(InboxView { id, ..v.clone() })
    }

    async fn delete_inbox_view(&self, workspace_id: i64, user_id: i64, id: i64) -> Result<()> {
        let done = sqlx::query(
            "DELETE FROM inbox_views WHERE workspace_id = $1 AND id = $2 AND (user_id IS NULL OR user_id = $3)",
        )
        .bind(workspace_id)
        .bind(id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound { what: "view" });
        }
        Ok(())
    }

    async fn unanswered_unwarned(&self, limit: i64) -> Result<Vec<Conversation>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            conversation_cols!(),
            " WHERE c.first_response_at IS NULL AND c.sla_warned_at IS NULL AND c.state <> 'done' \
             ORDER BY c.created_at LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(conversation_row).collect()
    }

    async fn mark_sla_warned(&self, conversation_id: i64, detail: &str, now: i64) -> Result<()> {
        let _writing = self.writing().await;
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE conversations SET sla_warned_at = $2 WHERE id = $1")
            .bind(conversation_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        record(&mut tx, conversation_id, now, None, "sla_warning", detail).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sla_policy(&self, workspace_id: i64) -> Result<Option<SlaPolicy>> {
        let row = sqlx::query(
            "SELECT first_response_minutes, resolution_minutes, warn_percent, hours FROM sla_policies \
             WHERE workspace_id = $1",
        )
        .bind(workspace_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SlaPolicy {
                first_response_minutes: r.try_get("first_response_minutes")?,
                resolution_minutes: r.try_get("resolution_minutes")?,
                warn_percent: r.try_get("warn_percent")?,
                hours: r.try_get("hours")?,
            })
        })
        .transpose()
    }

    async fn set_sla_policy(&self, workspace_id: i64, p: &SlaPolicy, now: i64) -> Result<()> {
        sqlx::query(
            "INSERT INTO sla_policies (workspace_id, first_response_minutes, resolution_minutes, warn_percent, hours, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id) DO UPDATE SET \
             first_response_minutes = excluded.first_response_minutes, resolution_minutes = excluded.resolution_minutes, \
             warn_percent = excluded.warn_percent, hours = excluded.hours, updated_at = excluded.updated_at",
        )
        .bind(workspace_id)
        .bind(p.first_response_minutes)
        .bind(p.resolution_minutes)
        .bind(p.warn_percent)
        .bind(&p.hours)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn conversations_since(
        &self,
        workspace_id: i64,
        since: i64,
    ) -> Result<Vec<Conversation>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            conversation_cols!(),
            " WHERE c.workspace_id = $1 AND c.created_at >= $2 ORDER BY c.created_at, c.id"
        ))
        .bind(workspace_id)
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(conversation_row).collect()
    }

    async fn inbox_counts(&self, workspace_id: i64, user_id: i64) -> Result<InboxCounts> {
        // One index range per state (conversations_queue) and the person's own range
        // (conversations_mine): no pass over the workspace's conversations.
        let state = |name: &'static str| {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM (SELECT 1 FROM conversations WHERE workspace_id = $1 \
                 AND state = $2 LIMIT $3) counted",
            )
            .bind(workspace_id)
            .bind(name)
            .bind(crate::COUNT_CAP + 1)
            .fetch_one(&self.pool)
        };
        let mine = self.inbox_mine(workspace_id, user_id);
        Ok(InboxCounts {
            new: state("new").await?,
            assigned: state("assigned").await?,
            waiting: state("waiting").await?,
            mine: mine.await?,
        })
    }
}
