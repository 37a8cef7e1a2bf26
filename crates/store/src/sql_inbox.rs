//! [`InboxStore`] for [`SqlStore`].

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

fn conversation_row(row: &AnyRow) -> Result<Conversation> {
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
    Ok(())
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

    /// Reads the labels of these conversations (one query).
    pub(crate) async fn fill_labels(&self, conversations: &mut [Conversation]) -> Result<()> {
        let (Some(min), Some(max)) = (
            conversations.iter().map(|c| c.id).min(),
            conversations.iter().map(|c| c.id).max(),
        ) else {
            return Ok(());
        };
        let workspace_id = conversations[0].workspace_id;
        let rows = sqlx::query(
            "SELECT conversation_id, label FROM conversation_labels \
             WHERE workspace_id = $1 AND conversation_id >= $2 AND conversation_id <= $3 ORDER BY label",
        )
        .bind(workspace_id)
        .bind(min)
        .bind(max)
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
        let mut out = Vec::new();
        for member in members {
            let rows = sqlx::query(concat!(
                "SELECT ",
                conversation_cols!(),
                " WHERE c.workspace_id = $1 AND c.member_id = $2"
            ))
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
                     VALUES ($1, $2, $3, $4, $5, 'new', 'normal', NULL, $6, $6, $7, $8) RETURNING id",
                )
                .bind(workspace_id)
                .bind(&channel)
                .bind(jardinier_inbox::subject(title.as_deref(), &body))
                .bind(item.try_get::<Option<String>, _>("author_name")?)
                .bind(item.try_get::<Option<String>, _>("author_handle")?)
                .bind(now)
                .bind(published_at)
                .bind(member)
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
            "SELECT COUNT(*) FROM conversations WHERE workspace_id = $1 AND assignee_id = $2 \
             AND state <> 'done'",
        )
        .bind(workspace_id)
        .bind(user_id)
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
                "SELECT COUNT(*) FROM conversations WHERE workspace_id = $1 AND state = $2",
            )
            .bind(workspace_id)
            .bind(name)
            .fetch_one(&self.pool)
        };
        let mine = sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM conversations WHERE workspace_id = $1 AND assignee_id = $2 \
             AND state <> 'done'",
        )
        .bind(workspace_id)
        .bind(user_id)
        .fetch_one(&self.pool);
        Ok(InboxCounts {
            new: state("new").await?,
            assigned: state("assigned").await?,
            waiting: state("waiting").await?,
            mine: mine.await?,
        })
    }
}

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

/// What `find_conversations` is asked for.
#[derive(Clone, Copy, PartialEq)]
enum Find {
    Page,
    Count,
}

enum Found {
    Page(Vec<Conversation>),
    /// Conversations found (at most `COUNT_CAP`), and whether there are more.
    Count(i64, bool),
}

/// A search's total is counted up to this many conversations ("more than 1,000").
const COUNT_CAP: i64 = 1_000;
/// ... among the conversations of at most this many of the newest matching messages.
const COUNT_MESSAGES: i64 = 2_000;

impl SqlStore {
    async fn find_conversations(&self, f: &ConversationFilter, find: Find) -> Result<Found> {
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
            searches.push(format!(
                "SELECT ci.conversation_id FROM ({newest}) AS newest \
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
                searches.push(person.clone());
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
            let used = placeholders(&sql);
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for bind in binds.iter().take(used).cloned() {
                query = match bind {
                    Bind::Int(v) => query.bind(v),
                    Bind::Text(v) => query.bind(v),
                };
            }
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
                let counting = format!("SELECT COUNT(*) FROM ({newest}) AS m");
                let used = placeholders(&counting);
                let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(counting));
                for bind in binds.iter().take(used).cloned() {
                    count = match bind {
                        Bind::Int(v) => count.bind(v),
                        Bind::Text(v) => count.bind(v),
                    };
                }
                truncated |= count.fetch_one(&self.pool).await? >= match_limit;
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
    async fn count_found(
        &self,
        sql: String,
        mut binds: Vec<Bind>,
        match_limit_bind: Option<usize>,
        newest_sql: Vec<String>,
    ) -> Result<Found> {
        fn bound<'q>(
            sql: String,
            binds: &[Bind],
        ) -> sqlx::query::QueryScalar<'q, sqlx::Any, i64, sqlx::any::AnyArguments> {
            let used = placeholders(&sql);
            let mut query = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql));
            for bind in binds.iter().take(used).cloned() {
                query = match bind {
                    Bind::Int(v) => query.bind(v),
                    Bind::Text(v) => query.bind(v),
                };
            }
            query
        }
        let mut more = false;
        if let Some(i) = match_limit_bind {
            binds[i] = Bind::Int(COUNT_MESSAGES);
            for newest in newest_sql {
                let read = bound(format!("SELECT COUNT(*) FROM ({newest}) AS m"), &binds)
                    .fetch_one(&self.pool)
                    .await?;
                more |= read >= COUNT_MESSAGES;
            }
        }
        let count = bound(
            format!(
                "SELECT COUNT(*) FROM ({sql} LIMIT {}) AS found",
                COUNT_CAP + 1
            ),
            &binds,
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(Found::Count(
            count.min(COUNT_CAP),
            more || count > COUNT_CAP,
        ))
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
