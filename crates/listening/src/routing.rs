//! Routing rules at ingest: a new mention that meets a rule's conditions goes to the inbox,
//! assigned and prioritised as the rule says (the first rule that matches, by age). Replies
//! are not routed: they join their thread's conversation if it is in the inbox.

use jardinier_inbox::{Facts, RuleAction, RuleConditions};
use jardinier_store::{ConversationChange, NewItem, RoutingRule, Store, StoreError};

/// A stored rule, read: its conditions, its keywords parsed, its action.
pub struct LoadedRule {
    pub rule: RoutingRule,
    pub conditions: RuleConditions,
    pub keywords: Option<jardinier_query::Query>,
    pub action: RuleAction,
}

/// Reads a stored rule; `None` (with a warning) when it no longer reads.
pub fn load(rule: RoutingRule) -> Option<LoadedRule> {
    let conditions: RuleConditions = serde_json::from_str(&rule.conditions)
        .map_err(|e| tracing::warn!(rule_id = rule.id, error = %e, "routing rule skipped"))
        .ok()?;
    let action: RuleAction = serde_json::from_str(&rule.action)
        .map_err(|e| tracing::warn!(rule_id = rule.id, error = %e, "routing rule skipped"))
        .ok()?;
    let keywords = match conditions.keywords.as_deref() {
        Some(text) => Some(
            jardinier_query::parse(text)
                .map_err(|e| tracing::warn!(rule_id = rule.id, error = %e, "routing rule skipped"))
                .ok()?,
        ),
        None => None,
    };
    Some(LoadedRule {
        rule,
        conditions,
        keywords,
        action,
    })
}

/// The parts of a mention a rule reads, whether it is being stored or already archived.
pub struct Mention<'a> {
    pub workspace_id: i64,
    pub source_kind: &'a str,
    pub title: Option<&'a str>,
    pub body: &'a str,
    pub author_name: Option<&'a str>,
    pub author_handle: Option<&'a str>,
    pub site: Option<&'a str>,
    pub lang: Option<&'a str>,
    pub sentiment: Option<&'a str>,
    pub reach: Option<i64>,
    pub query_ids: &'a [i64],
    /// The author's profile's tags (looked up only when a rule asks).
    pub member_tags: &'a [String],
}

impl<'a> Mention<'a> {
    pub fn of_new(item: &'a NewItem, query_ids: &'a [i64]) -> Mention<'a> {
        Mention {
            workspace_id: item.workspace_id,
            source_kind: &item.source_kind,
            title: item.title.as_deref(),
            body: &item.body,
            author_name: item.author_name.as_deref(),
            author_handle: item.author_handle.as_deref(),
            site: item.site.as_deref(),
            lang: item.lang.as_deref(),
            sentiment: item.sentiment.as_deref(),
            reach: item.author_reach,
            query_ids,
            member_tags: &[],
        }
    }

    pub fn of_stored(item: &'a jardinier_store::StoredItem, workspace_id: i64) -> Mention<'a> {
        Mention {
            workspace_id,
            source_kind: &item.source_kind,
            title: item.title.as_deref(),
            body: &item.body,
            author_name: item.author_name.as_deref(),
            author_handle: item.author_handle.as_deref(),
            site: item.site.as_deref(),
            lang: item.lang.as_deref(),
            sentiment: item.sentiment.as_deref(),
            reach: item.author_reach,
            query_ids: &item.query_ids,
            member_tags: &[],
        }
    }
}

impl LoadedRule {
    /// Whether a mention meets the rule.
    pub fn applies_to(&self, m: &Mention) -> bool {
        let keywords_match = self.keywords.as_ref().is_some_and(|q| {
            q.matches(&crate::item_document(
                m.title,
                m.body,
                &crate::author_of(m.author_name, m.author_handle),
                m.site,
                m.lang,
                m.source_kind,
            ))
        });
        self.rule.workspace_id == m.workspace_id
            && self.conditions.holds(
                &Facts {
                    source_kind: m.source_kind,
                    query_ids: m.query_ids,
                    lang: m.lang,
                    sentiment: m.sentiment,
                    reach: m.reach,
                    member_tags: m.member_tags,
                },
                keywords_match,
            )
    }
}

/// Applies rules (read with [`load`]) to new mentions (id, item, matched saved searches): the
/// first rule of the mention's workspace that it meets, by age.
pub async fn route(
    store: &dyn Store,
    rules: &[LoadedRule],
    items: &[(i64, NewItem, Vec<i64>)],
    now: i64,
) -> Result<(), StoreError> {
    for (id, item, query_ids) in items {
        let mut mention = Mention::of_new(item, query_ids);
        // Tags are read from the author's profile only when a rule of the workspace asks.
        let tags = if rules.iter().any(|r| {
            r.rule.workspace_id == item.workspace_id && !r.conditions.member_tags.is_empty()
        }) {
            store
                .author_tags(
                    item.workspace_id,
                    &item.source_kind,
                    item.author_handle.as_deref(),
                )
                .await?
        } else {
            Vec::new()
        };
        mention.member_tags = &tags;
        let Some(rule) = rules.iter().find(|r| r.applies_to(&mention)) else {
            continue;
        };
        let ws = item.workspace_id;
        let conversation = store.send_to_inbox(ws, *id, None, now).await?;
        store
            .change_conversation(
                ws,
                conversation,
                &ConversationChange::Routed(rule.rule.name.clone()),
                None,
                now,
            )
            .await?;
        if let Some(user) = rule.action.assign_to {
            // A teammate who left since the rule was written: the conversation stays unassigned.
            match store
                .change_conversation(
                    ws,
                    conversation,
                    &ConversationChange::Assign(Some(user)),
                    None,
                    now,
                )
                .await
            {
                Ok(_) | Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        if let Some(priority) = rule
            .action
            .priority
            .as_deref()
            .and_then(jardinier_inbox::Priority::parse)
        {
            store
                .change_conversation(
                    ws,
                    conversation,
                    &ConversationChange::Priority(priority.as_str().to_owned()),
                    None,
                    now,
                )
                .await?;
        }
        let mut changes = Vec::new();
        if let Some(label) = rule.action.label.clone() {
            changes.push(ConversationChange::Label(label, true));
        }
        if let Some(queue) = rule.action.queue.clone() {
            changes.push(ConversationChange::Queue(Some(queue)));
        }
        if rule.action.spam {
            changes.push(ConversationChange::Spam);
        }
        for change in changes {
            store
                .change_conversation(ws, conversation, &change, None, now)
                .await?;
        }
    }
    Ok(())
}
